//! The `supabase_api_keys` data source: a project's API keys, as metadata only. It lists the
//! keys without `reveal` and keeps no value, so it never puts a secret into state or plan, and
//! needs only the "API Keys: Read" permission.

use std::sync::Arc;

use async_trait::async_trait;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::{CallContext, DataSource};
use crate::plugin::schema::{Attribute, Nesting, Presence, Schema, Validator};
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::{Type, Value};
use crate::supabase::{ApiKey, ErrorKind, Freshness, KeyType};

use super::api_key::validators::{KeyTypeName, ProjectRef};
use super::data::ProviderData;

pub const TYPE_NAME: &str = "supabase_api_keys";

pub struct ApiKeysDataSource {
    schema: Schema,
    data: Arc<ProviderData>,
}

impl ApiKeysDataSource {
    pub fn new(data: Arc<ProviderData>) -> Self {
        ApiKeysDataSource {
            schema: schema(),
            data,
        }
    }
}

fn schema() -> Schema {
    let computed = |name: &str, description: &str| {
        Attribute::computed(name, Type::String).description(description)
    };
    let key = vec![
        computed(
            "id",
            "The key's id: a UUID, or `anon` / `service_role` for the legacy JWT keys.",
        ),
        computed("name", "The key's name."),
        computed("type", "`legacy`, `publishable` or `secret`."),
        computed(
            "prefix",
            "The first characters of the key, as the dashboard shows them (for legacy keys, a \
             short identifier that is not the start of the JWT).",
        ),
        computed("description", "The key's description, or null."),
        computed(
            "inserted_at",
            "When the key was created (RFC 3339); null for legacy keys.",
        ),
        computed(
            "updated_at",
            "When the key was last changed (RFC 3339); null for legacy keys.",
        ),
    ];
    Schema::new(
        0,
        "The API keys of one Supabase project: publishable, secret and (while they are enabled) \
         the legacy `anon` and `service_role` keys. Metadata only: no key's value is read, so no \
         secret reaches the state, and the token needs only the \"API Keys: Read\" permission.",
        vec![
            Attribute::required("project_ref", Type::String)
                .validator(ProjectRef)
                .description(
                    "The reference ID of the project (20 lowercase letters, as in the dashboard \
                     URL).",
                ),
            Attribute::optional("type", Type::String)
                .validator(KeyTypeName)
                .description(
                    "Only keys of this type: `legacy`, `publishable` or `secret`. Every type \
                     when unset.",
                ),
            Attribute::nested("keys", Nesting::List, Presence::Computed, key).description(
                "The keys, sorted by type (`legacy`, `publishable`, `secret`), then name, then \
                 id, so the order stays the same from one read to the next.",
            ),
        ],
    )
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// One element of `keys`: metadata only, never `api_key` (nor `hash` or the JWT template).
fn key_object(key: &ApiKey) -> Value {
    Value::object([
        ("id", Value::String(key.id.clone())),
        ("name", Value::String(key.name.clone())),
        ("type", Value::String(key.key_type.as_str().to_string())),
        ("prefix", optional(key.prefix.as_deref())),
        ("description", optional(key.description.as_deref())),
        ("inserted_at", optional(key.inserted_at.as_deref())),
        ("updated_at", optional(key.updated_at.as_deref())),
    ])
}

/// The keys of `wanted` type (all when None), in a stable order.
fn listed(keys: &[ApiKey], wanted: Option<KeyType>) -> Vec<&ApiKey> {
    let mut keys: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| wanted.is_none_or(|t| k.key_type == t))
        .collect();
    keys.sort_by(|a, b| {
        (a.key_type.as_str(), &a.name, &a.id).cmp(&(b.key_type.as_str(), &b.name, &b.id))
    });
    keys
}

#[async_trait]
impl DataSource for ApiKeysDataSource {
    fn type_name(&self) -> &str {
        TYPE_NAME
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn read(
        &self,
        ctx: &CallContext,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        let client = self.data.client(diags)?;
        let project_ref = config.attr("project_ref").and_then(Value::as_str)?;
        let type_filter = config.attr("type").cloned().unwrap_or(Value::Null);
        // Validation has checked the filter already; this says so again rather than list nothing.
        KeyTypeName.validate(
            &type_filter,
            &AttributePath::root().attribute("type"),
            diags,
        );
        if diags.has_errors() {
            return None;
        }
        let wanted = type_filter.as_str().and_then(KeyType::parse);
        // Shares the list that refreshes the project's key resources in this run.
        let keys = match client
            .project_keys(&ctx.stop, project_ref, Freshness::Latest)
            .await
        {
            Ok(keys) => keys,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                diags.attribute_error(
                    AttributePath::root().attribute("project_ref"),
                    "Project not found",
                    error.to_string(),
                );
                return None;
            }
            Err(error) => {
                diags.error("Could not list the project's API keys", error.to_string());
                return None;
            }
        };
        let keys = listed(&keys, wanted).into_iter().map(key_object).collect();
        Some(Value::object([
            ("project_ref", Value::String(project_ref.to_string())),
            ("type", type_filter),
            ("keys", Value::List(keys)),
        ]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, name: &str, key_type: KeyType) -> ApiKey {
        ApiKey {
            api_key: Some(crate::secret::Secret::new("sb_secret_value")),
            prefix: Some("sb_x".into()),
            hash: Some("h".into()),
            ..ApiKey::for_test(id, name, key_type)
        }
    }

    #[test]
    fn keys_are_filtered_and_sorted_by_type_name_and_id() {
        let keys = vec![
            key("3", "default", KeyType::Secret),
            key("2", "default", KeyType::Publishable),
            key("5", "backend", KeyType::Secret),
            key("4", "backend", KeyType::Secret),
            key("service_role", "service_role", KeyType::Legacy),
            key("anon", "anon", KeyType::Legacy),
        ];
        let ids = |keys: Vec<&ApiKey>| keys.into_iter().map(|k| k.id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(listed(&keys, None)),
            ["anon", "service_role", "2", "4", "5", "3"]
        );
        assert_eq!(ids(listed(&keys, Some(KeyType::Secret))), ["4", "5", "3"]);
        assert_eq!(
            ids(listed(&keys, Some(KeyType::Legacy))),
            ["anon", "service_role"]
        );
    }

    #[test]
    fn an_element_holds_metadata_only_and_the_state_fits_the_schema() {
        let element = key_object(&key("1", "backend", KeyType::Secret));
        let Value::Object(attrs) = &element else {
            panic!("not an object: {element:?}");
        };
        assert!(!attrs.contains_key("api_key") && !attrs.contains_key("hash"));
        assert!(!format!("{element:?}").contains("sb_secret_value"));
        let state = Value::object([
            ("project_ref", Value::String("abcdefghijklmnopqrst".into())),
            ("type", Value::Null),
            ("keys", Value::List(vec![element])),
        ]);
        crate::plugin::value::encode_msgpack(&state, &schema().value_type())
            .expect("the state encodes with the schema's type");
    }
}
