//! Waiting for something a test can observe (a request in the simulator's log, a process gone),
//! never for a guessed time: [`until`] polls, and its limit is a safety net that fails the test.

#![allow(dead_code)]

use std::time::{Duration, Instant};

/// Polls `done` every 10 ms until it holds; panics naming `what` if it does not within `limit`.
pub async fn until(what: &str, limit: Duration, done: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
