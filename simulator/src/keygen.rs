//! Generation of ids and key material: UUID v4 ids, `sb_secret_…` /
//! `sb_publishable_…` values, prefixes, hashes and legacy JWTs.

use aws_lc_rs::{digest, hmac, rand};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Length of the `prefix` of a secret key, and of the unmasked part of a
/// masked secret: `sb_secret_` plus five characters.
pub const SECRET_PREFIX_LEN: usize = 15;
/// Length of the `prefix` of a publishable key: `sb_publishable_` plus five.
pub const PUBLISHABLE_PREFIX_LEN: usize = 20;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::fill(&mut buf).expect("system random generator");
    buf
}

/// A random, lowercase, hyphenated UUID v4.
pub fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whether `s` has the 8-4-4-4-12 hexadecimal UUID shape.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    groups.len() == 5
        && groups
            .iter()
            .zip(lens)
            .all(|(g, n)| g.len() == n && g.bytes().all(|c| c.is_ascii_hexdigit()))
}

/// A new key value: `sb_<type>_` + 22 base64url characters + `_` + 8 more
/// (41 characters for a secret key, 46 for a publishable one).
pub fn new_key_value(key_type: &str) -> String {
    let body = URL_SAFE_NO_PAD.encode(random_bytes::<16>());
    let tail = URL_SAFE_NO_PAD.encode(random_bytes::<6>());
    format!("sb_{key_type}_{body}_{tail}")
}

/// The `prefix` of a new-style key: its first 15 (secret) or 20
/// (publishable) characters.
pub fn key_prefix(key_type: &str, api_key: &str) -> String {
    let n = if key_type == "secret" {
        SECRET_PREFIX_LEN
    } else {
        PUBLISHABLE_PREFIX_LEN
    };
    api_key.chars().take(n).collect()
}

/// `base64url_nopad(sha256(value))`: 43 characters.
pub fn key_hash(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, value.as_bytes()))
}

/// A random alphanumeric string (legacy key prefixes).
pub fn alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for b in random_bytes::<32>() {
            // Rejection sampling keeps the distribution uniform.
            if (b as usize) < ALPHABET.len() * 4 && out.len() < len {
                out.push(ALPHABET[b as usize % ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// A long-lived HS256 JWT like the legacy `anon` / `service_role` keys.
pub fn legacy_jwt(project_ref: &str, role: &str, jwt_secret: &[u8], issued_at: u64) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = format!(
        r#"{{"iss":"supabase","ref":"{project_ref}","role":"{role}","iat":{issued_at},"exp":{}}}"#,
        issued_at + 10 * 365 * 24 * 3600
    );
    let payload = URL_SAFE_NO_PAD.encode(claims);
    let signing_input = format!("{header}.{payload}");
    let key = hmac::Key::new(hmac::HMAC_SHA256, jwt_secret);
    let signature = URL_SAFE_NO_PAD.encode(hmac::sign(&key, signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// 32 random bytes for a project's JWT secret.
pub fn jwt_secret() -> [u8; 32] {
    random_bytes::<32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape_and_version() {
        let id = uuid_v4();
        assert!(is_uuid(&id));
        assert_eq!(&id[14..15], "4");
        assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
        assert!(!is_uuid("anon"));
        assert!(!is_uuid("22222222-2222-4222-8222-22222222222"));
        assert!(!is_uuid("2222222g-2222-4222-8222-222222222222"));
    }

    #[test]
    fn key_lengths() {
        let s = new_key_value("secret");
        assert_eq!(s.len(), 41);
        assert!(s.starts_with("sb_secret_"));
        let p = new_key_value("publishable");
        assert_eq!(p.len(), 46);
        assert_eq!(key_prefix("secret", &s).len(), 15);
        assert_eq!(key_prefix("publishable", &p).len(), 20);
        assert_eq!(key_hash(&s).len(), 43);
    }

    #[test]
    fn alphanumeric_len() {
        let a = alphanumeric(5);
        assert_eq!(a.len(), 5);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
