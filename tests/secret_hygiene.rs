//! Secret hygiene, on every Terraform the suite is given: with `TF_LOG=TRACE` written to a log
//! file, neither an apply, an import, a failing apply (a storm of 500s, a forced panic) nor an
//! error shows an API key's secret or the access token, in the log (Terraform's lines and the
//! provider's), on stdout or on stderr. The DEBUG log shows each HTTP exchange (method, path,
//! status, duration, attempt, rate-limit headers), still without a token or a secret. Plans and
//! state mark `api_key` sensitive, and a plain http endpoint off this machine draws a warning
//! that the token travels in clear.

mod support;

use std::path::PathBuf;
use std::process::Output;

use serde_json::{json, Value as Json};
use supabase_simulator::{FaultAction, FaultRule, KeySeed, RequestMatcher};
use support::acceptance::{folded, resource, Fixture, TOKEN};
use support::backend::SimOnly;
use support::provider_log::{request_lines, split_log};
use support::terraform::{self, assert_success, text, Terraform};

const ADDR: &str = "supabase_secret_api_key.backend";
const PROVIDER_ADDR: &str = "provider[\"registry.terraform.io/supabase-rs/supabase\"]";
/// How many leading characters of a secret key the API shows anyway (its public `prefix`).
const PUBLIC_PREFIX: usize = 15;

/// The key `name` ([`Fixture::name`] of it) in the fixture's project, and its value as a
/// sensitive output.
fn key_config(fx: &Fixture, name: &str, description: &str) -> String {
    format!(
        r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "backend" {{
  project_ref = "{project}"
  name        = "{name}"
  description = "{description}"
}}

output "key" {{
  value     = supabase_secret_api_key.backend.api_key
  sensitive = true
}}
"#,
        project = fx.project(),
        name = fx.name(name),
    )
}

/// A second key, `name` ([`Fixture::name`] of it).
fn second_key(fx: &Fixture, name: &str) -> String {
    format!(
        r#"
resource "supabase_secret_api_key" "second" {{
  project_ref = "{project}"
  name        = "{name}"
}}
"#,
        project = fx.project(),
        name = fx.name(name),
    )
}

/// What one Terraform run left behind: the whole TRACE log file, stdout and stderr.
struct Logged {
    label: String,
    log: String,
    stdout: String,
    stderr: String,
}

/// Runs `terraform ARGS` with `TF_LOG=TRACE` and `TF_LOG_PATH` set to a fresh file in the work
/// dir, and collects the log and both streams. The log settings last for that run only.
async fn run_logged(fx: &mut Fixture, label: &str, args: &[&str]) -> (Output, Logged) {
    run_logged_at(fx, label, ("TF_LOG", "TRACE"), args).await
}

/// [`run_logged`] with the log level set by `variable=level`: `TF_LOG` (Terraform's and the
/// provider's level) or `TF_LOG_PROVIDER` (the provider's only); the other one is left empty.
async fn run_logged_at(
    fx: &mut Fixture,
    label: &str,
    (variable, level): (&str, &str),
    args: &[&str],
) -> (Output, Logged) {
    let path: PathBuf = fx.work.root().join(format!("{label}.log"));
    let _ = std::fs::remove_file(&path);
    for name in ["TF_LOG", "TF_LOG_PROVIDER"] {
        fx.set_env(name, if name == variable { level } else { "" });
    }
    fx.set_env("TF_LOG_PATH", path.to_str().expect("utf-8 path"));
    let output = fx.run(args).await;
    let log = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{label}: no log at {}: {e}", path.display()));
    let logged = Logged {
        label: format!(
            "terraform {} {label} ({variable}={level})",
            fx.tf.version_string()
        ),
        log,
        stdout: text(&output.stdout),
        stderr: text(&output.stderr),
    };
    (output, logged)
}

