//! `GET /v1/projects/{ref}`, the project's status and what the api-keys endpoints answer for it.

mod common;

use common::*;
use http::Method;
use serde_json::json;
use supabase_simulator::{
    messages, FaultAction, FaultRule, Permissions, ProjectStatus, RequestMatcher, Simulator,
};

const NO_PROJECT_READ: &str = "sbp_keysonly00000000000000000000000000000";

async fn project_status_seen(sim: &Simulator) -> String {
    let reply = get(sim, &project_path(REF)).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    reply.json()["status"]
        .as_str()
        .expect("a status")
        .to_owned()
}

async fn get_as(sim: &Simulator, token: Option<&str>, path: &str) -> Reply {
    send(sim, Method::GET, path, token, None).await
}

/// The list's status and message (`None` for a 200).
async fn list_answer(sim: &Simulator) -> (u16, Option<String>) {
    let reply = get(sim, &keys_path(REF)).await;
    let message = (reply.status != 200).then(|| reply.message());
    (reply.status, message)
}

#[tokio::test]
async fn a_project_answers_200_with_the_nine_fields() {
    let sim = start(config()).await;
    let reply = get(&sim, &project_path(REF)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(reply.header("x-ratelimit-limit"), Some("120"));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("119"));
    assert!(reply.header("x-ratelimit-reset").is_some());
    let body = reply.json();
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "database",
            "id",
            "name",
            "organization_id",
            "organization_slug",
            "ref",
            "region",
            "status"
        ]
    );
    assert_eq!(body["id"], REF);
    assert_eq!(body["ref"], REF);
    assert_eq!(body["organization_id"], body["organization_slug"]);
    assert_eq!(body["status"], "ACTIVE_HEALTHY");
    for field in ["name", "region", "organization_slug"] {
        assert!(!body[field].as_str().unwrap().is_empty(), "{field}");
    }
    let created = body["created_at"].as_str().unwrap();
    assert!(
        created.len() == 24 && created.as_bytes()[10] == b'T' && created.ends_with('Z'),
        "RFC 3339: {created}"
    );
    let database = body["database"].as_object().unwrap();
    let mut database_fields: Vec<&str> = database.keys().map(String::as_str).collect();
    database_fields.sort_unstable();
    assert_eq!(
        database_fields,
        ["host", "postgres_engine", "release_channel", "version"]
    );
    assert_eq!(database["host"], format!("db.{REF}.supabase.co"));
}

#[tokio::test]
async fn the_project_get_has_its_own_rate_limit_bucket() {
    let sim = start(rate_limited(2, std::time::Duration::from_secs(60))).await;
    for _ in 0..2 {
        assert_eq!(get(&sim, &keys_path(REF)).await.status, 200);
    }
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 429);
    let first = get(&sim, &project_path(REF)).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(get(&sim, &project_path(REF)).await.status, 200);
    let refused = get(&sim, &project_path(REF)).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.message(), messages::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn unknown_malformed_unauthorised_and_forbidden() {
    let sim = start(no_rate_limit()).await;
    sim.add_token(NO_PROJECT_READ, Permissions::without_project_read());

    let unknown = get(&sim, &project_path(OTHER_REF)).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json(), json!({"message": "Project not found"}));

    let malformed = get(&sim, &project_path("Not-A-Ref")).await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.message(), messages::INVALID_REF);

    let anonymous = get_as(&sim, None, &project_path(REF)).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.message(), messages::UNAUTHORIZED);
    let revoked = get_as(&sim, Some("sbp_nope"), &project_path(REF)).await;
    assert_eq!(revoked.status, 401);

    let forbidden = get_as(&sim, Some(NO_PROJECT_READ), &project_path(REF)).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(
        forbidden.json(),
        json!({"message": "Your account does not have the necessary privileges to access this endpoint."})
    );
    // The same token still lists keys: project read is a permission of its own.
    let list = get_as(&sim, Some(NO_PROJECT_READ), &keys_path(REF)).await;
    assert_eq!(list.status, 200);
    // Other methods are no route.
    let post = send(&sim, Method::POST, &project_path(REF), Some(TOKEN), None).await;
    assert_eq!(post.status, 404);
    assert!(post.message().starts_with(messages::ROUTE_NOT_FOUND_PREFIX));
}

