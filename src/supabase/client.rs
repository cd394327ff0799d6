//! The client: configuration, the connection pool, and the key operations other than
//! create (see `create.rs`).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::errors::{ApiError, ErrorKind, Operation};
use super::key_lists::{Freshness, KeyList, ListCache, Lookup};
use super::keys::{decode_key, decode_key_list, update_body, ApiKey, Decoded, KeyUpdate};
use super::pacing::Pacer;
use super::retry::Backoff;
use super::tls;
use super::transport::{Failure, Request};
use crate::secret::Secret;

pub const USER_AGENT: &str = concat!("terraform-provider-supabase/", env!("CARGO_PKG_VERSION"));

pub struct ClientConfig {
    /// The Management API's base URL, e.g. `https://api.supabase.com`.
    pub endpoint: Url,
    pub access_token: Secret,
    /// Where the token came from, as its owner would name it (e.g. `the SUPABASE_ACCESS_TOKEN
    /// environment variable`): a refused token's error says to put a new one there.
    pub token_source: String,
    /// The limit for one attempt (connect, send, whole answer).
    pub request_timeout: Duration,
    /// How many times a failed request may be tried again (0: once only).
    pub max_retries: u32,
}

/// What [`Client::delete_key`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    Removed,
    /// The key (or its project) did not exist: 404.
    AlreadyGone,
}

/// Told to the retry hook before each wait.
#[derive(Clone, Debug)]
pub struct RetryNotice {
    /// What is being done, e.g. `list the API keys of project abc…`.
    pub action: String,
    /// The attempt that just failed (1-based), of `max_attempts`.
    pub attempt: u32,
    pub max_attempts: u32,
    pub delay: Duration,
    /// The request's URL (it never holds the token).
    pub url: String,
    /// Why, e.g. `HTTP 429` or `timed out`.
    pub reason: String,
}

type RetryHook = Arc<dyn Fn(&RetryNotice) + Send + Sync>;
/// Told what is held back to stay within the rate limit, as the wait begins, and how long the
/// window has left (when known).
type PacingHook = Arc<dyn Fn(&str, Option<Duration>) + Send + Sync>;