/// What must never show, each with a name for the failure message: the whole value and the
/// part an attacker could not know (an API key's text after its public prefix, a token's after
/// `sbp_`).
struct Secrets(Vec<(String, String)>);

impl Secrets {
    /// The access token `token` (the fixture's: [`Fixture::token`]).
    fn new(token: &str) -> Secrets {
        let mut secrets = Secrets(Vec::new());
        secrets.token("the access token", token);
        secrets
    }

    fn token(&mut self, what: &str, token: &str) {
        self.0.push((what.to_string(), token.to_string()));
        let tail = token.strip_prefix("sbp_").unwrap_or(token);
        self.0
            .push((format!("{what} (after sbp_)"), tail.to_string()));
    }

    fn api_key(&mut self, what: &str, value: &str) {
        assert!(value.len() > PUBLIC_PREFIX + 8, "{what} is too short");
        if self.0.iter().any(|(_, v)| v == value) {
            return;
        }
        self.0.push((what.to_string(), value.to_string()));
        self.0.push((
            format!("{what} (after its public prefix)"),
            value[PUBLIC_PREFIX..].to_string(),
        ));
    }

    /// Every key of the test's on the server now (on the simulator, every key of the project
    /// but its legacy ones).
    fn server_keys(&mut self, fx: &Fixture) {
        for key in fx.keys() {
            self.api_key(
                &format!("api_key of {} ({})", key.name, key.id),
                &key.api_key,
            );
        }
    }
}

