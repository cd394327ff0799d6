//! Bad input, on every Terraform the suite is given: configuration the API would refuse fails at
//! `terraform validate` with the attribute named and no request sent, and answers that are not
//! what the Management API sends (HTML, truncated JSON, fields of the wrong type) give a clear
//! error, never a panic, and never drop a key from state; on a create they are ambiguous and end
//! with exactly one key, and after a failed update or delete the next run converges.
//!
//! Not covered: an answer with a missing `id` or other hand-written body. The simulator has no
//! fault that sends a custom body (`FaultAction` offers Status, Html, TruncatedBody, Reset,
//! CommitThenDrop/Status, Latency), and a stored key always has an id. Wrong types are covered
//! through keys stored with a non-object template or an empty name, which the list answer
//! carries as they are; the decoder's handling of missing fields is unit-tested in
//! src/supabase/keys.rs.

mod support;

use std::path::Path;

use serde_json::{json, Value as Json};
use supabase_simulator::{FaultAction, FaultRule, KeyPatch, KeySeed, RequestMatcher};
use support::acceptance::{folded, resource, stderr, Fixture};
use support::backend::SimOnly;
use support::terraform::{self, text};

const ADDR: &str = "supabase_secret_api_key.backend";
const PROVIDER_ADDR: &str = "provider[\"registry.terraform.io/supabase-rs/supabase\"]";

/// A provider block with `provider_args`, and one key whose arguments are `resource_args`
/// (each argument on its own line, so a diagnostic's line names it).
fn config(provider_args: &str, resource_args: &str) -> String {
    format!(
        r#"provider "supabase" {{
{provider_args}
}}

resource "supabase_secret_api_key" "backend" {{
{resource_args}
}}
"#
    )
}

fn resource_args(project_ref: &str, name: &str, extra: &str) -> String {
    format!("  project_ref = \"{project_ref}\"\n  name        = \"{name}\"\n{extra}")
}

/// The 1-based line of main.tf whose text starts (after indentation) with `attribute` and
/// holds `marker`.
fn line_of(fx: &Fixture, attribute: &str, marker: &str) -> u64 {
    let main = std::fs::read_to_string(fx.work.config_dir().join("main.tf")).expect("main.tf");
    let found = main
        .lines()
        .position(|l| l.trim_start().starts_with(attribute) && l.contains(marker))
        .unwrap_or_else(|| panic!("no line for {attribute} with {marker:?} in:\n{main}"));
    found as u64 + 1
}

/// Fails unless an output shows any sign of a panic in the provider.
fn assert_no_panic(what: &str, streams: &[&str]) {
    for stream in streams {
        for sign in [
            "panicked",
            "The provider hit an internal error",
            "Plugin did not respond",
            "handler panicked",
        ] {
            assert!(!stream.contains(sign), "{what}: {sign:?} in:\n{stream}");
        }
    }
}

/// The error diagnostic of `validate -json` with this summary.
fn error_diagnostic<'a>(report: &'a Json, summary: &str, what: &str) -> &'a Json {
    report["diagnostics"]
        .as_array()
        .and_then(|ds| {
            ds.iter()
                .find(|d| d["severity"] == "error" && d["summary"] == summary)
        })
        .unwrap_or_else(|| panic!("{what}: no error {summary:?} in {report:#}"))
}

struct BadValue {
    what: &'static str,
    /// The attribute the diagnostic must point at.
    attribute: &'static str,
    /// Text on that attribute's line, to tell it from the other lines.
    marker: String,
    provider_args: String,
    resource_args: String,
    summary: &'static str,
    detail: &'static str,
}

/// A bad value of one of the key's arguments, the others good (in the fixture's project, named
/// with [`Fixture::name`]).
fn resource_case(
    fx: &Fixture,
    what: &'static str,
    attribute: &'static str,
    value: &str,
    summary: &'static str,
    detail: &'static str,
) -> BadValue {
    let good_name = fx.name("good_name");
    let args = match attribute {
        "name" => resource_args(fx.project(), value, ""),
        "project_ref" => resource_args(value, &good_name, ""),
        "secret_jwt_template" => resource_args(
            fx.project(),
            &good_name,
            &format!("  secret_jwt_template = {value}"),
        ),
        other => unreachable!("{other}"),
    };
    BadValue {
        what,
        attribute,
        marker: value.to_string(),
        provider_args: String::new(),
        resource_args: args,
        summary,
        detail,
    }
}

