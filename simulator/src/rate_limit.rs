//! Fixed-window rate limiting per token + project + endpoint, as the
//! Management API documents it (120 requests per minute by default), with the
//! `X-RateLimit-*` headers.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// Who is counted: a known token, or everyone without one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    pub identity: String,
    pub project: String,
    pub endpoint: &'static str,
}

/// The numbers one answer reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Whole seconds until the window ends (rounded up).
    pub reset_secs: u64,
}

struct Window {
    started: Instant,
    count: u32,
}

pub(crate) struct RateLimiter {
    config: Option<RateLimit>,
    windows: Mutex<HashMap<BucketKey, Window>>,
}

fn ceil_secs(d: Duration) -> u64 {
    let whole = d.as_secs();
    if d.subsec_nanos() > 0 {
        whole + 1
    } else {
        whole
    }
}

impl RateLimiter {
    pub fn new(config: Option<RateLimit>) -> Self {
        RateLimiter {
            config,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> Option<RateLimit> {
        self.config
    }

    fn quota(config: RateLimit, window: &Window, now: Instant) -> Quota {
        let ends = window.started + config.window;
        Quota {
            limit: config.requests_per_window,
            remaining: config.requests_per_window.saturating_sub(window.count),
            reset_secs: ceil_secs(ends.saturating_duration_since(now)),
        }
    }

    /// Counts one request. `None` when rate limiting is off; `Err` when the
    /// window's budget was already spent (answer 429).
    pub fn hit(&self, key: BucketKey) -> Option<Result<Quota, Quota>> {
        let config = self.config?;
        let now = Instant::now();
        let mut windows = self.windows.lock().expect("rate limiter lock");
        let window = windows.entry(key).or_insert(Window {
            started: now,
            count: 0,
        });
        if now >= window.started + config.window {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= config.requests_per_window {
            return Some(Err(Self::quota(config, window, now)));
        }
        window.count += 1;
        Some(Ok(Self::quota(config, window, now)))
    }

    /// The current numbers without counting a request.
    pub fn peek(&self, key: &BucketKey) -> Option<Quota> {
        let config = self.config?;
        let now = Instant::now();
        let windows = self.windows.lock().expect("rate limiter lock");
        Some(match windows.get(key) {
            Some(w) if now < w.started + config.window => Self::quota(config, w, now),
            _ => Quota {
                limit: config.requests_per_window,
                remaining: config.requests_per_window,
                reset_secs: ceil_secs(config.window),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(endpoint: &'static str) -> BucketKey {
        BucketKey {
            identity: "t".into(),
            project: "p".into(),
            endpoint,
        }
    }

    #[test]
    fn counts_per_endpoint_and_refuses_when_spent() {
        let rl = RateLimiter::new(Some(RateLimit {
            requests_per_window: 2,
            window: Duration::from_secs(60),
        }));
        let q = rl.hit(key("a")).unwrap().unwrap();
        assert_eq!((q.limit, q.remaining, q.reset_secs), (2, 1, 60));
        assert_eq!(rl.hit(key("a")).unwrap().unwrap().remaining, 0);
        let refused = rl.hit(key("a")).unwrap().unwrap_err();
        assert_eq!(refused.remaining, 0);
        assert_eq!(rl.hit(key("b")).unwrap().unwrap().remaining, 1);
        assert_eq!(rl.peek(&key("b")).unwrap().remaining, 1);
        assert_eq!(rl.peek(&key("c")).unwrap().remaining, 2);
    }

    #[test]
    fn disabled_reports_nothing() {
        let rl = RateLimiter::new(None);
        assert!(rl.hit(key("a")).is_none());
        assert!(rl.peek(&key("a")).is_none());
    }

    #[test]
    fn window_expiry_resets() {
        let rl = RateLimiter::new(Some(RateLimit {
            requests_per_window: 1,
            window: Duration::from_millis(1),
        }));
        assert!(rl.hit(key("a")).unwrap().is_ok());
        std::thread::sleep(Duration::from_millis(5));
        assert!(rl.hit(key("a")).unwrap().is_ok());
    }
}