/// Fails, listing provider and core lines apart, if any run shows any secret; prints line
/// counts either way. Also fails if a log is missing Terraform's or the provider's lines (the
/// check would prove nothing).
fn assert_no_secrets(runs: &[Logged], secrets: &Secrets) {
    let mut leaks = Vec::new();
    for run in runs {
        let (provider, core) = split_log(&run.log);
        eprintln!(
            "{}: log {} lines ({} provider, {} core), stdout {} lines, stderr {} lines",
            run.label,
            provider.len() + core.len(),
            provider.len(),
            core.len(),
            run.stdout.lines().count(),
            run.stderr.lines().count()
        );
        assert!(
            !core.is_empty() && !provider.is_empty(),
            "{}: the TRACE log lacks Terraform's or the provider's lines ({} core, {} provider)",
            run.label,
            core.len(),
            provider.len()
        );
        for (what, value) in &secrets.0 {
            let hits = |lines: Vec<&str>| -> Vec<String> {
                lines
                    .into_iter()
                    .filter(|l| l.contains(value.as_str()))
                    .map(str::to_string)
                    .collect()
            };
            let found = [
                ("provider log lines", hits(provider.clone())),
                ("core log lines", hits(core.clone())),
                ("stdout lines", hits(run.stdout.lines().collect())),
                ("stderr lines", hits(run.stderr.lines().collect())),
            ];
            for (place, lines) in found {
                if !lines.is_empty() {
                    leaks.push(format!(
                        "{}: {what} in {} {place}:\n  {}",
                        run.label,
                        lines.len(),
                        lines.join("\n  ")
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}

#[tokio::test]
async fn an_apply_update_and_destroy_leak_no_secret() {
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
        let mut runs = Vec::new();
        fx.config(&key_config(&fx, "hygiene_key", "first"));
        let (output, logged) = run_logged(&mut fx, "apply-create", &apply).await;
        assert_success(&output, &logged.label);
        runs.push(logged);
        // An update: the prior state, secret included, travels through plan and apply.
        fx.config(&key_config(&fx, "hygiene_key", "second"));
        let (output, logged) = run_logged(&mut fx, "apply-update", &apply).await;
        assert_success(&output, &logged.label);
        runs.push(logged);
        let mut secrets = Secrets::new(&fx.token());
        secrets.server_keys(&fx);
        assert_eq!(secrets.0.len(), 4, "one key and the token");
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            fx.keys()[0].api_key,
            "the secret went through the provider into state"
        );
        let (output, logged) = run_logged(
            &mut fx,
            "destroy",
            &["destroy", "-auto-approve", "-input=false", "-no-color"],
        )
        .await;
        assert_success(&output, &logged.label);
        runs.push(logged);
        assert!(fx.keys().is_empty());
        assert_no_secrets(&runs, &secrets);
    }
}

#[tokio::test]
async fn an_import_leaks_no_secret() {
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        let seeded = fx.seed_key(KeySeed::secret(&fx.name("imported_key")).with_description("d"));
        fx.config(&key_config(&fx, "imported_key", "d"));
        let import_id = format!("{}/{}", fx.project(), seeded.id);
        let (output, import) = run_logged(
            &mut fx,
            "import",
            &["import", "-input=false", "-no-color", ADDR, &import_id],
        )
        .await;
        assert_success(&output, &import.label);
        let (output, plan) = run_logged(&mut fx, "plan-after-import", &["plan", "-no-color"]).await;
        assert_success(&output, &plan.label);
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            seeded.api_key,
            "the import revealed the secret into state"
        );
        let mut secrets = Secrets::new(&fx.token());
        secrets.api_key("the seeded key's api_key", &seeded.api_key);
        secrets.server_keys(&fx);
        assert_no_secrets(&[import, plan], &secrets);
    }
}

#[tokio::test]
async fn a_failing_apply_in_a_storm_of_500s_leaks_no_secret() {
    for tf in terraform::all() {
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
            continue;
        };
        fx.set_env("SUPABASE_MAX_RETRIES", "2");
        let mut runs = Vec::new();
        fx.config(&key_config(&fx, "stormy_key", "first"));
        let (output, logged) = run_logged(
            &mut fx,
            "apply",
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        )
        .await;
        assert_success(&output, &logged.label);
        runs.push(logged);
        // Planned while the API answers: an update of the key (its secret in the prior state)
        // and a second key; applied in a storm, so both fail after their retries.
        fx.config(&format!(
            "{}{}",
            key_config(&fx, "stormy_key", "second"),
            second_key(&fx, "stormy_second_key")
        ));
        let (output, logged) = run_logged(
            &mut fx,
            "plan",
            &["plan", "-input=false", "-no-color", "-out=tfplan"],
        )
        .await;
        assert_success(&output, &logged.label);
        runs.push(logged);
        fx.sim().add_fault(FaultRule::always(
            RequestMatcher::any_method("/v1/**"),
            FaultAction::Status(500),
        ));
        let (output, logged) = run_logged(
            &mut fx,
            "apply-in-storm",
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "tfplan",
            ],
        )
        .await;
        fx.sim().clear_faults();
        assert!(
            !output.status.success(),
            "{}: the apply succeeded in a storm",
            logged.label
        );
        let shown = folded(&logged.stderr);
        for expect in ["Could not update the secret API key", "HTTP 500"] {
            assert!(shown.contains(expect), "{}: {shown}", logged.label);
        }
        let (provider, _) = split_log(&logged.log);
        assert!(
            provider
                .iter()
                .any(|l| l.contains("retrying a Management API request")),
            "{}: the provider logged no retry",
            logged.label
        );
        let failed = fx
            .requests()
            .iter()
            .filter(|r| r.status == Some(500))
            .count();
        assert!(
            failed >= 3,
            "{}: only {failed} answers were 500",
            logged.label
        );
        runs.push(logged);
        let mut secrets = Secrets::new(&fx.token());
        secrets.server_keys(&fx);
        assert_eq!(fx.keys().len(), 1, "the storm created nothing");
        assert_no_secrets(&runs, &secrets);
    }
}

