//! API keys as the client hands them out, the request bodies, and decoding of answers.
//!
//! Decoding goes through `serde_json::Value` and checks each field by hand, so any bytes
//! give either a key or an explanation (never a panic), and no explanation quotes a value
//! from the body (it may hold a secret).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::Secret;

/// The character the API masks secret keys with (U+00B7 MIDDLE DOT).
pub const MASK_CHAR: char = '\u{00B7}';

#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    Secret,
    Publishable,
    /// The JWT `anon` / `service_role` keys: listed, never created through this API.
    Legacy,
}

impl KeyType {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Secret => "secret",
            KeyType::Publishable => "publishable",
            KeyType::Legacy => "legacy",
        }
    }

    pub fn parse(text: &str) -> Option<KeyType> {
        match text {
            "secret" => Some(KeyType::Secret),
            "publishable" => Some(KeyType::Publishable),
            "legacy" => Some(KeyType::Legacy),
            _ => None,
        }
    }
}

/// A key as the API describes it.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub key_type: KeyType,
    /// The key's value, only when the answer held it in full (never a masked value).
    pub api_key: Option<Secret>,
    pub prefix: Option<String>,
    pub hash: Option<String>,
    pub description: Option<String>,
    pub secret_jwt_template: Option<Value>,
    pub inserted_at: Option<String>,
    pub updated_at: Option<String>,
}

#[cfg(test)]
impl ApiKey {
    /// A key for unit tests: `id`, `name` and `key_type` set, every optional field empty; set
    /// more with struct update syntax (`ApiKey { prefix: …, ..ApiKey::for_test(…) }`).
    pub(crate) fn for_test(id: &str, name: &str, key_type: KeyType) -> ApiKey {
        ApiKey {
            id: id.into(),
            name: name.into(),
            key_type,
            api_key: None,
            prefix: None,
            hash: None,
            description: None,
            secret_jwt_template: None,
            inserted_at: None,
            updated_at: None,
        }
    }
}

/// What an answer said about a key's value.
#[derive(Clone, Debug)]
pub enum SecretValue {
    /// The full value.
    Revealed(Secret),
    /// Masked (`sb_secret_abcde···`): the token lacks "API Key Secrets: Read".
    Masked,
    /// `api_key` was null or absent.
    Missing,
    /// The request for the value failed (only after adopting a key, see
    /// [`super::Created`]); the key exists nonetheless.
    Unavailable(super::ApiError),
}

impl SecretValue {
    pub fn is_revealed(&self) -> bool {
        matches!(self, SecretValue::Revealed(_))
    }
}

/// Whether an `api_key` value is the masked form rather than the key.
pub fn is_masked(value: &str) -> bool {
    value.contains(MASK_CHAR)
}

/// A key to create.
#[derive(Clone, Debug)]
pub struct NewKey {
    pub name: String,
    pub key_type: KeyType,
    pub description: Option<String>,
    pub secret_jwt_template: Option<Value>,
}

/// A change to a key; `None` leaves a field as it is, `description: Some(None)` clears it.
#[derive(Clone, Debug, Default)]
pub struct KeyUpdate {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub secret_jwt_template: Option<Value>,
}

#[derive(Serialize)]
struct CreateBody<'a> {
    #[serde(rename = "type")]
    key_type: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_jwt_template: Option<&'a Value>,
}

#[derive(Serialize)]
struct UpdateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// `Some(None)` is sent as `null`, which clears the description.
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_jwt_template: Option<&'a Value>,
}

pub(crate) fn create_body(key: &NewKey) -> Vec<u8> {
    // Serializing plain strings and a `Value` cannot fail.
    serde_json::to_vec(&CreateBody {
        key_type: key.key_type.as_str(),
        name: &key.name,
        description: key.description.as_deref(),
        secret_jwt_template: key.secret_jwt_template.as_ref(),
    })
    .unwrap_or_default()
}

pub(crate) fn update_body(update: &KeyUpdate) -> Vec<u8> {
    serde_json::to_vec(&UpdateBody {
        name: update.name.as_deref(),
        description: update.description.as_ref().map(Option::as_deref),
        secret_jwt_template: update.secret_jwt_template.as_ref(),
    })
    .unwrap_or_default()
}

/// A decoded key and what its answer said about the value.
#[derive(Clone, Debug)]
pub(crate) struct Decoded {
    pub key: ApiKey,
    pub value: SecretValue,
}

fn parse_json(body: &[u8]) -> Result<Value, String> {
    // serde_json's syntax errors give a position, never the text around it.
    serde_json::from_slice(body).map_err(|e| format!("the body is not valid JSON ({e})"))
}

/// Decodes one `ApiKeyResponse`.
pub(crate) fn decode_key(body: &[u8]) -> Result<Decoded, String> {
    match parse_json(body)? {
        Value::Object(map) => match decode_object(&map)? {
            Some(decoded) => Ok(decoded),
            None => Err("the key has a type this client does not know".to_owned()),
        },
        other => Err(format!(
            "expected a JSON object (an API key), got {}",
            json_kind(&other)
        )),
    }
}

