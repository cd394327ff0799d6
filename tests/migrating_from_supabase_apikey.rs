//! docs/guides/migrating-from-supabase-apikey.md against the simulator, on every Terraform the
//! suite is given: a key the official provider's `supabase_apikey` made (a secret key whose
//! description was never sent) is taken over by `supabase_secret_api_key` under the local name
//! `supabasekeys`, by `<ref>/<uuid>`: with an `import` block on Terraform >= 1.5, with
//! `terraform import` before. Nothing is created or deleted, the secret is captured once, the
//! description is set in place, and adding `keepers` afterwards replaces the key.
//!
//! The guide's first step (`terraform state rm` or a `removed` block for `supabase_apikey`)
//! needs the official provider, which tests cannot install (no internet).

mod support;

use supabase_simulator::KeySeed;
use support::acceptance::{actions, resource, Fixture};
use support::terraform::{self, SOURCE_ADDRESS};

const ADDR: &str = "supabase_secret_api_key.backend";

/// The guide's configuration of the key `backend_key` ([`Fixture::name`] of it) in the
/// fixture's project.
fn config(fx: &Fixture, extra: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    supabasekeys = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

provider "supabasekeys" {{}}

resource "supabase_secret_api_key" "backend" {{
  provider    = supabasekeys
  project_ref = "{project}"
  name        = "{name}"
  description = "Backend service"
{extra}
}}
"#,
        project = fx.project(),
        name = fx.name("backend_key"),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn a_key_the_official_provider_made_is_imported_by_ref_and_uuid() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        // What supabase_apikey leaves: a secret key, no description (it never sends one).
        let seeded = fx.seed_key(KeySeed::secret(&fx.name("backend_key")));
        let import_id = format!("{}/{}", fx.project(), seeded.id);

        if tf.at_least((1, 5, 0)) {
            let import_block = format!("import {{\n  to = {ADDR}\n  id = \"{import_id}\"\n}}\n");
            fx.work
                .write("main.tf", &format!("{}\n{import_block}", config(&fx, "")));
            let plan = fx.plan().await;
            assert_eq!(
                actions(&plan),
                vec![(ADDR.to_string(), strings(&["update"]))],
                "Terraform {version}: import, then set the description in place"
            );
            let change = &plan["resource_changes"][0]["change"];
            assert_eq!(change["importing"]["id"], import_id, "{change:#}");
            fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
                .await;
        } else {
            // Import blocks came in Terraform 1.5: the guide's other way.
            fx.write("main.tf", &config(&fx, ""));
            fx.ok(&["import", "-input=false", "-no-color", ADDR, &import_id])
                .await;
            let plan = fx.plan().await;
            assert_eq!(
                actions(&plan),
                vec![(ADDR.to_string(), strings(&["update"]))],
                "Terraform {version}: the description is set in place"
            );
            fx.apply().await;
        }

        assert_eq!(fx.count("POST"), 0, "Terraform {version}: nothing created");
        assert_eq!(
            fx.count("DELETE"),
            0,
            "Terraform {version}: nothing deleted"
        );
        let keys = fx.keys();
        assert_eq!(keys.len(), 1, "Terraform {version}: {keys:#?}");
        assert_eq!(keys[0].id, seeded.id);
        assert_eq!(keys[0].description.as_deref(), Some("Backend service"));
        let state = fx.state().await;
        let key = resource(&state, ADDR);
        assert_eq!(key["provider_name"], SOURCE_ADDRESS);
        assert_eq!(key["values"]["id"], seeded.id);
        assert_eq!(
            key["values"]["api_key"], seeded.api_key,
            "Terraform {version}: the import revealed the secret once"
        );
        let reveals = fx.requests().iter().filter(|r| r.reveal).count();
        assert_eq!(reveals, 1, "Terraform {version}: one reveal, at import");
        fx.assert_no_changes().await;

        // keepers is Terraform's own value, null after an import: adding it is a rotation.
        fx.write(
            "main.tf",
            &config(&fx, "  keepers = {\n    generation = \"1\"\n  }"),
        );
        let plan = fx.plan().await;
        assert_eq!(
            actions(&plan),
            vec![(ADDR.to_string(), strings(&["delete", "create"]))],
            "Terraform {version}: adding keepers replaces the imported key"
        );
    }
}
