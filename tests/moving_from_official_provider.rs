//! docs/guides/migrating-from-supabase-apikey.md on Terraform >= 1.8: keys the official
//! provider's `supabase_apikey` manages move to our resources with one `moved` block
//! (MoveResourceState), through the real CLI against the API behind the test seam. The official
//! provider is its stand-in (tools/official-standin, the official schema only) at
//! `registry.terraform.io/supabase/supabase`, and the state is seeded as the official provider
//! writes it: its Read re-reveals, so the secret is in it and the move needs no request.
//!
//! A move plans no create or destroy, shows "has moved to", and its apply makes no POST, no
//! DELETE, no PATCH and no `reveal=true`; the moved `api_key` is the original value and the next
//! plan is empty. A `moved` to the wrong resource type fails with its error before any request.
//! Terraform < 1.8 keeps the guide's import path (tests/migrating_from_supabase_apikey.rs).

mod support;

use serde_json::Value as Json;
use supabase_simulator::{ApiKey, KeySeed};
use support::acceptance::{actions, assert_planned_identities, folded, resource, Fixture, Shown};
use support::official::{
    self, apikey_attributes, apikey_resource, single_apikey, OFFICIAL_ADDRESS,
};
use support::terraform::{self, text, Terraform, SOURCE_ADDRESS};

/// Moves across resource types and providers came in Terraform 1.8.
const MOVE_ACROSS_PROVIDERS: (u32, u32, u32) = (1, 8, 0);
/// The Terraform whose plan output the closing note of issue 20 quotes.
const QUOTED_VERSION: (u32, u32, u32) = (1, 15, 5);

/// Every Terraform of the test that can move across providers; the others record the skip.
fn movers() -> Vec<Terraform> {
    terraform::all()
        .into_iter()
        .filter(|tf| {
            let moves = tf.at_least(MOVE_ACROSS_PROVIDERS);
            if !moves {
                terraform::skip(
                    tf,
                    "`moved` across resource types and providers needs Terraform 1.8 (older \
                     versions take the import path, tests/migrating_from_supabase_apikey.rs)",
                );
            }
            moves
        })
        .collect()
}

/// A fixture whose Terraform also runs the official provider's stand-in.
async fn fixture(tf: &Terraform) -> Fixture {
    let fx = Fixture::new(tf).await;
    official::install(&fx.work);
    fx
}

/// A key that `supabase_apikey.NAME` manages: made in the API from `seed`, and the only
/// resource of the state the official provider wrote.
fn seed_official(fx: &Fixture, name: &str, seed: KeySeed) -> ApiKey {
    let key = fx.seed_key(seed);
    official::write_state(
        &fx.work,
        &fx.tf,
        vec![single_apikey(name, fx.project(), &key)],
    );
    key
}

/// Which configuration the move happens in.
#[derive(Clone, Copy, Debug)]
enum Module {
    /// Keeps the official provider (local name `supabase`) for other things; ours is
    /// `supabasekeys`, named on each of our resources.
    KeepsOfficial,
    /// Drops the official provider: ours takes the local name `supabase`. The state still
    /// names the official provider for what is moved.
    DropsOfficial,
}

