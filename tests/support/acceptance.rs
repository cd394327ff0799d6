//! Acceptance-test fixture: one project, one token and a Terraform work dir whose runs point the
//! provider at the API behind the seam of [`super::backend`]: the in-process simulator, or a live
//! endpoint in live mode (`make testacc`). Assertions read what users see: `terraform show -json`
//! of plans and state, diagnostics, and the requests the API received (the simulator's log, or
//! in live mode the provider's own DEBUG lines).

#![allow(dead_code)]

use std::process::Output;

use serde_json::Value as Json;
use supabase_simulator::{
    ApiKey, KeyPatch, KeySeed, LoggedRequest, Permissions, RevealDenial, Simulator, SimulatorConfig,
};
use terraform_provider_supabase::supabase::KeyUpdate;

use super::backend::{Live, LiveTarget, SimOnly};
use super::terraform::{self, assert_success, text, Terraform, Workdir, SOURCE_ADDRESS};

/// The simulator's project. Tests name it through [`Fixture::project`], which is the live
/// project in live mode.
pub const PROJECT: &str = "abcdefghijklmnopqrst";
pub const TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";

/// Every way the API denies the values to a token without "API Key Secrets: Read": 403, masked
/// or null secrets.
pub const REVEAL_DENIALS: [RevealDenial; 3] = [
    RevealDenial::Forbidden,
    RevealDenial::Masked,
    RevealDenial::Null,
];

/// A simulator holding the project [`PROJECT`], which [`TOKEN`] may do anything in.
pub async fn simulator_with_project(config: SimulatorConfig) -> Simulator {
    let sim = Simulator::start(config).await.expect("simulator starts");
    sim.add_project(PROJECT);
    sim.add_token(TOKEN, Permissions::all());
    sim
}

/// Where a fixture's requests go.
enum Backend {
    Simulator(Simulator),
    Live(Box<Live>),
}

pub struct Fixture {
    backend: Backend,
    pub work: Workdir,
    pub tf: Terraform,
    env: Vec<(String, String)>,
}

impl Fixture {
    /// A fixture on the suite's backend: the simulator, or the live endpoint in live mode.
    pub async fn new(tf: &Terraform) -> Fixture {
        match LiveTarget::from_env() {
            Some(target) => Fixture::live(tf, target),
            None => Self::simulated(tf, SimulatorConfig::default()).await,
        }
    }

    /// A fixture against the live endpoint `target` (live mode, or a test of live mode itself).
    pub fn live(tf: &Terraform, target: LiveTarget) -> Fixture {
        let work = Workdir::new();
        let mut env = vec![
            ("SUPABASE_ACCESS_TOKEN".to_string(), target.token.clone()),
            ("SUPABASE_API_ENDPOINT".to_string(), target.endpoint.clone()),
        ];
        if let Some(file) = &target.cert_file {
            env.push(("SSL_CERT_FILE".to_string(), file.clone()));
        }
        let live = Live::start(target);
        Fixture {
            backend: Backend::Live(Box::new(live)),
            work,
            tf: tf.clone(),
            env,
        }
    }

    /// A fixture for a test that needs the simulator (`why` names what): `None` in live mode,
    /// with the skip recorded for `tf` and its reason.
    pub async fn sim_only(tf: &Terraform, why: SimOnly) -> Option<Fixture> {
        Self::sim_only_with(tf, why, SimulatorConfig::default()).await
    }

    /// [`Fixture::sim_only`] with a simulator configured by `config`.
    pub async fn sim_only_with(
        tf: &Terraform,
        why: SimOnly,
        config: SimulatorConfig,
    ) -> Option<Fixture> {
        if super::backend::is_live() {
            terraform::skip(tf, why.reason());
            return None;
        }
        Some(Self::simulated(tf, config).await)
    }

