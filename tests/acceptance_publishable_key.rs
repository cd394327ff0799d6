//! `supabase_publishable_api_key` with the real terraform CLI against the simulator, on every
//! Terraform the suite is given. The lifecycle is the secret key's (one implementation serves
//! both); what differs is that the value is public: never marked sensitive, read from the key
//! list on refresh and import without any reveal. Every apply is followed by a plan that must
//! be empty.

mod support;

use supabase_simulator::{KeyPatch, KeySeed, Permissions, RevealDenial};
use support::acceptance::{actions, folded, resource, stderr, Fixture, PROJECT};
use support::keys::reveal_requests;
use support::terraform;

const ADDR: &str = "supabase_publishable_api_key.web";

/// The key, and an output of its value that is deliberately not `sensitive`: Terraform refuses
/// such an output for a sensitive value, so every apply also checks that it is not one.
fn key_config(name: &str, extra: &str) -> String {
    format!(
        r#"provider "supabase" {{}}

resource "supabase_publishable_api_key" "web" {{
  project_ref = "{PROJECT}"
  name        = "{name}"
{extra}
}}

output "key" {{
  value = supabase_publishable_api_key.web.api_key
}}
"#
    )
}

fn publishable_keys(fx: &Fixture) -> Vec<supabase_simulator::ApiKey> {
    fx.sim
        .keys(PROJECT)
        .into_iter()
        .filter(|k| k.key_type == "publishable")
        .collect()
}

/// The reveal requests other than the create's own POST (the one call that asks for a value
/// back; a publishable key's answer holds it in full either way).
fn reveals_besides_the_create(fx: &Fixture) -> Vec<String> {
    reveal_requests(&fx.requests())
        .into_iter()
        .filter(|r| !r.starts_with("POST "))
        .collect()
}

#[tokio::test]
async fn create_reads_the_public_value_then_updates_in_place_and_destroys() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config(
            "web_app_key",
            r#"  description = "Browser clients""#,
        ));
        let plan = fx.plan().await;
        assert_eq!(
            actions(&plan),
            vec![(ADDR.to_string(), vec!["create".to_string()])]
        );
        let planned = &plan["resource_changes"][0]["change"];
        assert!(
            planned["after_sensitive"].get("api_key").is_none(),
            "api_key is not sensitive: {planned:#}"
        );
        assert!(
            planned["after"].get("secret_jwt_template").is_none()
                && planned["after_unknown"]
                    .get("secret_jwt_template")
                    .is_none(),
            "a publishable key has no JWT template: {planned:#}"
        );

        fx.apply().await;
        let keys = fx.sim.keys(PROJECT);
        assert_eq!(keys.len(), 1, "exactly one key on the server");
        assert_eq!(keys[0].key_type, "publishable");
        assert!(keys[0].api_key.starts_with("sb_publishable_"));
        let state = fx.state().await;
        let key = resource(&state, ADDR);
        assert_eq!(key["values"]["api_key"], keys[0].api_key);
        assert_eq!(key["values"]["id"], keys[0].id);
        assert_eq!(key["values"]["prefix"], keys[0].prefix.clone().unwrap());
        assert_eq!(key["values"]["description"], "Browser clients");
        assert!(
            key["values"].get("secret_jwt_template").is_none(),
            "{key:#}"
        );
        assert!(
            key["sensitive_values"].get("api_key").is_none(),
            "api_key is not sensitive in state: {key:#}"
        );
        let output = fx.ok(&["output", "-json"]).await;
        let outputs: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
        assert_eq!(outputs["key"]["value"], keys[0].api_key);
        assert_eq!(outputs["key"]["sensitive"], false);
        fx.assert_no_changes().await;

        // Rename and new description: in place, same id and value.
        fx.config(&key_config(
            "renamed_web_key",
            r#"  description = "Browser, renamed""#,
        ));
        let plan = fx.plan().await;
        assert_eq!(
            actions(&plan),
            vec![(ADDR.to_string(), vec!["update".to_string()])]
        );
        let after = &plan["resource_changes"][0]["change"]["after_unknown"];
        for kept in ["api_key", "id", "prefix", "hash", "inserted_at"] {
            assert!(
                after.get(kept).is_none(),
                "{kept} stays known in the plan: {after:#}"
            );
        }
        fx.apply().await;
        let server = fx.sim.keys(PROJECT);
        assert_eq!(server.len(), 1);
        assert_eq!(server[0].name, "renamed_web_key");
        assert_eq!(server[0].description.as_deref(), Some("Browser, renamed"));
        let state = fx.state().await;
        let key = resource(&state, ADDR);
        assert_eq!(key["values"]["id"], keys[0].id);
        assert_eq!(key["values"]["api_key"], keys[0].api_key);
        assert_eq!(fx.count("PATCH"), 1);
        fx.assert_no_changes().await;

        // Removing the description clears it.
        fx.config(&key_config("renamed_web_key", ""));
        fx.apply().await;
        assert_eq!(fx.sim.keys(PROJECT)[0].description, None);
        fx.assert_no_changes().await;

        fx.destroy().await;
        assert!(fx.sim.keys(PROJECT).is_empty());
        assert_eq!(fx.count("DELETE"), 1);
        assert_eq!(
            reveals_besides_the_create(&fx),
            Vec::<String>::new(),
            "refresh, update and delete never ask for a value"
        );
    }
}

