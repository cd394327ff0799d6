//! The `supabase_secret_api_key` ephemeral resource with the real terraform CLI against the
//! simulator. A key made outside Terraform is revealed into a provisioner's environment, as a
//! user hands a secret to a deploy script, and the value must reach the script but never the
//! state, its backup, the saved plan or Terraform's output. Ephemeral resources need Terraform
//! 1.10; older versions record a skip.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use supabase_simulator::{ApiKey, KeySeed};
use support::acceptance::{actions, folded, Fixture};
use support::keys::{assert_holds_none, reveal_requests};
use support::terraform::{self, text, Terraform};

const EPHEMERAL: &str = "ephemeral.supabase_secret_api_key.backend";
const SKIP_REASON: &str = "ephemeral resources need Terraform 1.10";

/// Whether `tf` can run this test; records the skip when it cannot.
fn supports_ephemeral(tf: &Terraform) -> bool {
    if tf.at_least((1, 10, 0)) {
        return true;
    }
    terraform::skip(tf, SKIP_REASON);
    false
}

/// The ephemeral resource selected by `selector` (`id = "..."` or `name = "..."`, a name from
/// [`Fixture::name`]) in the fixture's project, and a `terraform_data` whose provisioner gets
/// the value through its environment and writes it to `out`. `run` goes into
/// `triggers_replace`: a new value runs the provisioner again.
fn consumer_config(fx: &Fixture, selector: &str, out: &Path, run: &str) -> String {
    format!(
        r#"provider "supabase" {{}}

ephemeral "supabase_secret_api_key" "backend" {{
  project_ref = "{project}"
  {selector}
}}

resource "terraform_data" "deploy" {{
  triggers_replace = ["{run}"]

  provisioner "local-exec" {{
    command = "printf '%s' \"$BACKEND_API_KEY\" > '{}'"
    environment = {{
      BACKEND_API_KEY = {EPHEMERAL}.api_key
    }}
  }}
}}
"#,
        out.display(),
        project = fx.project(),
    )
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// Unzips a saved plan (a zip archive) into `into` and returns each member's path and text.
fn plan_members(plan: &Path, into: &Path) -> Vec<(PathBuf, String)> {
    let unzip = std::process::Command::new("unzip")
        .arg("-o")
        .arg("-q")
        .arg(plan)
        .arg("-d")
        .arg(into)
        .output()
        .expect("run unzip");
    assert!(
        unzip.status.success(),
        "unzip {}: {}",
        plan.display(),
        text(&unzip.stderr)
    );
    files_under(into)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read plan member");
            (path, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// Makes the key to reveal, `backend_key`, outside Terraform, and another secret key before it,
/// so that finding the right one is part of the test. Both are the test's own keys: live, the
/// ephemeral resource reveals nothing else.
fn seed(fx: &Fixture) -> ApiKey {
    fx.seed_key(KeySeed::secret(&fx.name("other_key")));
    fx.seed_key(KeySeed::secret(&fx.name("backend_key")).with_description("made outside Terraform"))
}

#[tokio::test]
async fn a_provisioner_receives_the_revealed_value_which_never_reaches_state_or_plan() {
    for tf in terraform::all() {
        if !supports_ephemeral(&tf) {
            continue;
        }
        let version = tf.version_string();
        let mut fx = Fixture::new(&tf).await;
        let key = seed(&fx);
        let secret = std::slice::from_ref(&key.api_key);
        let out = fx.work.root().join("revealed.txt");
        let config_dir = fx.work.config_dir();

        // By id, through a saved plan.
        fx.config(&consumer_config(
            &fx,
            &format!("id = \"{}\"", key.id),
            &out,
            "first",
        ));
        let planned = fx
            .ok(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .await;
        assert_holds_none(&text(&planned.stdout), secret, "plan output");
        let members = plan_members(&config_dir.join("tfplan"), &fx.work.root().join("tfplan"));
        assert!(
            members.iter().any(|(_, body)| body.contains(&key.id)),
            "Terraform {version}: the plan's configuration names the key, so the members were \
             read: {:?}",
            members.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        for (member, body) in &members {
            assert_holds_none(body, secret, &format!("plan member {}", member.display()));
        }
        let shown = fx.ok(&["show", "-json", "tfplan"]).await;
        let plan: Json = serde_json::from_slice(&shown.stdout).expect("plan JSON");
        assert_eq!(
            actions(&plan),
            vec![(
                "terraform_data.deploy".to_string(),
                vec!["create".to_string()]
            )],
            "Terraform {version}: the ephemeral resource is no resource change"
        );
        assert_holds_none(&text(&shown.stdout), secret, "the plan's JSON");

        let applied = fx
            .ok(&["apply", "-input=false", "-no-color", "tfplan"])
            .await;
        assert_eq!(
            read(&out),
            key.api_key,
            "Terraform {version}: the provisioner got the value"
        );
        assert_holds_none(&text(&applied.stdout), secret, "apply output");
        assert_holds_none(&text(&applied.stderr), secret, "apply errors");

        // By name, replacing the consumer so that the provisioner runs again; with the
        // provider's logs on, which must not show the value either.
        std::fs::remove_file(&out).expect("remove the first copy");
        fx.config(&consumer_config(
            &fx,
            &format!("name = \"{}\"", fx.name("backend_key")),
            &out,
            "second",
        ));
        let logged_before = fx.run_logs().len();
        fx.set_env("TF_LOG_PROVIDER", "DEBUG");
        let applied = fx.apply().await;
        fx.set_env("TF_LOG_PROVIDER", "");
        assert_eq!(
            read(&out),
            key.api_key,
            "Terraform {version}: by name, the same key's value"
        );
        let logs = if fx.is_live() {
            // Every run of the step: its plans as well as its apply.
            fx.run_logs()[logged_before..].join("\n")
        } else {
            text(&applied.stderr)
        };
        assert!(
            logs.contains("revealed a secret API key") && logs.contains(&key.id),
            "Terraform {version}: the provider's logs were captured: {logs}"
        );
        assert_holds_none(&logs, secret, "the provider's logs");
        assert_holds_none(&text(&applied.stdout), secret, "second apply output");

        // The state and its backup (written by the second apply) hold the consumer, not the
        // value; neither does what `terraform show` prints.
        for file in ["terraform.tfstate", "terraform.tfstate.backup"] {
            let body = read(&config_dir.join(file));
            assert!(
                body.contains("terraform_data"),
                "Terraform {version}: {file}: {body}"
            );
            assert_holds_none(&body, secret, file);
        }
        let state = fx.ok(&["show", "-json"]).await;
        assert_holds_none(&text(&state.stdout), secret, "terraform show -json");
        // Opening the ephemeral resource again at plan changes nothing.
        fx.assert_no_changes().await;

        // Each of the two plans and two applies revealed the key it was given, and nothing else
        // was asked for or changed.
        let reveal_path = format!(
            "GET /v1/projects/{}/api-keys/{}?reveal=true",
            fx.project(),
            key.id
        );
        let reveals = reveal_requests(&fx.requests());
        assert!(
            reveals.len() >= 4 && reveals.iter().all(|r| r == &reveal_path),
            "Terraform {version}: {reveals:#?}"
        );
        assert!(
            fx.requests().iter().all(|r| r.method == "GET"),
            "Terraform {version}: {:#?}",
            fx.requests()
        );
        assert_eq!(fx.keys().len(), 2);
    }
}

/// `terraform plan -json` diagnostics (one JSON object per line).
fn diagnostics(stdout: &[u8]) -> Vec<Json> {
    text(stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<Json>(line).ok())
        .filter(|message| message["type"] == "diagnostic")
        .map(|message| message["diagnostic"].clone())
        .collect()
}

#[tokio::test]
async fn an_unknown_name_fails_the_plan_at_the_name_without_revealing_anything() {
    for tf in terraform::all() {
        if !supports_ephemeral(&tf) {
            continue;
        }
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        seed(&fx);
        let out = fx.work.root().join("revealed.txt");
        let missing = fx.name("no_such_key");
        fx.config(&consumer_config(
            &fx,
            &format!("name = \"{missing}\""),
            &out,
            "first",
        ));
        let failed = fx.run(&["plan", "-input=false", "-json"]).await;
        assert!(
            !failed.status.success(),
            "Terraform {version}: the plan succeeded"
        );
        let diags = diagnostics(&failed.stdout);
        let errors: Vec<&Json> = diags.iter().filter(|d| d["severity"] == "error").collect();
        assert_eq!(errors.len(), 1, "Terraform {version}: {diags:#?}");
        let error = errors[0];
        assert_eq!(error["summary"], "API key not found", "{error:#}");
        let detail = folded(error["detail"].as_str().unwrap_or_default());
        assert!(
            detail.contains(&format!(
                "Project {} has no secret key named \"{missing}\"",
                fx.project()
            )),
            "Terraform {version}: {detail}"
        );
        assert!(
            error["snippet"]["code"]
                .as_str()
                .is_some_and(|code| code.contains(&format!("name = \"{missing}\""))),
            "Terraform {version}: the error points at the name: {error:#}"
        );
        assert!(
            reveal_requests(&fx.requests()).is_empty(),
            "Terraform {version}: {:#?}",
            fx.requests()
        );
        assert!(!out.exists(), "Terraform {version}: nothing ran");
    }
}
