//! One request, tried again while that is safe. Two budgets bound it: `max_retries` attempts,
//! and [`SILENCE_BUDGET`] request timeouts spent waiting for answers that never came, so an
//! endpoint that accepts connections and never answers fails a plan within two request timeouts
//! rather than after every attempt has timed out (waits for the rate limit and retries of
//! refused connections do not count: they end by themselves). Every wait can be cancelled, and
//! so can an answer in flight: once Terraform stops the provider nobody will use the answer of a
//! read, and a create abandoned this way is ambiguous, so its caller looks for the key it may
//! have made (`create.rs`). Each attempt, once ended, is told to the process's request hook
//! ([`set_request_hook`]) as an [`Exchange`].

use std::error::Error as StdError;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::Method;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::client::{Client, RetryNotice};
use super::errors::{ApiError, Operation, StatusInfo, TimeoutSetting};
use super::keys::error_message;
use super::pacing::{Bucket, Quota};
use super::retry::{verdict, Ending, Verdict};

/// Answers larger than this are not the API's (a list of every key is far smaller).
const MAX_BODY: usize = 4 << 20;
/// How many request timeouts one request may spend in all on attempts that timed out and the
/// backoffs after them: the first attempt's whole timeout, then what is left for one more, so
/// an endpoint that never answers fails a read within this many request timeouts.
pub const SILENCE_BUDGET: u32 = 2;
/// A last attempt with less than this fraction of a request timeout left is not made.
const MIN_ATTEMPT_FRACTION: u32 = 4;

pub(crate) struct Request<'a> {
    pub method: Method,
    pub url: Url,
    pub body: Option<&'a [u8]>,
}

/// A successful (2xx) answer.
pub(crate) struct Answer {
    pub status: u16,
    /// When the attempt that got this answer was sent.
    pub sent: Instant,
    body: Vec<u8>,
    oversized: bool,
}

impl Answer {
    /// The body, or why it cannot be decoded.
    pub fn body(&self) -> Result<&[u8], String> {
        if self.oversized {
            Err(format!("the body is larger than {} MiB", MAX_BODY >> 20))
        } else {
            Ok(&self.body)
        }
    }
}

/// Why a request gave no usable answer.
pub(crate) enum Failure {
    /// Nothing more to try.
    Error(ApiError),
    /// A create failed after it was sent (at this instant): it may have been carried out.
    Ambiguous(ApiError, Instant),
}

impl Failure {
    pub fn into_error(self) -> ApiError {
        match self {
            Failure::Error(e) | Failure::Ambiguous(e, _) => e,
        }
    }
}

