//! HTTPS mode: a generated CA, a leaf for localhost and 127.0.0.1.

mod common;

use common::*;
use rustls::pki_types::ServerName;
use supabase_simulator::SimulatorConfig;
use tokio::net::TcpStream;

fn https() -> SimulatorConfig {
    SimulatorConfig {
        https: true,
        rate_limit: None,
        ..SimulatorConfig::default()
    }
}

#[tokio::test]
async fn serves_the_api_over_tls() {
    let sim = start(https()).await;
    let url = sim.base_url();
    assert!(url.starts_with("https://localhost:"), "{url}");
    assert!(url.ends_with(&sim.local_addr().port().to_string()));
    let pem = sim.ca_pem().expect("a CA in HTTPS mode");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let key = create(&sim, "secret", "over_tls").await;
    assert_eq!(key["api_key"], sim.keys(REF)[0].api_key.as_str());
}

#[tokio::test]
async fn certificate_is_valid_for_127_0_0_1_and_only_with_the_ca() {
    let sim = start(https()).await;
    let pem = sim.ca_pem().unwrap();
    let ip = ServerName::try_from("127.0.0.1").unwrap();
    let tcp = TcpStream::connect(sim.local_addr()).await.unwrap();
    tls_connector(&pem)
        .connect(ip.clone(), tcp)
        .await
        .expect("valid for 127.0.0.1");

    let tcp = TcpStream::connect(sim.local_addr()).await.unwrap();
    let wrong = tls_connector(&pem)
        .connect(ServerName::try_from("example.com").unwrap(), tcp)
        .await;
    assert!(wrong.is_err(), "not valid for other names");

    let other = start(https()).await;
    let tcp = TcpStream::connect(sim.local_addr()).await.unwrap();
    let untrusted = tls_connector(&other.ca_pem().unwrap())
        .connect(ip, tcp)
        .await;
    assert!(untrusted.is_err(), "each instance has its own CA");
}

#[tokio::test]
async fn plain_http_mode_has_no_ca() {
    let sim = start(no_rate_limit()).await;
    assert!(sim.ca_pem().is_none());
    assert!(sim.base_url().starts_with("http://127.0.0.1:"));
}
