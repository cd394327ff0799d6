//! Resource identity `{project_ref, id}` through the real terraform CLI (Terraform >= 1.12; older
//! versions record a skip), for both key resources: import by an `import { identity = {...} }`
//! block (with and without `-generate-config-out`), the identity in `terraform show -json`, kept
//! by refresh and rename, the new key's after a replacement, and filled by refresh in state that
//! a Terraform < 1.12 wrote. Every plan here goes through the fixture's checks: the human plan
//! renders, its JSON marshals, a create plans no identity and an update the stored one.

mod support;

use serde_json::{json, Value as Json};
use supabase_simulator::{ApiKey, KeySeed};
use support::acceptance::{actions, folded, resource, Fixture};
use support::key_resource::KeyResource;
use support::keys::assert_holds_none;
use support::terraform::{self, text, Terraform};

const KEYS: [KeyResource; 2] = [KeyResource::SECRET, KeyResource::PUBLISHABLE];
const NEEDS: &str = "resource identity needs Terraform 1.12";

/// The Terraforms of this test that know identity; a skip is recorded for the others.
fn with_identity() -> Vec<Terraform> {
    terraform::all()
        .into_iter()
        .filter(|tf| {
            let ok = tf.at_least((1, 12, 0));
            if !ok {
                terraform::skip(tf, NEEDS);
            }
            ok
        })
        .collect()
}

/// Makes the key `name` ([`Fixture::name`] of it) of `key`'s type outside Terraform.
fn seed(fx: &Fixture, key: &KeyResource, name: &str) -> ApiKey {
    let name = fx.name(name);
    let seed = if key.sensitive {
        KeySeed::secret(&name)
    } else {
        KeySeed::publishable(&name)
    };
    fx.seed_key(seed)
}

fn identity_of(fx: &Fixture, id: &str) -> Json {
    json!({ "project_ref": fx.project(), "id": id })
}

/// The identity `terraform show -json` prints for the key resource of `key`.
fn stored_identity(state: &Json, key: &KeyResource) -> Json {
    resource(state, key.address)
        .get("identity")
        .cloned()
        .unwrap_or(Json::Null)
}

/// `import { to = ADDR identity = {...} }` for `id`.
fn import_block(fx: &Fixture, key: &KeyResource, id: &str) -> String {
    format!(
        "import {{\n  to = {}\n  identity = {{\n    project_ref = \"{}\"\n    id          = \"{id}\"\n  }}\n}}\n",
        key.address,
        fx.project()
    )
}

#[tokio::test]
async fn import_by_identity_then_refresh_rename_and_replacement_keep_the_identity_right() {
    for tf in with_identity() {
        for key in &KEYS {
            let fx = Fixture::new(&tf).await;
            let what = format!("terraform {} {}", tf.version_string(), key.type_name);
            let existing = seed(&fx, key, "dashboard_key");
            fx.config(&format!(
                "{}\n{}",
                key.config(&fx, &fx.name("dashboard_key"), ""),
                import_block(&fx, key, &existing.id)
            ));
            let (shown, _) = fx.apply_planned().await;
            assert!(
                folded(&shown.human)
                    .contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
                "{what}: {}",
                shown.human
            );
            assert_eq!(
                shown.json["resource_changes"][0]["change"]["importing"]["identity"],
                identity_of(&fx, &existing.id),
                "{what}"
            );
            fx.assert_no_changes().await;
            let state = fx.state().await;
            assert_eq!(
                stored_identity(&state, key),
                identity_of(&fx, &existing.id),
                "{what}"
            );
            assert_eq!(
                resource(&state, key.address)["values"]["api_key"],
                existing.api_key
            );

            // A refresh keeps it.
            fx.ok(&[
                "apply",
                "-refresh-only",
                "-auto-approve",
                "-input=false",
                "-no-color",
            ])
            .await;
            assert_eq!(
                stored_identity(&fx.state().await, key),
                identity_of(&fx, &existing.id)
            );

            // A rename is an update in place: the plan carries the stored identity.
            fx.config(&key.config(&fx, &fx.name("renamed_key"), "  description = \"renamed\""));
            let (shown, _) = fx.apply_planned().await;
            assert_eq!(actions(&shown.json)[0].1, ["update"], "{what}");
            assert_eq!(
                shown.json["resource_changes"][0]["change"]["after_identity"],
                identity_of(&fx, &existing.id),
                "{what}"
            );
            fx.assert_no_changes().await;
            assert_eq!(
                stored_identity(&fx.state().await, key),
                identity_of(&fx, &existing.id)
            );

            // A replacement (keepers) plans no identity for the new key, then stores its own.
            fx.config(&key.config(
                &fx,
                &fx.name("renamed_key"),
                "  keepers = { generation = \"2\" }",
            ));
            let (shown, _) = fx.apply_planned().await;
            assert_eq!(actions(&shown.json)[0].1, ["delete", "create"], "{what}");
            fx.assert_no_changes().await;
            let server = key.server_keys(&fx);
            assert_eq!(server.len(), 1, "{what}");
            assert_ne!(server[0].id, existing.id, "{what}");
            assert_eq!(
                stored_identity(&fx.state().await, key),
                identity_of(&fx, &server[0].id)
            );

            fx.destroy().await;
            assert!(key.server_keys(&fx).is_empty(), "{what}");
        }
    }
}

