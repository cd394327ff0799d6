//! Request matching and fault injection rules.

use std::sync::Mutex;
use std::time::Duration;

use http::Method;

/// Which requests a fault rule or a hold applies to.
///
/// `path` is a glob over `/`-separated segments: a `*` segment matches any
/// one segment, a final `**` segment matches any remainder (zero or more
/// segments), every other segment must be equal. The query string is not
/// part of the path. Fault rules and holds apply to the api-keys routes
/// only (not to unknown paths or the `/_sim` helpers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMatcher {
    /// `None` matches every method.
    pub method: Option<Method>,
    pub path: String,
}

impl RequestMatcher {
    pub fn new(method: Method, path: &str) -> Self {
        RequestMatcher {
            method: Some(method),
            path: path.to_owned(),
        }
    }

    /// Any method on `path`.
    pub fn any_method(path: &str) -> Self {
        RequestMatcher {
            method: None,
            path: path.to_owned(),
        }
    }

    pub fn matches(&self, method: &Method, path: &str) -> bool {
        if self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        let mut want = self.path.split('/');
        let mut got = path.split('/');
        loop {
            match (want.next(), got.next()) {
                (Some("**"), _) => return want.next().is_none(),
                (None, None) => return true,
                (Some("*"), Some(_)) => {}
                (Some(w), Some(g)) if w == g => {}
                _ => return false,
            }
        }
    }
}

/// What a fault rule does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer this status with `{"message": "<reason phrase>"}` instead of
    /// handling the request (nothing changes). A 429 carries
    /// `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset: 1`.
    Status(u16),
    /// Like `Status`, with these extra headers (they replace defaults of the
    /// same name), e.g. `("retry-after", "1")`.
    StatusWithHeaders(u16, Vec<(String, String)>),
    /// Wait this long, then handle the request normally (or apply the next
    /// matching non-latency rule). Latency rules add up.
    Latency(Duration),
    /// Reset the connection (TCP RST) without an answer; nothing changes.
    Reset,
    /// Answer this status (200 or 502, say) with an HTML page, as a proxy or
    /// captive portal would; nothing changes.
    Html(u16),
    /// Handle the request normally, then send only the first half of the
    /// JSON body (with a matching `Content-Length`, so the body is complete
    /// on the wire but not valid JSON).
    TruncatedBody,
    /// Handle the request normally (a create commits the key), then close
    /// the connection without answering.
    CommitThenDrop,
    /// Handle the request normally (a create commits the key), then answer
    /// this status with a `{"message": …}` body instead of the real answer.
    CommitThenStatus(u16),
}

/// A fault applied to the next `times` matching requests (`0` = every
/// matching request until cleared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    pub matcher: RequestMatcher,
    pub times: usize,
    pub action: FaultAction,
}

impl FaultRule {
    /// Applies to the next matching request only.
    pub fn once(matcher: RequestMatcher, action: FaultAction) -> Self {
        FaultRule {
            matcher,
            times: 1,
            action,
        }
    }

    /// Applies to the next `times` matching requests.
    pub fn times(matcher: RequestMatcher, times: usize, action: FaultAction) -> Self {
        FaultRule {
            matcher,
            times,
            action,
        }
    }

    /// Applies to every matching request until [`crate::Simulator::clear_faults`].
    pub fn always(matcher: RequestMatcher, action: FaultAction) -> Self {
        FaultRule {
            matcher,
            times: 0,
            action,
        }
    }
}

/// What to do with one request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Plan {
    pub latency: Duration,
    pub action: Option<FaultAction>,
}

struct Active {
    rule: FaultRule,
    skip: usize,
    used: usize,
}

impl Active {
    fn exhausted(&self) -> bool {
        self.rule.times != 0 && self.used >= self.rule.times
    }
}

#[derive(Default)]
pub(crate) struct Faults {
    rules: Mutex<Vec<Active>>,
}

impl Faults {
    pub fn add(&self, rule: FaultRule, skip: usize) {
        let active = Active {
            rule,
            skip,
            used: 0,
        };
        if !active.exhausted() {
            self.rules.lock().expect("faults lock").push(active);
        }
    }

    pub fn clear(&self) {
        self.rules.lock().expect("faults lock").clear();
    }

    /// Consumes the rules that apply to this request.
    pub fn take(&self, method: &Method, path: &str) -> Plan {
        let mut plan = Plan::default();
        let mut rules = self.rules.lock().expect("faults lock");
        for active in rules.iter_mut() {
            if !active.rule.matcher.matches(method, path) {
                continue;
            }
            if active.skip > 0 {
                active.skip -= 1;
                continue;
            }
            match &active.rule.action {
                FaultAction::Latency(d) => plan.latency += *d,
                other if plan.action.is_none() => plan.action = Some(other.clone()),
                _ => continue,
            }
            active.used += 1;
        }
        rules.retain(|a| !a.exhausted());
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &str = "/v1/projects/abcdefghijklmnopqrst/api-keys";

    #[test]
    fn globs() {
        let m = RequestMatcher::new(Method::POST, "/v1/projects/*/api-keys");
        assert!(m.matches(&Method::POST, KEYS));
        assert!(!m.matches(&Method::GET, KEYS));
        assert!(!m.matches(&Method::POST, &format!("{KEYS}/x")));
        let any = RequestMatcher::any_method("/v1/projects/*/api-keys/*");
        assert!(any.matches(&Method::DELETE, &format!("{KEYS}/x")));
        assert!(!any.matches(&Method::DELETE, KEYS));
        let prefix = RequestMatcher::any_method("/v1/**");
        assert!(prefix.matches(&Method::GET, KEYS));
        assert!(prefix.matches(&Method::GET, "/v1"));
        assert!(!prefix.matches(&Method::GET, "/v2/x"));
        assert!(RequestMatcher::any_method(KEYS).matches(&Method::GET, KEYS));
    }

    #[test]
    fn counts_skips_and_stacking() {
        let faults = Faults::default();
        let m = RequestMatcher::any_method("/v1/**");
        faults.add(FaultRule::once(m.clone(), FaultAction::Status(500)), 1);
        faults.add(
            FaultRule::times(m.clone(), 2, FaultAction::Latency(Duration::from_millis(5))),
            0,
        );
        faults.add(FaultRule::once(m.clone(), FaultAction::Reset), 0);
        let p1 = faults.take(&Method::GET, KEYS);
        assert_eq!(p1.action, Some(FaultAction::Reset));
        assert_eq!(p1.latency, Duration::from_millis(5));
        let p2 = faults.take(&Method::GET, KEYS);
        assert_eq!(p2.action, Some(FaultAction::Status(500)));
        assert_eq!(p2.latency, Duration::from_millis(5));
        assert_eq!(faults.take(&Method::GET, KEYS), Plan::default());
        faults.add(FaultRule::always(m, FaultAction::TruncatedBody), 0);
        for _ in 0..3 {
            assert_eq!(
                faults.take(&Method::GET, KEYS).action,
                Some(FaultAction::TruncatedBody)
            );
        }
        faults.clear();
        assert_eq!(faults.take(&Method::GET, KEYS), Plan::default());
    }
}
