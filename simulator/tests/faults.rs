//! Each fault action, rule counting and matching.

mod common;

use std::time::{Duration, Instant};

use common::*;
use http::Method;
use serde_json::json;
use supabase_simulator::{FaultAction, FaultRule, RequestMatcher};

const CREATE_BODY: &str = r#"{"type":"secret","name":"faulty"}"#;

fn create_matcher() -> RequestMatcher {
    RequestMatcher::new(Method::POST, "/v1/projects/*/api-keys")
}

async fn try_create(sim: &supabase_simulator::Simulator) -> Result<Reply, hyper::Error> {
    try_send(
        sim,
        Method::POST,
        &format!("{}?reveal=true", keys_path(REF)),
        Some(TOKEN),
        Some(CREATE_BODY),
    )
    .await
}

#[tokio::test]
async fn status_answers_json_message_and_changes_nothing() {
    let sim = start(config()).await;
    for (code, message) in [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
    ] {
        sim.add_fault(FaultRule::once(create_matcher(), FaultAction::Status(code)));
        let reply = try_create(&sim).await.unwrap();
        assert_eq!(reply.status, code);
        assert_eq!(reply.json(), json!({ "message": message }));
        assert!(reply.header("x-ratelimit-limit").is_some());
    }
    assert!(sim.keys(REF).is_empty());
    let log = sim.requests();
    assert_eq!(log[0].status, Some(500));
    assert_eq!(log[0].fault, Some(FaultAction::Status(500)));
    // The rules were used up.
    assert_eq!(try_create(&sim).await.unwrap().status, 201);
}

#[tokio::test]
async fn status_429_carries_rate_limit_headers_and_extra_headers() {
    let sim = start(config()).await;
    sim.add_fault(FaultRule::once(create_matcher(), FaultAction::Status(429)));
    let reply = try_create(&sim).await.unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(reply.json(), json!({"message": "Too Many Requests"}));
    assert_eq!(reply.header("x-ratelimit-limit"), Some("120"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(reply.header("x-ratelimit-reset"), Some("1"));
    assert!(reply.header("retry-after").is_none());

    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::StatusWithHeaders(
            429,
            vec![
                ("Retry-After".into(), "2".into()),
                ("X-RateLimit-Reset".into(), "3".into()),
            ],
        ),
    ));
    let reply = try_create(&sim).await.unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(reply.header("retry-after"), Some("2"));
    assert_eq!(reply.header("x-ratelimit-reset"), Some("3"));
    assert!(sim.keys(REF).is_empty());
}

#[tokio::test]
async fn latency_delays_then_handles() {
    let sim = start(no_rate_limit()).await;
    let delay = Duration::from_millis(150);
    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::Latency(delay),
    ));
    let started = Instant::now();
    let reply = try_create(&sim).await.unwrap();
    assert!(started.elapsed() >= delay);
    assert_eq!(reply.status, 201);
    assert_eq!(sim.keys(REF).len(), 1);
    assert_eq!(sim.requests()[0].fault, Some(FaultAction::Latency(delay)));
}

#[tokio::test]
async fn latency_stacks_with_a_status() {
    let sim = start(no_rate_limit()).await;
    let delay = Duration::from_millis(100);
    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::Latency(delay),
    ));
    sim.add_fault(FaultRule::once(create_matcher(), FaultAction::Status(503)));
    let started = Instant::now();
    let reply = try_create(&sim).await.unwrap();
    assert!(started.elapsed() >= delay);
    assert_eq!(reply.status, 503);
}

#[tokio::test]
async fn reset_drops_the_connection_without_an_answer() {
    let sim = start(no_rate_limit()).await;
    sim.add_fault(FaultRule::once(create_matcher(), FaultAction::Reset));
    let error = try_create(&sim).await.expect_err("no answer");
    assert!(is_reset(&error), "expected a reset, got {error:?}");
    assert!(sim.keys(REF).is_empty(), "a reset request changes nothing");
    let log = sim.requests();
    assert_eq!(log[0].status, None);
    assert!(log[0].finished.is_some());
    assert_eq!(log[0].fault, Some(FaultAction::Reset));
}