#[tokio::test]
async fn changes_outside_terraform_show_as_drift() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config("drifting_key", r#"  description = "Managed""#));
        fx.apply().await;
        let id = fx.sim.keys(PROJECT)[0].id.clone();

        // Renamed and redescribed in the dashboard: the plan puts both back, in place.
        fx.sim
            .update_key_out_of_band(
                PROJECT,
                &id,
                KeyPatch {
                    name: Some("dashboard_name".into()),
                    description: Some(Some("Edited by hand".into())),
                    ..Default::default()
                },
            )
            .expect("the key exists");
        let plan = fx.plan().await;
        assert_eq!(
            actions(&plan),
            vec![(ADDR.to_string(), vec!["update".to_string()])]
        );
        let change = &plan["resource_changes"][0]["change"];
        assert_eq!(change["before"]["name"], "dashboard_name", "{change:#}");
        assert_eq!(change["before"]["description"], "Edited by hand");
        assert_eq!(change["after"]["name"], "drifting_key");
        fx.apply().await;
        let server = &fx.sim.keys(PROJECT)[0];
        assert_eq!(
            (server.name.as_str(), server.description.as_deref()),
            ("drifting_key", Some("Managed"))
        );
        fx.assert_no_changes().await;

        // Deleted in the dashboard: removed from state with a warning, and created again.
        assert!(fx.sim.delete_key_out_of_band(PROJECT, &id));
        let refreshed = fx
            .ok(&["plan", "-input=false", "-no-color", "-refresh-only"])
            .await;
        assert!(
            folded(&terraform::text(&refreshed.stdout)).contains("deleted outside Terraform")
                || folded(&stderr(&refreshed)).contains("deleted outside Terraform"),
            "the refresh warns: {}{}",
            terraform::text(&refreshed.stdout),
            stderr(&refreshed)
        );
        let plan = fx.plan().await;
        assert_eq!(
            actions(&plan),
            vec![(ADDR.to_string(), vec!["create".to_string()])]
        );
        fx.apply().await;
        let recreated = fx.sim.keys(PROJECT);
        assert_eq!(recreated.len(), 1);
        assert_ne!(recreated[0].id, id);
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            recreated[0].api_key
        );
        fx.assert_no_changes().await;
        assert_eq!(reveals_besides_the_create(&fx), Vec::<String>::new());
    }
}

#[tokio::test]
async fn keepers_change_replaces_the_key_with_a_new_value() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        fx.config(&key_config(
            "rotating_web_key",
            "  keepers = { generation = \"1\" }",
        ));
        fx.apply().await;
        let first = fx.sim.keys(PROJECT)[0].clone();
        fx.config(&key_config(
            "rotating_web_key",
            "  keepers = { generation = \"2\" }",
        ));
        let plan = fx.plan().await;
        assert_eq!(actions(&plan)[0].1, vec!["delete", "create"]);
        fx.apply().await;
        let second = fx.sim.keys(PROJECT);
        assert_eq!(second.len(), 1);
        assert_ne!(second[0].id, first.id);
        assert_ne!(second[0].api_key, first.api_key);
        let state = fx.state().await;
        assert_eq!(
            resource(&state, ADDR)["values"]["api_key"],
            second[0].api_key
        );
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn an_unmanaged_publishable_key_with_the_name_fails_at_plan_but_a_secret_one_does_not() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let existing = fx.sim.seed_key(PROJECT, KeySeed::publishable("taken_name"));
        fx.config(&key_config("taken_name", ""));
        let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
        assert!(!output.status.success());
        let text = folded(&stderr(&output));
        assert!(text.contains("already exists"), "{text}");
        assert!(text.contains("publishable key named"), "{text}");
        assert!(
            text.contains(&format!(
                "terraform import supabase_publishable_api_key.<name> {PROJECT}/{}",
                existing.id
            )),
            "{text}"
        );
        assert_eq!(fx.count("POST"), 0);

        // Names are unique per type: a secret key of that name is no obstacle.
        fx.sim.seed_key(PROJECT, KeySeed::secret("shared_name"));
        fx.config(&key_config("shared_name", ""));
        fx.apply().await;
        assert_eq!(publishable_keys(&fx).len(), 2);
        fx.assert_no_changes().await;
    }
}