/// One attempt of a request, as told to the request hook once it has ended. Nothing in it is
/// secret: the access token travels in a header, which is not part of it; the query is at most
/// `reveal=true`; and a failure's cause has the token scrubbed out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// `GET`, `POST`, `PATCH` or `DELETE`.
    pub method: String,
    /// The URL's path and query, e.g. `/v1/projects/abcdefghijklmnopqrst/api-keys?reveal=true`.
    pub target: String,
    pub outcome: Outcome,
    /// From sending the request to the end of the answer's body (or the failure).
    pub elapsed: Duration,
    /// This attempt (1-based), of at most `max_attempts`.
    pub attempt: u32,
    pub max_attempts: u32,
    /// The answer's `X-RateLimit-*` headers, each when present and a plain number.
    pub rate_limit: RateLimitHeaders,
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// An answer came, with this status.
    Status(u16),
    /// No answer: `kind` is `connect`, `connect timeout` or `untrusted certificate` when
    /// nothing was sent, `timeout` or `connection broken` when the request may have been, and
    /// `abandoned` when Terraform stopped the provider while the answer was awaited; `cause` is
    /// the transport's own description.
    Failed { kind: &'static str, cause: String },
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` as an answer carried them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    pub limit: Option<String>,
    pub remaining: Option<String>,
    pub reset: Option<String>,
}

impl RateLimitHeaders {
    fn from_headers(headers: &HeaderMap) -> Self {
        // Numbers only (the reset may have a fraction): anything else is not the API's, and
        // is not repeated.
        let number = |name: &str| {
            let text = headers.get(name)?.to_str().ok()?.trim();
            (!text.is_empty()
                && text.len() <= 20
                && text.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
            .then(|| text.to_owned())
        };
        RateLimitHeaders {
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            reset: number("x-ratelimit-reset"),
        }
    }
}

type RequestHook = Arc<dyn Fn(&Exchange) + Send + Sync>;

static REQUEST_HOOK: RwLock<Option<RequestHook>> = RwLock::new(None);

/// Calls `hook` after every attempt of every request of every client in this process (e.g. to
/// log it), replacing any hook set before.
pub fn set_request_hook(hook: impl Fn(&Exchange) + Send + Sync + 'static) {
    *REQUEST_HOOK.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(hook));
}

fn request_hook() -> Option<RequestHook> {
    REQUEST_HOOK
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

/// How one attempt ended.
enum Attempt {
    Answered {
        status: u16,
        headers: HeaderMap,
        body: Vec<u8>,
        oversized: bool,
    },
    NotSent {
        cause: String,
        timeout: bool,
        untrusted: bool,
    },
    Broken {
        cause: String,
        timeout: bool,
    },
    /// Sent, then given up when the caller was cancelled: the answer was not awaited.
    Abandoned,
}

impl Attempt {
    fn ending(&self) -> Ending {
        match self {
            Attempt::Answered { status, .. } => Ending::Status(*status),
            Attempt::NotSent {
                untrusted: true, ..
            } => Ending::Untrusted,
            Attempt::NotSent { .. } => Ending::NotSent,
            Attempt::Broken { .. } | Attempt::Abandoned => Ending::Broken,
        }
    }

    /// An attempt that waited its whole timeout for an answer that never came.
    fn timed_out(&self) -> bool {
        matches!(
            self,
            Attempt::NotSent { timeout: true, .. } | Attempt::Broken { timeout: true, .. }
        )
    }

    /// What the answer's rate-limit headers say, if it had them.
    fn quota(&self, max_wait: Duration) -> Option<Quota> {
        match self {
            Attempt::Answered { headers, .. } => Quota::from_headers(headers, max_wait),
            _ => None,
        }
    }

    /// A 2xx answer whose body is not JSON at all.
    fn unreadable_success(&self) -> bool {
        match self {
            Attempt::Answered { status, body, .. } => {
                (200..300).contains(status)
                    && serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err()
            }
            _ => false,
        }
    }

    fn reason(&self) -> String {
        match self {
            Attempt::Answered { status, .. } if self.unreadable_success() => {
                format!("HTTP {status} with an unreadable body")
            }
            Attempt::Answered { status, .. } => format!("HTTP {status}"),
            Attempt::NotSent { cause, .. } => format!("could not connect: {cause}"),
            Attempt::Broken { timeout: true, .. } => "timed out".to_owned(),
            Attempt::Broken { cause, .. } => format!("connection failed: {cause}"),
            Attempt::Abandoned => "abandoned when Terraform stopped the provider".to_owned(),
        }
    }

    /// The attempt as the request hook is told it, the token scrubbed from any cause.
    fn outcome(&self, token: &str) -> Outcome {
        let (kind, cause) = match self {
            Attempt::Answered { status, .. } => return Outcome::Status(*status),
            Attempt::NotSent {
                untrusted: true,
                cause,
                ..
            } => ("untrusted certificate", cause),
            Attempt::NotSent {
                timeout: true,
                cause,
                ..
            } => ("connect timeout", cause),
            Attempt::NotSent { cause, .. } => ("connect", cause),
            Attempt::Broken {
                timeout: true,
                cause,
            } => ("timeout", cause),
            Attempt::Broken { cause, .. } => ("connection broken", cause),
            Attempt::Abandoned => {
                return Outcome::Failed {
                    kind: "abandoned",
                    cause: "Terraform stopped the provider while the answer was awaited".into(),
                }
            }
        };
        let cause = if token.is_empty() {
            cause.clone()
        } else {
            cause.replace(token, "<redacted>")
        };
        Outcome::Failed { kind, cause }
    }

    fn rate_limit(&self) -> RateLimitHeaders {
        match self {
            Attempt::Answered { headers, .. } => RateLimitHeaders::from_headers(headers),
            _ => RateLimitHeaders::default(),
        }
    }
}

/// The time a request has spent waiting for answers that never came, against [`SILENCE_BUDGET`].
struct Silence {
    request_timeout: Duration,
    left: Duration,
}

impl Silence {
    fn new(request_timeout: Duration) -> Self {
        Silence {
            request_timeout,
            left: request_timeout.saturating_mul(SILENCE_BUDGET),
        }
    }

    /// The timeout of the next attempt: the request timeout, or what is left of the budget.
    fn next_timeout(&self) -> Duration {
        self.request_timeout.min(self.left)
    }

    /// Counts an attempt that timed out, and the backoff after it, which is kept short (the
    /// attempt itself already waited) so that what is left goes to the next attempt. Returns
    /// that backoff.
    fn spend_waiting(&mut self, attempt: Duration, backoff: Duration) -> Duration {
        let backoff = backoff.min(self.min_attempt());
        self.left = self.left.saturating_sub(attempt + backoff);
        backoff
    }

    /// Whether enough is left for an attempt that could still get an answer.
    fn left_for_another(&self) -> bool {
        self.left >= self.min_attempt()
    }

    fn min_attempt(&self) -> Duration {
        self.request_timeout / MIN_ATTEMPT_FRACTION
    }
}

/// The error for an attempt given up because the caller was cancelled. A create may have been
/// carried out, so it is ambiguous; its caller decides what to look for.
fn abandoned(op: &Operation, req: &Request<'_>, attempts: u32, sent: Instant) -> Failure {
    let error = ApiError::cancelled(op)
        .with_context("Terraform stopped the provider while it waited for the answer")
        .with_attempts(attempts);
    if req.method == Method::POST {
        Failure::Ambiguous(error, sent)
    } else {
        Failure::Error(error)
    }
}

/// The URL's path and query: what the request hook is told, and never the token.
fn target(url: &Url) -> String {
    let mut target = url.path().to_owned();
    if let Some(query) = url.query() {
        target.push('?');
        target.push_str(query);
    }
    target
}

impl Client {
    /// Sends `req`, retrying per [`verdict`]; a 2xx answer is `Ok`, anything else an error.
    /// Any request but a GET may have changed the project's keys, whatever its outcome, so
    /// lists from before it are not used again.
    pub(crate) async fn execute(
        &self,
        cancel: &CancellationToken,
        op: &Operation,
        req: Request<'_>,
    ) -> Result<Answer, Failure> {
        let result = self.execute_with_retries(cancel, op, &req).await;
        if let (true, Some(project_ref)) = (req.method != Method::GET, op.project_ref()) {
            self.lists().invalidate(project_ref);
        }
        result
    }

    async fn execute_with_retries(
        &self,
        cancel: &CancellationToken,
        op: &Operation,
        req: &Request<'_>,
    ) -> Result<Answer, Failure> {
        let max_attempts = self.max_retries().saturating_add(1);
        let mut attempts = 0u32;
        let mut silence = Silence::new(self.request_timeout());
        loop {
            if cancel.is_cancelled() {
                return Err(Failure::Error(
                    ApiError::cancelled(op).with_attempts(attempts),
                ));
            }
            let on_hold = |left: Option<Duration>| self.notify_pacing(&op.doing(), left);
            let Some(permit) = self
                .pacer()
                .acquire(self.bucket(op), cancel, &on_hold)
                .await
            else {
                return Err(Failure::Error(
                    ApiError::cancelled(op).with_attempts(attempts),
                ));
            };
            attempts += 1;
            let started = Instant::now();
            let attempt = tokio::select! {
                biased;
                () = cancel.cancelled() => Attempt::Abandoned,
                attempt = self.attempt(req, silence.next_timeout()) => attempt,
            };
            let elapsed = started.elapsed();
            permit.answered(attempt.quota(self.backoff().max_server_wait));
            if let Some(hook) = request_hook() {
                hook(&Exchange {
                    method: req.method.as_str().to_owned(),
                    target: target(&req.url),
                    outcome: attempt.outcome(self.token()),
                    elapsed,
                    attempt: attempts,
                    max_attempts,
                    rate_limit: attempt.rate_limit(),
                });
            }
            if let Attempt::Abandoned = attempt {
                return Err(abandoned(op, req, attempts, started));
            }
            let retry = match verdict(&req.method, attempt.ending()) {
                // A read answered 2xx with a body that is not JSON (cut off by a proxy, say) is
                // retried like a lost connection; the last one is concluded as invalid.
                Verdict::Final if req.method == Method::GET && attempt.unreadable_success() => {
                    if attempts >= max_attempts {
                        return self.conclude(op, req, attempt, attempts, started);
                    }
                    true
                }
                Verdict::Final => return self.conclude(op, req, attempt, attempts, started),
                Verdict::Ambiguous => {
                    let error = self.failure(op, req, &attempt);
                    return Err(Failure::Ambiguous(error.with_attempts(attempts), started));
                }
                Verdict::Retry => attempts < max_attempts,
            };
            let backoff = self.backoff();
            let delay = match &attempt {
                Attempt::Answered {
                    status, headers, ..
                } => backoff.wait_from_headers(*status, headers),
                _ => None,
            }
            .unwrap_or_else(|| backoff.delay(attempts - 1));
            let delay = if attempt.timed_out() {
                silence.spend_waiting(elapsed, delay)
            } else {
                delay
            };
            if !retry || !silence.left_for_another() {
                let error = self.failure(op, req, &attempt);
                return Err(Failure::Error(error.with_attempts(attempts)));
            }
            let notice = RetryNotice {
                action: op.doing(),
                url: req.url.to_string(),
                attempt: attempts,
                max_attempts,
                delay,
                reason: attempt.reason(),
            };
            if self.pause(cancel, &notice).await.is_err() {
                let context = format!("attempt {attempts} had failed ({})", notice.reason);
                return Err(Failure::Error(
                    ApiError::cancelled(op)
                        .with_context(&context)
                        .with_attempts(attempts),
                ));
            }
        }
    }

    fn bucket(&self, op: &Operation) -> Bucket {
        Bucket {
            project: op.project_ref().unwrap_or_default().to_owned(),
            endpoint: op.endpoint(),
        }
    }

    /// Tells the retry hook, then waits `notice.delay` unless `cancel` fires first.
    pub(crate) async fn pause(
        &self,
        cancel: &CancellationToken,
        notice: &RetryNotice,
    ) -> Result<(), ()> {
        self.notify(notice);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(()),
            _ = tokio::time::sleep(notice.delay) => Ok(()),
        }
    }

    async fn attempt(&self, req: &Request<'_>, timeout: Duration) -> Attempt {
        let mut builder = self
            .http()
            .request(req.method.clone(), req.url.clone())
            .timeout(timeout)
            .header(AUTHORIZATION, self.authorization().clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = req.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return failed(e),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        let mut oversized = false;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) if body.len() + chunk.len() > MAX_BODY => {
                    oversized = true;
                    break;
                }
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                // The status line arrived, so the request was sent: broken, not unsent.
                Err(e) => {
                    return Attempt::Broken {
                        cause: describe(&e),
                        timeout: e.is_timeout(),
                    }
                }
            }
        }
        Attempt::Answered {
            status,
            headers,
            body,
            oversized,
        }
    }

    /// The result of a final attempt.
    fn conclude(
        &self,
        op: &Operation,
        req: &Request<'_>,
        attempt: Attempt,
        attempts: u32,
        sent: Instant,
    ) -> Result<Answer, Failure> {
        match attempt {
            Attempt::Answered {
                status,
                body,
                oversized,
                ..
            } if (200..300).contains(&status) => Ok(Answer {
                status,
                sent,
                body,
                oversized,
            }),
            other => Err(Failure::Error(
                self.failure(op, req, &other).with_attempts(attempts),
            )),
        }
    }

    /// The error an attempt that gave no usable answer stands for.
    fn failure(&self, op: &Operation, req: &Request<'_>, attempt: &Attempt) -> ApiError {
        let timeout = self.request_timeout();
        let method = &req.method;
        let error = match attempt {
            Attempt::Answered {
                status,
                headers,
                body,
                ..
            } => {
                let message = error_message(body);
                let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
                let number = |name| header(name).and_then(|v| v.trim().parse::<u64>().ok());
                ApiError::from_status(
                    op,
                    &StatusInfo {
                        status: *status,
                        server_message: message.as_deref(),
                        method: method.as_str(),
                        content_type: header(CONTENT_TYPE.as_str()),
                        location: header(LOCATION.as_str()),
                        rate_limit: number("x-ratelimit-limit"),
                        rate_reset_secs: number("x-ratelimit-reset"),
                        token_source: self.token_source(),
                    },
                )
            }
            Attempt::NotSent {
                cause, timeout: t, ..
            } => ApiError::connect(op, &req.url, cause, t.then_some(timeout)),
            Attempt::Broken { cause, timeout: t } => {
                let setting = TimeoutSetting {
                    limit: timeout,
                    setting: self.timeout_setting(),
                };
                ApiError::transport(op, &req.url, cause, t.then_some(setting))
            }
            Attempt::Abandoned => ApiError::cancelled(op),
        };
        error.scrub(self.token())
    }
}

/// Classifies a failed send: a connect error means nothing was sent.
fn failed(e: reqwest::Error) -> Attempt {
    let cause = describe(&e);
    if e.is_connect() {
        Attempt::NotSent {
            untrusted: is_untrusted_certificate(&e),
            timeout: e.is_timeout(),
            cause,
        }
    } else {
        Attempt::Broken {
            timeout: e.is_timeout(),
            cause,
        }
    }
}

/// The error's causes, innermost last, without the URL reqwest puts first.
fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        if e.is_timeout() {
            return "timed out".to_owned();
        }
        return "unknown transport error".to_owned();
    }
    parts.join(": ")
}

/// Whether the TLS handshake failed on the server's certificate (no retry can help).
fn is_untrusted_certificate(e: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn StdError + 'static)> = e.source();
    while let Some(s) = source {
        if is_certificate_error(s) {
            return true;
        }
        source = s.source();
    }
    false
}

fn is_certificate_error(mut e: &(dyn StdError + 'static)) -> bool {
    loop {
        if let Some(rustls::Error::InvalidCertificate(_)) = e.downcast_ref::<rustls::Error>() {
            return true;
        }
        // `io::Error::source` skips the error it wraps (which may be another io::Error),
        // so look inside explicitly.
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => e = inner,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_may_spend_two_request_timeouts_in_all() {
        let timeout = Duration::from_secs(30);
        let mut silence = Silence::new(timeout);
        assert_eq!(silence.next_timeout(), timeout);
        // The backoff after a timeout is cut short; the rest goes to the next attempt.
        let backoff = silence.spend_waiting(timeout, Duration::from_secs(20));
        assert_eq!(backoff, timeout / MIN_ATTEMPT_FRACTION);
        assert!(silence.left_for_another());
        assert_eq!(silence.next_timeout(), timeout - backoff);
        let backoff = silence.spend_waiting(silence.next_timeout(), Duration::from_millis(400));
        assert_eq!(backoff, Duration::from_millis(400));
        assert!(!silence.left_for_another(), "two timeouts in all");
        // A short answer wait leaves room for a full attempt.
        let mut silence = Silence::new(timeout);
        silence.spend_waiting(Duration::from_secs(1), Duration::from_millis(400));
        assert_eq!(silence.next_timeout(), timeout);
    }

    #[test]
    fn the_hook_is_told_the_path_and_query_only() {
        let url =
            Url::parse("https://api.example.com/base/v1/projects/p/api-keys?reveal=true").unwrap();
        assert_eq!(target(&url), "/base/v1/projects/p/api-keys?reveal=true");
        let url = Url::parse("http://127.0.0.1:9/v1/projects/p/api-keys").unwrap();
        assert_eq!(target(&url), "/v1/projects/p/api-keys");
    }

    #[test]
    fn rate_limit_headers_are_repeated_only_as_numbers() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-limit", "120".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "not a number".parse().unwrap());
        headers.insert("x-ratelimit-reset", " 59.5 ".parse().unwrap());
        assert_eq!(
            RateLimitHeaders::from_headers(&headers),
            RateLimitHeaders {
                limit: Some("120".into()),
                remaining: None,
                reset: Some("59.5".into()),
            }
        );
        assert_eq!(
            RateLimitHeaders::from_headers(&HeaderMap::new()),
            RateLimitHeaders::default()
        );
    }

    #[test]
    fn a_failure_is_told_by_its_kind_with_the_token_scrubbed() {
        let token = "sbp_0123456789abcdef0123456789abcdef01234567";
        let cases = [
            (
                Attempt::NotSent {
                    cause: format!("refused for {token}"),
                    timeout: false,
                    untrusted: false,
                },
                "connect",
            ),
            (
                Attempt::NotSent {
                    cause: "slow".into(),
                    timeout: true,
                    untrusted: false,
                },
                "connect timeout",
            ),
            (
                Attempt::NotSent {
                    cause: "UnknownIssuer".into(),
                    timeout: false,
                    untrusted: true,
                },
                "untrusted certificate",
            ),
            (
                Attempt::Broken {
                    cause: "slow".into(),
                    timeout: true,
                },
                "timeout",
            ),
            (
                Attempt::Broken {
                    cause: "reset".into(),
                    timeout: false,
                },
                "connection broken",
            ),
        ];
        for (attempt, expected) in cases {
            let Outcome::Failed { kind, cause } = attempt.outcome(token) else {
                panic!("{expected}: not a failure");
            };
            assert_eq!(kind, expected);
            assert!(!cause.contains(token), "{cause}");
        }
        let answered = Attempt::Answered {
            status: 201,
            headers: HeaderMap::new(),
            body: Vec::new(),
            oversized: false,
        };
        assert_eq!(answered.outcome(token), Outcome::Status(201));
    }
}