#[tokio::test]
async fn a_forced_panic_is_an_error_that_shows_the_secret_redacted() {
    if !cfg!(debug_assertions) {
        // TF_SUPABASE_PROVIDER_TEST_PANIC exists in debug builds only, and the provider under
        // test is built with this test's profile.
        eprintln!("skipping: the forced panic needs a debug build");
        return;
    }
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        fx.set_env("TF_SUPABASE_PROVIDER_TEST_PANIC", "1");
        fx.config(&format!(
            "{}{}",
            key_config(&fx, "panicky_key", "first"),
            second_key(&fx, "panicky_second_key")
        ));
        // One create at a time: the second is asked of the same provider process after the
        // first one panicked.
        let (output, logged) = run_logged(
            &mut fx,
            "apply-panic",
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-parallelism=1",
            ],
        )
        .await;
        let label = logged.label.clone();
        assert!(
            !output.status.success(),
            "{label}: the apply succeeded with a panic"
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{label}: Terraform did not end with an ordinary error"
        );
        let shown = folded(&logged.stderr);
        assert_eq!(
            shown
                .matches("Error: The provider hit an internal error")
                .count(),
            2,
            "{label}: expected an internal-error diagnostic per create: {shown}"
        );
        assert_eq!(
            shown.matches("with secret Secret(<redacted>)").count(),
            2,
            "{label}: the panic text does not show the secret redacted: {shown}"
        );
        for crash in [
            "Plugin did not respond",
            "plugin exited",
            "unexpected EOF",
            "connection refused",
        ] {
            assert!(!shown.contains(crash), "{label}: {crash:?}: {shown}");
        }
        let (provider, core) = split_log(&logged.log);
        assert_eq!(
            provider
                .iter()
                .filter(|l| l.contains("handler panicked"))
                .count(),
            2,
            "{label}: the provider did not log both panics"
        );
        assert!(
            !core
                .iter()
                .any(|l| l.contains("[ERROR]") && l.contains("plugin process exited")),
            "{label}: the provider process died"
        );
        // The process that panicked answered the second create: no provider was started
        // between the two panics.
        let lines: Vec<&str> = logged.log.lines().collect();
        let panics: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].contains("handler panicked"))
            .collect();
        assert!(
            lines[..panics[0]]
                .iter()
                .any(|l| l.contains("plugin started")),
            "{label}: Terraform logged no provider start"
        );
        assert!(
            !lines[panics[0]..panics[1]]
                .iter()
                .any(|l| l.contains("plugin started")),
            "{label}: a new provider process served the second create"
        );
        let keys = fx.keys();
        assert_eq!(
            keys.len(),
            2,
            "both creates reached the API before panicking"
        );
        let mut secrets = Secrets::new(&fx.token());
        secrets.server_keys(&fx);
        assert_no_secrets(&[logged], &secrets);
    }
}

