//! Which certificate authorities HTTPS trusts: the system's, plus a private CA named by
//! `SSL_CERT_FILE`.
//!
//! reqwest's verifier (rustls-platform-verifier) reads `SSL_CERT_FILE` itself on Linux
//! and the BSDs, where it then replaces the system bundle as OpenSSL's does. On macOS
//! and Windows it asks the OS, which ignores the variable; adding the file's
//! certificates as extra roots makes the variable work everywhere, and reading it here
//! turns a wrong path into a clear error instead of an unknown-issuer failure later.

use std::ffi::OsStr;
use std::path::Path;

use super::errors::ApiError;

pub const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

/// The certificates of `SSL_CERT_FILE`, if it is set.
pub(crate) fn extra_roots() -> Result<Vec<reqwest::Certificate>, ApiError> {
    match std::env::var_os(CERT_FILE_ENV) {
        Some(path) if !path.is_empty() => load(Path::new(&path)),
        _ => Ok(Vec::new()),
    }
}

fn load(path: &Path) -> Result<Vec<reqwest::Certificate>, ApiError> {
    let pem = std::fs::read(path).map_err(|e| {
        ApiError::config(format!(
            "{CERT_FILE_ENV}={} cannot be read ({e}); point it to a PEM file of trusted CA \
             certificates, or unset it",
            path.display()
        ))
    })?;
    parse(path.as_os_str(), &pem)
}

fn parse(path: &OsStr, pem: &[u8]) -> Result<Vec<reqwest::Certificate>, ApiError> {
    let bad = |why: &str| {
        ApiError::config(format!(
            "{CERT_FILE_ENV}={} {why}; it must hold PEM certificates \
             (-----BEGIN CERTIFICATE-----)",
            Path::new(path).display()
        ))
    };
    match reqwest::Certificate::from_pem_bundle(pem) {
        Ok(certs) if certs.is_empty() => Err(bad("holds no certificate")),
        Ok(certs) => Ok(certs),
        Err(_) => Err(bad("holds a certificate that cannot be parsed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::ErrorKind;

    #[test]
    fn unreadable_or_empty_files_are_config_errors() {
        let e = load(Path::new("/nonexistent/ca.pem")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("/nonexistent/ca.pem"));
        let e = parse(OsStr::new("x.pem"), b"not a certificate").unwrap_err();
        assert!(e.to_string().contains("holds no certificate"));
    }

    #[test]
    fn reads_a_pem_bundle() {
        let ca = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let pem = format!("{}\n{}", ca.cert.pem(), ca.cert.pem());
        assert_eq!(parse(OsStr::new("x.pem"), pem.as_bytes()).unwrap().len(), 2);
    }
}
