//! Clashes between the resources of one configuration, caught at plan time through the real
//! terraform CLI: two resources planning one key name (issue 22, item 3), and an import of a key
//! another resource in the state already manages, or two resources in state holding one key
//! (item 4). And what must not trip: replacements (with and without a new name, under
//! create_before_destroy, by `-replace`), a rename that frees a name for a new key, `count`
//! and `for_each` keys, imports of unmanaged keys (with `-generate-config-out`), refresh-only
//! and `-refresh=false` plans, and the plan Terraform makes again during apply.

mod support;

use std::process::Output;

use supabase_simulator::KeySeed;
use support::acceptance::{actions, folded, resource, stderr, Fixture};
use support::terraform::{self, Terraform};

const TYPE: &str = "supabase_secret_api_key";
const NAME_CLASH: &str = "Another resource of this configuration plans this name";
const ALREADY_MANAGED: &str = "The API key is already managed in this state";
const HELD_TWICE: &str = "Two resources in this state manage one API key";

/// A secret key resource `label` named `name` (as given) in the fixture's project, with `extra`
/// lines in its block.
fn key(fx: &Fixture, label: &str, name: &str, extra: &str) -> String {
    format!(
        "resource \"{TYPE}\" \"{label}\" {{\n  project_ref = \"{}\"\n  name        = \"{name}\"\n{extra}\n}}\n",
        fx.project()
    )
}

fn config(fx: &Fixture, blocks: &[String]) {
    fx.config(&format!(
        "provider \"supabase\" {{}}\n\n{}",
        blocks.concat()
    ));
}

/// Runs `terraform ARGS`, which must fail; returns what it printed, whitespace folded.
async fn fails(fx: &Fixture, args: &[&str]) -> String {
    let output: Output = fx.run(args).await;
    let said = folded(&format!(
        "{}\n{}",
        terraform::text(&output.stdout),
        stderr(&output)
    ));
    assert!(
        !output.status.success(),
        "terraform {} {args:?} passed: {said}",
        fx.tf.version_string()
    );
    said
}

async fn plan_fails(fx: &Fixture) -> String {
    fails(fx, &["plan", "-input=false", "-no-color"]).await
}

fn id_of(state: &serde_json::Value, address: &str) -> String {
    resource(state, address)["values"]["id"]
        .as_str()
        .expect("an id")
        .to_string()
}

/// Applies a configuration of the one key `label` named `name` (as given); returns its id.
async fn applied_alone(fx: &Fixture, label: &str, name: &str) -> String {
    config(fx, &[key(fx, label, name, "")]);
    fx.apply().await;
    id_of(&fx.state().await, &format!("{TYPE}.{label}"))
}

fn import_blocks_needed(tf: &Terraform) -> bool {
    let ok = tf.at_least((1, 5, 0));
    if !ok {
        terraform::skip(tf, "import blocks need Terraform 1.5");
    }
    ok
}

#[tokio::test]
async fn two_new_keys_of_one_name_fail_the_plan_before_anything_is_sent() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let name = fx.name("shared_key");
        config(
            &fx,
            &[key(&fx, "first", &name, ""), key(&fx, "second", &name, "")],
        );
        let said = plan_fails(&fx).await;
        let what = format!("terraform {}: {said}", tf.version_string());
        assert!(said.contains(NAME_CLASH), "{what}");
        assert!(
            said.contains(&format!(
                "plans the name \"{name}\" in project {}",
                fx.project()
            )),
            "{what}"
        );
        assert!(said.contains("(a new key)"), "{what}");
        assert!(said.contains("on main.tf line"), "{what}");
        // An apply stops at the same plan.
        let said = fails(
            &fx,
            &["apply", "-input=false", "-no-color", "-auto-approve"],
        )
        .await;
        assert!(said.contains(NAME_CLASH), "{said}");
        assert_eq!(fx.count("POST"), 0, "nothing was created");
        assert!(fx.keys().is_empty());

        // Names are unique per type: a publishable key of the same name is no clash.
        config(
            &fx,
            &[
                key(&fx, "first", &name, ""),
                format!(
                    "resource \"supabase_publishable_api_key\" \"web\" {{\n  project_ref = \"{}\"\n  name        = \"{name}\"\n}}\n",
                    fx.project()
                ),
            ],
        );
        fx.apply().await;
        assert_eq!(fx.keys().len(), 2);
        fx.destroy().await;
    }
}

