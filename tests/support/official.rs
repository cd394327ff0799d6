//! The official provider (`registry.terraform.io/supabase/supabase`) in tests, for moves out of
//! its `supabase_apikey`: its stand-in (`tools/official-standin`, the official schema only),
//! built once per test binary and installed through a dev_override beside ours, and the state
//! the official provider writes, seeded into a work dir.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value as Json};
use supabase_simulator::ApiKey;

use super::terraform::{assert_success, Terraform, Workdir};

pub const OFFICIAL_ADDRESS: &str = "registry.terraform.io/supabase/supabase";
const STANDIN_PACKAGE: &str = "supabase-official-standin";

/// The stand-in's binary, beside ours. It belongs to another package, which a test binary's
/// cargo may not have built (`cargo test --test ...`), so it is built here once per test
/// binary; when it is up to date that is a no-op.
pub fn standin_binary() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_string());
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let output = std::process::Command::new(cargo)
            .args(["build", "-q", "-p", STANDIN_PACKAGE, "--manifest-path"])
            .arg(&manifest)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("cargo runs");
        assert_success(&output, &format!("cargo build -p {STANDIN_PACKAGE}"));
        let ours = Path::new(env!("CARGO_BIN_EXE_terraform-provider-supabase"));
        let binary = ours.with_file_name(STANDIN_PACKAGE);
        assert!(binary.is_file(), "{} was not built", binary.display());
        binary
    })
}

/// Makes the work dir's Terraform run the stand-in for the official provider's address (a
/// dev_override, like ours: no `terraform init`, no registry).
pub fn install(work: &Workdir) {
    work.add_dev_override(OFFICIAL_ADDRESS, standin_binary());
}

/// `supabase_apikey`'s attributes for `key` as the official provider writes them after a
/// refresh (its Read re-reveals, so the value is there): `description` as the API holds it,
/// `secret_jwt_template` an object whose `role` is null when the key has no template.
pub fn apikey_attributes(project_ref: &str, key: &ApiKey) -> Json {
    let role = key
        .secret_jwt_template
        .as_ref()
        .and_then(|t| t.get("role"))
        .cloned()
        .unwrap_or(Json::Null);
    json!({
        "id": key.id,
        "project_ref": project_ref,
        "name": key.name,
        "description": key.description,
        "type": key.key_type,
        "api_key": key.api_key,
        "secret_jwt_template": {"role": role},
    })
}

/// A `supabase_apikey` resource of a version 4 state, owned by the official provider, with
/// one instance per (for_each key, attributes); a single one has no key.
pub fn apikey_resource(name: &str, instances: &[(Option<&str>, Json)]) -> Json {
    let instances: Vec<Json> = instances
        .iter()
        .map(|(index, attributes)| {
            let mut instance = json!({
                "schema_version": 0,
                "attributes": attributes,
                // The paths of sensitive values, as Terraform 1.11 writes them.
                "sensitive_attributes": [[{"type": "get_attr", "value": "api_key"}]],
            });
            if let Some(index) = index {
                instance["index_key"] = json!(index);
            }
            instance
        })
        .collect();
    json!({
        "mode": "managed",
        "type": "supabase_apikey",
        "name": name,
        "provider": format!("provider[\"{OFFICIAL_ADDRESS}\"]"),
        "instances": instances,
    })
}

/// A `supabase_apikey` resource `name` without count or for_each, holding `key`.
pub fn single_apikey(name: &str, project_ref: &str, key: &ApiKey) -> Json {
    apikey_resource(name, &[(None, apikey_attributes(project_ref, key))])
}

/// Writes the config dir's `terraform.tfstate` (the local backend's) holding `resources`, as
/// `tf` would have written it.
pub fn write_state(work: &Workdir, tf: &Terraform, resources: Vec<Json>) {
    let state = json!({
        "version": 4,
        "terraform_version": tf.version_string(),
        "serial": 1,
        "lineage": "6a1f0b8e-4c2d-4e5f-9a7b-0c1d2e3f4a5b",
        "outputs": {},
        "resources": resources,
        "check_results": null,
    });
    work.write(
        "terraform.tfstate",
        &serde_json::to_string_pretty(&state).expect("state JSON"),
    );
}