/// `TF_LOG_PROVIDER=DEBUG` (what a user sets to see what the provider did), `TF_LOG=DEBUG` and
/// `TF_LOG=TRACE`: an apply that creates a secret key logs each of its HTTP exchanges at DEBUG,
/// one line per request the API received, with method, path and query, status, duration,
/// attempt and the rate-limit headers; the endpoint once, at configure; no rate-limit wait, as
/// there was none; and neither the token nor the secret, anywhere.
#[tokio::test]
async fn the_debug_log_shows_each_request_without_a_token_or_secret() {
    for tf in terraform::all() {
        for (variable, level) in [
            ("TF_LOG_PROVIDER", "DEBUG"),
            ("TF_LOG", "DEBUG"),
            ("TF_LOG", "TRACE"),
        ] {
            // The simulator's default configuration enforces the API's documented limit
            // (`RateLimit::default()`, 120 a minute) and sends its headers, as the API does.
            let mut fx = Fixture::new(&tf).await;
            let keys_path = format!("/v1/projects/{}/api-keys", fx.project());
            fx.config(&key_config(&fx, "logged_key", "debug log"));
            let (output, logged) = run_logged_at(
                &mut fx,
                &format!("apply-{}", level.to_ascii_lowercase()),
                (variable, level),
                &["apply", "-auto-approve", "-input=false", "-no-color"],
            )
            .await;
            let label = logged.label.clone();
            assert_success(&output, &label);
            let (provider, _) = split_log(&logged.log);
            let lines = request_lines(&provider);

            // One line per request the API received, saying what the API saw.
            let mut logged_requests: Vec<(String, String, String)> = lines
                .iter()
                .map(|(_, f)| {
                    let field = |name: &str| f.get(name).cloned().unwrap_or_default();
                    (field("method"), field("path"), field("status"))
                })
                .collect();
            let mut received: Vec<(String, String, String)> = fx
                .requests()
                .iter()
                .map(|r| {
                    let query = r
                        .query
                        .as_ref()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default();
                    let status = r.status.map(|s| s.to_string()).unwrap_or_default();
                    (r.method.to_string(), format!("{}{query}", r.path), status)
                })
                .collect();
            logged_requests.sort();
            received.sort();
            assert_eq!(
                logged_requests,
                received,
                "{label}: the request lines are not the requests the API received:\n{}",
                provider.join("\n")
            );
            let created = (
                "POST".to_string(),
                format!("{keys_path}?reveal=true"),
                "201".to_string(),
            );
            let listed = ("GET".to_string(), keys_path.clone(), "200".to_string());
            for expected in [&created, &listed] {
                assert!(
                    logged_requests.contains(expected),
                    "{label}: no request line for {expected:?}: {logged_requests:?}"
                );
            }
            for (line_level, f) in &lines {
                assert_eq!(line_level, "DEBUG", "{label}: {f:?}");
                let duration: f64 = f["duration_ms"]
                    .parse()
                    .unwrap_or_else(|_| panic!("{label}: duration_ms {f:?}"));
                assert!(duration >= 0.0, "{label}: {f:?}");
                assert_eq!(f["attempt"], "1", "{label}: no retry was needed: {f:?}");
                assert_eq!(f["max_attempts"], "6", "{label}: {f:?}");
                // The API sends its documented limit's headers (the simulator too).
                assert_eq!(f["x_ratelimit_limit"], "120", "{label}: {f:?}");
                let remaining: u32 = f["x_ratelimit_remaining"]
                    .parse()
                    .unwrap_or_else(|_| panic!("{label}: x_ratelimit_remaining {f:?}"));
                assert!(remaining < 120, "{label}: {f:?}");
                assert!(f.contains_key("x_ratelimit_reset"), "{label}: {f:?}");
                for absent in ["error", "cause"] {
                    assert!(!f.contains_key(absent), "{label}: {f:?}");
                }
            }

            // The endpoint, once per configured provider process.
            let configured: Vec<&&str> = provider
                .iter()
                .filter(|l| l.contains("configured the Management API client"))
                .collect();
            assert!(
                !configured.is_empty()
                    && configured.iter().all(|l| {
                        l.contains("[INFO]")
                            && l.contains(&format!(
                                "endpoint={}/",
                                fx.endpoint().trim_end_matches('/')
                            ))
                            && l.contains("access_token_from=SUPABASE_ACCESS_TOKEN")
                    }),
                "{label}: {configured:#?}"
            );
            // No request was held back, so no wait is logged.
            assert!(
                !provider
                    .iter()
                    .any(|l| l.contains("rate-limit window") || l.contains("wait_ms=0")),
                "{label}: a rate-limit wait was logged:\n{}",
                provider.join("\n")
            );

            let mut secrets = Secrets::new(&fx.token());
            secrets.server_keys(&fx);
            assert_eq!(secrets.0.len(), 4, "{label}: one key and the token");
            assert_no_secrets(&[logged], &secrets);
        }
    }
}

