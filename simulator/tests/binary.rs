//! The `supabase-simulator` binary: one stdout line, the helper routes and a
//! clean exit on SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use common::*;
use http::Method;
use serde_json::Value;

struct Running {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    url: String,
}

fn spawn(args: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_supabase-simulator"))
        .args(args)
        .env_remove("SIM_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the binary");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let url = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .trim_end()
        .to_owned();
    Running { child, stdout, url }
}

fn port(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

fn terminate(mut running: Running) {
    let status = Command::new("kill")
        .args(["-TERM", &running.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = running.child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
    let mut rest = String::new();
    running.stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
}

#[tokio::test]
async fn http_binary_serves_api_and_helpers() {
    let running = spawn(&["--token", TOKEN, "--project", REF, "--rate-limit", "50/60"]);
    assert!(
        running.url.starts_with("http://127.0.0.1:"),
        "{}",
        running.url
    );
    let addr: SocketAddr = ([127, 0, 0, 1], port(&running.url)).into();

    let created = try_send_to(
        addr,
        None,
        Method::POST,
        &format!("{}?reveal=true", keys_path(REF)),
        Some(TOKEN),
        Some(r#"{"type":"secret","name":"demo_key"}"#),
    )
    .await
    .unwrap();
    assert_eq!(created.status, 201);
    assert_eq!(created.header("x-ratelimit-limit"), Some("50"));
    let issued = created.json()["api_key"].as_str().unwrap().to_owned();

    let keys = try_send_to(
        addr,
        None,
        Method::GET,
        &format!("/_sim/keys/{REF}"),
        None,
        None,
    )
    .await
    .unwrap()
    .json();
    assert_eq!(keys.as_array().unwrap().len(), 1);
    assert_eq!(keys[0]["api_key"], issued.as_str());
    assert_eq!(keys[0]["type"], "secret");

    let log = try_send_to(addr, None, Method::GET, "/_sim/requests", None, None)
        .await
        .unwrap()
        .json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 1, "helper requests are not logged");
    assert_eq!(log[0]["method"], "POST");
    assert_eq!(log[0]["status"], 201);
    assert_eq!(log[0]["reveal"], true);
    assert_ne!(log[0]["started_ms"], Value::Null);
    assert!(!log[0].to_string().contains(TOKEN));

    terminate(running);
}

#[tokio::test]
async fn https_binary_writes_its_ca() {
    let ca_path = std::env::temp_dir().join(format!("sim-ca-{}.pem", std::process::id()));
    let ca_arg = ca_path.to_str().unwrap().to_owned();
    let running = spawn(&[
        "--https",
        "--ca-out",
        &ca_arg,
        "--token",
        TOKEN,
        "--project",
        REF,
    ]);
    assert!(
        running.url.starts_with("https://localhost:"),
        "{}",
        running.url
    );
    let pem = std::fs::read_to_string(&ca_path).unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port(&running.url)).into();
    let reply = try_send_to(
        addr,
        Some(&pem),
        Method::GET,
        &keys_path(REF),
        Some(TOKEN),
        None,
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200);
    let _ = std::fs::remove_file(&ca_path);
    terminate(running);
}

#[test]
fn bad_arguments_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_supabase-simulator"))
        .args(["--project", "NOT_A_REF"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}
