//! Live mode's own test, so that the path `make testacc` takes cannot rot: the simulator runs as
//! its own process (HTTPS with a private CA, the API's rate limit, a project that starts with its
//! default keys, as a real one does), and a live-mode fixture drives it through the Management
//! API only: create, refresh, import of a key it seeded, an out-of-band delete, destroy. The
//! provider's requests as live mode counts them (its DEBUG lines) must be the requests the
//! simulator received during the Terraform runs, and the project's own keys stay untouched.

mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::Value as Json;
use supabase_simulator::KeySeed;
use support::acceptance::{actions, resource, Fixture};
use support::backend::LiveTarget;
use support::key_resource::KeyResource;
use support::terraform;

const KEY: KeyResource = KeyResource::SECRET;
const PROJECT: &str = "simulatedprojectrefx";
const TOKEN: &str = "sbp_5151a70000000000000000000000000000000000";

/// The simulator binary cargo built beside the provider (`cargo test --workspace` builds it).
fn simulator_binary() -> PathBuf {
    let provider = PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-supabase"));
    let binary = provider.with_file_name("supabase-simulator");
    assert!(
        binary.is_file(),
        "{} is not built: run `cargo build -p supabase-simulator` (make test builds it)",
        binary.display()
    );
    binary
}

/// The simulator as its own process, killed on drop.
struct SimulatorProcess {
    child: Child,
    endpoint: String,
    ca: PathBuf,
    _dir: tempfile::TempDir,
}

impl SimulatorProcess {
    fn start() -> SimulatorProcess {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = dir.path().join("ca.pem");
        let mut child = Command::new(simulator_binary())
            .args([
                "--https",
                "--ca-out",
                ca.to_str().unwrap(),
                "--token",
                TOKEN,
            ])
            .args(["--project", PROJECT, "--default-keys"])
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("the simulator starts");
        // Its one line of output comes once it listens (or it exits, ending the read).
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the simulator's address");
        let endpoint = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the simulator said {line:?}"))
            .to_string();
        SimulatorProcess {
            child,
            endpoint,
            ca,
            _dir: dir,
        }
    }

    /// The simulator's own request log (its `/_sim` route: the checker's view, never live mode's).
    async fn log(&self) -> Vec<Json> {
        self.helper("/_sim/requests").await
    }

    /// Every key of the project, as the simulator holds them.
    async fn keys(&self) -> Vec<Json> {
        self.helper(&format!("/_sim/keys/{PROJECT}")).await
    }

