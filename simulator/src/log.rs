//! The request log: one entry per API request, in arrival order. Tokens are
//! never recorded.

use std::sync::Mutex;
use std::time::Instant;

use http::Method;
use serde_json::{json, Value};
use tokio::sync::watch;

use crate::faults::FaultAction;

/// One request as the simulator saw it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// 1, 2, 3… in arrival order.
    pub seq: u64,
    pub method: Method,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// The answer's status; `None` while in flight, or when the connection
    /// was dropped or reset without an answer.
    pub status: Option<u16>,
    /// Whether the query held `reveal=true`.
    pub reveal: bool,
    pub started: Instant,
    /// When the answer was produced or the connection given up.
    pub finished: Option<Instant>,
    /// The fault rule action applied to this request, if any.
    pub fault: Option<FaultAction>,
}

pub(crate) struct RequestLog {
    epoch: Instant,
    entries: Mutex<Vec<LoggedRequest>>,
    finished: watch::Sender<usize>,
}

fn query_has_reveal(query: Option<&str>) -> bool {
    query
        .unwrap_or("")
        .split('&')
        .any(|pair| pair == "reveal=true")
}

impl RequestLog {
    pub fn new() -> Self {
        RequestLog {
            epoch: Instant::now(),
            entries: Mutex::new(Vec::new()),
            finished: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LoggedRequest>> {
        self.entries.lock().expect("request log lock")
    }

    /// Records the arrival of a request and returns its sequence number.
    pub fn begin(&self, method: &Method, path: &str, query: Option<&str>) -> u64 {
        let mut entries = self.lock();
        let seq = entries.len() as u64 + 1;
        entries.push(LoggedRequest {
            seq,
            method: method.clone(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            status: None,
            reveal: query_has_reveal(query),
            started: Instant::now(),
            finished: None,
            fault: None,
        });
        seq
    }

    /// Records the end of a request; only the first call per request counts.
    pub fn finish(&self, seq: u64, status: Option<u16>) {
        let mut entries = self.lock();
        if let Some(e) = entries.get_mut(seq as usize - 1) {
            if e.finished.is_none() {
                e.status = status;
                e.finished = Some(Instant::now());
                self.finished.send_modify(|n| *n += 1);
            }
        }
    }

    /// Resolves once at least `n` requests have finished.
    pub async fn wait_finished(&self, n: usize) {
        let mut rx = self.finished.subscribe();
        let _ = rx.wait_for(|done| *done >= n).await;
    }

    pub fn set_fault(&self, seq: u64, action: FaultAction) {
        if let Some(e) = self.lock().get_mut(seq as usize - 1) {
            e.fault = Some(action);
        }
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    /// The log as JSON, instants as milliseconds since the simulator started.
    pub fn to_json(&self) -> Value {
        let ms = |i: Instant| i.duration_since(self.epoch).as_secs_f64() * 1000.0;
        Value::Array(
            self.lock()
                .iter()
                .map(|e| {
                    json!({
                        "seq": e.seq,
                        "method": e.method.as_str(),
                        "path": e.path,
                        "query": e.query,
                        "status": e.status,
                        "reveal": e.reveal,
                        "started_ms": ms(e.started),
                        "finished_ms": e.finished.map(ms),
                        "fault": e.fault.as_ref().map(|f| format!("{f:?}")),
                    })
                })
                .collect(),
        )
    }
}

/// Finishes a log entry with no status if the request is abandoned (its
/// future dropped) before an answer was recorded.
pub(crate) struct FinishGuard<'a> {
    pub log: &'a RequestLog,
    pub seq: u64,
}

impl Drop for FinishGuard<'_> {
    fn drop(&mut self) {
        self.log.finish(self.seq, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_detection() {
        assert!(query_has_reveal(Some("reveal=true")));
        assert!(query_has_reveal(Some("a=b&reveal=true")));
        assert!(!query_has_reveal(Some("reveal=false")));
        assert!(!query_has_reveal(Some("reveal=trueish")));
        assert!(!query_has_reveal(None));
    }

    #[test]
    fn begin_finish() {
        let log = RequestLog::new();
        let a = log.begin(&Method::GET, "/x", None);
        let b = log.begin(&Method::POST, "/y", Some("reveal=true"));
        log.finish(b, Some(201));
        log.finish(b, None);
        let s = log.snapshot();
        assert_eq!((a, b), (1, 2));
        assert_eq!(s[1].status, Some(201));
        assert!(s[1].reveal);
        assert!(s[0].finished.is_none());
    }
}