/// Decodes the list answer. Entries of a type this client does not know (a newer API)
/// are left out rather than failing the whole list; malformed entries fail it.
pub(crate) fn decode_key_list(body: &[u8]) -> Result<Vec<ApiKey>, String> {
    let items = match parse_json(body)? {
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "expected a JSON array of API keys, got {}",
                json_kind(&other)
            ))
        }
    };
    let mut keys = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            return Err(format!("entry {i} is {}, not an object", json_kind(item)));
        };
        match decode_object(map) {
            Ok(Some(decoded)) => keys.push(decoded.key),
            Ok(None) => {}
            Err(why) => return Err(format!("entry {i}: {why}")),
        }
    }
    Ok(keys)
}

/// The server's explanation in an error body: `message` as a string, or a list of
/// strings (NestJS validation), or `error`.
pub(crate) fn error_message(body: &[u8]) -> Option<String> {
    const MAX: usize = 500;
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let text = match map.get("message").or_else(|| map.get("error"))? {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        _ => return None,
    };
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    })
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string field that may be null or absent.
fn optional_string(map: &Map<String, Value>, field: &str) -> Result<Option<String>, String> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(format!(
            "field `{field}` is {}, not a string",
            json_kind(other)
        )),
    }
}

fn required_string(map: &Map<String, Value>, field: &str) -> Result<String, String> {
    match optional_string(map, field)? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(format!("field `{field}` is empty")),
        None => Err(format!("field `{field}` is missing or null")),
    }
}

