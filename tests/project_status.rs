//! The project decides, on every Terraform the suite is given, with configurations that have
//! nothing in state. When a list of a project's keys fails with a 404 (or another 4xx not about
//! the token or the rate), the provider asks the project (`GET /v1/projects/{ref}`) once:
//!
//! - a mistyped reference fails the first `terraform plan`, on `project_ref`, with nothing sent
//!   beyond three reads (the list, the project, a confirming list);
//! - a project coming up is waited for: the create polls the project until it is
//!   `ACTIVE_HEALTHY`, then checks the name and creates, exactly once;
//! - a paused, going-away or failed project fails the plan at once, naming its state;
//! - a preview branch (project GET 404, its keys served all the same) gets its key;
//! - a token without Project Settings: Read is warned about, and today's wait still works; with
//!   a healthy project it changes nothing (one request, no warning).
//!
//! Everything but the typo needs the simulator's project-status controls, and records a skip in
//! live mode. Assertions are on the diagnostics and on the request log, never on wall time.

mod support;

use http::Method;
use supabase_simulator::{
    FaultAction, FaultRule, LoggedRequest, Permissions, ProjectStatus, RequestMatcher,
};
use support::acceptance::{folded, resource, stderr, Fixture};
use support::backend::SimOnly;
use support::terraform::{self, assert_success, text};

const ADDR: &str = "supabase_secret_api_key.k";
const PLAN: &[&str] = &["plan", "-input=false", "-no-color"];
const APPLY: &[&str] = &["apply", "-auto-approve", "-input=false", "-no-color"];

/// One secret key in `project_ref`, named `fx.name(base)`.
fn config(fx: &Fixture, project_ref: &str, base: &str) -> String {
    format!(
        r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "k" {{
  project_ref = "{project_ref}"
  name        = "{}"
}}
"#,
        fx.name(base)
    )
}

/// The fixture's project reference with its last letter changed: a one-letter typo.
fn typo_of(project_ref: &str) -> String {
    let (head, last) = project_ref.split_at(project_ref.len() - 1);
    let changed = if last == "z" { "y" } else { "z" };
    format!("{head}{changed}")
}

fn is_project_get(r: &LoggedRequest) -> bool {
    r.method == Method::GET && !r.path.ends_with("/api-keys") && !r.path.contains("/api-keys/")
}

fn is_list(r: &LoggedRequest) -> bool {
    r.method == Method::GET && r.path.ends_with("/api-keys")
}

/// The request log, one `METHOD what STATUS` per request: `GET project 200`, `GET list 404`.
fn trace(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let what = if is_project_get(r) {
                "project"
            } else if is_list(r) {
                "list"
            } else {
                "key"
            };
            let status = r.status.map_or("-".to_owned(), |s| s.to_string());
            format!("{} {what} {status}", r.method)
        })
        .collect()
}

/// The plan failed with an error on `project_ref` (Terraform prints the attribute's line).
fn assert_fails_on_project_ref(output: &std::process::Output, summary: &str, what: &str) {
    assert!(!output.status.success(), "{what}: the plan passed");
    let text = stderr(output);
    let said = folded(&text);
    assert!(said.contains(summary), "{what}: no {summary:?} in:\n{text}");
    assert!(
        text.contains("project_ref = "),
        "{what}: the error is not on project_ref:\n{text}"
    );
}

