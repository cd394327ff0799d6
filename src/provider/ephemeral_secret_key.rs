//! The `supabase_secret_api_key` ephemeral resource (Terraform >= 1.10): reveals an existing
//! secret key's value, found by id or by name, each time Terraform opens it (at plan and at
//! apply). Terraform keeps an ephemeral result out of state and plan, so the value can feed
//! write-only arguments, provider configurations and provisioners without being stored.
//!
//! The lookup is the import's (`api_key::import::lookup`): the project's list first (no secret
//! in it), then one `GET .../api-keys/{id}?reveal=true` for the key found, and only for a secret
//! key. Nothing is kept between calls: no private data, no renewal, nothing to close.

use std::sync::Arc;

use async_trait::async_trait;

use crate::log_at;
use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::{CallContext, EphemeralResource, Opened};
use crate::plugin::log::Level;
use crate::plugin::schema::{Attribute, Schema, Validator};
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::{Type, Value};
use crate::supabase::{ErrorKind, Freshness, KeyType, SecretValue};

use super::api_key::import::{looks_like_uuid, lookup, Missing, Wanted};
use super::api_key::schema::resource_schema;
use super::api_key::state::{key_state, text, Kept};
use super::api_key::validators::{key_name_problem, ProjectRef, RESERVED_NAMES};
use super::api_key::{secret_permission_help, SECRET_SUMMARY};
use super::data::ProviderData;

pub const TYPE_NAME: &str = "supabase_secret_api_key";
const KIND: KeyType = KeyType::Secret;
const WHERE_TO_LOOK: &str = "Check it in the dashboard under Project Settings > API Keys.";

pub struct SecretKeyEphemeral {
    schema: Schema,
    data: Arc<ProviderData>,
}

impl SecretKeyEphemeral {
    pub fn new(data: Arc<ProviderData>) -> Self {
        SecretKeyEphemeral {
            schema: schema(),
            data,
        }
    }
}

fn schema() -> Schema {
    // Attributes that mean here what they mean on the resource keep its descriptions.
    let resource = resource_schema(KIND);
    let as_on_the_resource = |name: &str| {
        let described = resource
            .attribute(name)
            .unwrap_or_else(|| panic!("the resource schema has no {name}"));
        Attribute::computed(name, Type::String).description(&described.description)
    };
    Schema::new(
        0,
        "Reveals the value of an existing secret API key (`sb_secret_...`), found by `id` or by \
         `name`, without writing it to state or plan (Terraform 1.10 and later).\n\n\
         Terraform opens it during plan and again during apply. Use `api_key` in write-only \
         arguments, provider configurations, provisioners and other ephemeral contexts. The \
         token needs the \"API Key Secrets: Read\" permission.",
        vec![
            Attribute::required("project_ref", Type::String)
                .validator(ProjectRef)
                .description(
                    "The reference ID of the project the key belongs to (20 lowercase letters, \
                     as in the dashboard URL).",
                ),
            Attribute::optional_computed("id", Type::String)
                .validator(KeyId)
                .description(
                    "The id (a UUID) of the secret key to reveal. Set exactly one of `id` and \
                     `name`; the other is read from the key.",
                ),
            Attribute::optional_computed("name", Type::String)
                .validator(LookupName)
                .description(
                    "The name of the secret key to reveal. Set exactly one of `id` and `name`; \
                     the other is read from the key. A name that several secret keys of the \
                     project share is an error: use `id` then.",
                ),
            Attribute::computed("api_key", Type::String)
                .sensitive()
                .description(
                    "The secret key (`sb_secret_...`), revealed each time Terraform opens this \
                     ephemeral resource and never written to state or plan.",
                ),
            Attribute::computed("type", Type::String).description(
                "The key's type: always `secret`. A publishable or legacy key cannot be \
                 revealed here (it is an error).",
            ),
            Attribute::computed("description", Type::String)
                .description("The key's description, or null."),
            Attribute::computed("secret_jwt_template", Type::String).description(
                "The JWT claims the key acts with, as a compact JSON object string with a \
                 string `role`.",
            ),
            as_on_the_resource("prefix"),
            as_on_the_resource("hash"),
            as_on_the_resource("inserted_at"),
            as_on_the_resource("updated_at"),
        ],
    )
}

fn path(name: &str) -> AttributePath {
    AttributePath::root().attribute(name)
}

/// The error for a legacy JWT key's name given as a secret key's id or name.
fn legacy_key(text: &str, attribute: &AttributePath, diags: &mut Diagnostics) -> bool {
    if !RESERVED_NAMES.contains(&text) {
        return false;
    }
    diags.attribute_error(
        attribute.clone(),
        "Not a secret API key",
        format!(
            "{text:?} is one of Supabase's legacy JWT keys (anon, service_role), not a secret API \
             key. This ephemeral resource reveals secret keys (sb_secret_...) only."
        ),
    );
    true
}