#[tokio::test]
async fn html_bodies_with_200_or_502() {
    let sim = start(no_rate_limit()).await;
    for code in [502, 200] {
        sim.add_fault(FaultRule::once(
            RequestMatcher::new(Method::GET, "/v1/projects/*/api-keys"),
            FaultAction::Html(code),
        ));
        let reply = get(&sim, &keys_path(REF)).await;
        assert_eq!(reply.status, code);
        assert_eq!(
            reply.header("content-type"),
            Some("text/html; charset=UTF-8")
        );
        let text = String::from_utf8(reply.body.to_vec()).unwrap();
        assert!(text.contains("<html"));
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_err());
    }
}

#[tokio::test]
async fn truncated_body_is_half_a_json_document() {
    let sim = start(no_rate_limit()).await;
    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::TruncatedBody,
    ));
    let reply = try_create(&sim).await.unwrap();
    assert_eq!(reply.status, 201);
    assert!(serde_json::from_slice::<serde_json::Value>(&reply.body).is_err());
    assert!(reply.body.starts_with(b"{\"id\":"));
    let keys = sim.keys(REF);
    assert_eq!(keys.len(), 1, "the create was handled");
    let full = get(&sim, &format!("{}?reveal=true", key_path(REF, &keys[0].id))).await;
    assert_eq!(reply.body.len(), full.body.len() / 2);
}

#[tokio::test]
async fn commit_then_drop_creates_the_key_but_never_answers() {
    let sim = start(no_rate_limit()).await;
    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::CommitThenDrop,
    ));
    let error = try_create(&sim).await.expect_err("no answer");
    assert!(
        error.is_incomplete_message() || is_reset(&error),
        "expected a closed connection, got {error:?}"
    );
    let keys = sim.keys(REF);
    assert_eq!(keys.len(), 1, "the key was committed");
    assert_eq!(keys[0].name, "faulty");
    assert_eq!(sim.requests()[0].status, None);
    // The next attempt sees the duplicate.
    assert_eq!(try_create(&sim).await.unwrap().status, 409);
}

#[tokio::test]
async fn commit_then_status_creates_the_key_and_answers_500() {
    let sim = start(no_rate_limit()).await;
    sim.add_fault(FaultRule::once(
        create_matcher(),
        FaultAction::CommitThenStatus(500),
    ));
    let reply = try_create(&sim).await.unwrap();
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json(), json!({"message": "Internal Server Error"}));
    assert_eq!(sim.keys(REF).len(), 1);
    assert_eq!(sim.requests()[0].status, Some(500));
}

#[tokio::test]
async fn times_nth_occurrence_method_filter_and_clear() {
    let sim = start(no_rate_limit()).await;
    let list = RequestMatcher::new(Method::GET, "/v1/projects/*/api-keys");
    sim.add_fault(FaultRule::times(list.clone(), 2, FaultAction::Status(502)));
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 502);
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 502);
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);

    // Only the third matching request fails.
    sim.add_fault_after(FaultRule::once(list.clone(), FaultAction::Status(500)), 2);
    let statuses = [
        get(&sim, &keys_path(REF)).await.status,
        get(&sim, &keys_path(REF)).await.status,
        get(&sim, &keys_path(REF)).await.status,
        get(&sim, &keys_path(REF)).await.status,
    ];
    assert_eq!(statuses, [200, 200, 500, 200]);

    // Method filter: a POST rule does not touch GETs; a glob rule on any method does.
    sim.add_fault(FaultRule::always(
        create_matcher(),
        FaultAction::Status(503),
    ));
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);
    assert_eq!(try_create(&sim).await.unwrap().status, 503);
    assert_eq!(try_create(&sim).await.unwrap().status, 503);
    sim.add_fault(FaultRule::once(
        RequestMatcher::any_method("/v1/**"),
        FaultAction::Status(500),
    ));
    // The always-503 rule was added first, so it wins for POST.
    assert_eq!(try_create(&sim).await.unwrap().status, 503);
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 500);
    sim.clear_faults();
    assert_eq!(try_create(&sim).await.unwrap().status, 201);
}
