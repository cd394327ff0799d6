//! Acceptance-test fixture: a simulator with one project and one token, and a Terraform work dir
//! whose runs point the provider at it. Assertions read what users see: `terraform show -json`
//! of plans and state, diagnostics, and the simulator's request log.

#![allow(dead_code)]

use std::process::Output;

use serde_json::Value as Json;
use supabase_simulator::{LoggedRequest, Permissions, RevealDenial, Simulator, SimulatorConfig};

use super::terraform::{assert_success, text, Terraform, Workdir, SOURCE_ADDRESS};

pub const PROJECT: &str = "abcdefghijklmnopqrst";
pub const TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";

/// Every way the API denies the values to a token without "API Key Secrets: Read": 403, masked
/// or null secrets.
pub const REVEAL_DENIALS: [RevealDenial; 3] = [
    RevealDenial::Forbidden,
    RevealDenial::Masked,
    RevealDenial::Null,
];

pub struct Fixture {
    pub sim: Simulator,
    pub work: Workdir,
    pub tf: Terraform,
    env: Vec<(String, String)>,
}

impl Fixture {
    pub async fn new(tf: &Terraform) -> Fixture {
        Self::with_config(tf, SimulatorConfig::default()).await
    }

    pub async fn with_config(tf: &Terraform, config: SimulatorConfig) -> Fixture {
        let sim = Simulator::start(config).await.expect("simulator starts");
        sim.add_project(PROJECT);
        sim.add_token(TOKEN, Permissions::all());
        let env = vec![
            ("SUPABASE_ACCESS_TOKEN".to_string(), TOKEN.to_string()),
            ("SUPABASE_API_ENDPOINT".to_string(), sim.base_url()),
        ];
        Fixture {
            sim,
            work: Workdir::new(),
            tf: tf.clone(),
            env,
        }
    }

    /// A fixture whose Terraform runs with a token that lacks "API Key Secrets: Read", its
    /// reveals denied as `denial` says.
    pub async fn without_secret_read(tf: &Terraform, denial: RevealDenial) -> Fixture {
        let mut fx = Fixture::new(tf).await;
        fx.use_token(
            "sbp_limited0000000000000000000000000000000",
            Permissions::without_secret_read(denial),
        );
        fx
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), value.to_string()));
    }

    /// Adds `token` with `permissions` to the simulator, and runs Terraform with it.
    pub fn use_token(&mut self, token: &str, permissions: Permissions) {
        self.sim.add_token(token, permissions);
        self.set_env("SUPABASE_ACCESS_TOKEN", token);
    }

    /// Writes main.tf: the provider requirement plus `body`.
    pub fn config(&self, body: &str) {
        self.work.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    supabase = {{\n      source = \"{SOURCE_ADDRESS}\"\n    }}\n  }}\n}}\n\n{body}\n"
            ),
        );
    }

    pub async fn run(&self, args: &[&str]) -> Output {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.work.run(&self.tf, args, &env).await
    }

    pub async fn ok(&self, args: &[&str]) -> Output {
        let output = self.run(args).await;
        assert_success(
            &output,
            &format!("terraform {} {}", self.tf.version_string(), args.join(" ")),
        );
        output
    }

    pub async fn apply(&self) -> Output {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .await
    }

    pub async fn destroy(&self) -> Output {
        self.ok(&["destroy", "-auto-approve", "-input=false", "-no-color"])
            .await
    }

    /// `terraform plan -out` then `terraform show -json` of that plan.
    pub async fn plan(&self) -> Json {
        self.ok(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .await;
        let shown = self.ok(&["show", "-json", "tfplan"]).await;
        serde_json::from_slice(&shown.stdout).expect("plan JSON")
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

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.requests()
    }

    pub fn count(&self, method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.method.as_str() == method)
            .count()
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
