//! go-plugin's start-up contract: the magic cookie, protocol version negotiation and the one
//! handshake line on stdout.

use std::io::Write;

use base64::Engine;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const PROTOCOL_VERSION: u32 = 6;

/// Refuses to run outside Terraform, as go-plugin does.
pub fn check_cookie() -> Result<(), String> {
    match std::env::var(MAGIC_COOKIE_KEY) {
        Ok(value) if value == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(
            "This binary is a Terraform provider plugin and is not meant to be run \
                  directly. Terraform starts it when a configuration uses the provider: run \
                  `terraform init` and `terraform plan` instead. To debug it, run it with \
                  --debug."
                .to_string(),
        ),
    }
}

/// Picks protocol 6 from the versions Terraform offers (`PLUGIN_PROTOCOL_VERSIONS`, e.g. "5,6").
pub fn negotiate_version(offered: Option<&str>) -> Result<u32, String> {
    let Some(offered) = offered.filter(|o| !o.trim().is_empty()) else {
        return Ok(PROTOCOL_VERSION);
    };
    let speaks_6 = offered
        .split(',')
        .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
    if speaks_6 {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(format!(
            "This provider speaks plugin protocol 6 only, but the program that started it \
             offered protocol versions {offered:?}. Use Terraform 1.0 or later (or OpenTofu)."
        ))
    }
}

/// `CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT`: exactly six fields, the certificate as unpadded
/// standard base64 of its DER (empty without TLS).
pub fn handshake_line(network: &str, address: &str, cert_der: Option<&[u8]>) -> String {
    let cert = cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("1|{PROTOCOL_VERSION}|{network}|{address}|grpc|{cert}\n")
}

pub fn print_line(line: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(line.as_bytes())?;
    stdout.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_6_when_offered() {
        assert_eq!(negotiate_version(Some("5,6")), Ok(6));
        assert_eq!(negotiate_version(Some("6")), Ok(6));
        assert_eq!(negotiate_version(None), Ok(6));
        let error = negotiate_version(Some("5")).unwrap_err();
        assert!(error.contains("protocol 6"), "{error}");
    }

    #[test]
    fn handshake_line_has_six_fields_and_raw_base64() {
        let line = handshake_line("unix", "/tmp/x/plugin.sock", Some(&[0xff, 0xee]));
        assert_eq!(line, "1|6|unix|/tmp/x/plugin.sock|grpc|/+4\n");
        assert_eq!(line.trim_end().split('|').count(), 6);
        assert!(handshake_line("tcp", "127.0.0.1:1", None).ends_with("|grpc|\n"));
    }
}
