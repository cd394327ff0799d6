//! Configuration generation (`import` blocks with `terraform plan -generate-config-out`,
//! Terraform >= 1.5; older versions record a skip) for keys made outside Terraform: the
//! generated file must hold no secret, pass `terraform validate`, and describe the keys exactly,
//! so that the plan imports them and changes nothing, and the plan after the import is empty.

mod support;

use serde_json::json;
use supabase_simulator::KeySeed;
use support::acceptance::{actions, folded, resource, Fixture};
use support::keys::assert_holds_none;
use support::terraform;

#[tokio::test]
async fn generated_configuration_imports_existing_keys_without_changes_or_secrets() {
    for tf in terraform::all() {
        let version = tf.version_string();
        if !tf.at_least((1, 5, 0)) {
            terraform::skip(
                &tf,
                "import blocks and -generate-config-out need Terraform 1.5",
            );
            continue;
        }
        let fx = Fixture::new(&tf).await;
        // One key as the dashboard makes it (no description, the default template), one with
        // every optional argument set.
        let plain = fx.seed_key(KeySeed::secret(&fx.name("plain_key")));
        let mut seed =
            KeySeed::secret(&fx.name("worker_key")).with_description("Queue worker, prod");
        seed.secret_jwt_template = Some(json!({"role": "service_role", "tier": "gold"}));
        let worker = fx.seed_key(seed);
        let imports = [
            ("plain", format!("{}/{}", fx.project(), plain.id)),
            (
                "worker",
                format!("{}/{}", fx.project(), fx.name("worker_key")),
            ),
        ];
        let blocks: String = imports
            .iter()
            .map(|(name, id)| {
                format!("import {{\n  to = supabase_secret_api_key.{name}\n  id = \"{id}\"\n}}\n\n")
            })
            .collect();
        fx.config(&format!("provider \"supabase\" {{}}\n\n{blocks}"));

        let shown = fx.plan_shown(&["-generate-config-out=generated.tf"]).await;
        let summary = &shown.human;
        assert!(
            summary.contains("Plan: 2 to import, 0 to add, 0 to change, 0 to destroy."),
            "Terraform {version}: {summary}"
        );

        let generated = std::fs::read_to_string(fx.work.config_dir().join("generated.tf"))
            .expect("generated.tf was written");
        assert_holds_none(&generated, &fx.key_values(), "generated.tf");
        let written = folded(&generated);
        for expected in [
            "resource \"supabase_secret_api_key\" \"plain\"".to_string(),
            format!("name = \"{}\"", fx.name("plain_key")),
            "resource \"supabase_secret_api_key\" \"worker\"".to_string(),
            "description = \"Queue worker, prod\"".to_string(),
            "tier".to_string(),
        ] {
            assert!(
                written.contains(&expected),
                "Terraform {version}: generated.tf lacks {expected:?}:\n{generated}"
            );
        }

        let plan = &shown.json;
        assert_eq!(
            actions(plan),
            imports
                .iter()
                .map(|(name, _)| (
                    format!("supabase_secret_api_key.{name}"),
                    vec!["no-op".to_string()]
                ))
                .collect::<Vec<_>>(),
            "Terraform {version}: {:#}",
            plan["resource_changes"]
        );
        for ((_, id), change) in imports.iter().zip(
            plan["resource_changes"]
                .as_array()
                .expect("resource_changes"),
        ) {
            assert_eq!(
                change["change"]["importing"]["id"], *id,
                "Terraform {version}: {change:#}"
            );
        }

        fx.ok(&["validate", "-no-color"]).await;

        // Applying the plan imports both keys (each secret revealed once), and the generated
        // configuration then plans nothing.
        fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
            .await;
        let state = fx.state().await;
        for (name, key) in [("plain", &plain), ("worker", &worker)] {
            let values = &resource(&state, &format!("supabase_secret_api_key.{name}"))["values"];
            assert_eq!(values["id"], key.id, "Terraform {version}");
            assert_eq!(values["api_key"], key.api_key, "Terraform {version}");
        }
        fx.assert_no_changes().await;
        assert_eq!(fx.keys(), vec![plain, worker], "nothing changed");
    }
}
