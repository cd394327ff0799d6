//! Client-side pacing from the rate-limit headers, so a large apply slows down before the API
//! answers 429.
//!
//! The API counts requests per user, project and endpoint in fixed windows, and every answer
//! says how many are left (`X-RateLimit-Remaining`), when the window ends (`X-RateLimit-Reset`,
//! seconds) and the budget of a window (`X-RateLimit-Limit`). Per project and endpoint the pacer
//! keeps what the answers said, less the requests sent since, and holds a request back while
//! the window's budget is spent, until the window ends. A new window's first requests may spend
//! its whole budget before an answer says when it ends; more wait for that answer. Before the
//! first answer with the headers nothing is known, and requests go (Terraform runs ten at once,
//! the API allows 120). An endpoint whose answers carry no such headers is never paced.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Answers whose windows end within this of each other belong to the same window (the reset
/// is whole seconds, rounded).
const SAME_WINDOW: Duration = Duration::from_millis(1500);

/// What the API counts a request against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Bucket {
    pub project: String,
    pub endpoint: &'static str,
}

/// The rate-limit headers of one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    pub remaining: u32,
    pub reset: Duration,
    /// A window's budget, when the answer said.
    pub limit: Option<u32>,
}

impl Quota {
    /// The headers, with the reset capped at `max_wait` (a server asking for more is not
    /// describing a one-minute window).
    pub fn from_headers(headers: &HeaderMap, max_wait: Duration) -> Option<Quota> {
        let text = |name| headers.get(name)?.to_str().ok().map(str::trim);
        let remaining = text("x-ratelimit-remaining")?.parse().ok()?;
        let reset: f64 = text("x-ratelimit-reset")?.parse().ok()?;
        if !reset.is_finite() || reset < 0.0 {
            return None;
        }
        Some(Quota {
            remaining,
            reset: Duration::from_secs_f64(reset.min(max_wait.as_secs_f64())),
            limit: text("x-ratelimit-limit").and_then(|l| l.parse().ok()),
        })
    }
}

/// Requests that may still be sent in a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    remaining: u32,
    /// `None` for a window that has begun but whose end no answer has told yet.
    resets_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    /// `None` while nothing is known.
    window: Option<Window>,
    limit: Option<u32>,
    in_flight: u32,
}

impl State {
    /// Once the window has ended, the next one's budget is the limit (when known).
    fn roll_over(&mut self, now: Instant) {
        let ended = self
            .window
            .is_some_and(|w| w.resets_at.is_some_and(|at| at <= now));
        if ended {
            self.window = self.limit.map(|remaining| Window {
                remaining,
                resets_at: None,
            });
        }
    }

    fn answered(&mut self, quota: Quota, now: Instant) {
        let resets_at = now + quota.reset;
        self.limit = quota.limit.or(self.limit);
        // The requests still in flight may not have been counted yet.
        let estimate = quota.remaining.saturating_sub(self.in_flight);
        self.window = Some(match self.window {
            Some(current)
                if current
                    .resets_at
                    .is_none_or(|at| resets_at <= at + SAME_WINDOW) =>
            {
                Window {
                    remaining: current.remaining.min(estimate),
                    resets_at: Some(current.resets_at.map_or(resets_at, |at| at.max(resets_at))),
                }
            }
            _ => Window {
                remaining: estimate,
                resets_at: Some(resets_at),
            },
        });
    }
}

enum Decision {
    Go,
    /// Until the window ends, or an answer tells of a new one.
    Wait(Option<Instant>),
}

#[derive(Default)]
pub(crate) struct Pacer {
    buckets: Mutex<HashMap<Bucket, State>>,
    answered: Notify,
}

/// Leave to send one request; give it back with [`Permit::answered`] (dropping it counts as
/// an attempt that got no answer).
pub(crate) struct Permit<'a> {
    pacer: &'a Pacer,
    bucket: Bucket,
    quota: Option<Quota>,
}

