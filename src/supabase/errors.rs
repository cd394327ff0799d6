//! What can go wrong talking to the Management API, worded so the reader knows what to do.
//!
//! Every message is built here from the operation, the HTTP status and the server's
//! `{"message": …}`; the access token is never part of one (and is scrubbed from the
//! server's text in case a server echoes it).

use std::fmt;
use std::time::Duration;

pub(crate) use super::operation::Operation;
pub use super::operation::Permission;

/// The class of failure, for callers to match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The client could not be built (endpoint, token or `SSL_CERT_FILE` unusable).
    Config,
    /// 401: the access token is invalid, expired or revoked.
    Unauthorized,
    /// 403: the token lacks a permission; [`ApiError::permissions`] lists what the call needs.
    Forbidden,
    /// 404: the project or the key does not exist.
    NotFound,
    /// 400 (and other 4xx without a kind of their own): the server refused the request.
    BadRequest,
    /// 409: a key with this name and type already exists.
    Conflict,
    /// 429, still after every retry.
    RateLimited,
    /// 5xx, still after every retry (or once, for a create).
    Server,
    /// No answer within the request timeout, still after every retry.
    Timeout,
    /// No connection (DNS, TCP, TLS), or it broke, still after every retry.
    Connection,
    /// An answer that is not what the API sends (HTML, bad JSON, missing fields, redirect).
    InvalidResponse,
    /// A create failed after it was sent and several new keys could be ours;
    /// [`ApiError::candidates`] lists their ids.
    Ambiguous,
    /// The caller's cancellation token fired.
    Cancelled,
}

/// An error from the Management API client. `Display` gives a full sentence with what
/// to do; it never contains the access token.
#[derive(Clone, Debug)]
pub struct ApiError {
    // Boxed: errors travel in every `Result` of the client, and are rare.
    inner: Box<Inner>,
}

#[derive(Clone, Debug)]
struct Inner {
    kind: ErrorKind,
    status: Option<u16>,
    server_message: Option<String>,
    action: String,
    detail: String,
    permissions: Vec<Permission>,
    candidates: Vec<String>,
    attempts: u32,
    unsettled: bool,
}

impl ApiError {
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The HTTP status of the last answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The server's `message`, if it sent one.
    pub fn server_message(&self) -> Option<&str> {
        self.inner.server_message.as_deref()
    }

    /// For [`ErrorKind::Forbidden`]: the permissions the call needs (one of them is missing).
    pub fn permissions(&self) -> &[Permission] {
        &self.inner.permissions
    }

    /// For [`ErrorKind::Ambiguous`]: the ids of the keys that could be ours.
    pub fn candidates(&self) -> &[String] {
        &self.inner.candidates
    }

    /// How many requests were sent for this call before giving up (0 if none).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// A create failed after it was sent and its key was not found: the API may still carry it
    /// out, so it must not be sent again (the next plan names the key if it appears).
    pub fn may_have_created(&self) -> bool {
        self.inner.unsettled
    }

    pub(crate) fn unsettled(mut self) -> Self {
        self.inner.unsettled = true;
        self
    }

    pub(crate) fn new(kind: ErrorKind, op: &Operation, detail: impl Into<String>) -> Self {
        ApiError {
            inner: Box::new(Inner {
                kind,
                status: None,
                server_message: None,
                action: op.action(),
                detail: detail.into(),
                permissions: Vec::new(),
                candidates: Vec::new(),
                attempts: 0,
                unsettled: false,
            }),
        }
    }

    pub(crate) fn config(detail: impl Into<String>) -> Self {
        ApiError::new(ErrorKind::Config, &Operation::Configure, detail)
    }

