//! Load: 300 secret keys (`count = 300`, one config) in one apply with `-parallelism=50`,
//! against a simulator that enforces the Management API's request budget (120 requests per
//! window, per token, project and endpoint) over a window of a few seconds instead of a minute.
//!
//! The provider paces itself from the `X-RateLimit-Remaining`/`X-RateLimit-Reset` headers, so
//! the simulator never has to answer 429: the log shows none, the provider logged no retry
//! (only its waits for the window, at INFO as each began), and the apply's requests span at
//! most ceil(300/120) + 1 windows (the POSTs alone about
//! two windows, plus the reset's rounding to whole seconds). The apply is one list per
//! Terraform phase (the plan-time name check, from one list per process) and exactly one POST
//! per key, with no per-key read; the plan after it is one list for all 300 refreshes.
//! `cargo test --test load -- --nocapture` prints the figures.

mod support;

use std::time::Duration;

use supabase_simulator::{LoggedRequest, RateLimit, SimulatorConfig};
use support::acceptance::Fixture;
use support::backend::SimOnly;
use support::scale::{
    assert_server_matches_state, fixture_keys_config, requests_since, retry_notices, LogSummary,
    Route, Table,
};
use support::terraform::{self, assert_success, text};

const KEYS: usize = 300;
const LIMIT: u32 = 120;
/// The API's budget per window, over seconds instead of its minute: long enough that
/// Terraform's own work between requests (planning 300 resources before the first POST, on
/// a busy 2-core machine up to ~10 s) stays well inside the allowance.
const WINDOW: Duration = Duration::from_secs(12);

/// From the first request's arrival to the last answer.
fn span(requests: &[LoggedRequest]) -> Duration {
    let first = requests.iter().map(|r| r.started).min();
    let last = requests.iter().filter_map(|r| r.finished).max();
    match (first, last) {
        (Some(first), Some(last)) => last.saturating_duration_since(first),
        _ => Duration::ZERO,
    }
}

#[tokio::test]
async fn three_hundred_keys_stay_within_the_rate_limit_without_a_429() {
    let windows_allowed = KEYS.div_ceil(LIMIT as usize) as u32 + 1;
    let mut table = Table::new(&[
        "terraform",
        "phase",
        "requests",
        "429s",
        "span",
        "POST span",
        "allowed",
    ]);
    for tf in terraform::all() {
        let config = SimulatorConfig {
            rate_limit: Some(RateLimit {
                requests_per_window: LIMIT,
                window: WINDOW,
            }),
            ..Default::default()
        };
        // A window of seconds instead of the API's minute: a rate limit only the simulator has.
        let Some(mut fx) = Fixture::sim_only_with(&tf, SimOnly::RateLimit, config).await else {
            continue;
        };
        // Retries are logged at WARN (there must be none), waits for the window at INFO.
        fx.set_env("TF_LOG_PROVIDER", "INFO");
        fx.config(&fixture_keys_config(&fx, KEYS, "load_key"));
        let version = tf.version_string();

        let output = fx
            .run(&[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                "-parallelism=50",
            ])
            .await;
        let requests = fx.requests();
        let log = LogSummary::of(&requests);
        let brief = log.brief();
        assert_success(
            &output,
            &format!("terraform {version} apply of {KEYS} keys ({brief})"),
        );
        assert_eq!(log.rate_limited(), 0, "{version}: no 429 at all: {brief}");
        let notices = retry_notices(&text(&output.stderr));
        assert!(notices.is_empty(), "{version}: no retries: {notices:?}");
        // 300 creates against 120 a window: some wait, and each says so as its wait begins.
        let stderr = text(&output.stderr);
        let waits = stderr
            .lines()
            .filter(|l| {
                l.contains("[INFO]")
                    && l.contains("waiting for the Management API's rate-limit window")
            })
            .count();
        assert!(
            waits > 0,
            "{version}: no rate-limit wait was logged at INFO"
        );
        let creates = log.route(Route::Create);
        assert_eq!(creates.total, KEYS, "{version}: one POST per key: {brief}");
        assert_eq!(creates.status(201), KEYS, "{version}: {brief}");
        assert_eq!(log.route(Route::Read).total, 0, "{version}: {brief}");
        // One list in the plan's provider process and one in the apply's.
        assert_eq!(log.route(Route::List).total, 2, "{version}: {brief}");
        let took = span(&requests);
        let posts: Vec<LoggedRequest> = requests
            .iter()
            .filter(|r| support::scale::route(r) == Route::Create)
            .cloned()
            .collect();
        assert!(
            took <= WINDOW * windows_allowed,
            "{version}: the apply's requests spanned {took:?}, more than {windows_allowed} \
             windows of {WINDOW:?}"
        );
        table.row(vec![
            version.clone(),
            "apply".into(),
            brief,
            "0".into(),
            format!("{:.1} s", took.as_secs_f64()),
            format!("{:.1} s", span(&posts).as_secs_f64()),
            format!(
                "{windows_allowed} windows = {} s",
                (WINDOW * windows_allowed).as_secs()
            ),
        ]);

        let state = fx.state().await;
        let held = assert_server_matches_state(&fx, &state, "after the apply");
        assert_eq!(held, KEYS, "{version}: keys in state");

        let mark = fx.requests().len();
        fx.assert_no_changes().await;
        let plan_requests = requests_since(&fx, mark);
        let plan_log = LogSummary::of(&plan_requests);
        assert_eq!(
            plan_requests.len(),
            1,
            "{version}: one list refreshes all {KEYS} keys: {}",
            plan_log.brief()
        );
        assert_eq!(fx.keys().len(), KEYS, "{version}");
        table.row(vec![
            version.clone(),
            "plan".into(),
            plan_log.brief(),
            plan_log.rate_limited().to_string(),
            format!("{:.1} s", span(&plan_requests).as_secs_f64()),
            "-".into(),
            "-".into(),
        ]);
    }
    println!("\n{}", table.render());
}
