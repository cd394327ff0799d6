//! Configuration checks that mirror the Management API's own rules, so a bad value fails at
//! `terraform validate` with the attribute named, before any request.

use crate::plugin::diag::Diagnostics;
use crate::plugin::schema::Validator;
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::Value;
use crate::supabase::KeyType;

/// A project's reference ID: 20 lowercase letters.
pub struct ProjectRef;

pub fn is_project_ref(text: &str) -> bool {
    text.len() == 20 && text.bytes().all(|b| b.is_ascii_lowercase())
}

impl Validator for ProjectRef {
    fn description(&self) -> String {
        "must be a project reference ID: exactly 20 lowercase letters".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str().filter(|t| !is_project_ref(t)) {
            diags.attribute_error(
                path.clone(),
                "Invalid project reference",
                format!(
                    "{text:?} is not a project reference ID: it must be exactly 20 lowercase \
                     letters. Copy it from the project's dashboard URL \
                     (https://supabase.com/dashboard/project/<ref>) or from Project Settings."
                ),
            );
        }
    }
}

/// The rule the API applies to key names.
pub struct KeyName;

pub const RESERVED_NAMES: [&str; 2] = ["anon", "service_role"];

/// Why `name` is not a valid key name, in the API's terms; None when it is valid.
pub fn key_name_problem(name: &str) -> Option<String> {
    let length = name.chars().count();
    if !(4..=64).contains(&length) {
        return Some(format!(
            "A key name must be 4 to 64 characters long; {name:?} has {length}."
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !first_ok || !rest_ok {
        return Some(format!(
            "{name:?} does not match the API's rule for key names (^[a-z_][a-z0-9_]+$): it must \
             start with a lowercase letter or an underscore, followed only by lowercase letters, \
             digits or underscores."
        ));
    }
    if RESERVED_NAMES.contains(&name) {
        return Some(format!(
            "{name:?} is reserved for Supabase's legacy JWT keys (anon and service_role). Choose \
             another name."
        ));
    }
    None
}

impl Validator for KeyName {
    fn description(&self) -> String {
        "must be 4 to 64 characters matching ^[a-z_][a-z0-9_]+$, and not anon or service_role"
            .into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(problem) = value.as_str().and_then(key_name_problem) {
            diags.attribute_error(path.clone(), "Invalid API key name", problem);
        }
    }
}

/// A key type as the API names it: `legacy`, `publishable` or `secret`.
pub struct KeyTypeName;

pub const KEY_TYPES: [KeyType; 3] = [KeyType::Legacy, KeyType::Publishable, KeyType::Secret];

impl Validator for KeyTypeName {
    fn description(&self) -> String {
        format!("must be one of {}", key_type_list())
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str().filter(|t| KeyType::parse(t).is_none()) {
            diags.attribute_error(
                path.clone(),
                "Invalid API key type",
                format!(
                    "{text:?} is not an API key type. Use one of {} (lowercase), or leave it \
                     out for every type.",
                    key_type_list()
                ),
            );
        }
    }
}

/// `"legacy"`, `"publishable"` or `"secret"`.
fn key_type_list() -> String {
    let quoted: Vec<String> = KEY_TYPES
        .iter()
        .map(|k| format!("\"{}\"", k.as_str()))
        .collect();
    format!(
        "{} or {}",
        quoted[..quoted.len() - 1].join(", "),
        quoted[quoted.len() - 1]
    )
}

/// A secret key's JWT template: a JSON object whose `role` is a string.
pub struct JwtTemplate;

pub fn parse_template(text: &str) -> Result<serde_json::Value, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        format!(
            "It is not valid JSON ({e}). Write it with jsonencode({{ role = \"service_role\" }})."
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(
            "It must be a JSON object, such as jsonencode({ role = \"service_role\" }).".into(),
        );
    };
    match object.get("role") {
        Some(serde_json::Value::String(_)) => Ok(value),
        Some(_) => Err("Its \"role\" must be a string, the Postgres role the key acts as, such as \"service_role\".".into()),
        None => Err("It must name a \"role\" (a string), such as jsonencode({ role = \"service_role\" }).".into()),
    }
}

impl Validator for JwtTemplate {
    fn description(&self) -> String {
        "must be a JSON object with a string `role`".into()
    }

    fn validate(&self, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
        if let Some(Err(problem)) = value.as_str().map(parse_template) {
            diags.attribute_error(path.clone(), "Invalid secret_jwt_template", problem);
        }
    }
}

/// Two template strings that hold the same JSON, whatever their key order and spacing.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a.as_str(), b.as_str()) {
        (Some(a), Some(b)) => {
            let parse = |t: &str| serde_json::from_str::<serde_json::Value>(t).ok();
            matches!((parse(a), parse(b)), (Some(x), Some(y)) if x == y)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_rule() {
        for good in ["ci_key", "_abc", "production_backend_key", &"a".repeat(64)] {
            assert_eq!(key_name_problem(good), None, "{good}");
        }
        let cases = [
            ("abc", "4 to 64"),
            (&"a".repeat(65) as &str, "4 to 64"),
            ("CI_key", "^[a-z_][a-z0-9_]+$"),
            ("1abc", "^[a-z_][a-z0-9_]+$"),
            ("ab-cd", "^[a-z_][a-z0-9_]+$"),
            ("anon", "reserved"),
            ("service_role", "reserved"),
        ];
        for (bad, rule) in cases {
            let problem = key_name_problem(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(problem.contains(rule), "{bad}: {problem}");
        }
    }

    #[test]
    fn project_refs_are_twenty_lowercase_letters() {
        assert!(is_project_ref("abcdefghijklmnopqrst"));
        for bad in [
            "abcdefghijklmnopqrs",
            "abcdefghijklmnopqrstu",
            "Abcdefghijklmnopqrst",
            "abcdefghijklmnopqrs1",
        ] {
            assert!(!is_project_ref(bad), "{bad}");
        }
    }

    #[test]
    fn key_types_are_the_api_names() {
        let path = AttributePath::root().attribute("type");
        for good in ["legacy", "publishable", "secret"] {
            let mut diags = Diagnostics::new();
            KeyTypeName.validate(&Value::String(good.into()), &path, &mut diags);
            assert!(!diags.has_errors(), "{good}");
        }
        for bad in ["Secret", "anon", ""] {
            let mut diags = Diagnostics::new();
            KeyTypeName.validate(&Value::String(bad.into()), &path, &mut diags);
            let diag = diags
                .iter()
                .next()
                .unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(diag.attribute.as_ref(), Some(&path));
            assert!(
                diag.detail
                    .contains(r#""legacy", "publishable" or "secret""#),
                "{}",
                diag.detail
            );
        }
    }

    #[test]
    fn templates_are_objects_with_a_string_role() {
        assert!(parse_template(r#"{"role":"service_role","x":1}"#).is_ok());
        assert!(parse_template("not json")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_template("[1]").unwrap_err().contains("JSON object"));
        assert!(parse_template(r#"{"role":1}"#)
            .unwrap_err()
            .contains("must be a string"));
        assert!(parse_template("{}").unwrap_err().contains("role"));
    }

    #[test]
    fn template_equality_ignores_order_and_spacing() {
        let a = Value::String(r#"{"role":"r","a":[1,2]}"#.into());
        let b = Value::String("{ \"a\": [1, 2],\n \"role\": \"r\" }".into());
        let c = Value::String(r#"{"role":"other","a":[1,2]}"#.into());
        assert!(same_json(&a, &b));
        assert!(!same_json(&a, &c));
    }
}