#[tokio::test]
async fn a_rename_onto_a_name_another_resource_newly_takes_fails_the_plan() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let (old, new) = (fx.name("old_name"), fx.name("new_name"));
        let id = applied_alone(&fx, "renamed", &old).await;
        let posts = fx.count("POST");

        config(
            &fx,
            &[key(&fx, "renamed", &new, ""), key(&fx, "added", &new, "")],
        );
        let said = plan_fails(&fx).await;
        let what = format!("terraform {}: {said}", tf.version_string());
        assert!(said.contains(NAME_CLASH), "{what}");
        // Whichever the walk planned second fails, naming the other.
        let rename = format!("the rename of key {id}");
        assert!(
            said.contains(&format!("({rename}), and this one plans it for a new key"))
                || said.contains(&format!("(a new key), and this one plans it for {rename}")),
            "{what}"
        );
        assert_eq!(fx.count("POST"), posts, "{what}");
        assert_eq!(fx.count("PATCH"), 0, "{what}");
        // Terraform < 1.3 plans the configuration before a destroy too: drop the clash first.
        config(&fx, &[key(&fx, "renamed", &old, "")]);
        fx.destroy().await;
    }
}

/// A renames its key away from a name that B, new, takes in the same apply: the plan passes.
/// Terraform orders nothing between the two unless told, so B depends on A here.
#[tokio::test]
async fn a_rename_that_frees_a_name_for_a_new_key_plans_and_applies() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let (freed, moved_to) = (fx.name("freed_name"), fx.name("moved_to_name"));
        let a_id = applied_alone(&fx, "a", &freed).await;

        config(
            &fx,
            &[
                key(&fx, "a", &moved_to, ""),
                key(&fx, "b", &freed, &format!("  depends_on  = [{TYPE}.a]")),
            ],
        );
        let (shown, _) = fx.apply_planned().await;
        assert!(
            folded(&shown.human).contains("Plan: 1 to add, 1 to change, 0 to destroy."),
            "{}",
            shown.human
        );
        fx.assert_no_changes().await;
        let state = fx.state().await;
        assert_eq!(id_of(&state, &format!("{TYPE}.a")), a_id);
        let names = |id: &str| {
            fx.keys()
                .into_iter()
                .find(|k| k.id == id)
                .map(|k| k.name)
                .unwrap_or_default()
        };
        assert_eq!(names(&a_id), moved_to);
        assert_eq!(names(&id_of(&state, &format!("{TYPE}.b"))), freed);
        fx.destroy().await;
    }
}

/// Terraform plans a replacement twice: once with the prior state, then the create half with a
/// null prior state (and the first call's planned private state). Neither the same name, nor a
/// new name (which both calls plan), nor `-replace`, nor create_before_destroy trips the check;
/// nor does the plan Terraform makes again during apply.
#[tokio::test]
async fn replacements_keep_or_change_their_name_without_tripping_the_check() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let address = format!("{TYPE}.rotating");
        let generation = |name: &str, n: u32, extra: &str| {
            key(
                &fx,
                "rotating",
                name,
                &format!("  keepers     = {{ generation = \"{n}\" }}\n{extra}"),
            )
        };
        let (first, second, third) = (fx.name("gen_one"), fx.name("gen_two"), fx.name("gen_three"));
        let other = key(&fx, "other", &fx.name("unrelated_key"), "");
        let mut ids = Vec::new();
        config(&fx, &[generation(&first, 1, ""), other.clone()]);
        fx.apply().await;
        ids.push(id_of(&fx.state().await, &address));
        // keepers only (the same name), then keepers and name.
        for (n, name) in [(2, &first), (3, &second)] {
            config(&fx, &[generation(name, n, ""), other.clone()]);
            ids.push(replaced(&fx, &address, name, &[]).await);
        }
        // -replace: the same name again, forced.
        ids.push(replaced(&fx, &address, &second, &[&format!("-replace={address}")]).await);
        // create_before_destroy, with a new name (the old key holds the old one meanwhile).
        let cbd = "  lifecycle {\n    create_before_destroy = true\n  }";
        config(&fx, &[generation(&third, 4, cbd), other.clone()]);
        ids.push(replaced(&fx, &address, &third, &[]).await);
        ids.dedup();
        assert_eq!(ids.len(), 5, "every step made a new key: {ids:?}");
        assert_eq!(fx.keys().len(), 2, "the old keys are gone");
        fx.destroy().await;
    }
}

