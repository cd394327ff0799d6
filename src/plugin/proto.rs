//! Code generated at build time from `proto/` (see `build.rs`).

/// The compiled descriptors of every file in `proto/`, as a prost-encoded `FileDescriptorSet`;
/// the field-table test holds them against the published protocol.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/plugin_descriptor.bin"));

#[allow(clippy::all, clippy::pedantic)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

#[allow(clippy::all, clippy::pedantic)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