/// A Management API client. Cloning is cheap and shares one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    http: reqwest::Client,
    endpoint: Url,
    authorization: HeaderValue,
    token: Secret,
    token_source: String,
    request_timeout: Duration,
    /// How the request timeout's owner lengthens it, for errors that ran out of it.
    timeout_setting: String,
    max_retries: u32,
    backoff: Backoff,
    on_retry: Option<RetryHook>,
    on_pacing: Option<PacingHook>,
    /// Shared by clones (the `Arc`s survive `make_mut`): one per configured provider.
    lists: Arc<ListCache>,
    pacer: Arc<Pacer>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("request_timeout", &self.inner.request_timeout)
            .field("max_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let endpoint = config.endpoint;
        let https = match endpoint.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(ApiError::config(format!(
                    "the endpoint must be an http(s) URL, not {other}:"
                )))
            }
        };
        if endpoint.host().is_none() || endpoint.cannot_be_a_base() {
            return Err(ApiError::config("the endpoint has no host"));
        }
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(ApiError::config(
                "the endpoint must not hold credentials; the access token authenticates",
            ));
        }
        if config.access_token.expose().trim().is_empty() {
            return Err(ApiError::config(
                "no access token: create one at https://supabase.com/dashboard/account/tokens",
            ));
        }
        if config.request_timeout.is_zero() {
            return Err(ApiError::config("the request timeout must be above zero"));
        }
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", config.access_token.expose())).map_err(
                |_| {
                    ApiError::config(
                        "the access token holds characters an HTTP header cannot carry \
                         (a line break or a control character?); copy it again",
                    )
                },
            )?;
        authorization.set_sensitive(true);

        let builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(config.request_timeout)
            // A redirect would resend the request elsewhere; the API does not redirect.
            .redirect(reqwest::redirect::Policy::none());
        // Plain HTTP (the simulator, a local proxy) needs no roots; loading the system's
        // would only cost time and fail on hosts without any.
        let builder = if https {
            builder.tls_certs_merge(tls::extra_roots()?)
        } else {
            builder.tls_certs_only(Vec::new())
        };
        let http = builder.build().map_err(|e| {
            ApiError::config(format!("the HTTP client could not be built: {}", e))
                .scrub(config.access_token.expose())
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                authorization,
                token: config.access_token,
                token_source: config.token_source,
                request_timeout: config.request_timeout,
                timeout_setting: "the request timeout".to_owned(),
                max_retries: config.max_retries,
                backoff: Backoff::default(),
                on_retry: None,
                on_pacing: None,
                lists: Arc::default(),
                pacer: Arc::default(),
            }),
        })
    }

    /// Replaces the waits between attempts (defaults: the constants in `retry`).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        Arc::make_mut(&mut self.inner).backoff = backoff;
        self
    }

    /// Names the setting that lengthens the request timeout (default: "the request timeout"),
    /// for the error of a request that got no answer in time.
    pub fn with_timeout_setting(mut self, setting: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.inner).timeout_setting = setting.into();
        self
    }

    /// Calls `hook` before every wait, e.g. to log it.
    pub fn with_retry_hook(mut self, hook: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        Arc::make_mut(&mut self.inner).on_retry = Some(Arc::new(hook));
        self
    }

    /// Calls `hook` when a request is held back to stay within the rate limit, as the wait
    /// begins, with the window's time left when known.
    pub fn with_pacing_hook(
        mut self,
        hook: impl Fn(&str, Option<Duration>) + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.inner).on_pacing = Some(Arc::new(hook));
        self
    }

    pub fn endpoint(&self) -> &Url {
        &self.inner.endpoint
    }

    /// Every key of the project, legacy ones included; secret keys' values masked.
    pub async fn list_keys(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
    ) -> Result<Vec<ApiKey>, ApiError> {
        let op = Operation::List {
            project_ref: project_ref.to_owned(),
        };
        let url = self.keys_url(project_ref, None, false);
        let answer = self
            .execute(cancel, &op, Request::get(url))
            .await
            .map_err(Failure::into_error)?;
        answer
            .body()
            .and_then(decode_key_list)
            .map_err(|why| ApiError::invalid_body(&op, answer.status, &why))
    }

    /// The project's keys as [`Client::list_keys`] gives them, from one list request shared
    /// by every caller of this client (see `key_lists`).
    pub async fn project_keys(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        freshness: Freshness,
    ) -> Result<KeyList, ApiError> {
        self.project_keys_listed(cancel, project_ref, freshness)
            .await
            .map(|(_, list)| list)
    }

    /// [`Client::project_keys`], with the instant the list was requested.
    pub(crate) async fn project_keys_listed(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        freshness: Freshness,
    ) -> Result<(Instant, KeyList), ApiError> {
        let (generation, fetch) = match self.inner.lists.lookup(project_ref, freshness) {
            Lookup::Ready(at, list) => return Ok((at, list)),
            Lookup::Fetch { generation, fetch } => (generation, fetch),
        };
        let result = fetch
            .cell
            .get_or_init(|| async {
                let at = self.inner.lists.started(project_ref, generation, &fetch);
                self.list_keys(cancel, project_ref)
                    .await
                    .map(|keys| (at, KeyList::from(keys)))
            })
            .await
            .clone();
        self.inner
            .lists
            .settle(project_ref, generation, &fetch, &result);
        result
    }

    /// One key; with `reveal`, its full value (needs "API Key Secrets: Read"; without it
    /// the API may refuse or send the value masked, which leaves `api_key` empty).
    pub async fn get_key(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        id: &str,
        reveal: bool,
    ) -> Result<ApiKey, ApiError> {
        self.get_decoded(cancel, project_ref, id, reveal)
            .await
            .map(|d| d.key)
    }

    pub(crate) async fn get_decoded(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        id: &str,
        reveal: bool,
    ) -> Result<Decoded, ApiError> {
        let op = Operation::Get {
            project_ref: project_ref.to_owned(),
            id: id.to_owned(),
            reveal,
        };
        check_id(&op, id)?;
        let url = self.keys_url(project_ref, Some(id), reveal);
        let answer = self
            .execute(cancel, &op, Request::get(url))
            .await
            .map_err(Failure::into_error)?;
        answer
            .body()
            .and_then(decode_key)
            .map_err(|why| ApiError::invalid_body(&op, answer.status, &why))
    }

    /// Changes name, description or JWT template; the answer's value is not revealed.
    pub async fn update_key(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        id: &str,
        update: &KeyUpdate,
    ) -> Result<ApiKey, ApiError> {
        let op = Operation::Update {
            project_ref: project_ref.to_owned(),
            id: id.to_owned(),
        };
        check_id(&op, id)?;
        let url = self.keys_url(project_ref, Some(id), false);
        let body = update_body(update);
        let req = Request {
            method: Method::PATCH,
            url,
            body: Some(&body),
        };
        let answer = self
            .execute(cancel, &op, req)
            .await
            .map_err(Failure::into_error)?;
        answer
            .body()
            .and_then(decode_key)
            .map(|d| d.key)
            .map_err(|why| ApiError::invalid_body(&op, answer.status, &why))
    }

    /// Deletes a key; a 404 (also after a retried delete that had gone through) is
    /// [`Deleted::AlreadyGone`].
    pub async fn delete_key(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
        id: &str,
    ) -> Result<Deleted, ApiError> {
        let op = Operation::Delete {
            project_ref: project_ref.to_owned(),
            id: id.to_owned(),
        };
        check_id(&op, id)?;
        let url = self.keys_url(project_ref, Some(id), false);
        let req = Request {
            method: Method::DELETE,
            url,
            body: None,
        };
        match self.execute(cancel, &op, req).await {
            // The API answers with the deleted key; anything else (a login page) is not
            // proof that the key is gone.
            Ok(answer) => answer
                .body()
                .and_then(decode_key)
                .map(|_| Deleted::Removed)
                .map_err(|why| ApiError::invalid_body(&op, answer.status, &why)),
            Err(failure) => match failure.into_error() {
                e if e.kind() == ErrorKind::NotFound => Ok(Deleted::AlreadyGone),
                e => Err(e),
            },
        }
    }

    /// `{endpoint}/v1/projects/{ref}/api-keys[/{id}][?reveal=true]`, each part escaped.
    pub(crate) fn keys_url(&self, project_ref: &str, id: Option<&str>, reveal: bool) -> Url {
        let mut url = self.inner.endpoint.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["v1", "projects", project_ref, "api-keys"]);
            if let Some(id) = id {
                segments.push(id);
            }
        }
        if reveal {
            url.set_query(Some("reveal=true"));
        }
        url
    }

    pub(crate) fn notify(&self, notice: &RetryNotice) {
        if let Some(hook) = &self.inner.on_retry {
            hook(notice);
        }
    }

    pub(crate) fn notify_pacing(&self, action: &str, left: Option<Duration>) {
        if let Some(hook) = &self.inner.on_pacing {
            hook(action, left);
        }
    }

    pub(crate) fn lists(&self) -> &ListCache {
        &self.inner.lists
    }

    pub(crate) fn pacer(&self) -> &Pacer {
        &self.inner.pacer
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn authorization(&self) -> &HeaderValue {
        &self.inner.authorization
    }

    pub(crate) fn token(&self) -> &str {
        self.inner.token.expose()
    }

    pub(crate) fn token_source(&self) -> &str {
        &self.inner.token_source
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    pub(crate) fn timeout_setting(&self) -> &str {
        &self.inner.timeout_setting
    }

    pub(crate) fn max_retries(&self) -> u32 {
        self.inner.max_retries
    }

    pub(crate) fn backoff(&self) -> Backoff {
        self.inner.backoff
    }
}

impl Request<'_> {
    pub(crate) fn get(url: Url) -> Self {
        Request {
            method: Method::GET,
            url,
            body: None,
        }
    }
}

