//! AutoMTLS as go-plugin does it: Terraform passes its client certificate (ECDSA P-521) in
//! `PLUGIN_CLIENT_CERT`; we generate a server certificate for "localhost", send it in the
//! handshake line, and require the client to present exactly Terraform's certificate.
//!
//! The client certificate is pinned rather than chain-verified: it is a self-signed CA
//! certificate used as an end-entity, which WebPKI rejects by design. Pinning its exact bytes
//! and verifying the handshake signature with its key is the stricter check.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{aws_lc_rs, CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio_rustls::TlsAcceptor;

pub struct ServerTls {
    pub acceptor: TlsAcceptor,
    pub cert_der: Vec<u8>,
}

/// One crypto provider for the whole process: aws-lc-rs, which also verifies P-521.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(aws_lc_rs::default_provider())
}

/// TLS settings from the environment: None when Terraform asked for plaintext.
pub fn from_environment() -> Result<Option<ServerTls>, String> {
    if std::env::var_os("TF_DISABLE_PLUGIN_TLS").is_some_and(|v| !v.is_empty()) {
        return Ok(None);
    }
    match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => server_tls(&pem).map(Some),
        _ => Ok(None),
    }
}

pub fn server_tls(client_cert_pem: &str) -> Result<ServerTls, String> {
    let client_cert = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| format!("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {e}"))?;
    let (cert_der, key) = generate_server_cert()?;
    let provider = crypto_provider();
    let verifier = PinnedClientCert {
        expected: client_cert.into_owned(),
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(vec![CertificateDer::from(cert_der.clone())], key)
        .map_err(|e| format!("TLS setup failed: {e}"))?;
    // gRPC clients (grpc-go >= 1.67 among them) require HTTP/2 negotiated through ALPN.
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(ServerTls {
        acceptor: TlsAcceptor::from(Arc::new(config)),
        cert_der,
    })
}

/// A self-signed certificate for "localhost", shaped like go-plugin's own: Terraform uses it as
/// both the trusted root and the server's leaf.
fn generate_server_cert() -> Result<(Vec<u8>, PrivateKeyDer<'static>), String> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("could not generate the server key: {e}"))?;
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.subject_alt_names = vec![SanType::DnsName(
        "localhost".try_into().map_err(|e| format!("{e}"))?,
    )];
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ClientAuth,
        ExtendedKeyUsagePurpose::ServerAuth,
    ];
    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("could not sign the server certificate: {e}"))?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().to_vec(), key_der))
}

#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn aws_lc_rs_verifies_p521_as_terraform_signs() {
        let schemes = super::crypto_provider()
            .signature_verification_algorithms
            .supported_schemes();
        assert!(schemes.contains(&rustls::SignatureScheme::ECDSA_NISTP521_SHA512));
    }
}
