//! The `supabase_api_keys` data source with the real terraform CLI against the simulator, on
//! every Terraform the suite is given: it lists a project's keys (legacy ones included) as
//! metadata, sorted, filtered by type, with a token that may only read; it never asks for a
//! value (the simulator's request log) and none reaches the state.

mod support;

use serde_json::{json, Value as Json};
use supabase_simulator::{KeySeed, Permissions, RevealDenial};
use support::acceptance::{folded, resource, stderr, Fixture};
use support::backend::SimOnly;
use support::keys::{assert_holds_none, key_values, reveal_requests};
use support::terraform;

const READER: &str = "sbp_reader0000000000000000000000000000000";

/// One data source per block, each listing the fixture's project.
fn data_config(fx: &Fixture, blocks: &[(&str, Option<&str>)]) -> String {
    let mut config = String::from("provider \"supabase\" {}\n");
    for (label, filter) in blocks {
        let filter = filter.map_or(String::new(), |t| format!("  type        = \"{t}\"\n"));
        config.push_str(&format!(
            "\ndata \"supabase_api_keys\" \"{label}\" {{\n  project_ref = \"{project}\"\n{filter}}}\n",
            project = fx.project()
        ));
    }
    config
}

/// Runs Terraform with a token that may list keys and nothing else: no write, no secret read
/// (a second token: simulator only).
fn use_reader_token(fx: &mut Fixture) {
    fx.use_token(
        READER,
        Permissions {
            read: true,
            write: false,
            secret_read: Err(RevealDenial::Forbidden),
            project_read: true,
        },
    );
}

/// A fixture whose token may only list keys, for a test that needs the simulator anyway (`why`
/// names what else it needs); `None` in live mode.
async fn reader_fixture(tf: &terraform::Terraform, why: SimOnly) -> Option<Fixture> {
    let mut fx = Fixture::sim_only(tf, why).await?;
    use_reader_token(&mut fx);
    Some(fx)
}

/// A fixture whose token may only list keys on the simulator; live, the run's own token (a
/// second token is the simulator's), for a test whose assertions do not rest on what the token
/// may do.
async fn portable_reader_fixture(tf: &terraform::Terraform) -> Fixture {
    let mut fx = Fixture::new(tf).await;
    if !fx.is_live() {
        use_reader_token(&mut fx);
    }
    fx
}

