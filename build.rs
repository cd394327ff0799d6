//! Compiles the protocol definitions in `proto/` with a pure-Rust compiler (protox), so a fresh
//! machine needs no system `protoc`. The encoded descriptor set is kept for the field-table test.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "proto/tfplugin6.proto",
    "proto/grpc_controller.proto",
    "proto/grpc_stdio.proto",
    "proto/grpc_broker.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }
    let descriptors = protox::compile(PROTOS, ["proto"])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("plugin_descriptor.bin"),
        prost::Message::encode_to_vec(&descriptors),
    )?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Clients take any channel (tests dial the socket themselves); no transport helpers.
        .build_transport(false)
        .compile_fds(descriptors)?;
    Ok(())
}