    async fn helper(&self, path: &str) -> Vec<Json> {
        let pem = std::fs::read(&self.ca).expect("the CA");
        let client = reqwest::Client::builder()
            .tls_certs_merge(reqwest::Certificate::from_pem_bundle(&pem).expect("a PEM CA"))
            .build()
            .expect("an HTTP client");
        let text = client
            .get(format!("{}{path}", self.endpoint))
            .send()
            .await
            .expect("the log answers")
            .text()
            .await
            .expect("the log's body");
        serde_json::from_str::<Json>(&text)
            .expect("a JSON log")
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for SimulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (method, path, status) with how often each came: requests of concurrent refreshes may come
/// in either order.
fn tally(
    requests: impl Iterator<Item = (String, String, Option<u64>)>,
) -> BTreeMap<(String, String, Option<u64>), usize> {
    let mut counts = BTreeMap::new();
    for request in requests {
        *counts.entry(request).or_insert(0) += 1;
    }
    counts
}

#[tokio::test]
async fn live_mode_drives_an_out_of_process_simulator_and_counts_what_it_received() {
    for tf in terraform::all() {
        if support::backend::is_live() {
            terraform::skip(
                &tf,
                "tests live mode against a simulator of its own, not the endpoint",
            );
            continue;
        }
        let sim = SimulatorProcess::start();
        // The harness's client trusts the CA from the environment, as `make testacc` gives it
        // (this binary's only test, so nothing else reads the variable meanwhile).
        std::env::set_var("SSL_CERT_FILE", &sim.ca);
        let target = LiveTarget {
            endpoint: sim.endpoint.clone(),
            token: TOKEN.to_string(),
            project: PROJECT.to_string(),
            cert_file: Some(sim.ca.to_str().unwrap().to_string()),
            run_prefix: "tfacc_livemode_".to_string(),
        };
        let defaults = sim.keys().await;
        assert_eq!(
            defaults.len(),
            2,
            "the project starts with its default keys"
        );
        let fx = Fixture::live(&tf, target);
        // The simulator's log during the Terraform runs only (the harness runs between them).
        let mut received: Vec<Json> = Vec::new();
        let mut received_since =
            |from: usize, log: Vec<Json>| received.extend(log.into_iter().skip(from));

        // Create, refresh (the apply step's empty plan).
        let name = fx.name("live_key");
        fx.config(&KEY.config(&fx, &name, ""));
        let from = sim.log().await.len();
        fx.apply().await;
        received_since(from, sim.log().await);
        let made = fx.keys();
        assert_eq!(made.len(), 1);
        let state = fx.state().await;
        assert_eq!(
            resource(&state, KEY.address)["values"]["api_key"],
            made[0].api_key
        );

        // Import of a key the test seeded outside Terraform.
        let seeded = fx.seed_key(KeySeed::secret(&fx.name("seeded_key")));
        let second = "resource \"supabase_secret_api_key\" \"seeded\" {\n  project_ref = \"";
        fx.config(&format!(
            "{}\n{second}{PROJECT}\"\n  name        = \"{}\"\n}}\n",
            KEY.config(&fx, &name, ""),
            seeded.name
        ));
        let from = sim.log().await.len();
        fx.ok(&[
            "import",
            "-input=false",
            "-no-color",
            "supabase_secret_api_key.seeded",
            &format!("{PROJECT}/{}", seeded.id),
        ])
        .await;
        fx.assert_no_changes().await;
        received_since(from, sim.log().await);
        let state = fx.state().await;
        assert_eq!(
            resource(&state, "supabase_secret_api_key.seeded")["values"]["api_key"],
            seeded.api_key
        );

        // Deleted outside Terraform: planned again and made again.
        assert!(fx.delete_key_out_of_band(&made[0].id));
        let from = sim.log().await.len();
        let plan = fx.plan().await;
        let changes: Vec<_> = actions(&plan)
            .into_iter()
            .filter(|(_, acts)| acts != &["no-op"])
            .collect();
        assert_eq!(
            changes,
            vec![(KEY.address.to_string(), vec!["create".to_string()])]
        );
        fx.apply().await;
        fx.destroy().await;
        received_since(from, sim.log().await);
        assert!(fx.keys().is_empty(), "destroy left keys");

        // What live mode counted is what the simulator received.
        let logged = fx.requests();
        let counted = tally(logged.iter().map(|r| {
            (
                r.method.to_string(),
                r.path.clone(),
                r.status.map(u64::from),
            )
        }));
        let got = tally(received.iter().map(|r| {
            (
                r["method"].as_str().unwrap_or("").to_string(),
                r["path"].as_str().unwrap_or("").to_string(),
                r["status"].as_u64(),
            )
        }));
        assert_eq!(
            counted,
            got,
            "terraform {}: the provider's DEBUG lines and the simulator's log disagree",
            tf.version_string()
        );
        assert!(
            logged.len() >= 10,
            "implausibly few requests: {}",
            logged.len()
        );
        drop(fx);

        // The project's own keys (its defaults) are as they were, and none was asked for or
        // revealed: no request named one, and no list asked to reveal.
        assert_eq!(sim.keys().await, defaults, "the project's own keys changed");
        let log = sim.log().await;
        for key in &defaults {
            let id = key["id"].as_str().expect("an id");
            let touched: Vec<&Json> = log
                .iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.ends_with(id)))
                .collect();
            assert!(
                touched.is_empty(),
                "a default key was asked for: {touched:?}"
            );
        }
        let revealing_lists: Vec<&Json> = log
            .iter()
            .filter(|r| {
                r["reveal"] == true && r["path"].as_str().is_some_and(|p| p.ends_with("/api-keys"))
            })
            .filter(|r| r["method"] == "GET")
            .collect();
        assert!(revealing_lists.is_empty(), "{revealing_lists:?}");
    }
}