    async fn simulated(tf: &Terraform, config: SimulatorConfig) -> Fixture {
        let sim = simulator_with_project(config).await;
        let env = vec![
            ("SUPABASE_ACCESS_TOKEN".to_string(), TOKEN.to_string()),
            ("SUPABASE_API_ENDPOINT".to_string(), sim.base_url()),
        ];
        Fixture {
            backend: Backend::Simulator(sim),
            work: Workdir::new(),
            tf: tf.clone(),
            env,
        }
    }

    /// A fixture whose Terraform runs with a token that lacks "API Key Secrets: Read", its
    /// reveals denied as `denial` says (a second token: simulator only).
    pub async fn without_secret_read(tf: &Terraform, denial: RevealDenial) -> Option<Fixture> {
        let mut fx = Fixture::sim_only(tf, SimOnly::SecondToken).await?;
        fx.use_token(
            "sbp_limited0000000000000000000000000000000",
            Permissions::without_secret_read(denial),
        );
        Some(fx)
    }

    /// The simulator, for a test made with [`Fixture::sim_only`]; panics in live mode.
    pub fn sim(&self) -> &Simulator {
        match &self.backend {
            Backend::Simulator(sim) => sim,
            Backend::Live(_) => panic!(
                "{} uses a simulator control in live mode: make its fixture with \
                 Fixture::sim_only, naming the control",
                terraform::current_test()
            ),
        }
    }

    /// The endpoint and the token Terraform runs with (as [`Fixture::set_env`] left them).
    pub fn endpoint(&self) -> String {
        self.env_value("SUPABASE_API_ENDPOINT")
    }

    pub fn token(&self) -> String {
        self.env_value("SUPABASE_ACCESS_TOKEN")
    }

    fn env_value(&self, key: &str) -> String {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Whether this fixture runs against a live endpoint.
    pub fn is_live(&self) -> bool {
        matches!(self.backend, Backend::Live(_))
    }

    /// The project the test's keys live in.
    pub fn project(&self) -> &str {
        match &self.backend {
            Backend::Simulator(_) => PROJECT,
            Backend::Live(live) => live.project(),
        }
    }

    /// A key name for this test: `base` itself on the simulator, `tfacc_<run>_<tag>_<base>` live.
    pub fn name(&self, base: &str) -> String {
        match &self.backend {
            Backend::Simulator(_) => base.to_string(),
            Backend::Live(live) => live.name(base),
        }
    }

    /// The keys this test made (on the simulator: every key of the project, which starts
    /// empty), oldest first, with their values.
    pub fn keys(&self) -> Vec<ApiKey> {
        match &self.backend {
            Backend::Simulator(sim) => sim.keys(PROJECT),
            Backend::Live(live) => live.keys(),
        }
    }

    /// Makes a key outside Terraform, as in the dashboard (live: its name must come from
    /// [`Fixture::name`]).
    pub fn seed_key(&self, seed: KeySeed) -> ApiKey {
        match &self.backend {
            Backend::Simulator(sim) => sim.seed_key(PROJECT, seed),
            Backend::Live(live) => live.seed_key(seed),
        }
    }

    /// Renames and re-describes one of the test's keys outside Terraform, as in the dashboard.
    pub fn update_key_out_of_band(&self, id: &str, name: &str, description: &str) {
        match &self.backend {
            Backend::Simulator(sim) => {
                let patch = KeyPatch {
                    name: Some(name.into()),
                    description: Some(Some(description.into())),
                    ..Default::default()
                };
                sim.update_key_out_of_band(PROJECT, id, patch)
                    .expect("the key exists");
            }
            Backend::Live(live) => live.update_key_out_of_band(
                id,
                KeyUpdate {
                    name: Some(name.into()),
                    description: Some(Some(description.into())),
                    secret_jwt_template: None,
                },
            ),
        }
    }

    /// Every key value a text must not hold: on the simulator every value of the project
    /// (legacy JWTs too); live, the values of the test's own keys, the only ones it may read.
    pub fn key_values(&self) -> Vec<String> {
        match &self.backend {
            Backend::Simulator(sim) => super::keys::key_values(sim, PROJECT),
            Backend::Live(live) => live.keys().into_iter().map(|k| k.api_key).collect(),
        }
    }

    /// Deletes one of the test's keys outside Terraform; false if it did not exist.
    pub fn delete_key_out_of_band(&self, id: &str) -> bool {
        match &self.backend {
            Backend::Simulator(sim) => sim.delete_key_out_of_band(PROJECT, id),
            Backend::Live(live) => live.delete_key_out_of_band(id),
        }
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Adds `token` with `permissions` to the simulator, and runs Terraform with it.
    pub fn use_token(&mut self, token: &str, permissions: Permissions) {
        self.sim().add_token(token, permissions);
        self.set_env("SUPABASE_ACCESS_TOKEN", token);
    }

    /// Writes main.tf: the provider requirement plus `body`.
    pub fn config(&self, body: &str) {
        self.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    supabase = {{\n      source = \"{SOURCE_ADDRESS}\"\n    }}\n  }}\n}}\n\n{body}\n"
            ),
        );
    }

    /// Writes a file of the configuration as it is (`main.tf` with its own `terraform` block, a
    /// module's file, a query file); live, only if every key it names carries the test's prefix.
    pub fn write(&self, name: &str, contents: &str) {
        if let Backend::Live(live) = &self.backend {
            live.check_config(contents);
        }
        self.work.write(name, contents);
    }

    /// The fixture's environment (token, endpoint, what [`Fixture::set_env`] set) plus `extra`.
    fn env_with<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        self.env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.iter().copied())
            .collect()
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        self.check_args(args);
        let (env, test_log) = self.run_env(&[]);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let from = test_log
            .as_ref()
            .and_then(|path| std::fs::metadata(path).ok())
            .map_or(0, |m| m.len());
        let output = self.work.run(&self.tf, args, &env).await;
        if let (Backend::Live(live), Some(path)) = (&self.backend, test_log) {
            live.read_test_log(std::path::Path::new(&path), from);
        }
        output
    }

