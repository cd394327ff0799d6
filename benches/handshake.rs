//! `make bench`: start-up figures for this build, with AutoMTLS on as Terraform runs it.
//! Prints medians over RUNS starts: exec to handshake line, RSS after the handshake (idle) and
//! after GetProviderSchema + ConfigureProvider, and Shutdown to exit.

#[path = "../tests/support/plugin.rs"]
mod plugin;

use std::time::{Duration, Instant};

use plugin::{tfplugin6 as pb, Plugin};
use terraform_provider_supabase::plugin::framework::Provider;
use terraform_provider_supabase::plugin::value::{encode_msgpack, Type, Value};
use terraform_provider_supabase::provider::SupabaseProvider;

const RUNS: usize = 25;

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn median<T: Ord + Copy>(mut values: Vec<T>) -> T {
    values.sort();
    values[values.len() / 2]
}

fn provider_config() -> pb::DynamicValue {
    let ty = SupabaseProvider::default().schema().value_type();
    let Type::Object { attrs, .. } = &ty else {
        unreachable!("a provider schema is an object")
    };
    let value = Value::object(attrs.keys().map(|name| {
        let value = match name.as_str() {
            "access_token" => Value::String("sbp_bench".into()),
            "endpoint" => Value::String("http://127.0.0.1:9".into()),
            _ => Value::Null,
        };
        (name.clone(), value)
    }));
    pb::DynamicValue {
        msgpack: encode_msgpack(&value, &ty).expect("encode"),
        json: Vec::new(),
    }
}

#[tokio::main]
async fn main() {
    let mut handshake = Vec::new();
    let mut idle_rss = Vec::new();
    let mut configured_rss = Vec::new();
    let mut exit = Vec::new();
    // `make bench` names the build-release binary: `cargo bench` relinks the one in
    // target/release with the dev-dependencies' features merged in.
    let program = std::env::var("BENCH_PROVIDER").unwrap_or_else(|_| plugin::binary().to_owned());
    for _ in 0..RUNS {
        let cert = plugin::ClientCert::terraform_like();
        let started = Instant::now();
        let command = Plugin::command_for(&program, Some(&cert));
        let mut process = Plugin::spawn(command, Some(cert)).await;
        handshake.push(started.elapsed());
        let pid = process.pid();
        idle_rss.push(rss_kib(pid));
        let mut client = process.provider().await;
        client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await
            .expect("schema");
        let configured = client
            .configure_provider(pb::configure_provider::Request {
                terraform_version: "1.11.4".into(),
                config: Some(provider_config()),
                client_capabilities: None,
            })
            .await
            .expect("configure")
            .into_inner();
        assert!(
            configured.diagnostics.is_empty(),
            "{:?}",
            configured.diagnostics
        );
        configured_rss.push(rss_kib(pid));
        let stopping = Instant::now();
        process.shutdown().await;
        process.child.wait().await.expect("exit");
        exit.push(stopping.elapsed());
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "terraform-provider-supabase start-up, {RUNS} runs, medians (AutoMTLS on, unix socket)"
    );
    println!(
        "  exec to handshake line:          {:.2} ms",
        ms(median(handshake))
    );
    println!(
        "  RSS after handshake (idle):      {:.1} MiB",
        median(idle_rss) as f64 / 1024.0
    );
    println!(
        "  RSS after ConfigureProvider:     {:.1} MiB",
        median(configured_rss) as f64 / 1024.0
    );
    println!(
        "  Shutdown to process exit:        {:.2} ms",
        ms(median(exit))
    );
}