impl Module {
    /// The `provider` argument our resources need in this configuration.
    fn provider_argument(self) -> &'static str {
        match self {
            Module::KeepsOfficial => "  provider    = supabasekeys\n",
            Module::DropsOfficial => "",
        }
    }

    /// main.tf: the providers this configuration requires, then `body`.
    fn write(self, fx: &Fixture, body: &str) {
        let providers = match self {
            Module::KeepsOfficial => format!(
                r#"terraform {{
  required_providers {{
    supabase = {{
      source = "supabase/supabase"
    }}
    supabasekeys = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

provider "supabase" {{}}

provider "supabasekeys" {{}}
"#
            ),
            Module::DropsOfficial => format!(
                r#"terraform {{
  required_providers {{
    supabase = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}
"#
            ),
        };
        fx.write("main.tf", &format!("{providers}\n{body}"));
    }
}

/// A `moved` block from the official `supabase_apikey.NAME` to `to`.
fn moved(name: &str, to: &str) -> String {
    format!("moved {{\n  from = supabase_apikey.{name}\n  to   = {to}\n}}\n")
}

/// A `moved` block from `supabase_apikey.NAME` to our `ty.NAME`, and that resource for the key
/// named `key_name` ([`Fixture::name`] of it).
fn move_to(fx: &Fixture, module: Module, name: &str, ty: &str, key_name: &str) -> String {
    format!(
        "{moved}\nresource \"{ty}\" \"{name}\" {{\n{provider}  project_ref = \"{project}\"\n  name        = \"{key}\"\n}}\n",
        moved = moved(name, &format!("{ty}.{name}")),
        provider = module.provider_argument(),
        project = fx.project(),
        key = fx.name(key_name),
    )
}

/// `terraform plan -out=tfplan` as a person reads it, then `show -json` of it. A plan that only
/// moves says "Plan: 0 to add, 0 to change, 0 to destroy." (not "No changes."), so this is
/// not [`Fixture::plan_shown`]; it checks the same: nothing on stderr, and on Terraform >= 1.12
/// the planned identities.
async fn plan_move(fx: &Fixture) -> Shown {
    let version = fx.tf.version_string();
    let output = fx
        .ok(&["plan", "-input=false", "-no-color", "-out=tfplan"])
        .await;
    let human = text(&output.stdout);
    let said = text(&output.stderr);
    assert!(
        said.trim().is_empty(),
        "terraform {version} plan printed on stderr:\n{said}\nstdout:\n{human}"
    );
    let shown = fx.ok(&["show", "-json", "tfplan"]).await;
    let json: Json = serde_json::from_slice(&shown.stdout).expect("plan JSON");
    if fx.tf.at_least((1, 12, 0)) {
        assert_planned_identities(&json, &version);
    }
    if fx.tf.version == QUOTED_VERSION {
        eprintln!(
            "--- {}: terraform {version} plan of the move ---\n{human}--- end of plan ---",
            terraform::current_test()
        );
    }
    Shown { human, json }
}

/// The plan moves each (from, to) and does nothing else: the human output says "has moved to"
/// for each and plans no create, destroy or change; the JSON plan has each `to` as a no-op whose
/// previous address is `from`, and no other change than no-ops.
fn assert_only_moves(shown: &Shown, moves: &[(String, String)], version: &str) {
    let human = folded(&shown.human);
    for (from, to) in moves {
        assert!(
            human.contains(&format!("# {from} has moved to {to}")),
            "terraform {version}: the plan does not show {from} moving to {to}:\n{}",
            shown.human
        );
    }
    assert!(
        human.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
        "terraform {version}: the move plans a change:\n{}",
        shown.human
    );
    for phrase in ["will be created", "will be destroyed", "must be replaced"] {
        assert!(
            !human.contains(phrase),
            "terraform {version}: the plan says {phrase:?}:\n{}",
            shown.human
        );
    }
    let changes = actions(&shown.json);
    assert!(
        changes.iter().all(|(_, a)| a == &["no-op"]),
        "terraform {version}: the move plans {changes:?}"
    );
    let planned = shown.json["resource_changes"].as_array().expect("changes");
    for (from, to) in moves {
        let change = planned
            .iter()
            .find(|c| c["address"] == to.as_str())
            .unwrap_or_else(|| panic!("terraform {version}: {to} is not planned: {planned:#?}"));
        assert_eq!(
            change["previous_address"],
            from.as_str(),
            "terraform {version}: {change:#}"
        );
    }
}

/// Applies the saved plan, then: each (address, key) is in state under our provider with the
/// key's id and its original value, nothing is left at `gone`, the API received no write and
/// no reveal, and the next plan is empty.
async fn apply_and_check(fx: &Fixture, moved: &[(String, &ApiKey)], gone: &[&str]) {
    let version = fx.tf.version_string();
    fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
        .await;
    let state = fx.state().await;
    for (address, key) in moved {
        let held = resource(&state, address);
        assert_eq!(held["provider_name"], SOURCE_ADDRESS, "terraform {version}");
        assert_eq!(
            held["values"]["id"], key.id,
            "terraform {version}: {address}"
        );
        assert_eq!(
            held["values"]["api_key"], key.api_key,
            "terraform {version}: {address} holds the value the official provider captured"
        );
    }
    let addresses: Vec<&str> = state["values"]["root_module"]["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|r| r["address"].as_str())
        .collect();
    for address in gone {
        assert!(
            !addresses.iter().any(|a| a.starts_with(address)),
            "terraform {version}: {address} is still in state: {addresses:?}"
        );
    }
    assert_no_write_or_reveal(fx);
    fx.assert_no_changes().await;
    assert_no_write_or_reveal(fx);
}

fn assert_no_write_or_reveal(fx: &Fixture) {
    let version = fx.tf.version_string();
    for method in ["POST", "PATCH", "DELETE"] {
        assert_eq!(
            fx.count(method),
            0,
            "terraform {version}: {method} requests"
        );
    }
    let reveals: Vec<_> = fx.requests().into_iter().filter(|r| r.reveal).collect();
    assert!(
        reveals.is_empty(),
        "terraform {version}: the move revealed: {reveals:#?}"
    );
}

/// The flow of the guide in `module`: a secret key the official provider made (no
/// description: it never sends one) moves to `supabase_secret_api_key.backend`.
async fn secret_key_moves(module: Module) {
    for tf in movers() {
        let version = tf.version_string();
        let fx = fixture(&tf).await;
        let backend = fx.seed_key(KeySeed::secret(&fx.name("backend_key")));
        let mut state = vec![single_apikey("backend", fx.project(), &backend)];
        let mut body = move_to(
            &fx,
            module,
            "backend",
            "supabase_secret_api_key",
            "backend_key",
        );
        if let Module::KeepsOfficial = module {
            // Something the official provider keeps managing: it stays in state, unchanged.
            let ci = fx.seed_key(KeySeed::secret(&fx.name("ci_key")));
            state.push(single_apikey("ci", fx.project(), &ci));
            body.push_str(&format!(
                "\nresource \"supabase_apikey\" \"ci\" {{\n  project_ref = \"{}\"\n  name        = \"{}\"\n}}\n",
                fx.project(),
                fx.name("ci_key")
            ));
        }
        official::write_state(&fx.work, &tf, state);
        module.write(&fx, &body);

        let shown = plan_move(&fx).await;
        let to = "supabase_secret_api_key.backend".to_string();
        assert_only_moves(
            &shown,
            &[("supabase_apikey.backend".to_string(), to.clone())],
            &version,
        );
        apply_and_check(&fx, &[(to, &backend)], &["supabase_apikey.backend"]).await;

        if let Module::KeepsOfficial = module {
            let state = fx.state().await;
            let ci = resource(&state, "supabase_apikey.ci");
            assert_eq!(
                ci["provider_name"], OFFICIAL_ADDRESS,
                "terraform {version}: the official provider keeps its key"
            );
        }
        // The move ends at the key the API holds, untouched.
        let keys = fx.keys();
        let held = keys.iter().find(|k| k.id == backend.id).expect("the key");
        assert_eq!(held, &backend, "terraform {version}");
    }
}

#[tokio::test]
async fn a_secret_key_moves_in_a_module_that_keeps_the_official_provider() {
    secret_key_moves(Module::KeepsOfficial).await;
}

#[tokio::test]
async fn a_secret_key_moves_in_a_module_that_drops_the_official_provider() {
    secret_key_moves(Module::DropsOfficial).await;
}

/// A publishable key (the official provider imports one by `<ref>/<name>/publishable`; its
/// state has no template role) moves to `supabase_publishable_api_key`.
#[tokio::test]
async fn a_publishable_key_moves_to_the_publishable_resource() {
    for tf in movers() {
        let fx = fixture(&tf).await;
        let frontend = seed_official(
            &fx,
            "frontend",
            KeySeed::publishable(&fx.name("frontend_key")),
        );
        let to = "supabase_publishable_api_key.frontend".to_string();
        Module::KeepsOfficial.write(
            &fx,
            &move_to(
                &fx,
                Module::KeepsOfficial,
                "frontend",
                "supabase_publishable_api_key",
                "frontend_key",
            ),
        );

        let shown = plan_move(&fx).await;
        assert_only_moves(
            &shown,
            &[("supabase_apikey.frontend".to_string(), to.clone())],
            &tf.version_string(),
        );
        apply_and_check(&fx, &[(to, &frontend)], &["supabase_apikey.frontend"]).await;
    }
}

/// A secret key moved to the publishable resource: the plan fails with the provider's error,
/// which names the right resource type, before any request; the state is as it was.
#[tokio::test]
async fn a_move_to_the_wrong_key_type_fails_without_a_request() {
    for tf in movers() {
        let version = tf.version_string();
        let fx = fixture(&tf).await;
        seed_official(&fx, "backend", KeySeed::secret(&fx.name("backend_key")));
        let state_before = std::fs::read_to_string(fx.work.config_dir().join("terraform.tfstate"))
            .expect("seeded state");
        Module::KeepsOfficial.write(
            &fx,
            &move_to(
                &fx,
                Module::KeepsOfficial,
                "backend",
                "supabase_publishable_api_key",
                "backend_key",
            ),
        );

        let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
        let said = folded(&text(&output.stderr));
        assert!(
            !output.status.success(),
            "terraform {version}: the plan succeeded:\n{}",
            text(&output.stdout)
        );
        assert!(
            said.contains("Error: Unable to move resource state")
                && said.contains("supabase_secret_api_key"),
            "terraform {version}: the error does not name the resource type to move to:\n{said}"
        );
        assert!(
            fx.requests().is_empty(),
            "terraform {version}: requests: {:#?}",
            fx.requests()
        );
        let state_after =
            std::fs::read_to_string(fx.work.config_dir().join("terraform.tfstate")).expect("state");
        assert_eq!(state_after, state_before, "terraform {version}");
    }
}

/// A `for_each` of three keys moves as one resource: every instance, by its key.
#[tokio::test]
async fn three_keys_of_a_for_each_move_together() {
    for tf in movers() {
        let fx = fixture(&tf).await;
        let each = ["a", "b", "c"];
        let keys: Vec<ApiKey> = each
            .iter()
            .map(|k| fx.seed_key(KeySeed::secret(&fx.name(&format!("key_{k}")))))
            .collect();
        let instances: Vec<(Option<&str>, Json)> = each
            .iter()
            .zip(&keys)
            .map(|(k, key)| (Some(*k), apikey_attributes(fx.project(), key)))
            .collect();
        official::write_state(&fx.work, &tf, vec![apikey_resource("keys", &instances)]);
        let names: String = each
            .iter()
            .map(|k| format!("    {k} = \"{}\"\n", fx.name(&format!("key_{k}"))))
            .collect();
        Module::KeepsOfficial.write(
            &fx,
            &format!(
                r#"{moved}
resource "supabase_secret_api_key" "keys" {{
  provider = supabasekeys
  for_each = {{
{names}  }}
  project_ref = "{project}"
  name        = each.value
}}
"#,
                moved = moved("keys", "supabase_secret_api_key.keys"),
                project = fx.project(),
            ),
        );

        let at = |ty: &str, k: &str| format!("{ty}.keys[\"{k}\"]");
        let moves: Vec<(String, String)> = each
            .iter()
            .map(|k| (at("supabase_apikey", k), at("supabase_secret_api_key", k)))
            .collect();
        let shown = plan_move(&fx).await;
        assert_only_moves(&shown, &moves, &tf.version_string());
        let moved: Vec<(String, &ApiKey)> =
            moves.iter().map(|(_, to)| to.clone()).zip(&keys).collect();
        apply_and_check(&fx, &moved, &["supabase_apikey.keys"]).await;
    }
}