    pub(crate) fn cancelled(op: &Operation) -> Self {
        ApiError::new(
            ErrorKind::Cancelled,
            op,
            "the operation was cancelled; no request was sent after the cancellation",
        )
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    pub(crate) fn with_candidates(mut self, ids: Vec<String>) -> Self {
        self.inner.candidates = ids;
        self
    }

    /// Puts `context` before the explanation, e.g. what had already happened.
    pub(crate) fn with_context(mut self, context: &str) -> Self {
        self.inner.detail = format!("{context}; {}", self.inner.detail);
        self
    }

    /// The error for an HTTP answer that is not a success.
    pub(crate) fn from_status(op: &Operation, answer: &StatusInfo<'_>) -> Self {
        let status = answer.status;
        let said = answer
            .server_message
            .map(|m| format!(", server said \"{m}\""))
            .unwrap_or_default();
        let (kind, detail) = match status {
            401 => (
                ErrorKind::Unauthorized,
                format!(
                    "the access token was refused (HTTP 401{said}): it is invalid, expired or \
                     revoked. Create a new access token \
                     (https://supabase.com/dashboard/account/tokens) and put it in {}",
                    answer.token_source
                ),
            ),
            403 => {
                let needed: Vec<String> = op.permissions().iter().map(|p| p.describe()).collect();
                let (needs, grant) = match needed.len() {
                    0 => (String::new(), "the missing permission"),
                    1 => (format!(" It needs {}.", needed[0]), "it"),
                    _ => (
                        format!(
                            " It needs {}; the API does not say which one is missing.",
                            needed.join(" and ")
                        ),
                        "them",
                    ),
                };
                (
                    ErrorKind::Forbidden,
                    format!(
                        "the access token lacks a permission (HTTP 403{said}).{needs} Grant \
                         {grant} to the token (or its OAuth app), or use a token that has {grant}"
                    ),
                )
            }
            404 if answer.is_route_miss() => (
                ErrorKind::InvalidResponse,
                format!(
                    "the endpoint has no such route (HTTP 404{said}); check that the endpoint \
                     is the Management API's base URL, e.g. https://api.supabase.com"
                ),
            ),
            404 if answer.server_message.is_none() => (
                ErrorKind::InvalidResponse,
                format!(
                    "HTTP 404 without the API's JSON error body{}; the endpoint is probably not \
                     the Management API (a proxy or another server answered)",
                    answer.content_type_note()
                ),
            ),
            404 => (
                ErrorKind::NotFound,
                format!("{} (HTTP 404{said})", op.not_found()),
            ),
            409 => (
                ErrorKind::Conflict,
                format!(
                    "the API refused it as a conflict (HTTP 409{said}); a key with this name \
                     and type probably exists already: choose another name, or import that key"
                ),
            ),
            429 => (ErrorKind::RateLimited, answer.rate_limit_detail(&said)),
            300..=399 => (
                ErrorKind::InvalidResponse,
                format!(
                    "the endpoint redirected (HTTP {status}{}); set the endpoint to the \
                     Management API's base URL itself",
                    answer
                        .location
                        .map(|l| format!(" to {l}"))
                        .unwrap_or_default()
                ),
            ),
            500..=599 => (
                ErrorKind::Server,
                format!(
                    "the Management API failed with HTTP {status}{said}{}. This is a fault on \
                     Supabase's side (or a proxy's): retry later, and check \
                     https://status.supabase.com if it persists",
                    if answer.server_message.is_none() {
                        answer.content_type_note()
                    } else {
                        String::new()
                    }
                ),
            ),
            _ => (
                ErrorKind::BadRequest,
                match answer.server_message {
                    Some(m) => format!("the API refused the request (HTTP {status}): {m}"),
                    None => format!(
                        "the API refused the request (HTTP {status}, no message{})",
                        answer.content_type_note()
                    ),
                },
            ),
        };
        let mut error = ApiError::new(kind, op, detail);
        error.inner.status = Some(status);
        error.inner.server_message = answer.server_message.map(str::to_owned);
        if kind == ErrorKind::Forbidden {
            error.inner.permissions = op.permissions();
        }
        error
    }

    /// A 2xx answer whose body is not what the API sends.
    pub(crate) fn invalid_body(op: &Operation, status: u16, why: &str) -> Self {
        let mut error = ApiError::new(
            ErrorKind::InvalidResponse,
            op,
            format!(
                "the answer (HTTP {status}) is not a valid Management API response: {why}; \
                 check that the endpoint is the Management API (not a proxy or login page)"
            ),
        );
        error.inner.status = Some(status);
        error
    }

    /// No connection could be made to `url`; nothing was sent.
    pub(crate) fn connect(
        op: &Operation,
        url: &url::Url,
        cause: &str,
        timeout: Option<Duration>,
    ) -> Self {
        let hint = if cause.contains("certificate") || cause.contains("UnknownIssuer") {
            " The server's TLS certificate is not trusted: if it is signed by a private CA, \
             set SSL_CERT_FILE to a PEM file holding that CA"
        } else {
            " Check the endpoint URL, the network and any proxy settings (HTTPS_PROXY, NO_PROXY)"
        };
        let within = timeout
            .map(|t| format!(" within {}", show_duration(t)))
            .unwrap_or_default();
        ApiError::new(
            ErrorKind::Connection,
            op,
            format!("could not connect to {url}{within} ({cause}).{hint}"),
        )
    }

    /// The request to `url` may have been sent, but no (complete) answer came (within
    /// `timeout`, when that is why).
    pub(crate) fn transport(
        op: &Operation,
        url: &url::Url,
        cause: &str,
        timeout: Option<TimeoutSetting<'_>>,
    ) -> Self {
        match timeout {
            Some(t) => ApiError::new(
                ErrorKind::Timeout,
                op,
                format!(
                    "no complete answer within the request timeout of {} from {url} ({cause}); \
                     the API or the network is slow or unreachable. A request waits for \
                     answers that do not come at most {} times the request timeout in all; to \
                     wait longer, raise {}",
                    show_duration(t.limit),
                    super::transport::SILENCE_BUDGET,
                    t.setting
                ),
            ),
            None => ApiError::new(
                ErrorKind::Connection,
                op,
                format!(
                    "the connection failed before a complete answer arrived from {url} \
                     ({cause}); check the network and any proxy, then retry"
                ),
            ),
        }
    }

    /// Removes every occurrence of `token` from the texts (a server might echo it).
    pub(crate) fn scrub(mut self, token: &str) -> Self {
        if token.is_empty() {
            return self;
        }
        self.inner.detail = self.inner.detail.replace(token, "<redacted>");
        self.inner.action = self.inner.action.replace(token, "<redacted>");
        if let Some(m) = self.inner.server_message.as_mut() {
            *m = m.replace(token, "<redacted>");
        }
        self
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.inner.action, self.inner.detail)?;
        if self.inner.attempts > 1 {
            write!(f, " (gave up after {} attempts)", self.inner.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// What an error answer carried, as far as messages need it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct StatusInfo<'a> {
    pub status: u16,
    pub server_message: Option<&'a str>,
    pub method: &'a str,
    pub content_type: Option<&'a str>,
    pub location: Option<&'a str>,
    pub rate_limit: Option<u64>,
    pub rate_reset_secs: Option<u64>,
    /// Where the token came from (see `ClientConfig::token_source`), for a 401.
    pub token_source: &'a str,
}

impl StatusInfo<'_> {
    /// NestJS answers an unknown route with `Cannot GET /path`: a wrong endpoint, not a
    /// missing key (so a delete must not call it "already gone").
    fn is_route_miss(&self) -> bool {
        self.server_message
            .is_some_and(|m| m.starts_with(&format!("Cannot {} /", self.method)))
    }

    fn content_type_note(&self) -> String {
        self.content_type
            .map(|t| format!(", content type {t}"))
            .unwrap_or_default()
    }

    fn rate_limit_detail(&self, said: &str) -> String {
        let limit = match self.rate_limit {
            Some(n) => format!("{n} requests per minute"),
            None => "120 requests per minute (the documented default)".to_owned(),
        };
        let reset = self
            .rate_reset_secs
            .map(|s| format!("; the window resets in {s} s"))
            .unwrap_or_default();
        format!(
            "the Management API is rate limiting this token (HTTP 429{said}). The limit is \
             {limit} per user, project and endpoint{reset}. Wait for the window to reset and \
             retry, or run fewer operations in parallel (all tokens of one user share the limit)"
        )
    }
}

/// The request timeout an attempt ran out of, and how its owner lengthens it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TimeoutSetting<'a> {
    pub limit: Duration,
    /// E.g. "`request_timeout` in the provider block".
    pub setting: &'a str,
}

pub(crate) fn show_duration(d: Duration) -> String {
    if d.as_millis() < 10_000 && d.subsec_millis() != 0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::KeyType;

    fn op_get(reveal: bool) -> Operation {
        Operation::Get {
            project_ref: "abcdefghijklmnopqrst".into(),
            id: "22222222-2222-4222-8222-222222222222".into(),
            reveal,
        }
    }

    fn create() -> Operation {
        Operation::Create {
            project_ref: "abcdefghijklmnopqrst".into(),
            name: "ci_key".into(),
            key_type: KeyType::Secret,
        }
    }

    fn status(status: u16, message: Option<&'static str>) -> StatusInfo<'static> {
        StatusInfo {
            status,
            server_message: message,
            method: "GET",
            content_type: Some("application/json"),
            token_source: "the SUPABASE_ACCESS_TOKEN environment variable",
            ..StatusInfo::default()
        }
    }

    #[test]
    fn unauthorized_says_to_create_a_new_token() {
        let e = ApiError::from_status(&op_get(false), &status(401, Some("Unauthorized")));
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
        assert_eq!(e.status(), Some(401));
        let text = e.to_string();
        assert!(text.contains("invalid, expired or revoked"), "{text}");
        assert!(text.contains("Create a new access token"), "{text}");
        assert!(
            text.contains("and put it in the SUPABASE_ACCESS_TOKEN environment variable"),
            "{text}"
        );
    }

    #[test]
    fn forbidden_names_the_permissions() {
        let e = ApiError::from_status(&op_get(false), &status(403, Some("nope")));
        assert_eq!(e.kind(), ErrorKind::Forbidden);
        assert_eq!(e.permissions(), [Permission::KeysRead]);
        assert!(e.to_string().contains("\"API Keys: Read\""));
        assert!(e.to_string().contains("api_gateway_keys_read"));

        let e = ApiError::from_status(&op_get(true), &status(403, None));
        assert!(e.permissions().contains(&Permission::KeySecretsRead));
        let text = e.to_string();
        assert!(text.contains("API Key Secrets: Read"), "{text}");
        assert!(text.contains("api_gateway_keys_secret_read"), "{text}");
        assert!(text.contains("secrets:read"), "{text}");

        let e = ApiError::from_status(&create(), &status(403, None));
        assert_eq!(
            e.permissions(),
            [Permission::KeysWrite, Permission::KeySecretsRead]
        );
        assert!(e.to_string().contains("API Keys: Read-write"));
        assert!(e.to_string().contains("secrets:write"));
    }

    #[test]
    fn not_found_names_project_or_key() {
        let e = ApiError::from_status(&op_get(false), &status(404, Some("API key not found")));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e
            .to_string()
            .contains("22222222-2222-4222-8222-222222222222"));
        assert_eq!(e.server_message(), Some("API key not found"));
        let list = Operation::List {
            project_ref: "abcdefghijklmnopqrst".into(),
        };
        let e = ApiError::from_status(&list, &status(404, Some("Project not found")));
        assert!(e
            .to_string()
            .contains("project abcdefghijklmnopqrst does not exist"));
    }

    #[test]
    fn a_route_miss_or_a_foreign_404_is_not_a_missing_key() {
        let e = ApiError::from_status(
            &op_get(false),
            &status(404, Some("Cannot GET /v2/projects/x/api-keys")),
        );
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        assert!(e.to_string().contains("base URL"));
        let e = ApiError::from_status(&op_get(false), &status(404, None));
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn bad_request_and_conflict_carry_the_server_message() {
        let e = ApiError::from_status(&create(), &status(400, Some("name: Name must start")));
        assert_eq!(e.kind(), ErrorKind::BadRequest);
        assert!(e.to_string().contains("name: Name must start"));
        let e = ApiError::from_status(&create(), &status(409, Some("exists")));
        assert_eq!(e.kind(), ErrorKind::Conflict);
        assert!(e.to_string().contains("import"));
        let e = ApiError::from_status(&create(), &status(422, None));
        assert_eq!(e.kind(), ErrorKind::BadRequest);
    }

    #[test]
    fn rate_limited_gives_the_limit_and_what_to_do() {
        let mut info = status(429, Some("Too Many Requests"));
        info.rate_limit = Some(120);
        info.rate_reset_secs = Some(42);
        let e = ApiError::from_status(&op_get(false), &info).with_attempts(4);
        assert_eq!(e.kind(), ErrorKind::RateLimited);
        let text = e.to_string();
        assert!(text.contains("120 requests per minute"), "{text}");
        assert!(text.contains("resets in 42 s"), "{text}");
        assert!(text.contains("Wait for the window to reset"), "{text}");
        assert!(text.contains("after 4 attempts"), "{text}");
    }

    #[test]
    fn server_errors_and_transport_failures_name_the_fault() {
        let e = ApiError::from_status(&op_get(false), &status(503, None));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.to_string().contains("HTTP 503"));
        let url = url::Url::parse("https://api.example.com/v1/projects/p/api-keys").unwrap();
        let e = ApiError::transport(
            &op_get(false),
            &url,
            "timed out",
            Some(TimeoutSetting {
                limit: Duration::from_millis(300),
                setting: "the knob",
            }),
        );
        assert_eq!(e.kind(), ErrorKind::Timeout);
        assert!(e.to_string().contains(
            "no complete answer within the request timeout of 300 ms from \
             https://api.example.com/v1/projects/p/api-keys (timed out)"
        ));
        assert!(
            e.to_string().contains("to wait longer, raise the knob"),
            "{e}"
        );
        let e = ApiError::transport(&op_get(false), &url, "connection reset", None);
        assert_eq!(e.kind(), ErrorKind::Connection);
        assert!(e.to_string().contains(
            "the connection failed before a complete answer arrived from \
             https://api.example.com/v1/projects/p/api-keys (connection reset)"
        ));
        let e = ApiError::connect(
            &op_get(false),
            &url,
            "invalid peer certificate: UnknownIssuer",
            None,
        );
        assert_eq!(e.kind(), ErrorKind::Connection);
        assert!(e.to_string().contains("SSL_CERT_FILE"));
        let e = ApiError::connect(
            &op_get(false),
            &url,
            "tcp connect error",
            Some(Duration::from_secs(30)),
        );
        assert!(e.to_string().contains(
            "could not connect to https://api.example.com/v1/projects/p/api-keys within 30 s \
             (tcp connect error). Check the endpoint URL"
        ));
        let e = ApiError::from_status(&op_get(false), &status(301, None));
        assert_eq!(e.kind(), ErrorKind::InvalidResponse);
    }

    #[test]
    fn the_token_never_shows() {
        let token = "sbp_0123456789abcdef0123456789abcdef01234567";
        let echoed = format!("token {token} is not valid");
        let info = StatusInfo {
            server_message: Some(&echoed),
            ..status(401, None)
        };
        let e = ApiError::from_status(&op_get(false), &info).scrub(token);
        assert!(!e.to_string().contains(token));
        assert!(!format!("{e:?}").contains(token));
        assert!(!e.server_message().unwrap().contains(token));
    }
}
