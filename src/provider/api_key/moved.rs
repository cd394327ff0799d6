//! Moving from the official provider: `moved { from = supabase_apikey.x, to =
//! supabase_secret_api_key.x }` (or the publishable resource), Terraform >= 1.8. The official
//! `supabase_apikey` (registry.terraform.io/supabase/supabase, schema version 0) stores `id`,
//! `project_ref`, `name`, `description`, `type`, the revealed `api_key` (its read reveals it
//! every time) and `secret_jwt_template { role }`. All that the state needs is in it, so the move
//! asks the API nothing: the plan's refresh then fills `hash`, `prefix` and the timestamps from
//! the usual key list, as after any read.

use std::collections::BTreeMap;

use serde_json::Map;

use crate::plugin::diag::Diagnostics;
use crate::plugin::state_mover::{SourceProvider, SourceState, StateMover};
use crate::plugin::value::Value;
use crate::supabase::KeyType;

use super::import::value_missing;
use super::type_name;

/// The official provider, on whichever registry host the configuration installed it from.
const OFFICIAL_PROVIDER: SourceProvider = SourceProvider {
    namespace: "supabase",
    type_name: "supabase",
};
const OFFICIAL_TYPE: &str = "supabase_apikey";

/// What a key resource of `kind` accepts: the official `supabase_apikey` at schema version 0
/// (the only one it has had), of that key type.
pub fn state_movers(kind: KeyType) -> Vec<StateMover> {
    vec![StateMover {
        provider: OFFICIAL_PROVIDER,
        type_name: OFFICIAL_TYPE,
        schema_versions: vec![0],
        map: Box::new(move |source: &SourceState<'_>, diags: &mut Diagnostics| {
            from_official(kind, source.attributes, diags)
        }),
    }]
}

type Json = Map<String, serde_json::Value>;

fn text<'a>(state: &'a Json, name: &str) -> Option<&'a str> {
    state.get(name).and_then(serde_json::Value::as_str)
}

/// The official state as a state of the `kind` resource.
fn from_official(kind: KeyType, state: &Json, diags: &mut Diagnostics) -> Option<Value> {
    let (id, project_ref, name) = (
        text(state, "id"),
        text(state, "project_ref"),
        text(state, "name"),
    );
    let (Some(id), Some(project_ref), Some(name)) = (id, project_ref, name) else {
        let missing: Vec<&str> = [("id", id), ("project_ref", project_ref), ("name", name)]
            .into_iter()
            .filter(|(_, value)| value.is_none())
            .map(|(attribute, _)| attribute)
            .collect();
        diags.error(
            "Unable to move resource state",
            format!(
                "The state of this {OFFICIAL_TYPE} has no {}. Refresh it with the official \
                 provider first (`terraform apply -refresh-only` without the `moved` block), \
                 then move.",
                missing.join(" or ")
            ),
        );
        return None;
    };
    check_key_type(kind, state, name, id, diags)?;
    let api_key = text(state, "api_key");
    if api_key.is_none() {
        value_missing(
            kind,
            name,
            id,
            &format!("moved from {OFFICIAL_TYPE}"),
            diags,
        );
    }
    let string = |s: &str| Value::String(s.to_string());
    let mut attrs = BTreeMap::from([
        ("id".to_string(), string(id)),
        ("project_ref".to_string(), string(project_ref)),
        ("name".to_string(), string(name)),
        // "" for none, as the resource plans a description left out.
        (
            "description".to_string(),
            string(text(state, "description").unwrap_or_default()),
        ),
        ("keepers".to_string(), Value::Null),
        ("api_key".to_string(), api_key.map_or(Value::Null, string)),
    ]);
    // Not in the official state; the plan's refresh reads them.
    for unread in ["prefix", "hash", "inserted_at", "updated_at"] {
        attrs.insert(unread.to_string(), Value::Null);
    }
    if kind == KeyType::Secret {
        attrs.insert("secret_jwt_template".to_string(), jwt_template(state));
    }
    Some(Value::Object(attrs))
}

/// The official `type` decides the target: a key moves only to the resource of its type.
fn check_key_type(
    kind: KeyType,
    state: &Json,
    name: &str,
    id: &str,
    diags: &mut Diagnostics,
) -> Option<()> {
    let stored = text(state, "type");
    let problem = match stored.and_then(KeyType::parse) {
        Some(found) if found == kind => return Some(()),
        Some(found @ (KeyType::Secret | KeyType::Publishable)) => format!(
            "is a {} key, so it moves to {}, not {}: change the `moved` block's `to` (and the \
             resource block) to {}.",
            found.as_str(),
            type_name(found),
            type_name(kind),
            type_name(found)
        ),
        _ => format!(
            "has the key type {}, which no resource of this provider manages (only secret and \
             publishable keys).",
            stored.map_or("null".to_string(), |t| format!("{t:?}"))
        ),
    };
    diags.error(
        "Unable to move resource state",
        format!("The {OFFICIAL_TYPE} {name:?} ({id}) {problem}"),
    );
    None
}

