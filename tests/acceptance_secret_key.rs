//! `supabase_secret_api_key` with the real terraform CLI against the simulator, on every
//! Terraform the suite is given. Every apply is followed by a plan that must be empty.

mod support;

use serde_json::json;
use supabase_simulator::{FaultAction, FaultRule, KeySeed, RequestMatcher};
use support::acceptance::{actions, folded, resource, stderr, Fixture, REVEAL_DENIALS};
use support::backend::SimOnly;
use support::key_resource::{self as steps, KeyResource};
use support::keys::list_requests;
use support::terraform;
use support::wait;

const KEY: KeyResource = KeyResource::SECRET;
const ADDR: &str = KEY.address;

/// The key `name` ([`Fixture::name`] of it) in the fixture's project.
fn key_config(fx: &Fixture, name: &str, extra: &str) -> String {
    KEY.config(fx, &fx.name(name), extra)
}

#[tokio::test]
async fn create_captures_the_secret_then_updates_in_place_and_destroys() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let created =
            steps::create(&fx, &KEY, "production_backend_key", "Backend service, prod").await;
        let planned = &created.plan["resource_changes"][0]["change"];
        assert_eq!(
            planned["after"]["secret_jwt_template"],
            r#"{"role":"service_role"}"#
        );
        let posts: Vec<_> = fx
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect();
        assert_eq!(posts.len(), 1);
        assert!(posts[0].reveal, "the create asks for the value");
        assert!(
            !fx.requests().iter().any(|r| r.method == "GET" && r.reveal),
            "refresh never reveals"
        );
        let output = fx.ok(&["output", "-raw", "key"]).await;
        assert_eq!(String::from_utf8_lossy(&output.stdout), created.key.api_key);

        // Rename and new description: in place, same id and secret.
        steps::rename_in_place(
            &fx,
            &KEY,
            &created.key,
            "renamed_backend_key",
            "Backend, renamed",
        )
        .await;
        assert!(fx.count("PATCH") >= 1);

        steps::clear_description_then_destroy(&fx, &KEY, "renamed_backend_key").await;
        assert!(
            !fx.requests().iter().any(|r| r.method == "GET" && r.reveal),
            "refresh never reveals"
        );
    }
}

#[tokio::test]
async fn project_ref_or_keepers_change_replaces_the_key() {
    for tf in terraform::all() {
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::SecondProject).await else {
            continue;
        };
        let other = "bcdefghijklmnopqrstu";
        fx.sim().add_project(other);
        let second_generation = steps::keepers_change_replaces(&fx, &KEY, "rotating_key").await;

        let moved = second_generation.replace(
            &format!("project_ref = \"{}\"", fx.project()),
            &format!("project_ref = \"{other}\""),
        );
        fx.config(&moved);
        let plan = fx.plan().await;
        assert_eq!(actions(&plan)[0].1, vec!["delete", "create"]);
        fx.apply().await;
        assert!(fx.keys().is_empty());
        assert_eq!(fx.sim().keys(other).len(), 1);
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn jwt_template_compares_as_json() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let template = |t: &str| format!("  secret_jwt_template = {t}");
        fx.config(&key_config(
            &fx,
            "template_key",
            &template(r#"jsonencode({ role = "service_role", tier = "gold" })"#),
        ));
        fx.apply().await;
        assert_eq!(
            fx.keys()[0].secret_jwt_template,
            Some(json!({"role": "service_role", "tier": "gold"}))
        );
        fx.assert_no_changes().await;
        // The same object spelled differently: nothing to do.
        fx.config(&key_config(
            &fx,
            "template_key",
            &template(r#""{ \"tier\": \"gold\",   \"role\": \"service_role\" }""#),
        ));
        fx.assert_no_changes().await;
        // Removing it plans the default, known at plan time.
        fx.config(&key_config(&fx, "template_key", ""));
        let plan = fx.plan().await;
        assert_eq!(actions(&plan)[0].1, vec!["update"]);
        assert_eq!(
            plan["resource_changes"][0]["change"]["after"]["secret_jwt_template"],
            r#"{"role":"service_role"}"#
        );
        fx.apply().await;
        assert_eq!(
            fx.keys()[0].secret_jwt_template,
            Some(json!({"role": "service_role"}))
        );
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn deletion_outside_terraform_plans_a_create() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config(&fx, "doomed_key", ""));
        fx.apply().await;
        let id = fx.keys()[0].id.clone();
        steps::deleted_outside_terraform_is_created_again(&fx, &KEY, &id).await;
    }
}

