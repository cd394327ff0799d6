//! The lifecycle steps that the acceptance tests of `supabase_secret_api_key` and
//! `supabase_publishable_api_key` share (one implementation serves both resources): create,
//! rename in place, clear the description and destroy, replace on a keepers change, recreate a
//! key deleted outside Terraform, import, and the errors of a taken name or a bad import ID.
//! A [`KeyResource`] says what differs: the resource type, whether `api_key` is sensitive, and
//! whether the API is asked to reveal a value to import it.

#![allow(dead_code)]

use std::process::Output;

use serde_json::Value as Json;
use supabase_simulator::ApiKey;

use super::acceptance::{actions, folded, resource, stderr, Fixture};
use super::keys::reveal_requests;
use super::terraform::{self, assert_success};

/// One of the two API key resources, as a configuration declares it.
pub struct KeyResource {
    pub type_name: &'static str,
    /// `<type_name>.<label>`: the one resource of [`KeyResource::config`].
    pub address: &'static str,
    /// The key type as the API names it: `secret` or `publishable`.
    pub key_type: &'static str,
    /// Whether `api_key` is sensitive (a secret key's value).
    pub sensitive: bool,
    /// Whether reading the value takes `reveal=true` (a publishable key's is in every list).
    pub reveals: bool,
}

impl KeyResource {
    pub const SECRET: KeyResource = KeyResource {
        type_name: "supabase_secret_api_key",
        address: "supabase_secret_api_key.backend",
        key_type: "secret",
        sensitive: true,
        reveals: true,
    };

    pub const PUBLISHABLE: KeyResource = KeyResource {
        type_name: "supabase_publishable_api_key",
        address: "supabase_publishable_api_key.web",
        key_type: "publishable",
        sensitive: false,
        reveals: false,
    };

    /// The key named `name` (as given: name it with [`Fixture::name`]) in the fixture's project,
    /// with `extra` lines in its block, and an output `key` of its value. The output is `sensitive` only for a sensitive value: Terraform refuses an
    /// output of a sensitive value that is not marked so, so every apply of a publishable key
    /// also checks that its value is not sensitive.
    pub fn config(&self, fx: &Fixture, name: &str, extra: &str) -> String {
        let (type_name, label) = self.address.split_once('.').expect("type.label");
        assert_eq!(type_name, self.type_name, "the address is of the type");
        let sensitive = if self.sensitive {
            "\n  sensitive = true"
        } else {
            ""
        };
        format!(
            r#"provider "supabase" {{}}

resource "{type_name}" "{label}" {{
  project_ref = "{project}"
  name        = "{name}"
{extra}
}}

output "key" {{
  value = {address}.api_key{sensitive}
}}
"#,
            address = self.address,
            project = fx.project(),
        )
    }

    /// The test's keys of this type on the server.
    pub fn server_keys(&self, fx: &Fixture) -> Vec<ApiKey> {
        fx.keys()
            .into_iter()
            .filter(|k| k.key_type == self.key_type)
            .collect()
    }

    /// Asserts that `state_resource` (from `terraform show -json`) marks `api_key` sensitive
    /// exactly when this resource's value is. Terraform 1.0's state JSON lists only the
    /// sensitivity that came from the configuration (its plan JSON marks the attribute from the
    /// schema), and records none at import: a sensitive mark is looked for from 1.1 on.
    fn assert_state_sensitivity(&self, fx: &Fixture, state_resource: &Json) {
        if !self.sensitive {
            assert!(
                state_resource["sensitive_values"].get("api_key").is_none(),
                "api_key is not sensitive in state: {state_resource:#}"
            );
        } else if fx.tf.at_least((1, 1, 0)) {
            assert_eq!(
                state_resource["sensitive_values"]["api_key"],
                true,
                "terraform {}: {state_resource:#}",
                fx.tf.version_string()
            );
        }
    }
}

/// What [`create`] saw.
pub struct Created {
    /// The plan that created the key (`terraform show -json`).
    pub plan: Json,
    /// The key's resource in state after the apply.
    pub state: Json,
    /// The key the server made.
    pub key: ApiKey,
}

/// Plans, asserting that the only change is `action` of the key, and returns the plan.
pub async fn plan_only(fx: &Fixture, key: &KeyResource, action: &str) -> Json {
    let plan = fx.plan().await;
    assert_eq!(
        actions(&plan),
        vec![(key.address.to_string(), vec![action.to_string()])]
    );
    plan
}