/// `secret_jwt_template { role }` as this resource's JSON string, spelt as the resource plans
/// it (compact, like its default), so it never shows as a change. The official schema has it
/// as a single nested object; a list of one (a block) reads the same. No role: null, which the
/// plan's refresh fills from the API.
fn jwt_template(state: &Json) -> Value {
    let template = match state.get("secret_jwt_template") {
        Some(serde_json::Value::Array(blocks)) => blocks.first(),
        other => other,
    };
    let role = template
        .and_then(|t| t.get("role"))
        .and_then(serde_json::Value::as_str);
    role.map_or(Value::Null, |role| {
        Value::String(serde_json::json!({ "role": role }).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::diag::Severity;
    use crate::plugin::value;
    use crate::provider::api_key::schema::{resource_schema, DEFAULT_JWT_TEMPLATE};

    const ID: &str = "22222222-2222-4222-8222-222222222222";
    const PROJECT: &str = "abcdefghijklmnopqrst";

    /// A state as the official provider writes it (its attributes, in its JSON form).
    fn official(key_type: &str, api_key: Option<&str>) -> Json {
        let json = serde_json::json!({
            "id": ID,
            "project_ref": PROJECT,
            "name": "backend",
            "description": null,
            "type": key_type,
            "api_key": api_key,
            "secret_jwt_template": {"role": "service_role"},
        });
        json.as_object().expect("an object").clone()
    }

    fn moved(kind: KeyType, state: &Json) -> (Option<Value>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let value = from_official(kind, state, &mut diags);
        (value, diags)
    }

    fn only_error(diags: &Diagnostics) -> String {
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{:?}", diags.iter().collect::<Vec<_>>());
        errors[0].detail.clone()
    }

    #[test]
    fn a_secret_key_moves_whole_with_its_value_and_the_planned_template() {
        let (state, diags) = moved(
            KeyType::Secret,
            &official("secret", Some("sb_secret_captured")),
        );
        assert!(diags.is_empty(), "{:?}", diags.iter().collect::<Vec<_>>());
        let state = state.expect("a state");
        let attr = |name: &str| state.attr(name).cloned().expect(name);
        assert_eq!(attr("id"), Value::String(ID.into()));
        assert_eq!(attr("project_ref"), Value::String(PROJECT.into()));
        assert_eq!(attr("name"), Value::String("backend".into()));
        assert_eq!(attr("description"), Value::String(String::new()));
        assert_eq!(attr("api_key"), Value::String("sb_secret_captured".into()));
        assert_eq!(
            attr("secret_jwt_template"),
            Value::String(DEFAULT_JWT_TEMPLATE.into())
        );
        for null in ["keepers", "prefix", "hash", "inserted_at", "updated_at"] {
            assert_eq!(attr(null), Value::Null, "{null}");
        }
        let ty = resource_schema(KeyType::Secret).value_type();
        value::encode_msgpack(&state, &ty).expect("a state of the secret key schema");
        assert!(state.is_wholly_known());
    }

    #[test]
    fn a_publishable_key_moves_without_a_template() {
        let mut source = official("publishable", Some("sb_publishable_x"));
        source.insert("description".into(), "Web app".into());
        source.insert(
            "secret_jwt_template".into(),
            serde_json::json!({"role": null}),
        );
        let (state, diags) = moved(KeyType::Publishable, &source);
        assert!(diags.is_empty());
        let state = state.expect("a state");
        assert_eq!(
            state.attr("description"),
            Some(&Value::String("Web app".into()))
        );
        let ty = resource_schema(KeyType::Publishable).value_type();
        value::encode_msgpack(&state, &ty).expect("a state of the publishable key schema");
    }

    #[test]
    fn the_template_keeps_its_role_in_the_planned_spelling() {
        let template = |json: serde_json::Value| {
            let mut source = official("secret", None);
            source.insert("secret_jwt_template".into(), json);
            jwt_template(&source)
        };
        let role = |r: &str| Value::String(format!(r#"{{"role":"{r}"}}"#));
        assert_eq!(
            template(serde_json::json!({"role": "authenticated"})),
            role("authenticated")
        );
        assert_eq!(
            template(serde_json::json!([{"role": "service_role"}])),
            role("service_role")
        );
        assert_eq!(template(serde_json::json!({"role": null})), Value::Null);
        assert_eq!(template(serde_json::Value::Null), Value::Null);
    }

    #[test]
    fn a_key_of_the_other_type_names_the_resource_to_move_it_to() {
        let (state, diags) = moved(KeyType::Publishable, &official("secret", Some("s")));
        assert!(state.is_none());
        let detail = only_error(&diags);
        assert!(detail.contains("supabase_secret_api_key"), "{detail}");
        assert!(!detail.contains("sb_secret"), "{detail}");
        let (_, diags) = moved(KeyType::Secret, &official("publishable", Some("p")));
        assert!(only_error(&diags).contains("supabase_publishable_api_key"));
        let (_, diags) = moved(KeyType::Secret, &official("legacy", None));
        assert!(only_error(&diags).contains("\"legacy\""));
    }

    #[test]
    fn a_null_value_moves_as_null_with_the_import_warning() {
        let (state, diags) = moved(KeyType::Secret, &official("secret", None));
        assert_eq!(state.expect("a state").attr("api_key"), Some(&Value::Null));
        let warnings: Vec<_> = diags.iter().collect();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].severity, Severity::Warning);
        assert_eq!(warnings[0].summary, "The key's value could not be read");
        assert!(warnings[0].detail.contains("moved from supabase_apikey"));
    }

    #[test]
    fn a_state_without_its_id_cannot_move() {
        let mut source = official("secret", Some("s"));
        source.remove("id");
        let (state, diags) = moved(KeyType::Secret, &source);
        assert!(state.is_none());
        assert!(only_error(&diags).contains("has no id"));
    }
}
