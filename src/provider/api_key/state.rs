//! Between the API's view of a key and the resource's state.

use std::collections::BTreeMap;

use crate::plugin::value::Value;
use crate::supabase::{ApiKey, KeyType};

use super::validators::same_json;

pub fn text(state: &Value, name: &str) -> Option<String> {
    state.attr(name).and_then(Value::as_str).map(str::to_string)
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// What the state keeps that the API does not hold.
pub struct Kept<'a> {
    pub project_ref: &'a str,
    /// The secret, as captured at create (or revealed at import); never re-read.
    pub api_key: Value,
    pub keepers: Value,
    /// The template string the configuration or the prior state used: kept while it means the
    /// same as the server's, so spelling never shows as a change.
    pub template: Value,
}

pub fn key_state(kind: KeyType, key: &ApiKey, kept: Kept<'_>) -> Value {
    let mut attrs: BTreeMap<String, Value> = BTreeMap::new();
    attrs.insert("id".into(), Value::String(key.id.clone()));
    attrs.insert(
        "project_ref".into(),
        Value::String(kept.project_ref.to_string()),
    );
    attrs.insert("name".into(), Value::String(key.name.clone()));
    attrs.insert("description".into(), optional(key.description.as_deref()));
    attrs.insert("keepers".into(), kept.keepers);
    attrs.insert("api_key".into(), kept.api_key);
    attrs.insert("prefix".into(), optional(key.prefix.as_deref()));
    attrs.insert("hash".into(), optional(key.hash.as_deref()));
    attrs.insert("inserted_at".into(), optional(key.inserted_at.as_deref()));
    attrs.insert("updated_at".into(), optional(key.updated_at.as_deref()));
    if kind == KeyType::Secret {
        let server = key
            .secret_jwt_template
            .as_ref()
            .map_or(Value::Null, |t| Value::String(t.to_string()));
        let template = if same_json(&kept.template, &server) {
            kept.template
        } else {
            server
        };
        attrs.insert("secret_jwt_template".into(), template);
    }
    Value::Object(attrs)
}

/// The keepers map as it stands, or null.
pub fn keepers(state: &Value) -> Value {
    state.attr("keepers").cloned().unwrap_or(Value::Null)
}