/// `id`: a UUID, as the API gives key ids.
struct KeyId;

impl Validator for KeyId {
    fn description(&self) -> String {
        "must be a key id: a UUID".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(text) = value.as_str() else { return };
        if legacy_key(text, path, diags) || looks_like_uuid(text) {
            return;
        }
        diags.attribute_error(
            path.clone(),
            "Invalid API key id",
            format!(
                "{text:?} is not an API key id: ids are UUIDs, such as \
                 22222222-2222-4222-8222-222222222222. Copy it from the dashboard (Project \
                 Settings > API Keys) or from a supabase_secret_api_key resource's `id`, or set \
                 `name` instead."
            ),
        );
    }
}

/// `name`: one the API could have given a key (a legacy key's name is refused as such).
struct LookupName;

impl Validator for LookupName {
    fn description(&self) -> String {
        "must be a secret key's name (4 to 64 characters matching ^[a-z_][a-z0-9_]+$)".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        let Some(text) = value.as_str() else { return };
        if legacy_key(text, path, diags) {
            return;
        }
        if let Some(problem) = key_name_problem(text) {
            diags.attribute_error(
                path.clone(),
                "Invalid API key name",
                format!("No key can have this name. {problem}"),
            );
        }
    }
}

/// The diagnostic for a lookup that found no single secret key: summary and what to do.
fn not_found(missing: &Missing<'_>) -> (&'static str, String) {
    match missing {
        Missing::NoSuchId => ("API key not found", WHERE_TO_LOOK.to_string()),
        Missing::NoSuchName { other_types } if other_types.is_empty() => {
            ("API key not found", WHERE_TO_LOOK.to_string())
        }
        Missing::OtherType(_) | Missing::NoSuchName { .. } => (
            "Not a secret API key",
            "This ephemeral resource reveals secret keys (sb_secret_...) only.".to_string(),
        ),
        Missing::Several(_) => (
            "Several secret API keys have this name",
            "Set `id` to the id of the one to reveal, instead of `name`.".to_string(),
        ),
    }
}

#[async_trait]
impl EphemeralResource for SecretKeyEphemeral {
    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn validate_config(&self, config: &Value, diags: &mut Diagnostics) {
        let set = |name: &str| config.attr(name).is_some_and(|v| !v.is_null());
        match (set("id"), set("name")) {
            (true, true) => diags.attribute_error(
                path("name"),
                "Conflicting key selection",
                "Both `id` and `name` are set. Set exactly one of them: the key to reveal is \
                 found by that one alone.",
            ),
            (false, false) => diags.error(
                "Missing key selection",
                "Set exactly one of `id` and `name` to say which secret key of the project to \
                 reveal.",
            ),
            _ => {}
        }
    }