/// A bad value of one of the provider's arguments, with a good key.
fn provider_case(
    fx: &Fixture,
    what: &'static str,
    attribute: &'static str,
    value: &str,
    summary: &'static str,
    detail: &'static str,
) -> BadValue {
    BadValue {
        what,
        attribute,
        marker: format!("\"{value}\""),
        provider_args: format!("  {attribute} = \"{value}\""),
        resource_args: resource_args(fx.project(), &fx.name("good_name"), ""),
        summary,
        detail,
    }
}

/// Writes the case's configuration; `terraform validate -json` must fail with the diagnostic on
/// the attribute's line. Returns that line.
async fn assert_validate_rejects(fx: &Fixture, case: &BadValue) -> u64 {
    let version = fx.tf.version_string();
    let what = format!("terraform {version}, {}", case.what);
    fx.config(&config(&case.provider_args, &case.resource_args));
    let line = line_of(fx, case.attribute, &case.marker);
    let output = fx.run(&["validate", "-json", "-no-color"]).await;
    assert!(!output.status.success(), "{what}: validate passed");
    let report: Json = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{what}: validate -json: {e}\n{}", text(&output.stdout)));
    let diag = error_diagnostic(&report, case.summary, &what);
    assert!(
        diag["detail"]
            .as_str()
            .is_some_and(|d| d.contains(case.detail)),
        "{what}: detail lacks {:?}: {diag:#}",
        case.detail
    );
    assert_eq!(
        diag["range"]["filename"], "main.tf",
        "{what}: range: {diag:#}"
    );
    assert_eq!(
        diag["range"]["start"]["line"],
        json!(line),
        "{what}: the diagnostic is not on the {} line: {diag:#}",
        case.attribute
    );
    let code = diag["snippet"]["code"].as_str().unwrap_or_default();
    assert!(
        code.trim_start().starts_with(case.attribute),
        "{what}: snippet {code:?} is not the {} line",
        case.attribute
    );
    assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
    line
}

#[tokio::test]
async fn invalid_resource_arguments_fail_validate_on_their_line_without_requests() {
    let long = "a".repeat(65);
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let cases = [
            resource_case(
                &fx,
                "name too short",
                "name",
                "abc",
                "Invalid API key name",
                "4 to 64",
            ),
            resource_case(
                &fx,
                "name too long",
                "name",
                &long,
                "Invalid API key name",
                "4 to 64",
            ),
            resource_case(
                &fx,
                "uppercase name",
                "name",
                "Upper_case",
                "Invalid API key name",
                "^[a-z_][a-z0-9_]+$",
            ),
            resource_case(
                &fx,
                "name with a leading digit",
                "name",
                "1digit_name",
                "Invalid API key name",
                "^[a-z_][a-z0-9_]+$",
            ),
            resource_case(
                &fx,
                "reserved name anon",
                "name",
                "anon",
                "Invalid API key name",
                "reserved",
            ),
            resource_case(
                &fx,
                "reserved name service_role",
                "name",
                "service_role",
                "Invalid API key name",
                "reserved",
            ),
            resource_case(
                &fx,
                "project_ref too short",
                "project_ref",
                "abcdefghijklmnopqrs",
                "Invalid project reference",
                "exactly 20 lowercase letters",
            ),
            resource_case(
                &fx,
                "project_ref too long",
                "project_ref",
                "abcdefghijklmnopqrstu",
                "Invalid project reference",
                "exactly 20 lowercase letters",
            ),
            resource_case(
                &fx,
                "uppercase project_ref",
                "project_ref",
                "ABCDEFGHIJKLMNOPQRST",
                "Invalid project reference",
                "exactly 20 lowercase letters",
            ),
            resource_case(
                &fx,
                "template that is not JSON",
                "secret_jwt_template",
                r#""role: service_role""#,
                "Invalid secret_jwt_template",
                "not valid JSON",
            ),
            resource_case(
                &fx,
                "template that is not an object",
                "secret_jwt_template",
                r#"jsonencode(["service_role"])"#,
                "Invalid secret_jwt_template",
                "must be a JSON object",
            ),
            resource_case(
                &fx,
                "template whose role is not a string",
                "secret_jwt_template",
                "jsonencode({ role = 1 })",
                "Invalid secret_jwt_template",
                "\"role\" must be a string",
            ),
            resource_case(
                &fx,
                "template without a role",
                "secret_jwt_template",
                "jsonencode({ tier = \"gold\" })",
                "Invalid secret_jwt_template",
                "must name a \"role\"",
            ),
        ];
        for case in &cases {
            let line = assert_validate_rejects(&fx, case).await;
            // A plan stops at the same check, before any request, naming the resource and
            // the line.
            let what = format!("terraform {}, {}", tf.version_string(), case.what);
            let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
            assert!(!output.status.success(), "{what}: plan succeeded");
            let shown = folded(&stderr(&output));
            for expect in [
                format!("with {ADDR},"),
                format!("on main.tf line {line}, in resource"),
                case.summary.to_string(),
            ] {
                assert!(shown.contains(&expect), "{what}: no {expect:?} in {shown}");
            }
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
        }
        assert!(
            fx.requests().is_empty(),
            "terraform {}: bad arguments made API requests: {:?}",
            tf.version_string(),
            fx.requests()
        );
    }
}