#[test]
fn request_line_fields_are_read_like_terraform_prints_them() {
    let line = "2026-12-02T06:25:51.118Z [DEBUG] provider.terraform-provider-supabase: Management \
                API request: max_attempts=2 duration_ms=0.8 error=connect method=GET \
                @module=provider cause=\"client error (Connect): say \\\"no\\\"\" attempt=1";
    let lines = request_lines(&[line]);
    assert_eq!(lines.len(), 1);
    let (level, f) = &lines[0];
    assert_eq!(level, "DEBUG");
    assert_eq!(f["cause"], "client error (Connect): say \"no\"");
    assert_eq!(f["attempt"], "1");
    assert_eq!(f["@module"], "provider");
    assert_eq!(f["duration_ms"], "0.8");
}

/// A human plan or state view: `api_key` reads `(sensitive value)` wherever it is shown (an
/// update plan hides it among the unchanged attributes unless `shown`), and the secret never
/// appears.
fn assert_hides_api_key(tf: &Terraform, stdout: &str, secret: Option<&str>, shown: bool) {
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.trim_start()
                .trim_start_matches(['+', '~', ' '])
                .starts_with("api_key ")
        })
        .collect();
    assert!(
        !shown || !lines.is_empty(),
        "terraform {}: no api_key shown:\n{stdout}",
        tf.version_string()
    );
    for line in lines {
        assert!(
            line.contains("(sensitive value)"),
            "terraform {}: {line:?}",
            tf.version_string()
        );
    }
    if let Some(secret) = secret {
        assert!(
            !stdout.contains(secret),
            "terraform {}: the secret is shown:\n{stdout}",
            tf.version_string()
        );
    }
}

/// Whether raw state's `sensitive_attributes` lists the path `api_key`. Terraform 1.11 writes a
/// list of paths, each a list of steps: `[[{"type": "get_attr", "value": "api_key"}]]`.
fn state_file_marks_api_key(instance: &Json) -> bool {
    instance["sensitive_attributes"]
        .as_array()
        .is_some_and(|paths| {
            paths
                .iter()
                .any(|p| *p == json!([{"type": "get_attr", "value": "api_key"}]))
        })
}

#[tokio::test]
async fn plans_and_state_mark_api_key_sensitive() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config(&fx, "sensitive_key", "first"));
        let planned = fx
            .ok(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .await;
        assert_hides_api_key(&tf, &text(&planned.stdout), None, true);
        let shown = fx.ok(&["show", "-json", "tfplan"]).await;
        let plan: Json = serde_json::from_slice(&shown.stdout).expect("plan JSON");
        let change = &plan["resource_changes"][0]["change"];
        assert_eq!(
            change["after_sensitive"]["api_key"], true,
            "{version}: {change:#}"
        );
        let planned_values = &plan["planned_values"]["root_module"]["resources"][0];
        // Terraform 1.0 marks schema-sensitive attributes in a plan's change only, not in its
        // planned_values (nor in state, below).
        if tf.at_least((1, 8, 0)) {
            assert_eq!(
                planned_values["sensitive_values"]["api_key"], true,
                "{version}: {planned_values:#}"
            );
        }
        fx.ok(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "tfplan",
        ])
        .await;
        let secret = fx.keys()[0].api_key.clone();

        // An update: the secret is in the prior state, and stays hidden.
        fx.config(&key_config(&fx, "sensitive_key", "second"));
        let planned = fx
            .ok(&["plan", "-input=false", "-no-color", "-out=tfplan"])
            .await;
        assert_hides_api_key(&tf, &text(&planned.stdout), Some(&secret), false);
        let shown = fx.ok(&["show", "-json", "tfplan"]).await;
        let plan: Json = serde_json::from_slice(&shown.stdout).expect("plan JSON");
        let change = &plan["resource_changes"][0]["change"];
        assert_eq!(change["actions"], json!(["update"]), "{version}");
        for side in ["before_sensitive", "after_sensitive"] {
            assert_eq!(
                change[side]["api_key"], true,
                "{version} {side}: {change:#}"
            );
        }
        let human = fx.ok(&["show", "-no-color"]).await;
        assert_hides_api_key(&tf, &text(&human.stdout), Some(&secret), true);

        let state = fx.state().await;
        let key = resource(&state, ADDR);
        assert_eq!(key["values"]["api_key"], secret.as_str());
        let raw: Json = serde_json::from_slice(
            &std::fs::read(fx.work.config_dir().join("terraform.tfstate")).expect("state file"),
        )
        .expect("state file JSON");
        let instance = &raw["resources"][0]["instances"][0];
        if tf.at_least((1, 8, 0)) {
            assert_eq!(
                key["sensitive_values"]["api_key"], true,
                "{version}: {key:#}"
            );
            assert!(
                state_file_marks_api_key(instance),
                "{version}: terraform.tfstate does not list api_key: {instance:#}"
            );
        } else {
            // A known Terraform limitation: 1.0 writes `sensitive_attributes: []` and prints
            // `sensitive_values: {}` for an attribute only the provider's schema marks.
            terraform::skip(
                &tf,
                "state sensitivity sub-check: Terraform before 1.8 (1.0.3 checked) does not \
                 mark schema-sensitive attributes in state or in `terraform show -json`",
            );
        }
    }
}

