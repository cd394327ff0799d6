//! This provider under another local name, as a module that also uses the official Supabase
//! provider declares it (docs/guides/using-beside-the-official-provider.md), and inside a child
//! module that the caller passes it to: validate, apply, state and an empty plan against the
//! simulator, on every Terraform the suite is given.

mod support;

use support::acceptance::{resource, Fixture};
use support::terraform::{self, SOURCE_ADDRESS};

const ADDR: &str = "supabase_secret_api_key.backend";

/// The guide's configuration, less the official provider. Both providers have the type name
/// `supabase`, so in one module they need two local names: the official one keeps `supabase`
/// and ours becomes `supabasekeys`. The guide's `required_providers` also holds
///
/// ```hcl
/// supabase = {
///   source = "supabase/supabase"
/// }
/// ```
///
/// which is left out here: tests never reach the internet, so `supabase/supabase` cannot be
/// installed, and with dev_overrides (which never runs `terraform init`) every provider a
/// configuration requires must be overridden or already installed. Only the source address
/// decides which binary runs, and the work dir's dev_overrides maps our source address, so the
/// local name `supabasekeys` reaches the binary under test. The key is `backend_key`
/// ([`Fixture::name`] of it) in the fixture's project.
fn config(fx: &Fixture) -> String {
    format!(
        r#"terraform {{
  required_version = ">= 1.0"
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
  description = "Managed beside the official provider"
}}

output "backend_api_key" {{
  value     = supabase_secret_api_key.backend.api_key
  sensitive = true
}}
"#,
        project = fx.project(),
        name = fx.name("backend_key"),
    )
}

#[tokio::test]
async fn our_resources_run_under_another_local_name() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        // Not fx.config(): that adds a `supabase` requirement; this module has none.
        fx.write("main.tf", &config(&fx));

        let validated = fx.ok(&["validate", "-json", "-no-color"]).await;
        let report: serde_json::Value =
            serde_json::from_slice(&validated.stdout).expect("validate JSON");
        assert_eq!(report["valid"], true, "Terraform {version}: {report:#}");
        let unexpected: Vec<_> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["summary"] != "Provider development overrides are in effect")
            .collect();
        assert!(unexpected.is_empty(), "Terraform {version}: {report:#}");

        fx.apply().await;
        let keys = fx.keys();
        assert_eq!(keys.len(), 1, "Terraform {version}: {keys:#?}");

        let state = fx.state().await;
        let key = resource(&state, ADDR);
        assert_eq!(
            key["provider_name"], SOURCE_ADDRESS,
            "Terraform {version}: state names our source address, whatever the local name"
        );
        assert_eq!(key["values"]["id"], keys[0].id);
        assert_eq!(key["values"]["api_key"], keys[0].api_key);
        assert_eq!(
            keys[0].description.as_deref(),
            Some("Managed beside the official provider")
        );
        // The state file itself names the source address, never the local name, so renaming
        // the local name later needs no state change.
        assert_eq!(
            raw_state_providers(&fx),
            vec![format!("provider[\"{SOURCE_ADDRESS}\"]")],
            "Terraform {version}"
        );

        fx.assert_no_changes().await;
    }
}

/// The guide's child module: it knows this provider as `supabase` and needs no `provider`
/// arguments; the caller, which knows it as `supabasekeys`, passes it in with `providers`.
#[tokio::test]
async fn a_child_module_gets_our_provider_under_its_own_local_name() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        let module_dir = fx.work.config_dir().join("modules").join("keys");
        std::fs::create_dir_all(&module_dir).expect("mkdir modules/keys");
        std::fs::write(
            module_dir.join("main.tf"),
            format!(
                r#"terraform {{
  required_providers {{
    supabase = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

variable "project_ref" {{
  type = string
}}

resource "supabase_secret_api_key" "backend" {{
  project_ref = var.project_ref
  name        = "{name}"
}}
"#,
                name = fx.name("backend_key"),
            ),
        )
        .expect("write the module");
        fx.write(
            "main.tf",
            &format!(
                r#"terraform {{
  required_providers {{
    supabasekeys = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

provider "supabasekeys" {{}}

module "keys" {{
  source      = "./modules/keys"
  project_ref = "{project}"

  providers = {{
    supabase = supabasekeys
  }}
}}
"#,
                project = fx.project(),
            ),
        );
        // `terraform get` installs modules only (a local one here); providers stay with
        // dev_overrides, so there is still no `terraform init`.
        fx.ok(&["get", "-no-color"]).await;
        fx.ok(&["validate", "-no-color"]).await;
        fx.apply().await;

        let keys = fx.keys();
        assert_eq!(keys.len(), 1, "Terraform {version}: {keys:#?}");
        let state = fx.state().await;
        let key = state["values"]["root_module"]["child_modules"]
            .as_array()
            .and_then(|modules| {
                modules
                    .iter()
                    .flat_map(|m| m["resources"].as_array().into_iter().flatten())
                    .find(|r| r["address"] == format!("module.keys.{ADDR}"))
            })
            .unwrap_or_else(|| panic!("Terraform {version}: module.keys.{ADDR} not in {state:#}"));
        assert_eq!(key["provider_name"], SOURCE_ADDRESS);
        assert_eq!(key["values"]["id"], keys[0].id);
        assert_eq!(key["values"]["api_key"], keys[0].api_key);

        fx.assert_no_changes().await;
    }
}

/// The `provider` of every resource in the config dir's terraform.tfstate.
fn raw_state_providers(fx: &Fixture) -> Vec<String> {
    let path = fx.work.config_dir().join("terraform.tfstate");
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read terraform.tfstate"))
            .expect("state JSON");
    raw["resources"]
        .as_array()
        .expect("resources")
        .iter()
        .map(|r| r["provider"].as_str().expect("provider").to_string())
        .collect()
}