    /// `terraform ARGS` as [`Fixture::run`] runs it, with `extra` environment, not yet spawned:
    /// for a test that signals Terraform.
    pub fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> tokio::process::Command {
        self.check_args(args);
        let (env, _) = self.run_env(extra);
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.work.command(&self.tf, args, &env)
    }

    /// Live mode never queries (`terraform query` lists every key of the project), and never
    /// imports a key it did not make.
    fn check_args(&self, args: &[&str]) {
        let Backend::Live(live) = &self.backend else {
            return;
        };
        assert_ne!(
            args.first(),
            Some(&"query"),
            "live mode: {}",
            SimOnly::QueriesEveryKey.reason()
        );
        if args.first() == Some(&"import") {
            live.check_key_reference(args.last().expect("an import ID"));
        }
    }

    /// A run's environment and, live, where its requests are logged: a log of its own with the
    /// provider at DEBUG, unless the test chose a `TF_LOG_PATH` (returned, to be read after).
    fn run_env(&self, extra: &[(&str, &str)]) -> (Vec<(String, String)>, Option<String>) {
        let mut env: Vec<(String, String)> = self
            .env_with(extra)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let Backend::Live(live) = &self.backend else {
            return (env, None);
        };
        let chosen = |name: &str| {
            env.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        if let Some(path) = chosen("TF_LOG_PATH") {
            return (env, Some(path));
        }
        if chosen("TF_LOG").is_none() && chosen("TF_LOG_PROVIDER").is_none() {
            env.push(("TF_LOG_PROVIDER".into(), "DEBUG".into()));
        }
        let path = live.log_path();
        env.push(("TF_LOG_PATH".into(), path.display().to_string()));
        (env, None)
    }

    pub async fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args).await;
        assert_success(
            &output,
            &format!("terraform {} {}", self.tf.version_string(), args.join(" ")),
        );
        output
    }

    /// One apply step, as terraform-plugin-testing runs each step: [`Fixture::plan_shown`] (the
    /// human plan and its JSON, checked), `terraform apply` of that saved plan, then the next
    /// plan must be empty. Returns the apply's output.
    pub async fn apply(&self) -> Output {
        let output = self.apply_planned().await.1;
        self.assert_no_changes().await;
        output
    }

    /// [`Fixture::apply`] without the empty-plan check, for the few steps whose next plan is
    /// expected to show something (the caller asserts what). Returns the plan and the output.
    pub async fn apply_planned(&self) -> (Shown, Output) {
        let shown = self.plan_shown(&[]).await;
        let output = self
            .ok(&["apply", "-input=false", "-no-color", "tfplan"])
            .await;
        (shown, output)
    }

    /// Destroys everything, as a step: `terraform plan -destroy` (checked like every plan; each
    /// change is a delete), then the apply of that saved plan.
    pub async fn destroy(&self) -> Output {
        let shown = self.plan_shown(&["-destroy"]).await;
        for (address, actions) in actions(&shown.json) {
            assert!(
                actions == ["delete"] || actions == ["no-op"],
                "terraform {}: a destroy plans {address}: {actions:?}",
                self.tf.version_string()
            );
        }
        self.ok(&["apply", "-input=false", "-no-color", "tfplan"])
            .await
    }

    /// `terraform plan -out` then `terraform show -json` of that plan, checked as in
    /// [`Fixture::plan_shown`].
    pub async fn plan(&self) -> Json {
        self.plan_shown(&[]).await.json
    }

    /// `terraform plan -out=tfplan ARGS` as a person reads it, then `terraform show -json` of the
    /// saved plan, with the checks every plan gets (a plan that shows nothing failed, whatever
    /// its exit code): nothing on stderr (Terraform prints warnings on stdout, errors and
    /// rendering failures on stderr); the human summary ("Plan: ..." with the counts of the
    /// JSON's actions, or "No changes."); a JSON plan that marshals; and on Terraform >= 1.12 the
    /// identity rules of [`assert_planned_identities`].
    pub async fn plan_shown(&self, args: &[&str]) -> Shown {
        let mut all = vec!["plan", "-input=false", "-no-color", "-out=tfplan"];
        all.extend_from_slice(args);
        let output = self.ok(&all).await;
        let version = self.tf.version_string();
        let human = text(&output.stdout);
        let said = not_logs(&stderr(&output));
        assert!(
            said.is_empty(),
            "terraform {version} plan printed on stderr:\n{said}\nstdout:\n{human}"
        );
        let shown = self.ok(&["show", "-json", "tfplan"]).await;
        let json: Json = serde_json::from_slice(&shown.stdout).expect("plan JSON");
        assert_summary(&human, &json, &version);
        if self.tf.at_least((1, 12, 0)) {
            assert_planned_identities(&json, &version);
        }
        Shown { human, json }
    }

    /// The state as `terraform show -json` prints it.
    pub async fn state(&self) -> Json {
        let shown = self.ok(&["show", "-json"]).await;
        serde_json::from_slice(&shown.stdout).expect("state JSON")
    }

    /// Asserts that a plan proposes nothing (the plan after every apply must be empty).
    pub async fn assert_no_changes(&self) {
        let plan = self.plan().await;
        let changes = actions(&plan);
        assert!(
            changes.iter().all(|(_, a)| a == &["no-op"]),
            "terraform {}: expected no changes, got {changes:?}: {:#}",
            self.tf.version_string(),
            plan["resource_changes"]
        );
    }

    /// Live, the log of each Terraform run so far, oldest first (each run logs to a file of its
    /// own, so a test that turns the provider's logs on reads them here, not on stderr); empty on
    /// the simulator.
    pub fn run_logs(&self) -> Vec<String> {
        match &self.backend {
            Backend::Simulator(_) => Vec::new(),
            Backend::Live(live) => live.run_logs(),
        }
    }

    /// The requests the API received from the provider: the simulator's log, or live, the
    /// provider's DEBUG lines of every run of this fixture.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        match &self.backend {
            Backend::Simulator(sim) => sim.requests(),
            Backend::Live(live) => live.requests(),
        }
    }

    pub fn count(&self, method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == method)
            .count()
    }
}

