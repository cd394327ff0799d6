//! Between the API's view of a key and the resource's state.

use std::collections::BTreeMap;

use crate::plugin::value::Value;
use crate::supabase::{ApiKey, KeyType};

use super::validators::same_json;

pub fn text(state: &Value, name: &str) -> Option<String> {
    state.attr(name).and_then(Value::as_str).map(str::to_string)
}

/// An optional text as the API gets it: `""` is none, sent as null, so the API holds one form
/// of "no description" whichever the configuration wrote.
pub fn sent_text(state: &Value, name: &str) -> Option<String> {
    text(state, name).filter(|t| !t.is_empty())
}

/// The description as the state holds it: `""` for none, whether the API answers null or `""`
/// (see the schema: "" and null are one value).
fn description(key: &ApiKey) -> Value {
    Value::String(key.description.clone().unwrap_or_default())
}

fn optional(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::String(t.to_string()))
}

/// Whether the API lists keys of this type with their full value, no `reveal` needed (and no
/// "API Key Secrets: Read"): publishable keys are public, only secret keys are masked.
pub fn value_is_public(kind: KeyType) -> bool {
    kind != KeyType::Secret
}

/// What the state keeps that the API does not hold.
pub struct Kept<'a> {
    pub project_ref: &'a str,
    /// A secret key's value, as captured at create (or revealed at import); never re-read. For
    /// a key whose value is public, used only when the API's answer lacks the value.
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
    attrs.insert("description".into(), description(key));
    attrs.insert("keepers".into(), kept.keepers);
    let listed = key
        .api_key
        .as_ref()
        .filter(|_| value_is_public(kind))
        .map(|value| Value::String(value.expose().to_string()));
    attrs.insert("api_key".into(), listed.unwrap_or(kept.api_key));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn listed(kind: KeyType, value: Option<&str>) -> ApiKey {
        ApiKey {
            api_key: value.map(Secret::new),
            ..ApiKey::for_test("22222222-2222-4222-8222-222222222222", "web_key", kind)
        }
    }

    fn api_key(kind: KeyType, listed_value: Option<&str>, kept: Value) -> Value {
        let state = key_state(
            kind,
            &listed(kind, listed_value),
            Kept {
                project_ref: "abcdefghijklmnopqrst",
                api_key: kept,
                keepers: Value::Null,
                template: Value::Null,
            },
        );
        state.attr("api_key").cloned().expect("api_key is set")
    }

    #[test]
    fn a_publishable_value_comes_from_the_api_and_a_secret_one_from_state() {
        let kept = || Value::String("kept".into());
        let from_api = Value::String("sb_publishable_listed".into());
        assert_eq!(
            api_key(
                KeyType::Publishable,
                Some("sb_publishable_listed"),
                Value::Null
            ),
            from_api
        );
        assert_eq!(
            api_key(KeyType::Publishable, Some("sb_publishable_listed"), kept()),
            from_api
        );
        assert_eq!(api_key(KeyType::Publishable, None, kept()), kept());
        assert_eq!(
            api_key(KeyType::Secret, Some("sb_secret_revealed"), kept()),
            kept()
        );
        assert_eq!(
            api_key(KeyType::Secret, Some("sb_secret_revealed"), Value::Null),
            Value::Null
        );
    }

    #[test]
    fn no_description_is_one_value_in_state_and_none_on_the_wire() {
        for (from_api, in_state) in [(None, ""), (Some(""), ""), (Some("Backend"), "Backend")] {
            let key = ApiKey {
                description: from_api.map(str::to_string),
                ..listed(KeyType::Secret, None)
            };
            assert_eq!(
                description(&key),
                Value::String(in_state.into()),
                "{from_api:?}"
            );
        }
        let state = |d: Value| Value::object([("description", d)]);
        assert_eq!(
            sent_text(&state(Value::String(String::new())), "description"),
            None
        );
        assert_eq!(sent_text(&state(Value::Null), "description"), None);
        assert_eq!(
            sent_text(&state(Value::String("Backend".into())), "description").as_deref(),
            Some("Backend")
        );
    }
}
