//! What the release tests (install_release, release_linux_arm64) check a release against,
//! worked out independently of scripts/: the file name in a zip, Terraform's `h1:` hash of a
//! package, a configuration pinned to this version, and an environment that keeps
//! `terraform init` off the network.

#![allow(dead_code)]

use std::path::Path;

use base64::Engine;

use super::terraform::{assert_success, text, SOURCE_ADDRESS};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Any attempt to reach a registry fails at once instead of going to the internet.
pub const OFFLINE: &[(&str, &str)] = &[
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("HTTP_PROXY", "http://127.0.0.1:9"),
];

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The file name inside a release zip and in the unpacked mirror layout.
pub fn executable_name() -> String {
    format!("terraform-provider-supabase_v{VERSION}")
}

/// The sha256 of a file, in hex, as `sha256sum` prints it.
pub fn sha256_hex(path: &Path) -> String {
    let output = std::process::Command::new("sha256sum")
        .arg(path)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("sha256sum runs");
    assert_success(&output, "sha256sum");
    text(&output.stdout)
        .split_whitespace()
        .next()
        .expect("a sha256sum line")
        .to_string()
}

/// Terraform's `h1:` hash (Go's dirhash Hash1) of a package holding `binary` as its one file,
/// [`executable_name`]: base64 of the sha256 of "<sha256 hex>  <name>\n".
pub fn expected_h1(binary: &Path) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = dir.path().join("summary");
    std::fs::write(
        &summary,
        format!("{}  {}\n", sha256_hex(binary), executable_name()),
    )
    .expect("write summary");
    let hex = sha256_hex(&summary);
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect();
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A configuration that requires exactly this version, then `body`.
pub fn pinned_config(body: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    supabase = {{
      source  = "{SOURCE_ADDRESS}"
      version = "{VERSION}"
    }}
  }}
}}

provider "supabase" {{}}
{body}"#
    )
}