/// An empty id would address the list instead of a key.
fn check_id(op: &Operation, id: &str) -> Result<(), ApiError> {
    if id.is_empty() {
        return Err(ApiError::new(
            ErrorKind::BadRequest,
            op,
            "the key id is empty",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(endpoint: &str, token: &str) -> ClientConfig {
        ClientConfig {
            endpoint: Url::parse(endpoint).unwrap(),
            access_token: Secret::new(token),
            token_source: "the test's token".into(),
            request_timeout: Duration::from_secs(1),
            max_retries: 1,
        }
    }

    #[test]
    fn urls_escape_their_parts_and_keep_a_base_path() {
        let client = Client::new(config("http://127.0.0.1:9/base/?x=1", "t")).unwrap();
        assert_eq!(
            client.keys_url("abc", Some("a/b?c"), true).as_str(),
            "http://127.0.0.1:9/base/v1/projects/abc/api-keys/a%2Fb%3Fc?reveal=true"
        );
        let client = Client::new(config("https://api.supabase.com", "t")).unwrap();
        assert_eq!(
            client.keys_url("abc", None, false).as_str(),
            "https://api.supabase.com/v1/projects/abc/api-keys"
        );
    }

    #[test]
    fn bad_configurations_are_refused_without_showing_the_token() {
        let token = "sbp_0123456789abcdef0123456789abcdef01234567";
        for (endpoint, token) in [
            ("ftp://example.com", token),
            ("http://user:pw@example.com", token),
            ("http://example.com", "   "),
            ("http://example.com", "line\nbreak"),
        ] {
            let e = Client::new(config(endpoint, token)).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config);
            assert!(!e.to_string().contains(token) || token.trim().is_empty());
        }
        let mut c = config("http://example.com", token);
        c.request_timeout = Duration::ZERO;
        assert_eq!(Client::new(c).unwrap_err().kind(), ErrorKind::Config);
    }

    #[test]
    fn debug_shows_no_token() {
        let token = "sbp_0123456789abcdef0123456789abcdef01234567";
        let client = Client::new(config("http://example.com", token)).unwrap();
        assert!(!format!("{client:?}").contains(token));
        assert!(USER_AGENT.starts_with("terraform-provider-supabase/"));
    }
}
