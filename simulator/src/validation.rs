//! Validation of path parameters, query parameters and request bodies, with
//! the API's `"<field>: <text>"` messages.

use serde_json::{Map, Value};

use crate::messages;
use crate::state::{KeyPatch, KeySeed};

/// `^[a-z]{20}$`: the spec's `ref` schema (length 20, pattern `^[a-z]+$`).
pub fn is_project_ref(s: &str) -> bool {
    s.len() == 20 && s.bytes().all(|b| b.is_ascii_lowercase())
}

/// The spec's name schema: length 4–64, pattern `^[a-z_][a-z0-9_]+$`, plus
/// the reserved legacy names.
pub fn check_name(name: &str) -> Result<(), String> {
    let mut bytes = name.bytes();
    let pattern_ok = matches!(bytes.next(), Some(b'a'..=b'z' | b'_'))
        && name.len() >= 2
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'));
    if !pattern_ok {
        return Err(messages::NAME_PATTERN.to_owned());
    }
    if name.len() < 4 {
        return Err(messages::NAME_TOO_SHORT.to_owned());
    }
    if name.len() > 64 {
        return Err(messages::NAME_TOO_LONG.to_owned());
    }
    if name == "anon" || name == "service_role" {
        return Err(messages::NAME_RESERVED.to_owned());
    }
    Ok(())
}

/// JSON type names as zod reports them.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn expected(field: &str, what: &str, got: &Value) -> String {
    format!("{field}: Expected {what}, received {}", type_name(got))
}

/// Parses the body as a JSON object.
pub fn body_object(body: &[u8]) -> Result<Map<String, Value>, String> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(messages::INVALID_BODY.to_owned()),
    }
}

fn nullable_string(
    map: &Map<String, Value>,
    field: &str,
) -> Result<Option<Option<String>>, String> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(expected(field, "string", other)),
    }
}

fn nullable_object(map: &Map<String, Value>, field: &str) -> Result<Option<Option<Value>>, String> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v @ Value::Object(_)) => Ok(Some(Some(v.clone()))),
        Some(other) => Err(expected(field, "object", other)),
    }
}

fn name_field(map: &Map<String, Value>) -> Result<Option<String>, String> {
    match map.get("name") {
        None => Ok(None),
        Some(Value::String(s)) => check_name(s).map(|()| Some(s.clone())),
        Some(other) => Err(expected("name", "string", other)),
    }
}

/// `CreateApiKeyBody`: `type` and `name` required; unknown fields ignored.
/// Fields are checked in the schema's order and the first error is reported.
pub fn create_body(body: &[u8]) -> Result<KeySeed, String> {
    let map = body_object(body)?;
    let key_type = match map.get("type") {
        None => return Err("type: Required".to_owned()),
        Some(Value::String(s)) if s == "publishable" || s == "secret" => s.clone(),
        Some(Value::String(s)) => {
            return Err(format!(
                "type: Invalid enum value. Expected 'publishable' | 'secret', received '{s}'"
            ))
        }
        Some(other) => return Err(expected("type", "'publishable' | 'secret'", other)),
    };
    let name = name_field(&map)?.ok_or_else(|| "name: Required".to_owned())?;
    let description = nullable_string(&map, "description")?.flatten();
    let secret_jwt_template = nullable_object(&map, "secret_jwt_template")?.flatten();
    Ok(KeySeed {
        name,
        key_type,
        description,
        secret_jwt_template,
    })
}

/// `UpdateApiKeyBody`: every field optional; `null` clears a nullable field;
/// `type` and unknown fields are ignored (the type is immutable).
pub fn update_body(body: &[u8]) -> Result<KeyPatch, String> {
    let map = body_object(body)?;
    Ok(KeyPatch {
        name: name_field(&map)?,
        description: nullable_string(&map, "description")?,
        secret_jwt_template: nullable_object(&map, "secret_jwt_template")?,
    })
}

/// A "Boolean string, true or false" query parameter.
pub fn bool_param(name: &str, value: Option<&str>) -> Result<Option<bool>, String> {
    match value {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(format!(
            "{name}: Expected boolean string, true or false, received '{other}'"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs() {
        assert!(is_project_ref("abcdefghijklmnopqrst"));
        assert!(!is_project_ref("abcdefghijklmnopqrs"));
        assert!(!is_project_ref("abcdefghijklmnopqrsT"));
        assert!(!is_project_ref("abcdefghijklmnopqrs1"));
    }

    #[test]
    fn names() {
        assert!(check_name("ci_key").is_ok());
        assert!(check_name("_abc").is_ok());
        assert!(check_name(&"a".repeat(64)).is_ok());
        assert_eq!(check_name("abc").unwrap_err(), messages::NAME_TOO_SHORT);
        assert_eq!(
            check_name(&"a".repeat(65)).unwrap_err(),
            messages::NAME_TOO_LONG
        );
        for bad in ["", "a", "1abc", "Abcd", "ab-cd", "abcé"] {
            assert_eq!(
                check_name(bad).unwrap_err(),
                messages::NAME_PATTERN,
                "{bad}"
            );
        }
        assert_eq!(check_name("anon").unwrap_err(), messages::NAME_RESERVED);
        assert_eq!(
            check_name("service_role").unwrap_err(),
            messages::NAME_RESERVED
        );
    }

    #[test]
    fn create_bodies() {
        let seed = create_body(br#"{"type":"secret","name":"ci_key","extra":1}"#).unwrap();
        assert_eq!(seed.key_type, "secret");
        assert_eq!(seed.description, None);
        assert_eq!(
            create_body(br#"{"name":"ci_key"}"#).unwrap_err(),
            "type: Required"
        );
        assert!(create_body(br#"{"type":"legacy","name":"ci_key"}"#)
            .unwrap_err()
            .starts_with("type: Invalid enum value"));
        assert_eq!(
            create_body(br#"{"type":"secret"}"#).unwrap_err(),
            "name: Required"
        );
        assert_eq!(
            create_body(br#"{"type":"secret","name":"ci_key","description":5}"#).unwrap_err(),
            "description: Expected string, received number"
        );
        assert_eq!(
            create_body(br#"{"type":"secret","name":"ci_key","secret_jwt_template":"x"}"#)
                .unwrap_err(),
            "secret_jwt_template: Expected object, received string"
        );
        assert_eq!(create_body(b"[]").unwrap_err(), messages::INVALID_BODY);
        assert_eq!(create_body(b"").unwrap_err(), messages::INVALID_BODY);
    }

    #[test]
    fn update_bodies() {
        let p = update_body(br#"{"description":null}"#).unwrap();
        assert_eq!(p.description, Some(None));
        assert_eq!(p.name, None);
        assert_eq!(update_body(b"{}").unwrap(), KeyPatch::default());
    }

    #[test]
    fn bools() {
        assert_eq!(bool_param("reveal", None), Ok(None));
        assert_eq!(bool_param("reveal", Some("true")), Ok(Some(true)));
        assert_eq!(bool_param("reveal", Some("false")), Ok(Some(false)));
        assert!(bool_param("reveal", Some("1")).is_err());
    }
}
