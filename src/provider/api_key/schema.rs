//! The schema of the API key resources. One definition serves every key type; the secret key
//! adds its JWT template and marks its value sensitive (a publishable key's value is public).

use crate::plugin::schema::{Attribute, RequiresReplace, Schema, UseStateForUnknown};
use crate::plugin::value::{Type, Value};
use crate::supabase::KeyType;

use super::validators::{same_json, JwtTemplate, KeyName, ProjectRef};

/// What Supabase's own clients send for a secret key; planned when the configuration has none,
/// so removing the argument reverts to it.
pub const DEFAULT_JWT_TEMPLATE: &str = r#"{"role":"service_role"}"#;

pub fn resource_schema(kind: KeyType) -> Schema {
    let secret = kind == KeyType::Secret;
    let noun = if secret { "secret" } else { "publishable" };
    let mut attributes = vec![
        Attribute::computed("id", Type::String)
            .plan_modifier(UseStateForUnknown)
            .description("The key's UUID, assigned by Supabase."),
        Attribute::required("project_ref", Type::String)
            .validator(ProjectRef)
            .plan_modifier(RequiresReplace)
            .description(
                "The reference ID of the project the key belongs to (20 lowercase letters, as in \
                 the dashboard URL). Changing it creates a new key in the other project. If the \
                 project's keys cannot be listed, the provider asks the project (with the \
                 token's optional Project Settings: Read): a reference no project of the token \
                 has, or a paused, going-away or failed project, fails the plan here; a project \
                 that is coming up is waited for, up to 180 s. Refer to a project created in the \
                 same configuration by its attribute, so that the key waits for it.",
            ),
        Attribute::required("name", Type::String)
            .validator(KeyName)
            .description(&format!(
                "The key's name: 4 to 64 characters, lowercase letters, digits and underscores, \
                 not starting with a digit, and not `anon` or `service_role`. Unique among the \
                 project's {noun} keys. Renaming updates the key in place."
            )),
        // Optional and computed, planned as "" when left out: Terraform shows "" and null
        // alike, so they must be one value, or switching between them would plan an update
        // that shows no change.
        Attribute::optional_computed("description", Type::String)
            .default_value(Value::String(String::new()))
            .description(
                "A free-text description shown in the dashboard. Updated in place. Leaving it \
                 out and `\"\"` are the same: no description (the state holds `\"\"`, the API \
                 gets none), so switching between them plans no change.",
            ),
        Attribute::optional("keepers", Type::Map(Box::new(Type::String)))
            .plan_modifier(RequiresReplace)
            .description(
                "Arbitrary values that, when changed, replace the key with a new one (a new id and \
                 value): a rotation trigger, as in hashicorp/random.",
            ),
        Attribute::computed("api_key", Type::String)
            .plan_modifier(UseStateForUnknown)
            .description(if secret {
                "The secret key (`sb_secret_...`), captured when the key is created and never \
                 read again on refresh. Null after an import whose token could not reveal it."
            } else {
                "The publishable key (`sb_publishable_...`). It is meant to be public (browsers, \
                 mobile apps; access is governed by Row Level Security), so it is not marked \
                 sensitive. The API lists it in full: refresh and import read it from the \
                 project's key list, without the \"API Key Secrets: Read\" permission."
            }),
        Attribute::computed("prefix", Type::String)
            .plan_modifier(UseStateForUnknown)
            .description("The first characters of the key, as the dashboard shows them."),
        Attribute::computed("hash", Type::String)
            .plan_modifier(UseStateForUnknown)
            .description("The key's hash as Supabase reports it (base64url SHA-256)."),
        Attribute::computed("inserted_at", Type::String)
            .plan_modifier(UseStateForUnknown)
            .description("When the key was created (RFC 3339)."),
        Attribute::computed("updated_at", Type::String)
            .description("When the key was last changed (RFC 3339)."),
    ];
    if secret {
        let api_key = attributes
            .iter_mut()
            .find(|a| a.name == "api_key")
            .expect("api_key is in the schema");
        api_key.sensitive = true;
        attributes.insert(
            4,
            Attribute::optional_computed("secret_jwt_template", Type::String)
                .validator(JwtTemplate)
                .default_value(Value::String(DEFAULT_JWT_TEMPLATE.into()))
                .semantic_equality(same_json)
                .description(&format!(
                    "The JWT claims the key acts with, as a JSON object string with a string \
                     `role`; write it with `jsonencode()`. Defaults to `{DEFAULT_JWT_TEMPLATE}`. \
                     Key order and spacing never show as a change. Changing it updates the \
                     key in place: same id, same value. Other roles may need a Supabase plan \
                     that allows custom JWT templates."
                )),
        );
    }
    Schema::new(
        0,
        &format!(
            "A Supabase {noun} API key (`sb_{noun}_...`) of one project, managed through the \
             Management API."
        ),
        attributes,
    )
}