#[tokio::test]
async fn a_mistyped_project_ref_fails_the_first_plan_at_once() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        let typo = typo_of(fx.project());
        fx.config(&config(&fx, &typo, "typo"));
        let started = std::time::Instant::now();
        let output = fx.run(PLAN).await;
        let what = format!("terraform {version}, a typo");
        eprintln!("{what}: the plan failed after {:?}", started.elapsed());
        assert_fails_on_project_ref(&output, "Project not found", &what);
        let said = folded(&stderr(&output));
        for expected in [
            format!("No project with the reference {typo} is visible to this token"),
            "the 20 lowercase letters in the project's dashboard URL".to_owned(),
            "must be referenced by its attribute".to_owned(),
        ] {
            assert!(said.contains(&expected), "{what}: no {expected:?}");
        }
        let requests = fx.requests();
        assert_eq!(fx.count("POST"), 0, "{what}");
        assert!(
            requests.len() <= 3,
            "{what}: {} requests: {:?}",
            requests.len(),
            trace(&requests)
        );
        if !fx.is_live() {
            assert_eq!(
                trace(&requests),
                ["GET list 404", "GET project 404", "GET list 404"],
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn a_project_coming_up_is_waited_for_then_gets_exactly_one_key() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::ProjectStatus).await else {
            continue;
        };
        // UNKNOWN for the plan's project GET, COMING_UP for the next two, then ready.
        fx.sim().start_provisioning(fx.project(), 1, 2);
        fx.set_env("TF_LOG_PROVIDER", "INFO");
        fx.config(&config(&fx, fx.project(), "fresh_project_key"));
        let started = std::time::Instant::now();
        let output = fx.run(APPLY).await;
        let what = format!("terraform {version}, a project coming up");
        eprintln!("{what}: the apply took {:?}", started.elapsed());
        assert_success(&output, &what);
        let text = stderr(&output);
        assert!(
            text.lines()
                .any(|l| l.contains("waiting for the project to be ready")
                    && l.contains("status=COMING_UP")),
            "{what}: the provider did not log that it saw COMING_UP:\n{text}"
        );

        let requests = fx.requests();
        let post = requests
            .iter()
            .position(|r| r.method == Method::POST)
            .unwrap_or_else(|| panic!("{what}: no create: {:?}", trace(&requests)));
        assert_eq!(fx.count("POST"), 1, "{what}: {:?}", trace(&requests));
        let project_gets: Vec<usize> = (0..requests.len())
            .filter(|i| is_project_get(&requests[*i]))
            .collect();
        assert!(
            project_gets.len() >= 3 && project_gets.iter().all(|i| *i < post),
            "{what}: the create was sent before the project was ready: {:?}",
            trace(&requests)
        );
        assert_eq!(
            fx.sim().project_status(fx.project()),
            Some(ProjectStatus::ActiveHealthy)
        );
        // The name was checked again once the project was up: a list answered 200 before the
        // create.
        assert_eq!(
            requests[post - 1].status,
            Some(200),
            "{what}: {:?}",
            trace(&requests)
        );
        assert!(
            is_list(&requests[post - 1]),
            "{what}: {:?}",
            trace(&requests)
        );

        let keys = fx.keys();
        assert_eq!(keys.len(), 1, "{what}");
        let state = fx.state().await;
        assert_eq!(resource(&state, ADDR)["values"]["api_key"], keys[0].api_key);
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn a_paused_going_away_or_failed_project_fails_the_plan_naming_its_state() {
    for tf in terraform::all() {
        let version = tf.version_string();
        for (status, words) in [
            (ProjectStatus::Inactive, "paused (INACTIVE)"),
            (ProjectStatus::GoingDown, "going down (GOING_DOWN)"),
            (ProjectStatus::InitFailed, "failed to set up (INIT_FAILED)"),
        ] {
            let Some(fx) = Fixture::sim_only(&tf, SimOnly::ProjectStatus).await else {
                break;
            };
            fx.sim().set_project_status(fx.project(), status);
            fx.config(&config(&fx, fx.project(), "unusable"));
            let started = std::time::Instant::now();
            let output = fx.run(PLAN).await;
            let what = format!("terraform {version}, {words}");
            eprintln!("{what}: the plan failed after {:?}", started.elapsed());
            assert_fails_on_project_ref(&output, &format!("Project is {words}"), &what);
            if words.starts_with("paused") {
                assert!(
                    folded(&stderr(&output))
                        .contains("Restore (unpause) it in the Supabase dashboard"),
                    "{what}"
                );
            }
            assert_eq!(fx.count("POST"), 0, "{what}");
            assert_eq!(
                trace(&fx.requests()),
                ["GET list 400", "GET project 200"],
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn a_preview_branch_whose_list_fails_once_gets_its_key() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::ProjectStatus).await else {
            continue;
        };
        fx.sim().set_preview_branch(fx.project(), true);
        // One 404 on the list, so the plan asks the project (which a branch answers 404).
        fx.sim().add_fault(FaultRule::once(
            RequestMatcher::new(Method::GET, "/v1/projects/*/api-keys"),
            FaultAction::Status(404),
        ));
        fx.config(&config(&fx, fx.project(), "branch_key"));
        let output = fx.run(APPLY).await;
        let what = format!("terraform {version}, a preview branch");
        assert_success(&output, &what);
        let trace = trace(&fx.requests());
        assert_eq!(
            trace[..3],
            ["GET list 404", "GET project 404", "GET list 200"],
            "{what}: {trace:?}"
        );
        assert_eq!(fx.count("POST"), 1, "{what}: {trace:?}");
        assert_eq!(fx.keys().len(), 1, "{what}");
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn a_token_without_project_read_is_warned_about_and_still_waits() {
    const TOKEN: &str = "sbp_noproject000000000000000000000000000000";
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::ProjectStatus).await else {
            continue;
        };
        fx.use_token(TOKEN, Permissions::without_project_read());
        fx.config(&config(&fx, fx.project(), "no_project_read"));

        // A healthy project: one list, no project GET, no warning.
        let output = fx.run(PLAN).await;
        let what = format!("terraform {version}, no project read, healthy");
        assert_success(&output, &what);
        assert_eq!(trace(&fx.requests()), ["GET list 200"], "{what}");
        let said = format!("{}{}", text(&output.stdout), stderr(&output));
        assert!(
            !folded(&said).contains("Project Settings"),
            "{what}: {said}"
        );

        // A project coming up: its GET answers 403, so only the test moves it on, once the
        // create has met the project's 404.
        fx.sim().start_provisioning(fx.project(), 1, 1);
        let mark = fx.requests().len();
        let (output, ()) = tokio::join!(fx.run(APPLY), async {
            support::wait::until(
                "a create refused while the project comes up",
                std::time::Duration::from_secs(120),
                || {
                    fx.requests()[mark..]
                        .iter()
                        .any(|r| r.method == Method::POST && r.status == Some(404))
                },
            )
            .await;
            fx.sim().advance_provisioning(fx.project());
            fx.sim().advance_provisioning(fx.project());
        });
        let what = format!("terraform {version}, no project read, coming up");
        assert_success(&output, &what);
        // Warnings go to stdout.
        let said = folded(&format!("{}{}", text(&output.stdout), stderr(&output)));
        for expected in [
            "Cannot read the project's status",
            "\"Project Settings: Read\": permission project_admin_read, OAuth scope projects:read",
        ] {
            assert!(said.contains(expected), "{what}: no {expected:?}:\n{said}");
        }
        assert_eq!(fx.keys().len(), 1, "{what}");
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            fx.keys()[0].api_key
        );
    }
}