/// `keys` of the data source `label` in `terraform show -json`.
fn listed(state: &Json, label: &str) -> Vec<Json> {
    resource(state, &format!("data.supabase_api_keys.{label}"))["values"]["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("{label} has no keys list: {state:#}"))
        .clone()
}

fn ids(keys: &[Json]) -> Vec<String> {
    keys.iter()
        .map(|k| k["id"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The state as `terraform show -json` prints it and as the state file holds it.
async fn state_texts(fx: &Fixture) -> (Json, String) {
    let state = fx.state().await;
    let file = std::fs::read_to_string(fx.work.config_dir().join("terraform.tfstate"))
        .expect("the state file");
    (state, file)
}

#[tokio::test]
async fn lists_every_key_as_sorted_metadata_without_reading_a_value() {
    for tf in terraform::all() {
        // Lists the whole project, its legacy keys and their values included, and switches the
        // legacy keys off; with a token that may only read.
        let Some(fx) = reader_fixture(&tf, SimOnly::LegacyToggle).await else {
            continue;
        };
        // Seeded out of order: the list is sorted by type, name, then id.
        let zeta = fx.seed_key(KeySeed::secret(&fx.name("zeta_key")).with_description("Last"));
        let alpha = fx.seed_key(KeySeed::secret(&fx.name("alpha_key")));
        let public = fx.seed_key(KeySeed::publishable(&fx.name("default")));
        let default = fx.seed_key(KeySeed::secret(&fx.name("default")));
        fx.config(&data_config(&fx, &[("all", None)]));
        fx.apply().await;

        let (state, file) = state_texts(&fx).await;
        let keys = listed(&state, "all");
        assert_eq!(
            ids(&keys),
            [
                "anon",
                "service_role",
                &public.id,
                &alpha.id,
                &default.id,
                &zeta.id
            ]
        );
        for seeded in [&zeta, &alpha, &public, &default] {
            let key = keys.iter().find(|k| k["id"] == seeded.id.as_str()).unwrap();
            assert_eq!(
                key,
                &json!({
                    "id": seeded.id,
                    "name": seeded.name,
                    "type": seeded.key_type,
                    "prefix": seeded.prefix,
                    "description": seeded.description,
                    "inserted_at": seeded.inserted_at,
                    "updated_at": seeded.updated_at,
                }),
                "exactly the metadata, nothing else"
            );
        }
        for (key, name) in keys[..2].iter().zip(["anon", "service_role"]) {
            assert_eq!(key["name"], name);
            assert_eq!(key["type"], "legacy");
            assert_eq!(key["description"], format!("Legacy {name} API key"));
            assert!(key["prefix"].as_str().is_some_and(|p| !p.is_empty()));
            assert!(key["inserted_at"].is_null() && key["updated_at"].is_null());
        }

        let values = key_values(fx.sim(), fx.project());
        assert_eq!(values.len(), 6, "four keys and two legacy JWTs");
        assert_holds_none(&state.to_string(), &values, "terraform show -json");
        assert_holds_none(&file, &values, "terraform.tfstate");
        assert_eq!(reveal_requests(&fx.requests()), Vec::<String>::new());
        assert!(
            fx.requests()
                .iter()
                .all(|r| r.method == "GET" && r.status == Some(200)),
            "only allowed list requests: {:?}",
            fx.requests()
        );

        // Read again, nothing changed: the same list in the same order, no changes planned.
        fx.assert_no_changes().await;
        fx.apply().await;
        assert_eq!(listed(&fx.state().await, "all"), keys);

        // With the legacy keys disabled they are not listed.
        fx.sim().set_legacy_enabled(fx.project(), false);
        fx.apply().await;
        assert_eq!(
            ids(&listed(&fx.state().await, "all")),
            [&*public.id, &alpha.id, &default.id, &zeta.id]
        );
    }
}

#[tokio::test]
async fn the_type_filter_keeps_keys_of_that_type() {
    for tf in terraform::all() {
        // Lists the legacy keys, then switches them off; with a token that may only read.
        let Some(fx) = reader_fixture(&tf, SimOnly::LegacyToggle).await else {
            continue;
        };
        let secret = fx.seed_key(KeySeed::secret(&fx.name("shared_name")));
        let public = fx.seed_key(KeySeed::publishable(&fx.name("shared_name")));
        fx.config(&data_config(
            &fx,
            &[
                ("legacy", Some("legacy")),
                ("publishable", Some("publishable")),
                ("secret", Some("secret")),
            ],
        ));
        fx.apply().await;
        let state = fx.state().await;
        assert_eq!(ids(&listed(&state, "legacy")), ["anon", "service_role"]);
        assert_eq!(ids(&listed(&state, "publishable")), [public.id.as_str()]);
        assert_eq!(ids(&listed(&state, "secret")), [secret.id.as_str()]);
        for label in ["legacy", "publishable", "secret"] {
            let values = &resource(&state, &format!("data.supabase_api_keys.{label}"))["values"];
            assert_eq!(values["type"], label);
            assert!(listed(&state, label).iter().all(|k| k["type"] == label));
        }

        // A project without keys of the type: an empty list, not an error.
        fx.sim().set_legacy_enabled(fx.project(), false);
        fx.apply().await;
        assert_eq!(listed(&fx.state().await, "legacy"), Vec::<Json>::new());
        assert_eq!(reveal_requests(&fx.requests()), Vec::<String>::new());
    }
}

#[tokio::test]
async fn an_unknown_type_fails_validate_on_the_attribute_without_requests() {
    for tf in terraform::all() {
        let fx = portable_reader_fixture(&tf).await;
        for bad in ["Secret", "anon", "service"] {
            fx.config(&data_config(&fx, &[("bad", Some(bad))]));
            let output = fx.run(&["validate", "-json"]).await;
            assert!(!output.status.success(), "type = {bad:?} passed validate");
            let report: Json = serde_json::from_slice(&output.stdout).expect("json");
            let errors: Vec<&Json> = report["diagnostics"]
                .as_array()
                .expect("diagnostics")
                .iter()
                .filter(|d| d["severity"] == "error")
                .collect();
            assert_eq!(errors.len(), 1, "{report:#}");
            let diag = errors[0];
            assert_eq!(diag["summary"], "Invalid API key type", "{diag:#}");
            let detail = diag["detail"].as_str().unwrap();
            assert!(detail.contains(&format!("{bad:?}")), "{detail}");
            assert!(
                detail.contains(r#""legacy", "publishable" or "secret""#),
                "{detail}"
            );
            assert!(
                diag["snippet"]["code"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("type        = \"{bad}\"")),
                "the diagnostic points at `type`: {diag:#}"
            );
        }
        assert!(fx.requests().is_empty(), "validation made API requests");
    }
}

#[tokio::test]
async fn an_unknown_project_is_an_error_on_project_ref() {
    for tf in terraform::all() {
        let fx = portable_reader_fixture(&tf).await;
        fx.config(
            &data_config(&fx, &[("all", None)]).replace(fx.project(), "zyxwvutsrqponmlkjihg"),
        );
        let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
        assert!(!output.status.success(), "plan with an unknown project");
        let text = folded(&stderr(&output));
        assert!(text.contains("Error: Project not found"), "{text}");
        assert!(
            text.contains("zyxwvutsrqponmlkjihg does not exist"),
            "{text}"
        );
        assert!(
            text.contains(r#"project_ref = "zyxwvutsrqponmlkjihg""#),
            "the diagnostic points at project_ref: {text}"
        );
    }
}