#[tokio::test]
async fn invalid_provider_arguments_fail_before_any_request() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let cases = [
            provider_case(
                &fx,
                "empty access_token",
                "access_token",
                "",
                "Empty access token",
                "`access_token` is empty",
            ),
            provider_case(
                &fx,
                "whitespace access_token",
                "access_token",
                "   ",
                "Empty access token",
                "`access_token` is empty",
            ),
            provider_case(
                &fx,
                "endpoint without a scheme",
                "endpoint",
                "api.supabase.com",
                "Invalid Supabase API endpoint",
                "is not a URL",
            ),
            provider_case(
                &fx,
                "endpoint with a bad port",
                "endpoint",
                "https://api.supabase.com:99999",
                "Invalid Supabase API endpoint",
                "invalid port number",
            ),
            provider_case(
                &fx,
                "endpoint with a query",
                "endpoint",
                "https://api.supabase.com/?project=abcdefghijklmnopqrst",
                "Invalid Supabase API endpoint",
                "has a query or fragment",
            ),
            provider_case(
                &fx,
                "endpoint with another scheme",
                "endpoint",
                "ftp://api.supabase.com",
                "Invalid Supabase API endpoint",
                "not http or https",
            ),
        ];
        for case in &cases {
            // Terraform validates a provider block only when a resource uses the provider; the
            // configuration has one, so `validate` already rejects the value.
            let line = assert_validate_rejects(&fx, case).await;
            let what = format!("terraform {}, {}", tf.version_string(), case.what);
            let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
            assert!(!output.status.success(), "{what}: plan succeeded");
            let shown = folded(&stderr(&output));
            for expect in [
                format!("with {PROVIDER_ADDR},"),
                format!("on main.tf line {line}, in provider \"supabase\""),
                case.summary.to_string(),
                case.detail.to_string(),
            ] {
                assert!(shown.contains(&expect), "{what}: no {expect:?} in {shown}");
            }
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
        }
        assert!(
            fx.requests().is_empty(),
            "terraform {}: bad provider arguments made API requests: {:?}",
            tf.version_string(),
            fx.requests()
        );
    }
}

/// Turns on the provider's and Terraform's logs into one file, so a panic that became a
/// diagnostic, or one the provider only logged, shows up.
fn log_to(fx: &mut Fixture, path: &Path) {
    fx.set_env("TF_LOG", "TRACE");
    fx.set_env("TF_LOG_PATH", path.to_str().expect("utf-8 path"));
    // Failing requests are retried once, so a 5xx fails in about half a second.
    fx.set_env("SUPABASE_MAX_RETRIES", "1");
}

fn assert_log_has_no_panic(what: &str, path: &Path) {
    let log = std::fs::read_to_string(path).unwrap_or_default();
    assert!(!log.is_empty(), "{what}: nothing was logged to {path:?}");
    for line in log.lines() {
        assert!(
            !line.contains("panicked") && !line.contains("handler panicked"),
            "{what}: the provider panicked: {line}"
        );
    }
}

/// The key `name` ([`Fixture::name`] of it) in the fixture's project.
fn key_config(fx: &Fixture, name: &str) -> String {
    config("", &resource_args(fx.project(), &fx.name(name), ""))
}