/// Plans (with `args`) the replacement of `address` and nothing else, applies it, and returns
/// the new key's id, checking that it is named `name` on the server.
async fn replaced(fx: &Fixture, address: &str, name: &str, args: &[&str]) -> String {
    let shown = fx.plan_shown(args).await;
    assert!(
        folded(&shown.human).contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "terraform {}: {}",
        fx.tf.version_string(),
        shown.human
    );
    fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
        .await;
    fx.assert_no_changes().await;
    let id = id_of(&fx.state().await, address);
    let server = fx
        .keys()
        .into_iter()
        .find(|k| k.id == id)
        .expect("on the server");
    assert_eq!(server.name, name);
    id
}

/// A name known only at apply (from `terraform_data`, Terraform >= 1.4) that equals another new
/// key's: the plan cannot tell, and the plan Terraform makes again during apply fails the
/// second, saying that another resource plans that name (not "import that key").
#[tokio::test]
async fn a_name_equal_only_at_apply_fails_the_second_key_saying_another_resource_takes_it() {
    for tf in terraform::all() {
        if !tf.at_least((1, 4, 0)) {
            terraform::skip(&tf, "terraform_data needs Terraform 1.4 or later");
            continue;
        }
        let fx = Fixture::new(&tf).await;
        let name = fx.name("late_key");
        config(
            &fx,
            &[
                format!("resource \"terraform_data\" \"name\" {{\n  input = \"{name}\"\n}}\n"),
                key(&fx, "known", &name, ""),
                format!(
                    "resource \"{TYPE}\" \"late\" {{\n  project_ref = \"{}\"\n  name        = terraform_data.name.output\n}}\n",
                    fx.project()
                ),
            ],
        );
        let shown = fx.plan_shown(&[]).await;
        assert!(
            folded(&shown.human).contains("Plan: 3 to add, 0 to change, 0 to destroy."),
            "{}",
            shown.human
        );
        let said = fails(&fx, &["apply", "-input=false", "-no-color", "tfplan"]).await;
        let what = format!("terraform {}: {said}", tf.version_string());
        assert!(said.contains(NAME_CLASH), "{what}");
        assert!(!said.contains("import that key"), "{what}");
        assert_eq!(fx.count("POST"), 1, "{what}");
        assert_eq!(fx.keys().len(), 1, "{what}");
        assert_eq!(fx.keys()[0].name, name);
        config(&fx, &[]);
        fx.apply().await;
        assert!(fx.keys().is_empty());
    }
}