/// Creates the key `name` ([`Fixture::name`] of it) with `description`: planned as a create with `api_key` sensitive or
/// not as the resource says, applied as one key of the type on the server whose value, id and
/// description the state holds (the fixture's apply step checks that the next plan is empty).
pub async fn create(fx: &Fixture, key: &KeyResource, name: &str, description: &str) -> Created {
    fx.config(&key.config(
        fx,
        &fx.name(name),
        &format!("  description = \"{description}\""),
    ));
    let plan = plan_only(fx, key, "create").await;
    let planned = &plan["resource_changes"][0]["change"];
    if key.sensitive {
        assert_eq!(planned["after_sensitive"]["api_key"], true, "{planned:#}");
    } else {
        assert!(
            planned["after_sensitive"].get("api_key").is_none(),
            "api_key is not sensitive: {planned:#}"
        );
    }

    fx.apply().await;
    let keys = fx.keys();
    assert_eq!(keys.len(), 1, "exactly one key on the server");
    let made = keys[0].clone();
    assert_eq!(made.key_type, key.key_type);
    assert!(
        made.api_key.starts_with(&format!("sb_{}_", key.key_type)),
        "{}",
        made.api_key
    );
    assert_eq!(made.description.as_deref(), Some(description));
    let state = fx.state().await;
    let held = resource(&state, key.address);
    assert_eq!(
        held["values"]["api_key"], made.api_key,
        "state holds the issued value"
    );
    assert_eq!(held["values"]["id"], made.id);
    assert_eq!(held["values"]["description"], description);
    key.assert_state_sensitivity(fx, held);
    Created {
        plan,
        state: held.clone(),
        key: made,
    }
}

/// Renames `original` to `name` ([`Fixture::name`] of it) with a new `description`: planned in place with the value and
/// the other computed attributes known, applied with the same id and value.
pub async fn rename_in_place(
    fx: &Fixture,
    key: &KeyResource,
    original: &ApiKey,
    name: &str,
    description: &str,
) {
    fx.config(&key.config(
        fx,
        &fx.name(name),
        &format!("  description = \"{description}\""),
    ));
    let plan = plan_only(fx, key, "update").await;
    let after = &plan["resource_changes"][0]["change"]["after_unknown"];
    for kept in ["api_key", "id", "prefix", "hash", "inserted_at"] {
        assert!(
            after.get(kept).is_none(),
            "{kept} stays known in the plan: {after:#}"
        );
    }
    fx.apply().await;
    let server = fx.keys();
    assert_eq!(server.len(), 1);
    assert_eq!(server[0].name, fx.name(name));
    assert_eq!(server[0].description.as_deref(), Some(description));
    let state = fx.state().await;
    let held = resource(&state, key.address);
    assert_eq!(held["values"]["id"], original.id);
    assert_eq!(held["values"]["api_key"], original.api_key);
}

/// Removes the description of the key `name` ([`Fixture::name`] of it; cleared on the server), then destroys it: one
/// DELETE, and no key left.
pub async fn clear_description_then_destroy(fx: &Fixture, key: &KeyResource, name: &str) {
    fx.config(&key.config(fx, &fx.name(name), ""));
    fx.apply().await;
    assert_eq!(fx.keys()[0].description, None);

    fx.destroy().await;
    assert!(fx.keys().is_empty());
    assert_eq!(fx.count("DELETE"), 1);
}

/// The key `name` ([`Fixture::name`] of it) with `keepers = { generation = "1" }`, then `"2"`: planned as a replacement,
/// applied as a new key with a new value, which the state holds. Returns the configuration of
/// the second generation.
pub async fn keepers_change_replaces(fx: &Fixture, key: &KeyResource, name: &str) -> String {
    fx.config(&key.config(fx, &fx.name(name), "  keepers = { generation = \"1\" }"));
    fx.apply().await;
    let first = fx.keys()[0].clone();

    let second_generation = key.config(fx, &fx.name(name), "  keepers = { generation = \"2\" }");
    fx.config(&second_generation);
    let plan = fx.plan().await;
    assert_eq!(
        actions(&plan)[0].1,
        vec!["delete", "create"],
        "{:?}",
        actions(&plan)
    );
    fx.apply().await;
    let second = fx.keys();
    assert_eq!(second.len(), 1);
    assert_ne!(second[0].id, first.id);
    assert_ne!(second[0].api_key, first.api_key);
    let state = fx.state().await;
    assert_eq!(
        resource(&state, key.address)["values"]["api_key"],
        second[0].api_key
    );
    second_generation
}