#[tokio::test]
async fn a_wrong_token_or_endpoint_never_removes_keys_from_state() {
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        fx.config(&key_config(&fx, "kept_key", ""));
        fx.apply().await;
        let base = fx.endpoint();
        let token = fx.token();
        for (key, value, expect) in [
            (
                "SUPABASE_ACCESS_TOKEN",
                "sbp_wrong".to_string(),
                "access token",
            ),
            (
                "SUPABASE_API_ENDPOINT",
                format!("{base}/wrong/path"),
                "no such route",
            ),
        ] {
            let saved = if key == "SUPABASE_ACCESS_TOKEN" {
                token.clone()
            } else {
                base.clone()
            };
            fx.set_env(key, &value);
            let output = fx
                .run(&["plan", "-input=false", "-no-color", "-refresh=true"])
                .await;
            assert!(!output.status.success(), "plan with a bad {key} succeeded");
            assert!(
                folded(&stderr(&output)).to_lowercase().contains(expect),
                "{}",
                stderr(&output)
            );
            fx.set_env(key, &saved);
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["name"],
                fx.name("kept_key")
            );
        }
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn invalid_names_fail_validate_with_the_attribute_and_no_requests() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        for (name, rule) in [
            ("abc", "4 to 64"),
            ("Upper_case", "^[a-z_][a-z0-9_]+$"),
            ("1digit", "^[a-z_][a-z0-9_]+$"),
            ("anon", "reserved"),
        ] {
            fx.config(&KEY.config(&fx, name, ""));
            let output = fx.run(&["validate", "-json"]).await;
            assert!(!output.status.success(), "{name} passed validate");
            let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
            let diag = &report["diagnostics"][0];
            assert_eq!(diag["summary"], "Invalid API key name", "{report:#}");
            assert!(diag["detail"].as_str().unwrap().contains(rule), "{diag:#}");
            assert!(
                diag["snippet"]["code"].as_str().unwrap().contains("name"),
                "{diag:#}"
            );
        }
        let bad_ref = key_config(&fx, "good_name", "").replace(fx.project(), "ABC");
        fx.config(&bad_ref);
        let output = fx.run(&["validate", "-no-color"]).await;
        assert!(
            folded(&stderr(&output)).contains("Invalid project reference"),
            "{}",
            stderr(&output)
        );
        assert!(fx.requests().is_empty(), "validation made API requests");
    }
}

#[tokio::test]
async fn unknown_project_ref_plans_without_api_requests() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&format!(
            r#"provider "supabase" {{}}
resource "terraform_data" "project" {{
  input = "{project}"
}}
resource "supabase_secret_api_key" "backend" {{
  project_ref = terraform_data.project.output
  name        = "{name}"
}}
"#,
            project = fx.project(),
            name = fx.name("later_key"),
        ));
        if !tf.at_least((1, 4, 0)) {
            terraform::skip(&tf, "terraform_data needs Terraform 1.4 or later");
            continue;
        }
        let plan = fx.plan().await;
        assert_eq!(actions(&plan).len(), 2);
        assert!(
            fx.requests().is_empty(),
            "plan made API requests: {:?}",
            fx.requests()
        );
        fx.apply().await;
        assert_eq!(fx.keys().len(), 1);
        fx.assert_no_changes().await;
    }
}

