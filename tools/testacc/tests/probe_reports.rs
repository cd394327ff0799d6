//! The probe (`make probe-api`) run against the simulator, over HTTPS on a real socket, and the
//! simulator held to every report committed in `tests/probe-reports/`: the simulator's own
//! report must agree, a doctored copy (`doctored/`) must not, and the day a maintainer commits a
//! report from the real API, the simulator is held to that too.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use supabase_simulator::{KeySeed, Permissions, Simulator, SimulatorConfig};

const PROJECT: &str = "abcdefghijklmnopqrst";
const TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";

fn reports(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    found.sort();
    found
}

fn tool(args: &[&str], env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_supabase-acc"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("supabase-acc runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_agrees_with_every_committed_report_and_not_with_a_doctored_one() {
    let sim = Simulator::start(SimulatorConfig {
        https: true,
        ..Default::default()
    })
    .await
    .expect("simulator starts");
    sim.add_project(PROJECT);
    sim.add_token(TOKEN, Permissions::all());
    let defaults = [
        sim.seed_key(PROJECT, KeySeed::publishable("default")),
        sim.seed_key(PROJECT, KeySeed::secret("default")),
    ];
    let work = tempfile::tempdir().expect("temp dir");
    let ca = work.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem().expect("a CA")).expect("write CA");
    let observed = work.path().join("observed.json");
    let endpoint = sim.base_url();
    let env = [
        ("SUPABASE_API_ENDPOINT", endpoint.as_str()),
        ("SUPABASE_ACCESS_TOKEN", TOKEN),
        ("SUPABASE_ACC_PROJECT_REF", PROJECT),
        ("SSL_CERT_FILE", ca.to_str().expect("utf-8 path")),
    ];
    let observed_path = observed.to_str().expect("utf-8 path");
    // The probe runs as a maintainer runs it; it blocks, so off the simulator's runtime.
    let probed = tokio::task::spawn_blocking({
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let out = observed_path.to_owned();
        move || {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            tool(&["probe", &out], &env)
        }
    })
    .await
    .expect("probe thread");
    assert!(
        probed.status.success(),
        "the probe failed:\n{}{}",
        text(&probed.stdout),
        text(&probed.stderr)
    );
    assert!(text(&probed.stdout).contains("duplicate_secret_name"));

    // It made only prefixed keys, deleted all of them, and left the project's own alone.
    let keys = sim.keys(PROJECT);
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        ids,
        defaults.iter().map(|k| k.id.as_str()).collect::<Vec<_>>()
    );
    let touched: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.method != http::Method::GET && r.method != http::Method::POST)
        .filter(|r| defaults.iter().any(|k| r.path.ends_with(&k.id)))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        touched.is_empty(),
        "the probe touched the project's keys: {touched:?}"
    );
    let report = std::fs::read_to_string(&observed).expect("the report");
    assert!(!report.contains(TOKEN), "the report holds the token");
    for key in &defaults {
        assert!(
            !report.contains(&key.api_key),
            "the report holds a key value"
        );
    }

    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/probe-reports");
    let agreeing = reports(&committed);
    assert!(
        agreeing.iter().any(|p| p.ends_with("simulator.json")),
        "the simulator's own report is committed in {}",
        committed.display()
    );
    for expected in &agreeing {
        let compared = tool(&["compare", expected.to_str().unwrap(), observed_path], &[]);
        assert!(
            compared.status.success(),
            "the simulator differs from {}:\n{}{}",
            expected.display(),
            text(&compared.stdout),
            text(&compared.stderr)
        );
    }
    let doctored = reports(&committed.join("doctored"));
    assert!(!doctored.is_empty(), "a doctored report is committed");
    for expected in &doctored {
        let compared = tool(&["compare", expected.to_str().unwrap(), observed_path], &[]);
        assert!(
            !compared.status.success(),
            "the simulator agrees with the doctored {}",
            expected.display()
        );
        let said = text(&compared.stdout);
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(expected).unwrap()).unwrap();
        for name in report["doctored"]
            .as_array()
            .expect("a doctored report says what")
        {
            let name = name.as_str().unwrap();
            assert!(
                said.lines().any(|l| l.starts_with(&format!("{name}: "))),
                "{}: the difference in {name} is not named:\n{said}",
                expected.display()
            );
        }
    }
}
