//! A minimal HTTP/1.1 client (one connection per request) and fixtures.
#![allow(dead_code)]

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use supabase_simulator::{Permissions, RateLimit, Simulator, SimulatorConfig};
use tokio::net::TcpStream;

pub const REF: &str = "abcdefghijklmnopqrst";
pub const OTHER_REF: &str = "zyxwvutsrqponmlkjihg";
pub const TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";

pub fn project_path(project_ref: &str) -> String {
    format!("/v1/projects/{project_ref}")
}

pub fn keys_path(project_ref: &str) -> String {
    format!("/v1/projects/{project_ref}/api-keys")
}

pub fn key_path(project_ref: &str, id: &str) -> String {
    format!("/v1/projects/{project_ref}/api-keys/{id}")
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .expect("a message")
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request on a fresh connection. `Err` when no answer came.
pub async fn try_send(
    sim: &Simulator,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<Reply, hyper::Error> {
    try_send_to(
        sim.local_addr(),
        sim.ca_pem().as_deref(),
        method,
        path,
        token,
        body,
    )
    .await
}

/// Like [`try_send`], to any address; HTTPS (SNI `localhost`) when a CA is given.
pub async fn try_send_to(
    addr: std::net::SocketAddr,
    ca_pem: Option<&str>,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<Reply, hyper::Error> {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header("host", format!("localhost:{}", addr.port()));
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
        .expect("request");
    match ca_pem {
        None => exchange(TokioIo::new(tcp), request).await,
        Some(pem) => {
            let tls = tls_connector(pem)
                .connect(ServerName::try_from("localhost").unwrap(), tcp)
                .await
                .expect("TLS handshake");
            exchange(TokioIo::new(tls), request).await
        }
    }
}

pub fn tls_connector(ca_pem: &str) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("PEM")).expect("root");
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn exchange<I>(io: I, request: Request<Full<Bytes>>) -> Result<Reply, hyper::Error>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await?.to_bytes();
    Ok(Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

pub async fn send(
    sim: &Simulator,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    try_send(sim, method, path, token, body)
        .await
        .expect("an answer")
}

pub async fn get(sim: &Simulator, path: &str) -> Reply {
    send(sim, Method::GET, path, Some(TOKEN), None).await
}

pub async fn post(sim: &Simulator, path: &str, body: &str) -> Reply {
    send(sim, Method::POST, path, Some(TOKEN), Some(body)).await
}

pub async fn patch(sim: &Simulator, path: &str, body: &str) -> Reply {
    send(sim, Method::PATCH, path, Some(TOKEN), Some(body)).await
}

pub async fn delete(sim: &Simulator, path: &str) -> Reply {
    send(sim, Method::DELETE, path, Some(TOKEN), None).await
}

/// Creates a key through the API with `reveal=true` and returns the answer.
pub async fn create(sim: &Simulator, key_type: &str, name: &str) -> Value {
    let reply = post(
        sim,
        &format!("{}?reveal=true", keys_path(REF)),
        &format!(r#"{{"type":"{key_type}","name":"{name}"}}"#),
    )
    .await;
    assert_eq!(reply.status, 201, "{:?}", reply.body);
    reply.json()
}

pub fn config() -> SimulatorConfig {
    SimulatorConfig::default()
}

pub fn no_rate_limit() -> SimulatorConfig {
    SimulatorConfig {
        rate_limit: None,
        ..SimulatorConfig::default()
    }
}

pub fn rate_limited(requests_per_window: u32, window: std::time::Duration) -> SimulatorConfig {
    SimulatorConfig {
        rate_limit: Some(RateLimit {
            requests_per_window,
            window,
        }),
        ..SimulatorConfig::default()
    }
}

/// A simulator with project [`REF`] and the full-permission [`TOKEN`].
pub async fn start(config: SimulatorConfig) -> Simulator {
    let sim = Simulator::start(config).await.expect("start");
    sim.add_project(REF);
    sim.add_token(TOKEN, Permissions::all());
    sim
}

/// Whether the error (or its sources) is an I/O connection reset.
pub fn is_reset(error: &hyper::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionReset;
        }
        source = e.source();
    }
    false
}