/// A well-formed reference the API does not know, written out in a configuration whose keys are
/// in state: a typo, so `terraform plan` fails at `project_ref` at once (no wait for the project),
/// with nothing sent. (Without keys in state, the plan cannot tell itself from Terraform's re-plan during
/// apply, which must wait for a project made in the same apply: it warns, and the create waits;
/// see `a_project_created_in_the_same_apply_is_waited_for`.)
#[tokio::test]
async fn a_mistyped_project_ref_fails_the_plan_when_the_configuration_has_keys_in_state() {
    for tf in terraform::all() {
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::Holds).await else {
            continue;
        };
        let existing = key_config(&fx, "existing_key", "");
        fx.config(&existing);
        fx.apply().await;
        let typo = "aaaaaaaaaaaaaaaaaaaa";
        fx.config(&format!(
            r#"{existing}
resource "supabase_secret_api_key" "typo" {{
  project_ref = "{typo}"
  name        = "typo_key"
}}
"#
        ));
        // Terraform plans the new key alongside the refresh of the one in state; hold the new
        // key's project check until that refresh has listed its project, as it usually has by
        // then, so the plan is surely one that read state.
        let typo_list = fx.sim().hold(RequestMatcher::new(
            http::Method::GET,
            &format!("/v1/projects/{typo}/api-keys"),
        ));
        let lists_before = list_requests(&fx.requests(), fx.project());
        let (output, ()) = tokio::join!(fx.run(&["plan", "-input=false", "-no-color"]), async {
            typo_list.wait_held(1).await;
            wait::until(
                "the plan's refresh of the key in state",
                std::time::Duration::from_secs(30),
                || list_requests(&fx.requests(), fx.project()) > lists_before,
            )
            .await;
            typo_list.release_all();
        });
        assert!(!output.status.success(), "the plan passed");
        let text = folded(&stderr(&output));
        assert!(
            text.contains("Project not found")
                && text.contains(&format!("project_ref = \"{typo}\""))
                && text.contains("referenced by its attribute"),
            "terraform {}: {text}",
            tf.version_string()
        );
        assert_eq!(fx.count("POST"), 1, "only the first key was created");
    }
}

#[tokio::test]
async fn an_unmanaged_key_with_the_same_name_fails_before_any_post() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let existing = fx.seed_key(KeySeed::secret(&fx.name("taken_name")));
        let apply = ["apply", "-auto-approve", "-input=false", "-no-color"];
        steps::taken_name_fails(&fx, &KEY, &existing, &apply).await;
    }
}

#[tokio::test]
async fn import_by_id_and_by_name_reveals_once() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let seeded = fx.seed_key(KeySeed::secret(&fx.name("imported_key")));
        fx.config(&key_config(&fx, "imported_key", ""));
        let import_ids = [
            format!("{}/{}", fx.project(), seeded.id),
            format!("{}/{}", fx.project(), seeded.name),
        ];
        // One reveal per import: the helper counts them.
        steps::import_each(&fx, &KEY, &seeded, &import_ids).await;
    }
}

#[tokio::test]
async fn import_errors_say_what_is_wrong() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let publishable = fx.seed_key(KeySeed::publishable(&fx.name("public_key")));
        fx.seed_key(KeySeed::secret(&fx.name("twin")));
        fx.config(&key_config(&fx, "twin", ""));
        let project = fx.project();
        // Each import is refused before anything is revealed or written (the legacy keys are
        // refused by their names, never looked up).
        let cases = [
            (
                format!("{project}/{}", publishable.id),
                "is a publishable key",
            ),
            (format!("{project}/anon"), "legacy"),
            (format!("{project}/service_role"), "legacy"),
            ("not-an-id".to_string(), "<project_ref>/<key id>"),
            (
                format!("{project}/{}", fx.name("missing_key")),
                "no secret key named",
            ),
        ];
        steps::import_fails_saying(&fx, &KEY, &cases).await;
    }
}

#[tokio::test]
async fn importing_a_name_several_keys_share_lists_their_ids() {
    for tf in terraform::all() {
        let config = supabase_simulator::SimulatorConfig {
            unique_names: false,
            ..Default::default()
        };
        let Some(fx) = Fixture::sim_only_with(&tf, SimOnly::DuplicateNames, config).await else {
            continue;
        };
        let first = fx.seed_key(KeySeed::secret("twin"));
        let second = fx.seed_key(KeySeed::secret("twin"));
        fx.config(&key_config(&fx, "twin", ""));
        let output = fx
            .run(&[
                "import",
                "-input=false",
                "-no-color",
                ADDR,
                &format!("{}/twin", fx.project()),
            ])
            .await;
        assert!(!output.status.success());
        let text = folded(&stderr(&output));
        assert!(
            text.contains(&first.id) && text.contains(&second.id),
            "{text}"
        );
        assert!(text.contains("Import one by its id"), "{text}");
    }
}

