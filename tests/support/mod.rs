pub mod acceptance;
pub mod plugin;
pub mod terraform;