#[tokio::test]
async fn each_status_is_reported_and_gates_the_api_keys_endpoints() {
    let sim = start(no_rate_limit()).await;
    let not_found = Some((404, messages::NOT_FOUND.to_owned()));
    let not_active = Some((400, messages::PROJECT_NOT_ACTIVE.to_owned()));
    let mut statuses: Vec<ProjectStatus> = ProjectStatus::ENUM.to_vec();
    statuses.push(ProjectStatus::Other("PAUSED".to_owned()));
    for status in statuses {
        let expected = match status.as_str() {
            "ACTIVE_HEALTHY" => None,
            "PAUSING" | "GOING_DOWN" | "INACTIVE" | "REMOVED" | "INIT_FAILED" | "PAUSE_FAILED"
            | "RESTORE_FAILED" => not_active.clone(),
            // Provisioning, busy, and a value outside the enum.
            _ => not_found.clone(),
        };
        sim.set_project_status(REF, status.clone());
        assert_eq!(sim.project_status(REF), Some(status.clone()));
        assert_eq!(project_status_seen(&sim).await, status.as_str());

        let list = get(&sim, &keys_path(REF)).await;
        let create = post(&sim, &keys_path(REF), r#"{"type":"secret","name":"gated"}"#).await;
        let legacy = get(&sim, &format!("{}/legacy", keys_path(REF))).await;
        for (what, reply, ok) in [
            ("list", &list, 200),
            ("create", &create, 201),
            ("legacy", &legacy, 200),
        ] {
            let got = (reply.status != ok).then(|| (reply.status, reply.message()));
            assert_eq!(got, expected, "{what} of a project {status}");
        }
        let created = usize::from(expected.is_none());
        assert_eq!(sim.keys(REF).len(), created, "{status}");
        for key in sim.keys(REF) {
            sim.delete_key_out_of_band(REF, &key.id);
        }
    }
}

#[tokio::test]
async fn the_status_check_comes_after_the_request_checks() {
    let sim = start(no_rate_limit()).await;
    sim.add_token("sbp_reader", Permissions::read_only());
    sim.set_project_status(REF, ProjectStatus::Inactive);
    let write = send(
        &sim,
        Method::POST,
        &keys_path(REF),
        Some("sbp_reader"),
        Some(r#"{"type":"secret","name":"gated"}"#),
    )
    .await;
    assert_eq!(write.status, 403);
    assert_eq!(
        get(&sim, &key_path(REF, "not-a-uuid")).await.message(),
        messages::INVALID_UUID
    );
    assert_eq!(
        get(&sim, &keys_path(OTHER_REF)).await.message(),
        messages::PROJECT_NOT_FOUND
    );
    assert_eq!(get_as(&sim, None, &keys_path(REF)).await.status, 401);
}

#[tokio::test]
async fn provisioning_moves_on_per_answered_project_get() {
    let sim = start(no_rate_limit()).await;
    sim.add_token(NO_PROJECT_READ, Permissions::without_project_read());
    sim.start_provisioning(REF, 1, 2);
    assert_eq!(sim.project_status(REF), Some(ProjectStatus::Unknown));
    assert_eq!(list_answer(&sim).await, (404, Some("Not Found".to_owned())));
    // Neither a refused GET, a GET answered by a fault, nor api-keys calls count.
    let refused = get_as(&sim, Some(NO_PROJECT_READ), &project_path(REF)).await;
    assert_eq!(refused.status, 403);
    sim.add_fault(FaultRule::once(
        RequestMatcher::new(Method::GET, "/v1/projects/*"),
        FaultAction::Status(503),
    ));
    assert_eq!(get(&sim, &project_path(REF)).await.status, 503);
    assert_eq!(sim.project_status(REF), Some(ProjectStatus::Unknown));

    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(project_status_seen(&sim).await);
    }
    assert_eq!(
        seen,
        [
            "UNKNOWN",
            "COMING_UP",
            "COMING_UP",
            "ACTIVE_HEALTHY",
            "ACTIVE_HEALTHY"
        ]
    );
    assert_eq!(list_answer(&sim).await, (200, None));
}

#[tokio::test]
async fn provisioning_moves_on_by_the_control() {
    let sim = start(no_rate_limit()).await;
    sim.start_provisioning(REF, 100, 100);
    sim.advance_provisioning(REF);
    assert_eq!(project_status_seen(&sim).await, "COMING_UP");
    assert_eq!(list_answer(&sim).await.0, 404);
    sim.advance_provisioning(REF);
    assert_eq!(sim.project_status(REF), Some(ProjectStatus::ActiveHealthy));
    assert_eq!(list_answer(&sim).await, (200, None));
    // A set status ends a sequence.
    sim.start_provisioning(REF, 1, 1);
    sim.set_project_status(REF, ProjectStatus::Inactive);
    project_status_seen(&sim).await;
    assert_eq!(sim.project_status(REF), Some(ProjectStatus::Inactive));
}

#[tokio::test]
async fn a_preview_branch_is_unknown_to_the_project_get_and_serves_its_keys() {
    let sim = start(no_rate_limit()).await;
    sim.set_preview_branch(REF, true);
    let branch = get(&sim, &project_path(REF)).await;
    assert_eq!(branch.status, 404);
    assert_eq!(branch.json(), json!({"message": "Project not found"}));
    assert_eq!(list_answer(&sim).await, (200, None));
    create(&sim, "secret", "on_branch").await;

    // A branch still coming up: 404 to both, until the control moves it on.
    sim.start_provisioning(REF, 0, 1);
    assert_eq!(get(&sim, &project_path(REF)).await.status, 404);
    assert_eq!(list_answer(&sim).await.0, 404);
    sim.advance_provisioning(REF);
    assert_eq!(list_answer(&sim).await, (200, None));

    sim.set_preview_branch(REF, false);
    assert_eq!(project_status_seen(&sim).await, "ACTIVE_HEALTHY");
}

#[tokio::test]
async fn the_project_get_goes_through_the_request_log_and_holds() {
    let sim = start(no_rate_limit()).await;
    let hold = sim.hold(RequestMatcher::new(Method::GET, "/v1/projects/*"));
    let held = tokio::spawn({
        let sim = sim.clone();
        async move { get(&sim, &project_path(REF)).await.status }
    });
    hold.wait_held(1).await;
    // The api-keys list is not held by a matcher of the project path.
    assert_eq!(list_answer(&sim).await, (200, None));
    hold.release_all();
    assert_eq!(held.await.unwrap(), 200);
    let log: Vec<(String, Option<u16>)> = sim
        .requests()
        .iter()
        .map(|r| (format!("{} {}", r.method, r.path), r.status))
        .collect();
    assert!(log.contains(&(format!("GET {}", project_path(REF)), Some(200))));
}