/// `Ok(None)` for a key of a type this client does not know.
fn decode_object(map: &Map<String, Value>) -> Result<Option<Decoded>, String> {
    let id = required_string(map, "id")?;
    let name = required_string(map, "name")?;
    let type_text = required_string(map, "type")?;
    let Some(key_type) = KeyType::parse(&type_text) else {
        return Ok(None);
    };
    let value = match optional_string(map, "api_key")? {
        None => SecretValue::Missing,
        Some(v) if v.is_empty() => SecretValue::Missing,
        Some(v) if is_masked(&v) => SecretValue::Masked,
        Some(v) => SecretValue::Revealed(Secret::new(v)),
    };
    let secret_jwt_template = match map.get("secret_jwt_template") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(other) => {
            return Err(format!(
                "field `secret_jwt_template` is {}, not an object",
                json_kind(other)
            ))
        }
    };
    let key = ApiKey {
        id,
        name,
        key_type,
        api_key: match &value {
            SecretValue::Revealed(s) => Some(s.clone()),
            _ => None,
        },
        prefix: optional_string(map, "prefix")?,
        hash: optional_string(map, "hash")?,
        description: optional_string(map, "description")?,
        secret_jwt_template,
        inserted_at: optional_string(map, "inserted_at")?,
        updated_at: optional_string(map, "updated_at")?,
    };
    Ok(Some(Decoded { key, value }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    const FULL: &str = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";

    fn key_json(api_key: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "22222222-2222-4222-8222-222222222222",
            "name": "ci_key",
            "type": "secret",
            "api_key": api_key,
            "prefix": "sb_secret_N7UND",
            "hash": "h",
            "description": null,
            "secret_jwt_template": {"role": "service_role"},
            "inserted_at": "2026-11-26T18:19:20.123Z",
            "updated_at": "2026-11-26T18:19:20.123Z"
        }))
        .unwrap()
    }

    #[test]
    fn masked_detection() {
        let masked = format!("sb_secret_N7UND{}", "\u{b7}".repeat(26));
        assert!(is_masked(&masked));
        assert_eq!(masked.chars().count(), FULL.len());
        assert!(!is_masked(FULL));
    }

    #[test]
    fn a_full_value_is_revealed_and_a_masked_one_never_becomes_a_secret() {
        let d = decode_key(&key_json(json!(FULL))).unwrap();
        assert!(matches!(&d.value, SecretValue::Revealed(s) if s.expose() == FULL));
        assert_eq!(d.key.api_key.unwrap().expose(), FULL);
        assert_eq!(d.key.key_type, KeyType::Secret);
        assert_eq!(
            d.key.secret_jwt_template,
            Some(json!({"role": "service_role"}))
        );

        let masked = format!("sb_secret_N7UND{}", "\u{b7}".repeat(26));
        let d = decode_key(&key_json(json!(masked))).unwrap();
        assert!(matches!(d.value, SecretValue::Masked));
        assert!(d.key.api_key.is_none());

        let d = decode_key(&key_json(Value::Null)).unwrap();
        assert!(matches!(d.value, SecretValue::Missing));
        assert!(d.key.api_key.is_none());
    }

    #[test]
    fn bad_answers_are_explained_without_their_content() {
        for (body, expect) in [
            (&b"<html>Sign in</html>"[..], "not valid JSON"),
            (
                br#"{"id":"a","name":"n","type":"secret","api_key":"sb_sec"#,
                "not valid JSON",
            ),
            (br#"{"name":"n","type":"secret"}"#, "`id`"),
            (
                br#"{"id":5,"name":"n","type":"secret"}"#,
                "`id` is a number",
            ),
            (
                br#"{"id":"a","name":"n","type":"secret","api_key":7}"#,
                "`api_key`",
            ),
            (
                br#"{"id":"a","name":"n","type":"secret","secret_jwt_template":"x"}"#,
                "secret_jwt_template",
            ),
            (br#"[]"#, "expected a JSON object"),
        ] {
            let why = decode_key(body).unwrap_err();
            assert!(why.contains(expect), "{why}");
        }
        let leaky = br#"{"id":"a","name":"n","type":"secret","hash":["sb_secret_LEAK"]}"#;
        assert!(!decode_key(leaky).unwrap_err().contains("LEAK"));
    }

    #[test]
    fn lists_skip_unknown_types_and_keep_legacy_keys() {
        let body = json!([
            {"id": "anon", "name": "anon", "type": "legacy", "api_key": "eyJ.x.y",
             "prefix": "tbn2D", "hash": "h", "description": "Legacy anon API key"},
            {"id": "1", "name": "future", "type": "restricted", "api_key": null},
            {"id": "2", "name": "default", "type": "publishable", "api_key": "sb_publishable_x"}
        ]);
        let keys = decode_key_list(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].key_type, KeyType::Legacy);
        assert!(keys[0].inserted_at.is_none());
        assert_eq!(
            keys[1].api_key.as_ref().unwrap().expose(),
            "sb_publishable_x"
        );
        assert!(decode_key_list(b"{}").is_err());
        assert!(decode_key_list(b"[1]").is_err());
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            error_message(br#"{"message":"Unauthorized"}"#).as_deref(),
            Some("Unauthorized")
        );
        assert_eq!(
            error_message(br#"{"message":["a","b"]}"#).as_deref(),
            Some("a; b")
        );
        assert_eq!(error_message(br#"{"error":"x"}"#).as_deref(), Some("x"));
        assert_eq!(error_message(b"<html>"), None);
        assert_eq!(error_message(br#"{"message":""}"#), None);
        let long = format!(r#"{{"message":"{}"}}"#, "é".repeat(1000));
        assert!(error_message(long.as_bytes()).unwrap().chars().count() <= 501);
    }

    #[test]
    fn bodies_leave_out_unset_fields() {
        let body = create_body(&NewKey {
            name: "ci_key".into(),
            key_type: KeyType::Publishable,
            description: None,
            secret_jwt_template: None,
        });
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({"type": "publishable", "name": "ci_key"})
        );
        let body = update_body(&KeyUpdate {
            description: Some(Some("d".into())),
            ..KeyUpdate::default()
        });
        assert_eq!(
            serde_json::from_slice::<Value>(&body).unwrap(),
            json!({"description": "d"})
        );
        let cleared = update_body(&KeyUpdate {
            description: Some(None),
            ..KeyUpdate::default()
        });
        assert_eq!(
            serde_json::from_slice::<Value>(&cleared).unwrap(),
            json!({"description": null})
        );
    }

    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
            Just(json!("secret")),
            Just(json!(format!("sb_secret_abcde{}", "\u{b7}".repeat(26)))),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("id".to_owned()),
                        Just("name".to_owned()),
                        Just("type".to_owned()),
                        Just("api_key".to_owned()),
                        Just("secret_jwt_template".to_owned()),
                        Just("inserted_at".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn decoding_random_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode_key(&bytes);
            let _ = decode_key_list(&bytes);
            let _ = error_message(&bytes);
        }

        #[test]
        fn decoding_random_json_never_panics(value in any_json()) {
            let bytes = serde_json::to_vec(&value).unwrap();
            let _ = decode_key(&bytes);
            let _ = decode_key_list(&bytes);
            let _ = error_message(&bytes);
            let _ = decode_key_list(&serde_json::to_vec(&Value::Array(vec![value])).unwrap());
        }

        #[test]
        fn a_decoded_secret_is_never_masked(value in any_json()) {
            if let Ok(d) = decode_key(&serde_json::to_vec(&value).unwrap()) {
                if let Some(s) = d.key.api_key {
                    prop_assert!(!is_masked(s.expose()));
                }
            }
        }

        #[test]
        fn truncated_keys_never_panic(cut in 0usize..400) {
            let body = key_json(json!(FULL));
            let cut = cut.min(body.len());
            let result = decode_key(&body[..cut]);
            prop_assert_eq!(result.is_ok(), cut == body.len());
        }
    }
}
