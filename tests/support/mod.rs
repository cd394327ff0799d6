pub mod acceptance;
pub mod keys;
pub mod plugin;
pub mod scale;
pub mod terraform;