    async fn open(
        &self,
        ctx: &CallContext,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Opened> {
        let project_ref = text(config, "project_ref")?;
        let (id, name) = (text(config, "id"), text(config, "name"));
        let (wanted, attribute) = match (&id, &name) {
            (Some(id), None) => (Wanted::Id(id), "id"),
            (None, Some(name)) => (Wanted::Name(name), "name"),
            _ => {
                // Terraform validates before it opens; this is the same check, for other clients.
                self.validate_config(config, diags);
                return None;
            }
        };
        let client = self.data.client(diags)?;
        let keys = match client
            .project_keys(&ctx.stop, &project_ref, Freshness::Latest)
            .await
        {
            Ok(keys) => keys,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                diags.attribute_error(path("project_ref"), "Project not found", error.to_string());
                return None;
            }
            Err(error) => {
                diags.error("Could not list the project's API keys", error.to_string());
                return None;
            }
        };
        let key = match lookup(&keys, KIND, wanted) {
            Ok(key) => key,
            Err(missing) => {
                let (summary, what_to_do) = not_found(&missing);
                diags.attribute_error(
                    path(attribute),
                    summary,
                    format!(
                        "{} {what_to_do}",
                        missing.describe(&project_ref, KIND, wanted)
                    ),
                );
                return None;
            }
        };

        let refused = |how: String, diags: &mut Diagnostics| {
            diags.error(
                SECRET_SUMMARY,
                format!(
                    "The secret key {:?} ({}) was found, but {how}. {}",
                    key.name,
                    key.id,
                    secret_permission_help()
                ),
            );
        };
        let revealed = match client
            .get_decoded(&ctx.stop, &project_ref, &key.id, true)
            .await
        {
            Ok(revealed) => revealed,
            // The list worked, so "API Keys: Read" is there: the reveal is what was refused.
            Err(error) if error.kind() == ErrorKind::Forbidden => {
                let said = error
                    .server_message()
                    .map(|m| format!(": \"{m}\""))
                    .unwrap_or_default();
                refused(
                    format!("the API refused to reveal its value (HTTP 403{said})"),
                    diags,
                );
                return None;
            }
            Err(error) => {
                diags.attribute_error(
                    path(attribute),
                    "Could not reveal the secret API key",
                    error.to_string(),
                );
                return None;
            }
        };
        let secret = match revealed.value {
            SecretValue::Revealed(secret) => secret,
            SecretValue::Masked => {
                refused("the API sent its value masked".into(), diags);
                return None;
            }
            SecretValue::Missing | SecretValue::Unavailable(_) => {
                refused("the API sent no value for it".into(), diags);
                return None;
            }
        };
        log_at!(Level::Debug, "revealed a secret API key", "id" = key.id);

        let found = key_state(
            KIND,
            &revealed.key,
            Kept {
                project_ref: &project_ref,
                api_key: Value::String(secret.expose().to_string()),
                keepers: Value::Null,
                template: Value::Null,
            },
        );
        let result = Value::object(self.schema.attributes.iter().map(|attribute| {
            let name = attribute.name.as_str();
            let value = match name {
                "type" => Value::String(KIND.as_str().to_string()),
                // What the configuration says stands (Terraform holds the result to it): an id
                // in capitals stays as written.
                _ => match config.attr(name) {
                    Some(configured) if !configured.is_null() => configured.clone(),
                    _ => found.attr(name).cloned().unwrap_or(Value::Null),
                },
            };
            (name.to_string(), value)
        }));
        Some(Opened {
            result,
            private: None,
            renew_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_for(config: &[(&str, Value)]) -> Vec<(String, Option<AttributePath>)> {
        let ephemeral = SecretKeyEphemeral::new(Arc::default());
        let value = Value::object(ephemeral.schema().attributes.iter().map(|a| {
            let given = config.iter().find(|(n, _)| *n == a.name);
            (
                a.name.clone(),
                given.map_or(Value::Null, |(_, v)| v.clone()),
            )
        }));
        let mut diags = Diagnostics::new();
        ephemeral.validate_config(&value, &mut diags);
        for attribute in &ephemeral.schema().attributes {
            if let Some(v) = value.attr(&attribute.name).filter(|v| !v.is_null()) {
                for validator in &attribute.validators {
                    validator.validate(v, &path(&attribute.name), &mut diags);
                }
            }
        }
        diags
            .iter()
            .map(|d| (d.summary.clone(), d.attribute.clone()))
            .collect()
    }

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    #[test]
    fn exactly_one_of_id_and_name() {
        let project = ("project_ref", s("abcdefghijklmnopqrst"));
        let id = ("id", s("22222222-2222-4222-8222-222222222222"));
        let name = ("name", s("backend_key"));
        assert!(errors_for(&[project.clone(), id.clone()]).is_empty());
        assert!(errors_for(&[project.clone(), name.clone()]).is_empty());
        assert!(errors_for(&[project.clone(), ("name", Value::unknown())]).is_empty());
        assert_eq!(
            errors_for(&[project.clone(), id, name]),
            vec![("Conflicting key selection".into(), Some(path("name")))]
        );
        assert_eq!(
            errors_for(&[project]),
            vec![("Missing key selection".into(), None)]
        );
    }

    #[test]
    fn ids_names_and_legacy_keys_are_checked_at_their_attribute() {
        let project = ("project_ref", s("abcdefghijklmnopqrst"));
        for (attribute, text, summary) in [
            ("id", "not-a-uuid", "Invalid API key id"),
            ("id", "anon", "Not a secret API key"),
            ("name", "service_role", "Not a secret API key"),
            ("name", "Backend", "Invalid API key name"),
        ] {
            assert_eq!(
                errors_for(&[project.clone(), (attribute, s(text))]),
                vec![(summary.to_string(), Some(path(attribute)))],
                "{attribute} = {text:?}"
            );
        }
    }

    #[test]
    fn every_attribute_is_described() {
        let ephemeral = SecretKeyEphemeral::new(Arc::default());
        for attribute in &ephemeral.schema().attributes {
            assert!(!attribute.description.is_empty(), "{}", attribute.name);
        }
        let api_key = ephemeral.schema().attribute("api_key").expect("api_key");
        assert!(api_key.sensitive);
    }
}
