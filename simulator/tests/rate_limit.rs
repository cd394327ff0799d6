//! `X-RateLimit-*` headers and 429 answers.

mod common;

use std::time::Duration;

use common::*;
use http::Method;
use supabase_simulator::{messages, KeySeed, Permissions};

fn numbers(reply: &Reply) -> (u32, u32, u64) {
    let n = |name| {
        reply
            .header(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .parse::<u64>()
            .unwrap()
    };
    (
        n("x-ratelimit-limit") as u32,
        n("x-ratelimit-remaining") as u32,
        n("x-ratelimit-reset"),
    )
}

#[tokio::test]
async fn default_budget_is_120_per_minute_with_headers_on_every_answer() {
    let sim = start(config()).await;
    let first = get(&sim, &keys_path(REF)).await;
    assert_eq!(numbers(&first), (120, 119, 60));
    let second = get(&sim, &keys_path(REF)).await;
    let (limit, remaining, reset) = numbers(&second);
    assert_eq!((limit, remaining), (120, 118));
    assert!((59..=60).contains(&reset));
    // Errors carry the headers too.
    for reply in [
        send(&sim, Method::GET, &keys_path(REF), None, None).await,
        get(&sim, &keys_path(OTHER_REF)).await,
        get(&sim, &key_path(REF, "nope")).await,
    ] {
        assert!(reply.status >= 400);
        numbers(&reply);
    }
}

#[tokio::test]
async fn budget_is_per_token_project_and_endpoint() {
    let sim = start(rate_limited(2, Duration::from_secs(60))).await;
    sim.add_project(OTHER_REF);
    sim.add_token("second", Permissions::all());
    let key = sim.seed_key(REF, KeySeed::secret("seeded"));
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);
    let refused = get(&sim, &keys_path(REF)).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.message(), messages::TOO_MANY_REQUESTS);
    let (limit, remaining, reset) = numbers(&refused);
    assert_eq!((limit, remaining), (2, 0));
    assert!((1..=60).contains(&reset));

    // Another endpoint, project or token has its own budget.
    let one = get(&sim, &key_path(REF, &key.id)).await;
    assert_eq!((one.status, numbers(&one).1), (200, 1));
    let other_project = get(&sim, &keys_path(OTHER_REF)).await;
    assert_eq!((other_project.status, numbers(&other_project).1), (200, 1));
    let other_token = send(&sim, Method::GET, &keys_path(REF), Some("second"), None).await;
    assert_eq!((other_token.status, numbers(&other_token).1), (200, 1));
}

#[tokio::test]
async fn a_refused_create_changes_nothing_and_the_window_resets() {
    let window = Duration::from_millis(300);
    let sim = start(rate_limited(1, window)).await;
    let body = r#"{"type":"secret","name":"limited"}"#;
    assert_eq!(post(&sim, &keys_path(REF), body).await.status, 201);
    let refused = post(
        &sim,
        &keys_path(REF),
        r#"{"type":"secret","name":"second"}"#,
    )
    .await;
    assert_eq!(refused.status, 429);
    assert_eq!(numbers(&refused).2, 1, "reset rounds up to whole seconds");
    assert_eq!(sim.keys(REF).len(), 1);
    // Wait out the window (the test shortens it to keep this quick).
    tokio::time::sleep(window).await;
    let again = post(
        &sim,
        &keys_path(REF),
        r#"{"type":"secret","name":"second"}"#,
    )
    .await;
    assert_eq!(again.status, 201);
    assert_eq!(numbers(&again).1, 0);
}

#[tokio::test]
async fn disabled_rate_limit_sends_no_headers_and_never_429() {
    let sim = start(no_rate_limit()).await;
    for _ in 0..150 {
        let reply = get(&sim, &keys_path(REF)).await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("x-ratelimit-limit").is_none());
    }
}