#[tokio::test]
async fn generate_config_out_from_an_identity_import_plans_nothing_else() {
    for tf in with_identity() {
        for key in &KEYS {
            let fx = Fixture::new(&tf).await;
            let what = format!("terraform {} {}", tf.version_string(), key.type_name);
            let existing = seed(&fx, key, "made_in_the_dashboard");
            fx.config(&format!(
                "provider \"supabase\" {{}}\n\n{}",
                import_block(&fx, key, &existing.id)
            ));
            let shown = fx.plan_shown(&["-generate-config-out=generated.tf"]).await;
            assert!(
                folded(&shown.human)
                    .contains("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."),
                "{what}: {}",
                shown.human
            );
            let generated = std::fs::read_to_string(fx.work.config_dir().join("generated.tf"))
                .expect("generated.tf was written");
            assert!(
                folded(&generated)
                    .contains(&format!("name = \"{}\"", fx.name("made_in_the_dashboard"))),
                "{what}: {generated}"
            );
            if key.sensitive {
                assert_holds_none(&generated, &fx.key_values(), "generated.tf");
            }
            fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
                .await;
            fx.assert_no_changes().await;
            let state = fx.state().await;
            assert_eq!(
                stored_identity(&state, key),
                identity_of(&fx, &existing.id),
                "{what}"
            );
            assert_eq!(
                resource(&state, key.address)["values"]["api_key"],
                existing.api_key
            );
            assert_eq!(
                key.server_keys(&fx),
                vec![existing],
                "{what}: nothing changed"
            );
        }
    }
}

/// State written by a Terraform without identity (< 1.12) plans no changes on each Terraform
/// with identity, and the first refresh stores the identity; nothing is written to the API.
#[tokio::test]
async fn state_from_before_identity_plans_empty_and_refresh_fills_the_identity() {
    let all = terraform::all();
    let (older, newer): (Vec<Terraform>, Vec<Terraform>) =
        all.into_iter().partition(|tf| !tf.at_least((1, 12, 0)));
    if older.is_empty() || newer.is_empty() {
        for tf in older.iter().chain(&newer) {
            terraform::skip(
                tf,
                "needs a Terraform < 1.12 (e.g. 1.0.3) and one >= 1.12 to upgrade state across identity",
            );
        }
        return;
    }
    for (writer, tf) in older.iter().flat_map(|w| newer.iter().map(move |r| (w, r))) {
        for key in &KEYS {
            let mut fx = Fixture::new(writer).await;
            fx.config(&key.config(
                &fx,
                &fx.name("old_state_key"),
                "  description = \"written by an old Terraform\"",
            ));
            fx.apply().await;
            let state = fx.state().await;
            assert_eq!(
                stored_identity(&state, key),
                Json::Null,
                "no identity before 1.12"
            );
            let made = key.server_keys(&fx);
            let writes = fx.count("POST") + fx.count("PATCH") + fx.count("DELETE");

            fx.tf = tf.clone();
            let what = format!(
                "{} -> {} {}",
                writer.version_string(),
                tf.version_string(),
                key.type_name
            );
            fx.assert_no_changes().await;
            let refreshed = fx
                .ok(&[
                    "apply",
                    "-refresh-only",
                    "-auto-approve",
                    "-input=false",
                    "-no-color",
                ])
                .await;
            assert!(
                !text(&refreshed.stdout).contains("Unexpected identity change"),
                "{what}"
            );
            let state = fx.state().await;
            assert_eq!(
                stored_identity(&state, key),
                identity_of(&fx, &made[0].id),
                "{what}"
            );
            fx.assert_no_changes().await;
            assert_eq!(
                fx.count("POST") + fx.count("PATCH") + fx.count("DELETE"),
                writes,
                "{what}: nothing written"
            );
        }
    }
}