#[tokio::test]
async fn bad_answers_to_a_refresh_are_clear_errors_and_keep_the_key() {
    let keys_route = "/v1/projects/*/api-keys";
    let cases = [
        (
            "HTML with 200",
            FaultAction::Html(200),
            "is not a valid Management API response",
        ),
        (
            "truncated JSON",
            FaultAction::TruncatedBody,
            "the body is not valid JSON",
        ),
        (
            "HTML with 502",
            FaultAction::Html(502),
            "failed with HTTP 502",
        ),
    ];
    for tf in terraform::all() {
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
            continue;
        };
        let log = fx.work.root().join("bad-answers.log");
        log_to(&mut fx, &log);
        fx.config(&key_config(&fx, "refreshed_key"));
        fx.apply().await;
        let key = fx.keys()[0].clone();
        for (what, action, expect) in &cases {
            let what = format!("terraform {}, {what}", tf.version_string());
            fx.sim().add_fault(FaultRule::always(
                RequestMatcher::new(http::Method::GET, keys_route),
                action.clone(),
            ));
            let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
            fx.sim().clear_faults();
            assert!(!output.status.success(), "{what}: plan succeeded");
            let shown = folded(&stderr(&output));
            assert!(
                shown.contains("Could not refresh the secret API key"),
                "{what}: {shown}"
            );
            assert!(shown.contains(expect), "{what}: no {expect:?} in {shown}");
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["id"],
                key.id,
                "{what}: the key left the state"
            );
        }
        assert_eq!(fx.keys().len(), 1);
        fx.assert_no_changes().await;
        assert_log_has_no_panic(&format!("terraform {}", tf.version_string()), &log);
    }
}

#[tokio::test]
async fn fields_of_the_wrong_type_are_named_without_a_panic() {
    for tf in terraform::all() {
        // Stores keys the API would never hold (a template that is not an object, an empty name).
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::MalformedData).await else {
            continue;
        };
        let log = fx.work.root().join("wrong-types.log");
        log_to(&mut fx, &log);
        fx.config(&key_config(&fx, "typed_key"));
        fx.apply().await;
        // Keys stored outside Terraform that the list answer carries as they are, one at a
        // time: a template that is a string, not an object, and an empty name.
        let cases: [(&str, KeySeed, Option<KeyPatch>, &str); 2] = [
            (
                "a template that is a string",
                KeySeed {
                    secret_jwt_template: Some(json!("service_role")),
                    ..KeySeed::secret(&fx.name("stray_key"))
                },
                None,
                "field `secret_jwt_template` is a string, not an object",
            ),
            (
                "an empty name",
                KeySeed::secret(&fx.name("nameless_key")),
                Some(KeyPatch {
                    name: Some(String::new()),
                    ..KeyPatch::default()
                }),
                "field `name` is empty",
            ),
        ];
        for (what, seed, patch, expect) in cases {
            let what = format!("terraform {}, {what}", tf.version_string());
            let stray = fx.seed_key(seed);
            if let Some(patch) = patch {
                fx.sim()
                    .update_key_out_of_band(fx.project(), &stray.id, patch)
                    .expect("the stray key exists");
            }
            // A refresh of the managed key, and the check a new key's plan makes.
            fx.config(&format!(
                "{}\nresource \"supabase_secret_api_key\" \"second\" {{\n  project_ref = \"{}\"\n  name        = \"{}\"\n}}\n",
                key_config(&fx, "typed_key"),
                fx.project(),
                fx.name("second_key"),
            ));
            let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
            assert!(!output.status.success(), "{what}: plan succeeded");
            let shown = folded(&stderr(&output));
            assert!(shown.contains(expect), "{what}: no {expect:?} in {shown}");
            assert!(
                shown.contains("is not a valid Management API response"),
                "{what}: {shown}"
            );
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
            assert_eq!(
                fx.count("POST"),
                1,
                "{what}: only the first key was created"
            );
            assert!(fx.delete_key_out_of_band(&stray.id));
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["name"],
                fx.name("typed_key")
            );
        }
        assert_log_has_no_panic(&format!("terraform {}", tf.version_string()), &log);
    }
}