/// An import block (by id, by name, and on Terraform >= 1.12 by identity) of the key another
/// resource of the state holds fails the plan, naming the key and the import block; the state
/// is unchanged.
#[tokio::test]
async fn an_import_block_of_a_key_another_resource_manages_fails_the_plan() {
    for tf in terraform::all() {
        if !import_blocks_needed(&tf) {
            continue;
        }
        let fx = Fixture::new(&tf).await;
        let name = fx.name("managed_key");
        let id = applied_alone(&fx, "managed", &name).await;
        let managed = key(&fx, "managed", &name, "");

        let mut imports = vec![
            format!("  id = \"{}/{id}\"", fx.project()),
            format!("  id = \"{}/{name}\"", fx.project()),
        ];
        if tf.at_least((1, 12, 0)) {
            imports.push(format!(
                "  identity = {{\n    project_ref = \"{}\"\n    id          = \"{id}\"\n  }}",
                fx.project()
            ));
        }
        for import in imports {
            config(
                &fx,
                &[
                    managed.clone(),
                    key(&fx, "again", &name, ""),
                    format!("import {{\n  to = {TYPE}.again\n{import}\n}}\n"),
                ],
            );
            let said = plan_fails(&fx).await;
            let what = format!("terraform {} ({import}): {said}", tf.version_string());
            assert!(said.contains(ALREADY_MANAGED), "{what}");
            assert!(said.contains(&id), "{what}");
            assert!(said.contains("import block"), "{what}");
        }
        config(&fx, std::slice::from_ref(&managed));
        fx.assert_no_changes().await;
        let state = fx.state().await;
        assert_eq!(
            state["values"]["root_module"]["resources"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        assert_eq!(fx.count("POST"), 1);
        fx.destroy().await;
    }
}

/// `terraform import` has no plan, and its walk reads no other resource: it puts a key a second
/// resource already holds into the state. The next plan fails, naming the key and saying to
/// `terraform state rm` one.
#[tokio::test]
async fn a_key_two_resources_hold_after_terraform_import_fails_the_next_plan() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let name = fx.name("held_twice");
        let blocks = [key(&fx, "first", &name, ""), key(&fx, "second", &name, "")];
        let id = applied_alone(&fx, "first", &name).await;
        config(&fx, &blocks);
        let import_id = format!("{}/{id}", fx.project());
        let imported = fx
            .run(&[
                "import",
                "-input=false",
                "-no-color",
                &format!("{TYPE}.second"),
                &import_id,
            ])
            .await;
        // Its walk reads nothing but the imported key, so it cannot tell.
        terraform::assert_success(&imported, "terraform import");
        let said = plan_fails(&fx).await;
        let what = format!("terraform {}: {said}", tf.version_string());
        assert!(said.contains(HELD_TWICE), "{what}");
        assert!(
            said.contains(&format!("(id {id}) of project {}", fx.project())),
            "{what}"
        );
        assert!(said.contains("`terraform state rm` the other"), "{what}");
        assert_eq!(fx.count("POST"), 1, "{what}");
        // The advice works: drop one, and the plan is clean again.
        fx.ok(&["state", "rm", &format!("{TYPE}.second")]).await;
        config(&fx, &blocks[..1]);
        fx.assert_no_changes().await;
        fx.destroy().await;
        assert!(fx.keys().is_empty());
    }
}

/// The checks leave ordinary configurations alone: `count` and `for_each` keys, an import block
/// of an unmanaged key with `-generate-config-out` (Terraform >= 1.5; older ones run the rest),
/// refresh-only and `-refresh=false` plans.
#[tokio::test]
async fn count_for_each_imports_and_refresh_only_plans_do_not_trip_the_checks() {
    for tf in terraform::all() {
        let fx = Fixture::new(&tf).await;
        let counted = format!(
            "resource \"{TYPE}\" \"counted\" {{\n  count       = 2\n  project_ref = \"{}\"\n  name        = \"{}_${{count.index}}\"\n}}\n",
            fx.project(),
            fx.name("counted")
        );
        let each = format!(
            "resource \"{TYPE}\" \"each\" {{\n  for_each    = toset([\"{}\", \"{}\"])\n  project_ref = \"{}\"\n  name        = each.key\n}}\n",
            fx.name("each_a"),
            fx.name("each_b"),
            fx.project()
        );
        let mut blocks = vec![counted, each];
        config(&fx, &blocks);
        fx.apply().await;
        assert_eq!(fx.keys().len(), 4);

        if tf.at_least((1, 5, 0)) {
            let outside = fx.seed_key(KeySeed::secret(&fx.name("made_outside")));
            blocks.push(format!(
                "import {{\n  to = {TYPE}.outside\n  id = \"{}/{}\"\n}}\n",
                fx.project(),
                outside.id
            ));
            config(&fx, &blocks);
            let (shown, _) = {
                let shown = fx.plan_shown(&["-generate-config-out=generated.tf"]).await;
                let output = fx
                    .ok(&["apply", "-input=false", "-no-color", "tfplan"])
                    .await;
                (shown, output)
            };
            assert!(
                folded(&shown.human).contains("Plan: 1 to import, 0 to add, 0 to change"),
                "{}",
                shown.human
            );
            fx.assert_no_changes().await;
        }
        fx.ok(&["plan", "-input=false", "-no-color", "-refresh-only"])
            .await;
        fx.ok(&[
            "apply",
            "-input=false",
            "-no-color",
            "-refresh-only",
            "-auto-approve",
        ])
        .await;
        let shown = fx.plan_shown(&["-refresh=false"]).await;
        assert!(
            actions(&shown.json).iter().all(|(_, a)| a == &["no-op"]),
            "{}",
            shown.human
        );
        fx.destroy().await;
        assert!(fx.keys().is_empty());
    }
}
