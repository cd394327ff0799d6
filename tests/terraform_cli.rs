//! The real Terraform CLI loads our provider through dev_overrides: `terraform validate` and
//! `terraform providers schema -json` on every Terraform the suite is given. (Never `terraform
//! init` under dev_overrides: Terraform says to skip it, and offline it fails.)

mod support;

use support::terraform::{self, assert_success, text, Workdir, SOURCE_ADDRESS};

fn provider_block(body: &str) -> String {
    format!(
        r#"terraform {{
  required_providers {{
    supabase = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

provider "supabase" {{
{body}
}}
"#
    )
}

#[tokio::test]
async fn validate_accepts_a_provider_block_on_every_terraform() {
    for tf in terraform::all() {
        let work = Workdir::new();
        work.write(
            "main.tf",
            &provider_block(
                r#"  access_token = "sbp_0123456789"
  endpoint     = "https://api.supabase.com""#,
            ),
        );
        let output = work.run(&tf, &["validate", "-no-color"], &[]).await;
        assert_success(
            &output,
            &format!("terraform {} validate", tf.version_string()),
        );
        assert!(
            text(&output.stdout).contains("The configuration is valid"),
            "terraform {}: {}",
            tf.version_string(),
            text(&output.stdout)
        );
    }
}

#[tokio::test]
async fn providers_schema_json_shows_the_provider_schema() {
    for tf in terraform::all() {
        let work = Workdir::new();
        work.write("main.tf", &provider_block(""));
        let output = work.run(&tf, &["providers", "schema", "-json"], &[]).await;
        assert_success(
            &output,
            &format!("terraform {} providers schema", tf.version_string()),
        );
        let schemas: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("schema JSON");
        let provider = &schemas["provider_schemas"][SOURCE_ADDRESS]["provider"]["block"];
        let token = &provider["attributes"]["access_token"];
        assert_eq!(
            token["type"],
            "string",
            "terraform {}: {provider:#}",
            tf.version_string()
        );
        assert_eq!(token["optional"], true);
        assert_eq!(token["sensitive"], true);
        assert_eq!(token["description_kind"], "markdown");
        assert!(token["description"]
            .as_str()
            .unwrap()
            .contains("SUPABASE_ACCESS_TOKEN"));
        let endpoint = &provider["attributes"]["endpoint"];
        assert_eq!(endpoint["optional"], true);
        assert!(endpoint.get("sensitive").is_none());
    }
}
