//! What the release tests (install_release, release_linux_arm64, release_darwin) check a
//! release against, worked out independently of scripts/: the file name in a zip, the members of
//! a zip, Terraform's `h1:` hash of a package, a configuration pinned to this version, and an
//! environment that keeps `terraform init` off the network.

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
    expected_h1_as(binary, &executable_name())
}

/// [`expected_h1`] of a package holding `binary` under the file name `name` (with `.exe` on
/// Windows).
pub fn expected_h1_as(binary: &Path, name: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = dir.path().join("summary");
    std::fs::write(&summary, format!("{}  {name}\n", sha256_hex(binary))).expect("write summary");
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

/// One member of a zip, as its central directory records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipEntry {
    pub name: String,
    /// The Unix mode (type and permission bits) in the upper half of the external attributes,
    /// when the entry was made on Unix (version made by: 3); else `None`.
    pub unix_mode: Option<u32>,
}

/// The members of the zip at `path`, read from its central directory (no unzip involved, so
/// what Terraform reads is what is checked).
pub fn zip_entries(path: &Path) -> Vec<ZipEntry> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]) as usize;
    let u32_at =
        |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    // The end of central directory record: 22 bytes, then a comment of up to 65,535.
    assert!(
        bytes.len() >= 22,
        "{} is too short for a zip",
        path.display()
    );
    let end = (0..=bytes.len() - 22)
        .rev()
        .take(22 + 65_535)
        .find(|&i| bytes[i..i + 4] == *b"PK\x05\x06")
        .unwrap_or_else(|| panic!("{}: no end of central directory record", path.display()));
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16) as usize;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        assert_eq!(
            &bytes[at..at + 4],
            b"PK\x01\x02",
            "{}: a central directory header at {at}",
            path.display()
        );
        let made_on_unix = bytes[at + 5] == 3;
        let (name_len, extra_len, comment_len) =
            (u16_at(at + 28), u16_at(at + 30), u16_at(at + 32));
        let external = u32_at(at + 38);
        let name = String::from_utf8_lossy(&bytes[at + 46..at + 46 + name_len]).into_owned();
        entries.push(ZipEntry {
            name,
            unix_mode: made_on_unix.then_some(external >> 16),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    entries
}

/// Unzips `zip` into `dir` (created if needed) with `unzip`.
pub fn unzip(zip: &Path, dir: &Path) {
    let output = std::process::Command::new("unzip")
        .args(["-q", "-o"])
        .arg(zip)
        .arg("-d")
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("unzip runs");
    assert_success(&output, &format!("unzip {}", zip.display()));
}