#[tokio::test]
async fn a_refused_token_is_never_echoed() {
    let in_env = "sbp_wrong_0000000000000000000000000000000000000000";
    let in_config = "sbp_wrong_1111111111111111111111111111111111111111";
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        // The token the fixture runs with, before the refused ones replace it.
        let token = fx.token();
        let mut runs = Vec::new();
        fx.set_env("SUPABASE_ACCESS_TOKEN", in_env);
        fx.config(&key_config(&fx, "refused_key", "first"));
        let (output, env_run) =
            run_logged(&mut fx, "plan-token-from-env", &["plan", "-no-color"]).await;
        assert!(!output.status.success(), "{}: plan passed", env_run.label);
        runs.push(env_run);
        fx.config(&key_config(&fx, "refused_key", "first").replace(
            "provider \"supabase\" {}",
            &format!("provider \"supabase\" {{\n  access_token = \"{in_config}\"\n}}"),
        ));
        let (output, config_run) =
            run_logged(&mut fx, "plan-token-from-config", &["plan", "-no-color"]).await;
        assert!(
            !output.status.success(),
            "{}: plan passed",
            config_run.label
        );
        runs.push(config_run);
        // Each error says where the new token goes: where the refused one came from.
        let goes = [
            "put it in the SUPABASE_ACCESS_TOKEN environment variable (the provider block sets \
             no `access_token`)",
            "put it in the provider's `access_token` argument",
        ];
        for (run, goes) in runs.iter().zip(goes) {
            let shown = folded(&run.stderr);
            for expect in ["HTTP 401", "the access token was refused", goes] {
                assert!(shown.contains(expect), "{}: {shown}", run.label);
            }
        }
        assert_eq!(
            fx.requests().len(),
            2,
            "one refused request per plan: {:?}",
            fx.requests()
        );
        let mut secrets = Secrets::new(&token);
        secrets.token("the refused token from the environment", in_env);
        secrets.token("the refused token from the configuration", in_config);
        assert_no_secrets(&runs, &secrets);
    }
}