/// Deletes the applied key `id` behind Terraform's back: a refresh warns and drops it, the plan
/// creates it again, and the state holds the new key's value.
pub async fn deleted_outside_terraform_is_created_again(fx: &Fixture, key: &KeyResource, id: &str) {
    assert!(fx.delete_key_out_of_band(id));
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
    plan_only(fx, key, "create").await;
    fx.apply().await;
    let recreated = fx.keys();
    assert_eq!(recreated.len(), 1);
    assert_ne!(recreated[0].id, id);
    let state = fx.state().await;
    assert_eq!(
        resource(&state, key.address)["values"]["api_key"],
        recreated[0].api_key
    );
}

/// Imports `seeded` by each of `import_ids` in turn (after removing it from state): each import
/// succeeds without a warning that the value could not be read, and the state holds the key's
/// id and value, sensitive as the resource says, with an empty plan after. Asks the API to
/// reveal the value once per import if the resource reveals, else never. Returns the state of
/// each import.
pub async fn import_each(
    fx: &Fixture,
    key: &KeyResource,
    seeded: &ApiKey,
    import_ids: &[String],
) -> Vec<Json> {
    let reveals_before = reveal_requests(&fx.requests()).len();
    let mut imported = Vec::new();
    for import_id in import_ids {
        let _ = fx.run(&["state", "rm", key.address]).await;
        let output = import(fx, key, import_id).await;
        let what = format!("terraform {} import {import_id}", fx.tf.version_string());
        assert_success(&output, &what);
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
        let held = resource(&state, key.address);
        assert_eq!(held["values"]["id"], seeded.id, "{import_id}");
        assert_eq!(held["values"]["api_key"], seeded.api_key, "{import_id}");
        key.assert_state_sensitivity(fx, held);
        imported.push(held.clone());
        fx.assert_no_changes().await;
    }
    let reveals = reveal_requests(&fx.requests()).len() - reveals_before;
    let expected = if key.reveals { import_ids.len() } else { 0 };
    assert_eq!(
        reveals,
        expected,
        "reveals for {} imports: {:?}",
        import_ids.len(),
        reveal_requests(&fx.requests())
    );
    imported
}

/// `terraform import` of the key by `import_id`.
async fn import(fx: &Fixture, key: &KeyResource, import_id: &str) -> Output {
    fx.run(&[
        "import",
        "-input=false",
        "-no-color",
        key.address,
        import_id,
    ])
    .await
}

/// Imports by each ID of `cases`, expecting each to fail with an error that says its text.
pub async fn import_fails_saying(fx: &Fixture, key: &KeyResource, cases: &[(String, &str)]) {
    for (import_id, expect) in cases {
        let output = import(fx, key, import_id).await;
        assert!(!output.status.success(), "{import_id} imported");
        assert!(
            folded(&stderr(&output)).contains(expect),
            "{import_id}: {}",
            stderr(&output)
        );
    }
}

/// Runs `terraform <args>` with a configuration that claims the name of the unmanaged key
/// `existing`: it fails before any POST, saying the name is taken and how to import the key.
/// Returns the error text, folded.
pub async fn taken_name_fails(
    fx: &Fixture,
    key: &KeyResource,
    existing: &ApiKey,
    args: &[&str],
) -> String {
    fx.config(&key.config(fx, &existing.name, ""));
    let output = fx.run(args).await;
    assert!(!output.status.success(), "{args:?} succeeded");
    let text = folded(&stderr(&output));
    assert!(text.contains("already exists"), "{text}");
    assert!(text.contains(&existing.id), "{text}");
    assert!(
        text.contains(&format!(
            "terraform import {}.<name> {}/{}",
            key.type_name,
            fx.project(),
            existing.id
        )),
        "{text}"
    );
    assert_eq!(fx.count("POST"), 0);
    text
}

/// A key's whole life, as the tests of another platform's build run it: create (the plan
/// refreshes nothing yet), an in-place rename, import by id and by name (after `state rm`, the
/// value revealed once each), the description cleared, destroy; every step checked as above.
/// `on` ("arm64", say) goes into the names and descriptions.
pub async fn whole_life(fx: &Fixture, key: &KeyResource, on: &str) {
    let (name, renamed) = (format!("{on}_backend_key"), format!("{on}_renamed_key"));
    let created = create(fx, key, &name, &format!("Backend, on {on}")).await;
    rename_in_place(
        fx,
        key,
        &created.key,
        &renamed,
        &format!("Backend, renamed on {on}"),
    )
    .await;
    let server = key.server_keys(fx)[0].clone();
    import_each(
        fx,
        key,
        &server,
        &[
            format!("{}/{}", fx.project(), server.id),
            format!("{}/{}", fx.project(), server.name),
        ],
    )
    .await;
    clear_description_then_destroy(fx, key, &renamed).await;
}
