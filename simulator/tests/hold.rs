//! Holding requests inside the server and releasing them, without sleeps.

mod common;

use common::*;
use http::Method;
use supabase_simulator::{FaultAction, FaultRule, RequestMatcher, Simulator};
use tokio::task::JoinHandle;

fn spawn_create(sim: &Simulator, name: &str) -> JoinHandle<Result<Reply, hyper::Error>> {
    let sim = sim.clone();
    let body = format!(r#"{{"type":"secret","name":"{name}"}}"#);
    tokio::spawn(async move {
        try_send(
            &sim,
            Method::POST,
            &keys_path(REF),
            Some(TOKEN),
            Some(&body),
        )
        .await
    })
}

fn creates() -> RequestMatcher {
    RequestMatcher::new(Method::POST, "/v1/projects/*/api-keys")
}

#[tokio::test]
async fn held_requests_wait_until_released_one_by_one() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(creates());
    let mut first = spawn_create(&sim, "first");
    let mut second = spawn_create(&sim, "second");
    hold.wait_held(2).await;
    assert_eq!(hold.held(), 2);
    assert!(
        sim.keys(REF).is_empty(),
        "held requests are not handled yet"
    );
    assert!(sim.requests().iter().all(|r| r.status.is_none()));

    // Other requests are not held.
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);

    hold.release_one();
    // Exactly one of the two completes; find which without sleeping.
    let (done, other) = tokio::select! {
        r = &mut first => (r, second),
        r = &mut second => (r, first),
    };
    assert_eq!(done.unwrap().unwrap().status, 201);
    hold.wait_held(1).await;
    assert_eq!(hold.held(), 1);
    assert_eq!(sim.keys(REF).len(), 1);

    hold.release_all();
    assert_eq!(other.await.unwrap().unwrap().status, 201);
    assert_eq!(sim.keys(REF).len(), 2);
    // After release_all the hold lets everything through.
    assert_eq!(
        spawn_create(&sim, "third").await.unwrap().unwrap().status,
        201
    );
}

#[tokio::test]
async fn release_held_keeps_holding_later_requests() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(creates());
    let first = spawn_create(&sim, "first");
    hold.wait_held(1).await;
    hold.release_held();
    assert_eq!(first.await.unwrap().unwrap().status, 201);
    let second = spawn_create(&sim, "second");
    hold.wait_held(1).await;
    assert_eq!(sim.keys(REF).len(), 1);
    drop(hold);
    assert_eq!(second.await.unwrap().unwrap().status, 201);
}

#[tokio::test]
async fn dropping_the_hold_releases() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(RequestMatcher::any_method("/v1/**"));
    let pending = spawn_create(&sim, "held");
    hold.wait_held(1).await;
    drop(hold);
    assert_eq!(pending.await.unwrap().unwrap().status, 201);
    assert_eq!(
        spawn_create(&sim, "free").await.unwrap().unwrap().status,
        201
    );
}

#[tokio::test]
async fn a_held_request_gets_its_fault_after_release() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(creates());
    let pending = spawn_create(&sim, "held");
    hold.wait_held(1).await;
    sim.add_fault(FaultRule::once(
        creates(),
        FaultAction::CommitThenStatus(502),
    ));
    hold.release_all();
    assert_eq!(pending.await.unwrap().unwrap().status, 502);
    assert_eq!(sim.keys(REF).len(), 1);
}

#[tokio::test]
async fn shutdown_drops_held_requests() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(creates());
    let pending = spawn_create(&sim, "held");
    hold.wait_held(1).await;
    let addr = sim.local_addr();
    sim.clone().shutdown().await;
    assert!(pending.await.unwrap().is_err(), "no answer after shutdown");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
    drop(hold);
}

#[tokio::test]
async fn a_request_whose_client_gave_up_still_commits() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(creates());
    let client = spawn_create(&sim, "abandoned");
    hold.wait_held(1).await;
    client.abort();
    assert!(client.await.unwrap_err().is_cancelled());
    hold.release_all();
    sim.wait_finished(1).await;
    assert_eq!(sim.keys(REF).len(), 1, "the server finished the create");
    assert_eq!(sim.requests()[0].status, Some(201));
}
