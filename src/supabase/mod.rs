//! The Supabase Management API client for project API keys. Knows nothing of Terraform.
//!
//! - `client`: configuration, the connection pool, list/get/update/delete.
//! - `create`: create, with reconciliation when the outcome of a create is unknown.
//! - `transport`: one request and its retries, each attempt told to the request hook
//!   ([`set_request_hook`]); `retry`: when and how long to wait.
//! - `key_lists`: one list request per project shared by every read; `pacing`: holding
//!   requests back before the rate limit is reached.
//! - `keys`: key types, request bodies, decoding of answers; `project`: a project's status.
//! - `errors`: the error type and its messages; `operation`: the calls and the
//!   permissions they need; `reconcile`: which key a create made.
//! - `tls`: HTTPS roots (`SSL_CERT_FILE`); `time`: timestamp parsing.

mod client;
mod create;
mod errors;
mod key_lists;
mod keys;
mod operation;
mod pacing;
mod project;
mod reconcile;
mod retry;
mod time;
mod tls;
mod transport;

pub use client::{Client, ClientConfig, Deleted, RetryNotice, USER_AGENT};
pub use create::{Created, SETTLE_TIMEOUTS};
pub use errors::{ApiError, ErrorKind, Permission};
pub use key_lists::{Freshness, KeyList};
pub use keys::{is_masked, ApiKey, KeyType, KeyUpdate, NewKey, SecretValue, MASK_CHAR};
pub use project::{Project, ProjectStatus, Readiness};
pub use reconcile::CLOCK_SKEW;
pub use retry::{Backoff, INITIAL_BACKOFF, MAX_BACKOFF, MAX_SERVER_WAIT};
pub use time::parse_rfc3339_millis;
pub use tls::CERT_FILE_ENV;
pub use transport::{set_request_hook, Exchange, Outcome, RateLimitHeaders};
