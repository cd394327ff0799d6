//! Bearer token extraction and the permission each endpoint needs.

use http::header::AUTHORIZATION;
use http::HeaderMap;

use crate::config::Permissions;
use crate::messages;

/// The token of an `Authorization: Bearer <token>` header (scheme compared
/// case-insensitively); `None` when absent, malformed or empty.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The api-keys operations, and the project GET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    List,
    Create,
    Get,
    Update,
    Delete,
    LegacyGet,
    LegacyPut,
    ProjectGet,
}

impl Endpoint {
    /// The spec's operationId; also the rate limiter's endpoint key.
    pub fn operation_id(self) -> &'static str {
        match self {
            Endpoint::List => "v1-get-project-api-keys",
            Endpoint::Create => "v1-create-project-api-key",
            Endpoint::Get => "v1-get-project-api-key",
            Endpoint::Update => "v1-update-project-api-key",
            Endpoint::Delete => "v1-delete-project-api-key",
            Endpoint::LegacyGet => "v1-get-project-legacy-api-keys",
            Endpoint::LegacyPut => "v1-update-project-legacy-api-keys",
            Endpoint::ProjectGet => "v1-get-project",
        }
    }

    /// `api_gateway_keys_write` (otherwise `api_gateway_keys_read`).
    pub fn needs_write(self) -> bool {
        matches!(
            self,
            Endpoint::Create | Endpoint::Update | Endpoint::Delete | Endpoint::LegacyPut
        )
    }

    /// Whether the operation takes the `reveal` query parameter.
    pub fn takes_reveal(self) -> bool {
        !matches!(
            self,
            Endpoint::LegacyGet | Endpoint::LegacyPut | Endpoint::ProjectGet
        )
    }

    pub fn allowed(self, permissions: &Permissions) -> bool {
        if self == Endpoint::ProjectGet {
            permissions.project_read
        } else if self.needs_write() {
            permissions.write
        } else {
            permissions.read
        }
    }

    /// The 403 text: the project GET's is the full one seen on other endpoints; the api-keys
    /// endpoints keep the shorter one reported for them.
    pub fn forbidden_message(self) -> &'static str {
        if self == Endpoint::ProjectGet {
            messages::PROJECT_FORBIDDEN
        } else {
            messages::FORBIDDEN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bearer_parsing() {
        assert_eq!(bearer(&headers("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("bearer abc")), Some("abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&headers("Bearerabc")), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }
}