impl Permit<'_> {
    pub fn answered(mut self, quota: Option<Quota>) {
        self.quota = quota;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.pacer.finish(&self.bucket, self.quota, Instant::now());
    }
}

impl Pacer {
    /// Waits until one more request may be sent to `bucket`; `None` when cancelled first.
    /// `on_hold` is told once, when the request is first held back, how long the window has
    /// left (`None` while only answers in flight can tell), so a long wait is announced as it
    /// begins rather than after it.
    pub async fn acquire(
        &self,
        bucket: Bucket,
        cancel: &CancellationToken,
        on_hold: &(dyn Fn(Option<Duration>) + Sync),
    ) -> Option<Permit<'_>> {
        let mut held = false;
        loop {
            // Registered before deciding, so an answer in between is not missed.
            let answered = self.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            let until = match self.decide(&bucket, Instant::now()) {
                Decision::Go => {
                    return Some(Permit {
                        pacer: self,
                        bucket,
                        quota: None,
                    });
                }
                Decision::Wait(until) => until,
            };
            if !held {
                on_hold(until.map(|at| at.saturating_duration_since(Instant::now())));
            }
            held = true;
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return None,
                _ = &mut answered => {}
                _ = sleep_until(until) => {}
            }
        }
    }

    fn decide(&self, bucket: &Bucket, now: Instant) -> Decision {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let state = buckets.entry(bucket.clone()).or_default();
        state.roll_over(now);
        match &mut state.window {
            Some(window) if window.remaining == 0 => return Decision::Wait(window.resets_at),
            Some(window) => window.remaining -= 1,
            None => {}
        }
        state.in_flight += 1;
        Decision::Go
    }

    fn finish(&self, bucket: &Bucket, quota: Option<Quota>, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = buckets.get_mut(bucket) {
            state.in_flight = state.in_flight.saturating_sub(1);
            match quota {
                Some(quota) => state.answered(quota, now),
                // Nothing in flight can tell when a begun window ends: stop waiting for it.
                None if state.in_flight == 0
                    && state.window.is_some_and(|w| w.resets_at.is_none()) =>
                {
                    state.window = None;
                }
                None => {}
            }
        }
        drop(buckets);
        self.answered.notify_waiters();
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket() -> Bucket {
        Bucket {
            project: "p".into(),
            endpoint: "create",
        }
    }

    fn quota(remaining: u32, reset_secs: u64) -> Option<Quota> {
        Some(Quota {
            remaining,
            reset: Duration::from_secs(reset_secs),
            limit: None,
        })
    }

    fn waits(pacer: &Pacer) -> bool {
        matches!(pacer.decide(&bucket(), Instant::now()), Decision::Wait(_))
    }

    fn go(pacer: &Pacer) -> bool {
        matches!(pacer.decide(&bucket(), Instant::now()), Decision::Go)
    }

    #[test]
    fn headers_are_read_and_the_reset_capped() {
        let mut headers = HeaderMap::new();
        headers.insert("x-ratelimit-remaining", "118".parse().unwrap());
        headers.insert("x-ratelimit-reset", "52".parse().unwrap());
        let q = Quota::from_headers(&headers, Duration::from_secs(30)).unwrap();
        assert_eq!((q.remaining, q.limit), (118, None));
        headers.insert("x-ratelimit-limit", "120".parse().unwrap());
        let q = Quota::from_headers(&headers, Duration::from_secs(30)).unwrap();
        assert_eq!((q.remaining, q.limit), (118, Some(120)));
        assert_eq!(q.reset, Duration::from_secs(30));
        headers.remove("x-ratelimit-reset");
        assert_eq!(Quota::from_headers(&headers, Duration::from_secs(30)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_budget_an_answer_tells_is_spent_down_until_the_window_ends() {
        let pacer = Pacer::default();
        assert!(go(&pacer) && go(&pacer), "no window known: requests go");
        pacer.finish(&bucket(), quota(4, 10), Instant::now());
        // Four left, less the one still in flight.
        assert!(go(&pacer) && go(&pacer) && go(&pacer));
        assert!(waits(&pacer), "the window's budget is spent");
        // Answers from the same window never raise the estimate above what was sent.
        pacer.finish(&bucket(), quota(2, 10), Instant::now());
        assert!(!go(&pacer));
        // Once the window ends, requests go again.
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(go(&pacer));
    }

    #[tokio::test(start_paused = true)]
    async fn requests_in_flight_are_counted_against_a_new_window() {
        let pacer = Pacer::default();
        assert!(go(&pacer));
        pacer.finish(&bucket(), quota(100, 60), Instant::now());
        for _ in 0..10 {
            assert!(go(&pacer));
        }
        // One answer says 5 left: the 9 still in flight may not be counted in it.
        tokio::time::advance(Duration::from_secs(61)).await;
        pacer.finish(&bucket(), quota(5, 60), Instant::now());
        assert!(!go(&pacer));
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_window_spends_at_most_the_limit_before_an_answer_says_when_it_ends() {
        let pacer = Pacer::default();
        assert!(go(&pacer));
        let limited = |remaining| {
            Some(Quota {
                limit: Some(3),
                ..quota(remaining, 5).unwrap()
            })
        };
        pacer.finish(&bucket(), limited(0), Instant::now());
        assert!(waits(&pacer));
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(go(&pacer) && go(&pacer) && go(&pacer));
        assert!(
            matches!(
                pacer.decide(&bucket(), Instant::now()),
                Decision::Wait(None)
            ),
            "the fourth waits for an answer from the new window"
        );
        pacer.finish(&bucket(), limited(2), Instant::now());
        assert!(waits(&pacer), "2 left, less the 2 in flight");
        // Answers without headers from the rest: nothing in flight can tell the window's end
        // any more, but this one is known now.
        pacer.finish(&bucket(), None, Instant::now());
        pacer.finish(&bucket(), None, Instant::now());
        assert!(waits(&pacer));
    }

    #[tokio::test(start_paused = true)]
    async fn answers_without_headers_are_not_paced() {
        let pacer = Pacer::default();
        for _ in 0..50 {
            assert!(go(&pacer));
            pacer.finish(&bucket(), None, Instant::now());
        }
    }

    /// A request that is not held back announces no wait (so no rate-limit line is logged).
    #[tokio::test]
    async fn a_request_that_goes_at_once_announces_no_wait() {
        let pacer = Pacer::default();
        let cancel = CancellationToken::new();
        let holds = std::sync::atomic::AtomicU32::new(0);
        let on_hold = |_: Option<Duration>| {
            holds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        };
        for remaining in [None, Some(100)] {
            let permit = pacer.acquire(bucket(), &cancel, &on_hold).await.unwrap();
            permit.answered(remaining.and_then(|r| quota(r, 60)));
        }
        assert_eq!(holds.into_inner(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_request_goes_when_the_window_ends_and_cancel_stops_it() {
        let pacer = Pacer::default();
        let cancel = CancellationToken::new();
        let first = pacer.acquire(bucket(), &cancel, &|_| {}).await.unwrap();
        first.answered(quota(0, 5));
        let started = Instant::now();
        let announced = Mutex::new(Vec::new());
        let on_hold = |left| announced.lock().unwrap().push(left);
        let permit = pacer.acquire(bucket(), &cancel, &on_hold).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(5));
        // Announced once, as the wait began, with the window's time left.
        let announced = announced.into_inner().unwrap();
        assert_eq!(announced.len(), 1, "{announced:?}");
        assert!(announced[0].is_some_and(|left| left >= Duration::from_secs(4)));
        permit.answered(quota(0, 5));
        cancel.cancel();
        assert!(pacer.acquire(bucket(), &cancel, &|_| {}).await.is_none());
    }
}