#[tokio::test]
async fn tokens_that_cannot_read_secrets_leave_no_key_and_name_the_permission() {
    for tf in terraform::all() {
        for denial in REVEAL_DENIALS {
            let Some(fx) = Fixture::without_secret_read(&tf, denial).await else {
                break;
            };
            fx.config(&key_config(&fx, "denied_key", ""));
            let output = fx
                .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
                .await;
            assert!(!output.status.success(), "{denial:?}: apply succeeded");
            let text = folded(&stderr(&output));
            for name in [
                "API Key Secrets: Read",
                "api_gateway_keys_secret_read",
                "secrets:read",
            ] {
                assert!(text.contains(name), "{denial:?}: {text}");
            }
            assert!(fx.keys().is_empty(), "{denial:?}: a key was left behind");
            let state = fx.state().await;
            assert!(state["values"]["root_module"]["resources"]
                .as_array()
                .is_none_or(|r| r.is_empty()));
        }
    }
}

#[tokio::test]
async fn an_ambiguous_create_leaves_exactly_one_key() {
    for tf in terraform::all() {
        for action in [
            FaultAction::CommitThenDrop,
            FaultAction::CommitThenStatus(502),
        ] {
            let Some(fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
                break;
            };
            fx.sim().add_fault(FaultRule::once(
                RequestMatcher::new(http::Method::POST, "/v1/projects/*/api-keys"),
                action.clone(),
            ));
            fx.config(&key_config(&fx, "ambiguous_key", ""));
            fx.apply().await;
            let keys = fx.keys();
            assert_eq!(keys.len(), 1, "{action:?}");
            assert_eq!(
                fx.count("POST"),
                1,
                "{action:?}: the create was never resent"
            );
            let state = fx.state().await;
            assert_eq!(resource(&state, ADDR)["values"]["api_key"], keys[0].api_key);
            fx.assert_no_changes().await;
        }
    }
}

#[tokio::test]
async fn a_project_created_in_the_same_apply_is_waited_for() {
    for tf in terraform::all() {
        if !tf.at_least((1, 4, 0)) {
            terraform::skip(&tf, "terraform_data needs Terraform 1.4 or later");
            continue;
        }
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::FaultInjection).await else {
            continue;
        };
        // The project answers 404 twice while it "provisions": to the check Terraform's final
        // plan makes once the ref is known, and to the first create.
        fx.sim().add_fault(FaultRule::times(
            RequestMatcher::any_method("/v1/projects/*/api-keys"),
            2,
            FaultAction::Status(404),
        ));
        fx.config(&format!(
            r#"provider "supabase" {{}}
resource "terraform_data" "project" {{
  input = "{project}"
}}
resource "supabase_secret_api_key" "backend" {{
  project_ref = terraform_data.project.output
  name        = "fresh_project_key"
}}
"#,
            project = fx.project(),
        ));
        fx.apply().await;
        assert_eq!(fx.keys().len(), 1);
        assert_eq!(fx.count("POST"), 2, "a 404, then the create");
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn works_over_https_with_a_private_ca() {
    for tf in terraform::all() {
        let config = supabase_simulator::SimulatorConfig {
            https: true,
            ..Default::default()
        };
        let Some(mut fx) = Fixture::sim_only_with(&tf, SimOnly::Configuration, config).await else {
            continue;
        };
        let ca = fx.work.config_dir().join("..").join("ca.pem");
        std::fs::write(&ca, fx.sim().ca_pem().expect("https mode has a CA")).expect("write CA");
        fx.set_env("SSL_CERT_FILE", ca.to_str().expect("utf-8 path"));
        assert!(fx.sim().base_url().starts_with("https://"));
        fx.config(&key_config(&fx, "tls_key", ""));
        fx.apply().await;
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            fx.keys()[0].api_key
        );
        fx.assert_no_changes().await;
        fx.destroy().await;
    }
}
