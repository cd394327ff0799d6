//! When to try a request again, and how long to wait first.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::Method;

/// First backoff step; each retry doubles it (before jitter).
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(500);
/// Largest backoff step.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// Largest wait a server may ask for (`X-RateLimit-Reset`, `Retry-After`): the rate
/// limit window is one minute, so more than that is not a wait worth honouring.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(60);

/// The waits between attempts. [`Backoff::default`] uses the constants above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    pub max_server_wait: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            initial: INITIAL_BACKOFF,
            max: MAX_BACKOFF,
            max_server_wait: MAX_SERVER_WAIT,
        }
    }
}

impl Backoff {
    /// The wait after failed attempt `retry` (0 for the first retry): "equal jitter",
    /// a random point in the upper half of `initial * 2^retry` (capped at `max`), so
    /// clients that failed together do not come back together, yet always wait a bit.
    pub fn delay(&self, retry: u32) -> Duration {
        let step = self
            .initial
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max);
        let half = step / 2;
        half + jitter(step - half)
    }

    /// The wait a 429 (or 503) asks for: `X-RateLimit-Reset` seconds on a 429 (the
    /// documented way), else `Retry-After`, capped at `max_server_wait`, plus a little
    /// jitter so parallel callers do not all return at the window's first instant.
    pub(crate) fn wait_from_headers(&self, status: u16, headers: &HeaderMap) -> Option<Duration> {
        let reset = (status == 429)
            .then(|| header_seconds(headers, "x-ratelimit-reset"))
            .flatten();
        let asked = reset.or_else(|| retry_after(headers))?;
        Some(asked.min(self.max_server_wait) + jitter(self.initial / 2))
    }
}

/// What to do after one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Hand the answer (or the failure) to the caller.
    Final,
    /// Try again, if the budget allows.
    Retry,
    /// A create that may have been carried out: never sent again; look for its key.
    Ambiguous,
}

/// How an attempt ended, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    Status(u16),
    /// No connection was made, so the request was not sent.
    NotSent,
    /// The request may have been sent (timeout, reset, broken body).
    Broken,
    /// The connection failed on the server's TLS certificate: retrying cannot help.
    Untrusted,
}

/// GET, PATCH and DELETE are safe to repeat (a repeated DELETE answers 404, which the
/// caller reads as "already gone"); POST is repeated only when it cannot have had an
/// effect: on 429 and when no connection was made.
pub(crate) fn verdict(method: &Method, ending: Ending) -> Verdict {
    let repeatable = *method != Method::POST;
    match ending {
        Ending::Status(429) | Ending::NotSent => Verdict::Retry,
        Ending::Status(500..=599) | Ending::Broken if repeatable => Verdict::Retry,
        Ending::Status(500..=599) | Ending::Broken => Verdict::Ambiguous,
        Ending::Status(_) | Ending::Untrusted => Verdict::Final,
    }
}

fn header_seconds(headers: &HeaderMap, name: &str) -> Option<Duration> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    let secs: f64 = text.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_seconds(headers, RETRY_AFTER.as_str()).or_else(|| {
        let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
        let when = super::time::parse_http_date(text)?;
        Some(
            when.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    })
}

/// A uniformly random duration in `[0, upto]`. The std hasher's random keys are enough
/// for jitter and spare a dependency.
fn jitter(upto: Duration) -> Duration {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = upto.as_nanos().min(u128::from(u64::MAX)) as u64;
    if nanos == 0 {
        return Duration::ZERO;
    }
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    Duration::from_nanos(hasher.finish() % (nanos + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn get_patch_delete_retry_on_429_5xx_and_broken_connections() {
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            for ending in [
                Ending::Status(429),
                Ending::Status(500),
                Ending::Status(502),
                Ending::Status(503),
                Ending::NotSent,
                Ending::Broken,
            ] {
                assert_eq!(
                    verdict(&method, ending),
                    Verdict::Retry,
                    "{method} {ending:?}"
                );
            }
            for ending in [
                Ending::Status(200),
                Ending::Status(400),
                Ending::Status(401),
                Ending::Status(403),
                Ending::Status(404),
                Ending::Untrusted,
            ] {
                assert_eq!(
                    verdict(&method, ending),
                    Verdict::Final,
                    "{method} {ending:?}"
                );
            }
        }
    }

    #[test]
    fn post_retries_only_when_nothing_can_have_happened() {
        assert_eq!(verdict(&Method::POST, Ending::Status(429)), Verdict::Retry);
        assert_eq!(verdict(&Method::POST, Ending::NotSent), Verdict::Retry);
        for ending in [Ending::Status(500), Ending::Status(503), Ending::Broken] {
            assert_eq!(verdict(&Method::POST, ending), Verdict::Ambiguous);
        }
        for ending in [Ending::Status(201), Ending::Status(400), Ending::Untrusted] {
            assert_eq!(verdict(&Method::POST, ending), Verdict::Final);
        }
    }

    #[test]
    fn backoff_grows_within_bounds() {
        let b = Backoff::default();
        for retry in 0..40 {
            let step = INITIAL_BACKOFF
                .saturating_mul(2u32.saturating_pow(retry))
                .min(MAX_BACKOFF);
            for _ in 0..20 {
                let d = b.delay(retry);
                assert!(d >= step / 2 && d <= step, "retry {retry}: {d:?}");
            }
        }
        assert!(b.delay(100) <= MAX_BACKOFF);
        let zero = Backoff {
            initial: Duration::ZERO,
            ..b
        };
        assert_eq!(zero.delay(3), Duration::ZERO);
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn waits_come_from_rate_limit_reset_then_retry_after() {
        let b = Backoff::default();
        let slack = INITIAL_BACKOFF / 2;
        let w = b
            .wait_from_headers(
                429,
                &headers(&[("x-ratelimit-reset", "7"), ("retry-after", "2")]),
            )
            .unwrap();
        assert!(w >= Duration::from_secs(7) && w <= Duration::from_secs(7) + slack);
        let w = b
            .wait_from_headers(429, &headers(&[("retry-after", "2")]))
            .unwrap();
        assert!(w >= Duration::from_secs(2) && w <= Duration::from_secs(2) + slack);
        let w = b
            .wait_from_headers(429, &headers(&[("x-ratelimit-reset", "3600")]))
            .unwrap();
        assert!(w <= MAX_SERVER_WAIT + slack);
        assert_eq!(
            b.wait_from_headers(429, &headers(&[("x-ratelimit-reset", "soon")])),
            None
        );
        assert_eq!(b.wait_from_headers(429, &HeaderMap::new()), None);
        // A 503 carries the rate limit numbers too; they are not a wait.
        assert_eq!(
            b.wait_from_headers(503, &headers(&[("x-ratelimit-reset", "60")])),
            None
        );
        let w = b
            .wait_from_headers(503, &headers(&[("retry-after", "1")]))
            .unwrap();
        assert!(w >= Duration::from_secs(1));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert!(b.wait_from_headers(503, &past).unwrap() <= slack);
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            assert!(jitter(Duration::from_millis(3)) <= Duration::from_millis(3));
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
