pub mod acceptance;
pub mod key_resource;
pub mod keys;
pub mod plugin;
pub mod rpc;
pub mod scale;
pub mod terraform;