#[tokio::test]
async fn a_plain_http_endpoint_off_this_machine_warns_that_the_token_travels_in_clear() {
    // The provider is configured for a resource with count = 0, so no request is made at all;
    // the host is reserved (.invalid) and requests could not wait long or retry anyway.
    let config = |fx: &Fixture, endpoint: &str| {
        format!(
            r#"provider "supabase" {{
  endpoint = "{endpoint}"
}}

resource "supabase_secret_api_key" "backend" {{
  count       = 0
  project_ref = "{project}"
  name        = "{name}"
}}
"#,
            project = fx.project(),
            name = fx.name("clear_key"),
        )
    };
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        fx.set_env("SUPABASE_REQUEST_TIMEOUT", "1s");
        fx.set_env("SUPABASE_MAX_RETRIES", "0");
        fx.config(&config(&fx, "http://example.invalid"));
        let (output, logged) = run_logged(&mut fx, "plan-plain-http", &["plan", "-no-color"]).await;
        assert_success(&output, &logged.label);
        let shown = folded(&format!("{}\n{}", logged.stdout, logged.stderr));
        for expect in [
            "Warning: The access token travels in clear",
            &format!("with {PROVIDER_ADDR},"),
            "on main.tf line 10, in provider \"supabase\"",
            "http://example.invalid/ uses plain http on a host other than this machine",
        ] {
            assert!(
                shown.contains(expect),
                "{}: no {expect:?}: {shown}",
                logged.label
            );
        }
        let main = std::fs::read_to_string(fx.work.config_dir().join("main.tf")).expect("main");
        assert!(
            main.lines()
                .nth(9)
                .is_some_and(|l| l.contains("endpoint = \"http://example.invalid\"")),
            "line 10 of main.tf is not the endpoint:\n{main}"
        );
        // Loopback over plain http (the simulator) draws no such warning. Live, the endpoint is
        // not one: a loopback port nothing serves stands in, as no request is made.
        let loopback_endpoint = if fx.is_live() {
            "http://127.0.0.1:9".to_string()
        } else {
            fx.sim().base_url()
        };
        fx.config(&config(&fx, &loopback_endpoint));
        let (output, loopback) =
            run_logged(&mut fx, "plan-loopback-http", &["plan", "-no-color"]).await;
        assert_success(&output, &loopback.label);
        let shown = format!("{}\n{}", loopback.stdout, loopback.stderr);
        assert!(!shown.contains("in clear"), "{}: {shown}", loopback.label);
        assert!(
            fx.requests().is_empty(),
            "a plan with nothing to do made requests: {:?}",
            fx.requests()
        );
        assert_no_secrets(&[logged, loopback], &Secrets::new(&fx.token()));
    }
}

/// The leak check itself: a secret in any place is found, and reported with the provider's and
/// Terraform's lines apart.
#[test]
fn the_leak_check_finds_a_secret_anywhere() {
    let secret = "sb_secret_0123456789abcdefghijklmnopqrstuv";
    let tail = &secret[PUBLIC_PREFIX..];
    let provider_line = "2026-11-26T19:53:07.422Z [ERROR] provider.terraform-provider-supabase: x";
    let clean = Logged {
        label: "clean".into(),
        log: format!("2026-11-26T19:53:07.420Z [TRACE] core\n{provider_line}\n  | continued\n"),
        stdout: String::new(),
        stderr: String::new(),
    };
    let (provider, core) = split_log(&clean.log);
    assert_eq!(
        (provider.len(), core.len()),
        (2, 1),
        "continuations follow their entry"
    );
    let mut secrets = Secrets::new(TOKEN);
    secrets.api_key("the key", secret);
    assert_no_secrets(std::slice::from_ref(&clean), &secrets);
    let leaky = [
        (
            "provider log lines",
            format!("{}\n  | {tail}\n", clean.log),
            "",
            "",
        ),
        (
            "core log lines",
            format!("{}2026-11-26T19:53:08.000Z [TRACE] {secret}\n", clean.log),
            "",
            "",
        ),
        ("stdout lines", clean.log.clone(), TOKEN, ""),
        ("stderr lines", clean.log.clone(), "", tail),
    ];
    for (place, log, stdout, stderr) in leaky {
        let run = Logged {
            label: "leaky".into(),
            log,
            stdout: stdout.into(),
            stderr: stderr.into(),
        };
        let failure =
            std::panic::catch_unwind(|| assert_no_secrets(&[run], &secrets)).expect_err(place);
        let message = failure
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains(place), "{place}: {message}");
    }
}
