//! Client-side pacing from the rate-limit headers, so a large apply slows down before the API
//! answers 429.
//!
//! The API counts requests per user, project and endpoint in fixed windows, and every answer
//! says how many are left (`X-RateLimit-Remaining`) and when the window ends
//! (`X-RateLimit-Reset`, seconds). Per project and endpoint the pacer keeps what the answers
//! said, less the requests sent since, and holds a request back while the window's budget is
//! spent, until the window ends. While nothing is known (the first request, or a window that
//! has ended) one request goes first and the others wait for its answer. An endpoint whose
//! answers carry no such headers is not paced.

use std::collections::HashMap;
use std::future::pending;
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
}

impl Quota {
    /// Both headers, with the reset capped at `max_wait` (a server asking for more is not
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
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Budget {
    /// No answer yet in this window.
    Unknown,
    /// The answers carry no rate-limit headers.
    Unpaced,
    /// Requests that may still be sent before the window ends.
    Window { remaining: u32, resets_at: Instant },
}

struct State {
    budget: Budget,
    in_flight: u32,
}

enum Decision {
    Go,
    WaitUntil(Instant),
    WaitForAnswer,
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
    /// How long the request was held back.
    pub waited: Duration,
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
    pub async fn acquire(&self, bucket: Bucket, cancel: &CancellationToken) -> Option<Permit<'_>> {
        let started = Instant::now();
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
                        waited: started.elapsed(),
                    })
                }
                Decision::WaitUntil(at) => Some(at),
                Decision::WaitForAnswer => None,
            };
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
        let state = buckets.entry(bucket.clone()).or_insert(State {
            budget: Budget::Unknown,
            in_flight: 0,
        });
        if matches!(state.budget, Budget::Window { resets_at, .. } if resets_at <= now) {
            state.budget = Budget::Unknown;
        }
        let go = match &mut state.budget {
            Budget::Unpaced => true,
            Budget::Unknown => state.in_flight == 0,
            Budget::Window { remaining, .. } if *remaining > 0 => {
                *remaining -= 1;
                true
            }
            Budget::Window { resets_at, .. } => return Decision::WaitUntil(*resets_at),
        };
        if go {
            state.in_flight += 1;
            Decision::Go
        } else {
            Decision::WaitForAnswer
        }
    }

    fn finish(&self, bucket: &Bucket, quota: Option<Quota>, now: Instant) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(state) = buckets.get_mut(bucket) {
            state.in_flight = state.in_flight.saturating_sub(1);
            state.budget = match (quota, state.budget) {
                (Some(quota), budget) => {
                    let resets_at = now + quota.reset;
                    // The requests still in flight may not have been counted yet.
                    let estimate = quota.remaining.saturating_sub(state.in_flight);
                    match budget {
                        Budget::Window {
                            remaining,
                            resets_at: current,
                        } if resets_at <= current + SAME_WINDOW => Budget::Window {
                            remaining: remaining.min(estimate),
                            resets_at: current.max(resets_at),
                        },
                        _ => Budget::Window {
                            remaining: estimate,
                            resets_at,
                        },
                    }
                }
                // No headers (or no answer at all): nothing to pace by until an answer has them.
                (None, Budget::Unknown) => Budget::Unpaced,
                (None, budget) => budget,
            };
        }
        drop(buckets);
        self.answered.notify_waiters();
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => pending().await,
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
        })
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
        assert_eq!(q.remaining, 118);
        assert_eq!(q.reset, Duration::from_secs(30));
        headers.remove("x-ratelimit-reset");
        assert_eq!(Quota::from_headers(&headers, Duration::from_secs(30)), None);
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_goes_first_then_the_budget_is_spent_down() {
        let pacer = Pacer::default();
        assert!(go(&pacer), "the first request probes");
        assert!(!go(&pacer), "the others wait for its answer");
        pacer.finish(&bucket(), quota(3, 10), Instant::now());
        assert!(go(&pacer) && go(&pacer) && go(&pacer));
        assert!(
            matches!(
                pacer.decide(&bucket(), Instant::now()),
                Decision::WaitUntil(_)
            ),
            "the window's budget is spent"
        );
        // Answers from the same window never raise the estimate above what was sent.
        pacer.finish(&bucket(), quota(2, 10), Instant::now());
        assert!(!go(&pacer));
        pacer.finish(&bucket(), quota(1, 10), Instant::now());
        pacer.finish(&bucket(), quota(0, 10), Instant::now());
        // Once the window ends, one request probes the next.
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
    async fn answers_without_headers_are_not_paced() {
        let pacer = Pacer::default();
        assert!(go(&pacer));
        pacer.finish(&bucket(), None, Instant::now());
        for _ in 0..50 {
            assert!(go(&pacer));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_request_goes_when_the_window_ends_and_cancel_stops_it() {
        let pacer = Pacer::default();
        let cancel = CancellationToken::new();
        let first = pacer.acquire(bucket(), &cancel).await.unwrap();
        first.answered(quota(0, 5));
        let started = Instant::now();
        let permit = pacer.acquire(bucket(), &cancel).await.unwrap();
        assert!(started.elapsed() >= Duration::from_secs(5));
        assert!(permit.waited >= Duration::from_secs(5));
        permit.answered(quota(0, 5));
        cancel.cancel();
        assert!(pacer.acquire(bucket(), &cancel).await.is_none());
    }
}