#[tokio::test]
async fn import_by_id_and_by_name_reads_the_value_without_reveal_or_secret_permission() {
    for tf in terraform::all() {
        let mut fx = Fixture::new(&tf).await;
        // Read only, and no secret read: all an import of a publishable key needs.
        let reader = "sbp_reader0000000000000000000000000000000";
        fx.sim.add_token(
            reader,
            Permissions {
                read: true,
                write: false,
                secret_read: Err(RevealDenial::Forbidden),
            },
        );
        fx.set_env("SUPABASE_ACCESS_TOKEN", reader);
        let seeded = fx.sim.seed_key(
            PROJECT,
            KeySeed::publishable("imported_key").with_description("Seeded"),
        );
        // A secret key of the same name: import by name picks the publishable one.
        fx.sim.seed_key(PROJECT, KeySeed::secret("imported_key"));
        fx.config(&key_config("imported_key", r#"  description = "Seeded""#));
        for import_id in [
            format!("{PROJECT}/{}", seeded.id),
            format!("{PROJECT}/imported_key"),
        ] {
            let _ = fx.run(&["state", "rm", ADDR]).await;
            let output = fx
                .ok(&["import", "-input=false", "-no-color", ADDR, &import_id])
                .await;
            let said = folded(&format!(
                "{}{}",
                terraform::text(&output.stdout),
                stderr(&output)
            ));
            assert!(
                said.contains("Import successful") && !said.contains("could not be read"),
                "{import_id}: {said}"
            );
            let state = fx.state().await;
            let key = resource(&state, ADDR);
            assert_eq!(key["values"]["id"], seeded.id, "{import_id}");
            assert_eq!(key["values"]["api_key"], seeded.api_key, "{import_id}");
            assert_eq!(key["values"]["description"], "Seeded");
            assert!(key["sensitive_values"].get("api_key").is_none(), "{key:#}");
            fx.assert_no_changes().await;
        }
        assert_eq!(reveal_requests(&fx.requests()), Vec::<String>::new());
        assert!(
            fx.requests().iter().all(|r| r.status == Some(200)),
            "every request was allowed: {:?}",
            fx.requests()
        );
    }
}

#[tokio::test]
async fn import_errors_name_the_right_resource_type() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let secret = fx.sim.seed_key(PROJECT, KeySeed::secret("backend_key"));
        fx.config(&key_config("backend_key", ""));
        for (import_id, expect) in [
            (
                format!("{PROJECT}/{}", secret.id),
                "is a secret key, not a publishable key. Import it as supabase_secret_api_key"
                    .to_string(),
            ),
            (
                format!("{PROJECT}/backend_key"),
                "has no publishable key named \"backend_key\" (there is a secret key of that name)"
                    .to_string(),
            ),
            (format!("{PROJECT}/anon"), "legacy".to_string()),
        ] {
            let output = fx
                .run(&["import", "-input=false", "-no-color", ADDR, &import_id])
                .await;
            assert!(!output.status.success(), "{import_id} imported");
            assert!(
                folded(&stderr(&output)).contains(&expect),
                "{import_id}: {}",
                stderr(&output)
            );
        }
    }
}

/// A token without "API Key Secrets: Read", whichever way the API denies its reveals (masked
/// or null secrets, or 403): a publishable key needs no reveal, and its value comes back in
/// full all the same.
#[tokio::test]
async fn tokens_without_secret_read_still_capture_the_public_value() {
    for tf in terraform::all() {
        for denial in [
            RevealDenial::Masked,
            RevealDenial::Null,
            RevealDenial::Forbidden,
        ] {
            let mut fx = Fixture::new(&tf).await;
            let limited = "sbp_limited0000000000000000000000000000000";
            fx.sim
                .add_token(limited, Permissions::without_secret_read(denial));
            fx.set_env("SUPABASE_ACCESS_TOKEN", limited);
            fx.config(&key_config("limited_key", ""));
            fx.apply().await;
            assert!(
                fx.requests().iter().all(|r| !r.reveal),
                "{denial:?}: no request asked for reveal=true"
            );
            let keys = fx.sim.keys(PROJECT);
            assert_eq!(keys.len(), 1, "{denial:?}");
            let state = fx.state().await;
            assert_eq!(
                resource(&state, ADDR)["values"]["api_key"],
                keys[0].api_key,
                "{denial:?}"
            );
            fx.assert_no_changes().await;
            fx.destroy().await;
            assert!(fx.sim.keys(PROJECT).is_empty(), "{denial:?}");
        }
    }
}
