pub mod acceptance;
pub mod plugin;
pub mod scale;
pub mod terraform;
