//! Upgrading Terraform under existing state: a `supabase_secret_api_key` applied by the oldest
//! Terraform the suite is given (1.0.3 in CI) plans no changes, and no drift, on every newer one,
//! in ascending order up to the newest, and nothing is written to the API.

mod support;

use serde_json::Value as Json;
use support::acceptance::{actions, resource, Fixture};
use support::terraform::{self, text};

const ADDR: &str = "supabase_secret_api_key.backend";

/// The key, named with [`Fixture::name`], in the fixture's project.
fn config(fx: &Fixture) -> String {
    format!(
        r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "backend" {{
  project_ref         = "{project}"
  name                = "{name}"
  description         = "Applied by the oldest Terraform"
  secret_jwt_template = jsonencode({{ role = "service_role", tier = "gold" }})
  keepers             = {{ generation = "1" }}
}}

output "key" {{
  value     = supabase_secret_api_key.backend.api_key
  sensitive = true
}}
"#,
        project = fx.project(),
        name = fx.name("upgrade_key"),
    )
}

fn values(state: &Json) -> Json {
    resource(state, ADDR)["values"].clone()
}

#[tokio::test]
async fn a_key_applied_by_the_oldest_terraform_plans_no_changes_on_the_newest() {
    let mut all = terraform::all();
    all.sort_by_key(|tf| tf.version);
    if all.len() < 2 {
        terraform::skip(
            &all[0],
            "needs a second Terraform (TF_TEST_TERRAFORM_EXTRA, e.g. 1.0.3) to upgrade from",
        );
        return;
    }
    let oldest = all[0].clone();
    let mut fx = Fixture::new(&oldest).await;
    fx.config(&config(&fx));
    fx.apply().await;
    let applied = values(&fx.state().await);
    assert_eq!(fx.keys().len(), 1);
    assert_eq!(applied["api_key"], fx.keys()[0].api_key);
    let writes = |fx: &Fixture| fx.count("POST") + fx.count("PATCH") + fx.count("DELETE");
    let writes_after_apply = writes(&fx);

    for newer in &all[1..] {
        let v = format!("{} -> {}", oldest.version_string(), newer.version_string());
        fx.tf = newer.clone();
        // -detailed-exitcode: 0 is no changes at all, resources and outputs alike.
        let plan = fx
            .run(&[
                "plan",
                "-input=false",
                "-no-color",
                "-detailed-exitcode",
                "-out=tfplan",
            ])
            .await;
        assert_eq!(
            plan.status.code(),
            Some(0),
            "{v}: the plan is not empty:\n{}\n{}",
            text(&plan.stdout),
            text(&plan.stderr)
        );
        let shown: Json = serde_json::from_slice(&fx.ok(&["show", "-json", "tfplan"]).await.stdout)
            .expect("plan JSON");
        assert!(
            actions(&shown).iter().all(|(_, a)| a == &["no-op"]),
            "{v}: {:?}",
            actions(&shown)
        );
        // State written by Terraform 1.0 carries no sensitivity marks for schema-sensitive
        // attributes (api_key); a newer Terraform marks the refreshed value and lists that as
        // "drift" in the plan JSON (never in its human output). Only such entries are allowed:
        // the refreshed values must equal the stored ones.
        for entry in shown["resource_drift"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let change = &entry["change"];
            assert!(
                change["before"] == change["after"]
                    && change["before_sensitive"] == change["after_sensitive"],
                "{v}: refresh changed the stored values: {entry:#}"
            );
        }

        // Applying with the newer Terraform rewrites the state in its own format: same values,
        // and from then on not even a sensitivity-only drift.
        let applied_again = fx.apply().await;
        assert!(
            text(&applied_again.stdout).contains("0 added, 0 changed, 0 destroyed"),
            "{v}: {}",
            text(&applied_again.stdout)
        );
        assert_eq!(values(&fx.state().await), applied, "{v}: state values");
        let replanned = fx.plan().await;
        assert!(
            actions(&replanned).iter().all(|(_, a)| a == &["no-op"]),
            "{v}: {:?}",
            actions(&replanned)
        );
        let drift = replanned["resource_drift"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            drift.is_empty(),
            "{v}: drift after the re-apply: {drift:#?}"
        );
        assert_eq!(writes(&fx), writes_after_apply, "{v}: no API writes");
    }
    assert_eq!(fx.keys().len(), 1);
}