/// A saved plan as a person and a program see it.
pub struct Shown {
    /// `terraform plan`'s human output.
    pub human: String,
    /// `terraform show -json` of the saved plan.
    pub json: Json,
}

/// `stderr` without the log lines a test asked for with `TF_LOG` (each starts with a timestamp).
fn not_logs(stderr: &str) -> String {
    stderr
        .lines()
        .filter(|line| {
            let stamp = line.get(..11).unwrap_or("");
            !(stamp.len() == 11
                && stamp.as_bytes()[4] == b'-'
                && stamp.as_bytes()[10] == b'T'
                && stamp[..4].bytes().all(|b| b.is_ascii_digit()))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The human plan says what the JSON plan holds: "Plan: A to add, C to change, D to destroy"
/// (imports too, on Terraform >= 1.5) counted from `resource_changes`, or "No changes." when
/// nothing changes. A plan that changes only outputs says so instead.
fn assert_summary(human: &str, plan: &Json, version: &str) {
    let changes = actions(plan);
    let count = |action: &str| {
        changes
            .iter()
            .filter(|(_, a)| a.iter().any(|x| x == action))
            .count()
    };
    let (add, change, destroy) = (count("create"), count("update"), count("delete"));
    let imports = plan["resource_changes"].as_array().map_or(0, |rs| {
        rs.iter()
            .filter(|r| !r["change"]["importing"].is_null())
            .count()
    });
    let folded = folded(human);
    if add + change + destroy + imports == 0 {
        assert!(
            folded.contains("No changes.") || folded.contains("Changes to Outputs:"),
            "terraform {version}: the plan changes nothing but does not say so:\n{human}"
        );
        return;
    }
    let summary = if imports > 0 {
        format!(
            "Plan: {imports} to import, {add} to add, {change} to change, {destroy} to destroy."
        )
    } else {
        format!("Plan: {add} to add, {change} to change, {destroy} to destroy.")
    };
    assert!(
        folded.contains(&summary),
        "terraform {version}: the human plan lacks {summary:?} ({changes:?}):\n{human}"
    );
}

/// On Terraform >= 1.12, each change of one of our resources plans its identity as a provider
/// must: none for a create (a replacement's create half included), the stored one for an
/// update, a destroy or no change. A planned identity that was unknown could not have been
/// marshalled at all.
pub fn assert_planned_identities(plan: &Json, version: &str) {
    let changes = plan["resource_changes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for rc in changes.iter().filter(|rc| {
        rc["mode"] == "managed"
            && rc["type"]
                .as_str()
                .is_some_and(|t| t.starts_with("supabase_"))
    }) {
        let change = &rc["change"];
        let address = rc["address"].as_str().unwrap_or("");
        let acts: Vec<&str> = change["actions"]
            .as_array()
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let after = change.get("after_identity").unwrap_or(&Json::Null);
        let before = change.get("before_identity").unwrap_or(&Json::Null);
        if acts.contains(&"create") {
            assert!(
                after.is_null(),
                "terraform {version}: {address} ({acts:?}) plans an identity for an object yet \
                 to be made: {change:#}"
            );
        } else if !before.is_null() {
            assert_eq!(
                after, before,
                "terraform {version}: {address} ({acts:?}) keeps its stored identity: {change:#}"
            );
        }
    }
}

/// (address, actions) for every resource change of a plan.
pub fn actions(plan: &Json) -> Vec<(String, Vec<String>)> {
    plan["resource_changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    let actions = c["change"]["actions"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|s| s.as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    (c["address"].as_str().unwrap_or("").to_string(), actions)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The state resource at `address` from `terraform show -json`.
pub fn resource<'a>(state: &'a Json, address: &str) -> &'a Json {
    state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address))
        .unwrap_or_else(|| panic!("{address} is not in state: {state:#}"))
}

pub fn stderr(output: &Output) -> String {
    text(&output.stderr)
}

/// Terraform wraps long diagnostics; compare with whitespace folded.
pub fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
