//! Load: 200 secret keys (`count = 200`, one config) in one apply with `-parallelism=50`,
//! against a simulator that enforces the Management API's request budget (120 requests per
//! window, per token, project and endpoint) over a window of a few seconds. The provider waits
//! out each 429 as `X-RateLimit-Reset` says and retries within `max_retries` (default 5), so
//! no 429 reaches the user: the apply succeeds, every key is created exactly once, the state
//! holds each with its secret, and the plan after it is empty. The 429s the log shows (each
//! answered and retried) are counted and printed (`cargo test --test load -- --nocapture`),
//! with the most any one request met, from the provider's own retry log.

mod support;

use std::time::{Duration, Instant};

use supabase_simulator::{RateLimit, SimulatorConfig};
use support::acceptance::{Fixture, PROJECT};
use support::scale::{
    assert_server_matches_state, keys_config, requests_since, retry_notices, LogSummary, Route,
    Table,
};
use support::terraform::{self, assert_success, text};

const KEYS: usize = 200;
const LIMIT: u32 = 120;
/// The API's budget per window, over a few seconds instead of its minute.
const WINDOW: Duration = Duration::from_secs(3);

#[tokio::test]
async fn two_hundred_keys_at_parallelism_50_wait_out_the_rate_limit() {
    let mut table = Table::new(&[
        "terraform",
        "phase",
        "took",
        "requests",
        "429s retried",
        "result",
    ]);
    for tf in terraform::all() {
        let config = SimulatorConfig {
            rate_limit: Some(RateLimit {
                requests_per_window: LIMIT,
                window: WINDOW,
            }),
            ..Default::default()
        };
        let mut fx = Fixture::with_config(&tf, config).await;
        // The provider logs each retry at WARN: how close a request came to the budget.
        fx.set_env("TF_LOG_PROVIDER", "WARN");
        fx.config(&keys_config(KEYS, "load_key"));
        let version = tf.version_string();

        let started = Instant::now();
        let output = fx
            .run(&[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-parallelism=50",
            ])
            .await;
        let took = started.elapsed();
        let log = LogSummary::of(&fx.sim.requests());
        let brief = log.brief();
        assert_success(
            &output,
            &format!("terraform {version} apply of {KEYS} keys ({brief})"),
        );
        let creates = log.route(Route::Create);
        assert_eq!(creates.status(201), KEYS, "{version}: {brief}");
        assert_eq!(
            creates.total,
            KEYS + creates.status(429),
            "{version}: every create not made was rate limited: {brief}"
        );
        assert_eq!(log.route(Route::Read).total, 0, "{version}: {brief}");
        // Every 429 was waited out and retried (none was a last attempt); nothing else was.
        let notices = retry_notices(&text(&output.stderr));
        assert_eq!(
            notices.len(),
            log.rate_limited(),
            "{version}: one logged retry per 429: {brief}"
        );
        assert!(
            notices.iter().all(|n| n.reason == "HTTP 429"),
            "{version}: {notices:?}"
        );
        let most = notices.iter().map(|n| n.attempt).max().unwrap_or(0);
        let budget = notices.first().map_or(0, |n| n.max_attempts - 1);
        table.row(vec![
            version.clone(),
            "apply".into(),
            format!("{:.1} s", took.as_secs_f64()),
            brief,
            log.rate_limited().to_string(),
            format!(
                "{} keys created; most 429s one request met: {most} of {budget} retries",
                creates.status(201)
            ),
        ]);

        let state = fx.state().await;
        let held = assert_server_matches_state(&fx, &state, "after the apply");
        assert_eq!(held, KEYS, "{version}: keys in state");

        let mark = fx.sim.requests().len();
        let started = Instant::now();
        fx.assert_no_changes().await;
        let took = started.elapsed();
        let plan_log = LogSummary::of(&requests_since(&fx, mark));
        assert_eq!(fx.sim.keys(PROJECT).len(), KEYS, "{version}");
        table.row(vec![
            version.clone(),
            "plan".into(),
            format!("{:.1} s", took.as_secs_f64()),
            plan_log.brief(),
            plan_log.rate_limited().to_string(),
            "no changes".into(),
        ]);
    }
    println!("\n{}", table.render());
}