#[tokio::test]
async fn bad_answers_to_a_create_are_reconciled_to_exactly_one_key() {
    // (what, the fault on the one POST, the POSTs it takes: HTML answers commit nothing, and a
    // create that failed after it was sent is never sent again, so the first apply fails once
    // its settle window (3 x the 1 s request timeout) passes without the key, and the next one
    // creates it; a truncated 201 committed the key, which is adopted)
    let cases = [
        ("HTML with 200", FaultAction::Html(200), 2),
        ("HTML with 502", FaultAction::Html(502), 2),
        ("truncated JSON", FaultAction::TruncatedBody, 1),
    ];
    for tf in terraform::all() {
        for (what, action, posts) in &cases {
            let what = format!("terraform {}, {what}", tf.version_string());
            let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
                break;
            };
            let log = fx.work.root().join("create.log");
            log_to(&mut fx, &log);
            fx.sim().add_fault(FaultRule::once(
                RequestMatcher::new(http::Method::POST, "/v1/projects/*/api-keys"),
                action.clone(),
            ));
            fx.set_env("SUPABASE_REQUEST_TIMEOUT", "1s");
            fx.config(&key_config(&fx, "ambiguous_key"));
            if *posts == 2 {
                let output = fx
                    .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
                    .await;
                assert!(
                    !output.status.success(),
                    "{what}: the first apply succeeded"
                );
                assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
                let said = folded(&stderr(&output));
                assert!(
                    said.contains("It was not sent again") && said.contains("may still appear"),
                    "{what}: {said}"
                );
                assert_eq!(fx.count("POST"), 1, "{what}: never sent twice");
                assert!(fx.keys().is_empty(), "{what}");
            }
            let output = fx.apply().await;
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
            let keys = fx.keys();
            assert_eq!(keys.len(), 1, "{what}: keys on the server: {keys:?}");
            assert_eq!(
                fx.count("POST"),
                *posts,
                "{what}: {:?}",
                fx.requests()
                    .iter()
                    .map(|r| format!("{} {} {:?}", r.method, r.path, r.status))
                    .collect::<Vec<_>>()
            );
            let state = fx.state().await;
            let key = resource(&state, ADDR);
            assert_eq!(key["values"]["id"], keys[0].id, "{what}");
            assert_eq!(key["values"]["api_key"], keys[0].api_key, "{what}");
            fx.assert_no_changes().await;
            assert_log_has_no_panic(&what, &log);
        }
    }
}

#[tokio::test]
async fn bad_answers_to_an_update_or_a_delete_are_clear_errors_and_converge() {
    let key_route = "/v1/projects/*/api-keys/*";
    for tf in terraform::all() {
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
            continue;
        };
        let log = fx.work.root().join("update-delete.log");
        log_to(&mut fx, &log);
        let (project, name) = (fx.project().to_string(), fx.name("patched_key"));
        let described = |description: &str| {
            config(
                "",
                &resource_args(
                    &project,
                    &name,
                    &format!("  description = \"{description}\""),
                ),
            )
        };
        fx.config(&described("first"));
        fx.apply().await;
        let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
        let destroy = ["destroy", "-auto-approve", "-input=false", "-no-color"];
        for (what, action) in [
            ("HTML with 200", FaultAction::Html(200)),
            ("truncated JSON", FaultAction::TruncatedBody),
        ] {
            let what = format!("terraform {}, {what}", tf.version_string());
            fx.config(&described(&format!("after {what}")));
            fx.sim().add_fault(FaultRule::always(
                RequestMatcher::new(http::Method::PATCH, key_route),
                action.clone(),
            ));
            let output = fx.run(&apply).await;
            fx.sim().clear_faults();
            assert!(!output.status.success(), "{what}: the update succeeded");
            let shown = folded(&stderr(&output));
            for expect in [
                "Could not update the secret API key",
                "is not a valid Management API response",
            ] {
                assert!(shown.contains(expect), "{what}: no {expect:?} in {shown}");
            }
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
            // Whether or not the server made the change, the next apply gets there.
            fx.apply().await;
            let keys = fx.keys();
            assert_eq!(keys.len(), 1, "{what}");
            assert_eq!(
                keys[0].description.as_deref(),
                Some(format!("after {what}").as_str())
            );
            fx.assert_no_changes().await;
        }
        for (what, action) in [
            ("HTML with 200", FaultAction::Html(200)),
            ("truncated JSON", FaultAction::TruncatedBody),
        ] {
            let what = format!("terraform {}, delete, {what}", tf.version_string());
            fx.sim().add_fault(FaultRule::always(
                RequestMatcher::new(http::Method::DELETE, key_route),
                action,
            ));
            let output = fx.run(&destroy).await;
            fx.sim().clear_faults();
            assert!(!output.status.success(), "{what}: the destroy succeeded");
            let shown = folded(&stderr(&output));
            for expect in [
                "Could not delete the secret API key",
                "is not a valid Management API response",
            ] {
                assert!(shown.contains(expect), "{what}: no {expect:?} in {shown}");
            }
            assert_no_panic(&what, &[&text(&output.stdout), &stderr(&output)]);
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["name"],
                *name,
                "{what}: a failed delete keeps the key in state"
            );
            // Whether or not the server deleted it (a truncated answer did), the next destroy
            // gets there; then the key is made again for the next case.
            fx.destroy().await;
            assert!(fx.keys().is_empty(), "{what}");
            fx.apply().await;
        }
        fx.destroy().await;
        assert!(fx.keys().is_empty());
        assert_log_has_no_panic(&format!("terraform {}", tf.version_string()), &log);
    }
}
