//! Configuration of a simulator instance and of the bearer tokens it accepts.

use std::time::Duration;

/// How a simulator instance behaves. Build it with `..Default::default()`.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// Serve HTTPS with a freshly generated CA and leaf certificate.
    pub https: bool,
    /// Per token + project + endpoint budget; `None` disables rate limiting
    /// (and the `X-RateLimit-*` headers).
    pub rate_limit: Option<RateLimit>,
    /// Reject a create or rename that reuses a name already taken by a key of
    /// the same type in the same project (409).
    pub unique_names: bool,
    /// Whether new projects start with the legacy `anon`/`service_role` keys
    /// enabled (listed by `GET /api-keys`, `GET /api-keys/legacy` answers `true`).
    pub legacy_keys: bool,
}

impl Default for SimulatorConfig {
    fn default() -> Self {
        SimulatorConfig {
            https: false,
            rate_limit: Some(RateLimit::default()),
            unique_names: true,
            legacy_keys: true,
        }
    }
}

/// A fixed-window request budget: `requests_per_window` per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests_per_window: u32,
    pub window: Duration,
}

impl Default for RateLimit {
    /// The documented Management API limit: 120 requests per minute.
    fn default() -> Self {
        RateLimit {
            requests_per_window: 120,
            window: Duration::from_secs(60),
        }
    }
}

/// What happens when a token without "API Key Secrets: Read" asks for
/// `reveal=true`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevealDenial {
    /// The request is refused with 403 before anything is changed.
    Forbidden,
    /// The request proceeds; secret keys come back masked.
    Masked,
    /// The request proceeds; secret keys come back with `"api_key": null`.
    Null,
}

/// The permissions of one bearer token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions {
    /// "API Keys: Read" (`api_gateway_keys_read`): list, get, get legacy.
    pub read: bool,
    /// "API Keys: Read-write" (`api_gateway_keys_write`): create, update,
    /// delete, put legacy. It does not imply `read` here.
    pub write: bool,
    /// "API Key Secrets: Read" (`api_gateway_keys_secret_read`), needed for
    /// `reveal=true`; the error says what happens without it.
    pub secret_read: Result<(), RevealDenial>,
    /// "Project Settings: Read" (`project_admin_read`; OAuth `projects:read`), needed for
    /// `GET /v1/projects/{ref}` (403 without it).
    pub project_read: bool,
}

impl Permissions {
    /// Read, write, secret read and project read.
    pub fn all() -> Self {
        Permissions {
            read: true,
            write: true,
            secret_read: Ok(()),
            project_read: true,
        }
    }

    /// Everything but project read: a scoped token with only the API Keys permissions.
    pub fn without_project_read() -> Self {
        Permissions {
            project_read: false,
            ..Permissions::all()
        }
    }

    /// Read, write and project read, without secret read (reveal handled per `denial`).
    pub fn without_secret_read(denial: RevealDenial) -> Self {
        Permissions {
            secret_read: Err(denial),
            ..Permissions::all()
        }
    }

    /// Read only, with secret read and project read.
    pub fn read_only() -> Self {
        Permissions {
            write: false,
            ..Permissions::all()
        }
    }

    /// A valid token that may do nothing on these endpoints.
    pub fn none() -> Self {
        Permissions {
            read: false,
            write: false,
            secret_read: Err(RevealDenial::Forbidden),
            project_read: false,
        }
    }
}
