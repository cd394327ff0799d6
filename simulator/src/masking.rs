//! How keys are shown in answers: secret keys are masked unless
//! `reveal=true` is sent by a token allowed to read secrets; publishable and
//! legacy keys are always shown in full.

use serde::Serialize;
use serde_json::Value;

use crate::config::RevealDenial;
use crate::keygen::SECRET_PREFIX_LEN;
use crate::state::{ApiKey, LegacyKey};

/// The mask character, U+00B7 MIDDLE DOT.
pub const MASK_CHAR: char = '\u{00B7}';

/// How a secret key's `api_key` is shown in one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    Full,
    Masked,
    Null,
}

/// Decides the exposure of secret keys for a request; `Err(())` means the
/// request must be refused with 403.
pub fn exposure(reveal: bool, secret_read: Result<(), RevealDenial>) -> Result<Exposure, ()> {
    match (reveal, secret_read) {
        (false, _) => Ok(Exposure::Masked),
        (true, Ok(())) => Ok(Exposure::Full),
        (true, Err(RevealDenial::Forbidden)) => Err(()),
        (true, Err(RevealDenial::Masked)) => Ok(Exposure::Masked),
        (true, Err(RevealDenial::Null)) => Ok(Exposure::Null),
    }
}

/// The first 15 characters, then one `·` for every remaining character: a
/// 41-character secret gives `sb_secret_XXXXX` plus 26 dots.
pub fn mask_secret(api_key: &str) -> String {
    api_key
        .chars()
        .enumerate()
        .map(|(i, c)| if i < SECRET_PREFIX_LEN { c } else { MASK_CHAR })
        .collect()
}

/// One element of an answer, serialized with the observed field order.
#[derive(Serialize)]
#[serde(untagged)]
pub enum View<'a> {
    Key(KeyView<'a>),
    Legacy(LegacyView<'a>),
}

/// `ApiKeyResponse` for a new-style key; every field present, nulls explicit.
#[derive(Serialize)]
pub struct KeyView<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type")]
    key_type: &'a str,
    api_key: Option<String>,
    description: &'a Option<String>,
    secret_jwt_template: &'a Option<Value>,
    hash: &'a Option<String>,
    prefix: &'a Option<String>,
    inserted_at: &'a str,
    updated_at: &'a str,
}

/// `ApiKeyResponse` for a legacy key: no template and no timestamps at all.
#[derive(Serialize)]
pub struct LegacyView<'a> {
    name: &'a str,
    api_key: &'a str,
    id: &'a str,
    #[serde(rename = "type")]
    key_type: &'static str,
    hash: &'a str,
    prefix: &'a str,
    description: String,
}

pub fn key_view(key: &ApiKey, exposure: Exposure) -> KeyView<'_> {
    let api_key = match (key.key_type.as_str(), exposure) {
        ("secret", Exposure::Masked) => Some(mask_secret(&key.api_key)),
        ("secret", Exposure::Null) => None,
        _ => Some(key.api_key.clone()),
    };
    KeyView {
        id: &key.id,
        name: &key.name,
        key_type: &key.key_type,
        api_key,
        description: &key.description,
        secret_jwt_template: &key.secret_jwt_template,
        hash: &key.hash,
        prefix: &key.prefix,
        inserted_at: &key.inserted_at,
        updated_at: &key.updated_at,
    }
}

pub fn legacy_view(key: &LegacyKey) -> LegacyView<'_> {
    LegacyView {
        name: key.name,
        api_key: &key.api_key,
        id: key.name,
        key_type: "legacy",
        hash: &key.hash,
        prefix: &key.prefix,
        description: key.description(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_keeps_fifteen_and_length() {
        let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
        let masked = mask_secret(key);
        assert_eq!(masked.chars().count(), 41);
        assert!(masked.starts_with("sb_secret_N7UND"));
        assert_eq!(masked.chars().filter(|c| *c == MASK_CHAR).count(), 26);
    }

    #[test]
    fn exposure_rules() {
        assert_eq!(exposure(false, Ok(())), Ok(Exposure::Masked));
        assert_eq!(exposure(true, Ok(())), Ok(Exposure::Full));
        assert_eq!(exposure(true, Err(RevealDenial::Forbidden)), Err(()));
        assert_eq!(
            exposure(false, Err(RevealDenial::Forbidden)),
            Ok(Exposure::Masked)
        );
        assert_eq!(
            exposure(true, Err(RevealDenial::Masked)),
            Ok(Exposure::Masked)
        );
        assert_eq!(exposure(true, Err(RevealDenial::Null)), Ok(Exposure::Null));
    }
}
