//! The request pipeline of the api-keys endpoints and of the project GET.
//!
//! Order: hold → fault rules (latency, then answers that replace the API) →
//! rate limit (429, a bucket per operation) → bearer token (401) → ref format
//! (400) → project (404; the project GET also answers 404 for a preview
//! branch) → endpoint permission (403) → for the project GET: the 9-field
//! body (200), which counts one step of a provisioning sequence. For the
//! api-keys endpoints: id format (400) → query parameters (400) → reveal
//! permission (403) → the project's status (404 while provisioning or busy,
//! 400 when going away, paused, removed or failed: see `project_status`) →
//! body (400) → the operation (404, 409, 200/201). Then, for both: answer
//! hold → fault rules that alter a handled request.
//!
//! The status check sits after every check of the request itself, so a bad
//! token, ref, permission or parameter answers as for a healthy project, and
//! only a request that would otherwise run learns the project is not ready.

use std::sync::Arc;

use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use http::StatusCode;
use serde_json::json;

use crate::app::App;
use crate::auth::{bearer, Endpoint};
use crate::faults::FaultAction;
use crate::keygen::is_uuid;
use crate::masking::{exposure, key_view, legacy_view, View};
use crate::messages;
use crate::rate_limit::{BucketKey, Quota};
use crate::respond::{status_code, to_json, Answer};
use crate::server::RequestCtx;
use crate::state::{Project, StoreError};
use crate::validation::{bool_param, create_body, is_project_ref, update_body};

const MAX_BODY: usize = 1 << 20;

type Outcome = Result<(StatusCode, Bytes), (StatusCode, String)>;

fn fail(status: StatusCode, message: &str) -> (StatusCode, String) {
    (status, message.to_owned())
}

/// The first value of a query parameter, undecoded.
fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Handles one api-keys request. `id` is the raw `{id}` segment.
pub(crate) async fn run(
    app: Arc<App>,
    endpoint: Endpoint,
    project_ref: String,
    id: Option<String>,
    parts: Parts,
    body: axum::body::Body,
) -> Response {
    let ctx = parts.extensions.get::<RequestCtx>().cloned();
    let path = parts.uri.path().to_owned();
    // Read the body first, so a request whose client goes away while it is
    // held or delayed still has it.
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();

    app.holds.pass(&parts.method, &path).await;

    let plan = app.faults.take(&parts.method, &path);
    if let Some(ctx) = &ctx {
        let recorded = plan
            .action
            .clone()
            .or_else(|| (!plan.latency.is_zero()).then_some(FaultAction::Latency(plan.latency)));
        if let Some(action) = recorded {
            app.log.set_fault(ctx.seq, action);
        }
    }
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }

    let token = bearer(&parts.headers).map(str::to_owned);
    let known = token.as_deref().and_then(|t| app.permissions(t));
    let bucket = BucketKey {
        identity: match (&token, known) {
            (Some(t), Some(_)) => format!("token:{t}"),
            _ => "anonymous".to_owned(),
        },
        project: project_ref.clone(),
        endpoint: endpoint.operation_id(),
    };

    match &plan.action {
        Some(FaultAction::Status(code)) => {
            return injected_status(&app, &bucket, *code, &[]).into_response()
        }
        Some(FaultAction::StatusWithHeaders(code, headers)) => {
            return injected_status(&app, &bucket, *code, headers).into_response()
        }
        Some(FaultAction::Html(code)) => return Answer::html(*code).into_response(),
        Some(FaultAction::Reset) => return abandon(&app, ctx.as_ref(), true),
        _ => {}
    }

    let answer = handle(
        &app,
        endpoint,
        &bucket,
        token.as_deref(),
        &project_ref,
        id,
        &parts,
        &body,
    );
    app.answer_holds.pass(&parts.method, &path).await;

    match &plan.action {
        Some(FaultAction::TruncatedBody) => answer.truncate().into_response(),
        Some(FaultAction::CommitThenDrop) => abandon(&app, ctx.as_ref(), false),
        Some(FaultAction::CommitThenStatus(code)) => {
            injected_status(&app, &bucket, *code, &[]).into_response()
        }
        _ => answer.into_response(),
    }
}

/// Ends the connection without an answer (RST when `reset`, else FIN). The
/// returned placeholder is never sent.
fn abandon(app: &App, ctx: Option<&RequestCtx>, reset: bool) -> Response {
    if let Some(ctx) = ctx {
        app.log.finish(ctx.seq, None);
        if reset {
            ctx.conn.reset();
        } else {
            ctx.conn.close();
        }
    }
    Answer::fault_status(500).into_response()
}

/// An injected status answer; it carries the current rate limit numbers
/// without counting the request. A 429 reports an empty budget that resets
/// in one second unless `extra` says otherwise.
fn injected_status(app: &App, bucket: &BucketKey, code: u16, extra: &[(String, String)]) -> Answer {
    let mut answer = Answer::fault_status(code);
    if let Some(quota) = app.limiter.peek(bucket) {
        answer = with_quota(answer, quota);
    }
    if status_code(code) == StatusCode::TOO_MANY_REQUESTS {
        let limit = app.limiter.config().unwrap_or_default().requests_per_window;
        answer = answer
            .header("x-ratelimit-limit", &limit.to_string())
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", "1");
    }
    for (name, value) in extra {
        answer = answer.header(name, value);
    }
    answer
}

#[allow(clippy::too_many_arguments)]
fn handle(
    app: &App,
    endpoint: Endpoint,
    bucket: &BucketKey,
    token: Option<&str>,
    project_ref: &str,
    id: Option<String>,
    parts: &Parts,
    body: &Bytes,
) -> Answer {
    let (quota, limited) = match app.limiter.hit(bucket.clone()) {
        None => (None, false),
        Some(Ok(quota)) => (Some(quota), false),
        Some(Err(quota)) => (Some(quota), true),
    };
    let answer = if limited {
        Answer::message(StatusCode::TOO_MANY_REQUESTS, messages::TOO_MANY_REQUESTS)
    } else {
        match execute(
            app,
            endpoint,
            token,
            project_ref,
            id,
            parts.uri.query(),
            body,
        ) {
            Ok((status, body)) => Answer::json_bytes(status, body),
            Err((status, message)) => Answer::message(status, &message),
        }
    };
    match quota {
        Some(quota) => with_quota(answer, quota),
        None => answer,
    }
}

/// The `X-RateLimit-*` headers.
fn with_quota(answer: Answer, quota: Quota) -> Answer {
    answer
        .header("x-ratelimit-limit", &quota.limit.to_string())
        .header("x-ratelimit-remaining", &quota.remaining.to_string())
        .header("x-ratelimit-reset", &quota.reset_secs.to_string())
}

fn execute(
    app: &App,
    endpoint: Endpoint,
    token: Option<&str>,
    project_ref: &str,
    id: Option<String>,
    query: Option<&str>,
    body: &[u8],
) -> Outcome {
    let permissions = token
        .and_then(|t| app.permissions(t))
        .ok_or_else(|| fail(StatusCode::UNAUTHORIZED, messages::UNAUTHORIZED))?;
    if !is_project_ref(project_ref) {
        return Err(fail(StatusCode::BAD_REQUEST, messages::INVALID_REF));
    }
    let mut store = app.store();
    let project = store
        .project_mut(project_ref)
        .filter(|project| visible(project, endpoint))
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, messages::PROJECT_NOT_FOUND))?;
    if !endpoint.allowed(&permissions) {
        return Err(fail(StatusCode::FORBIDDEN, endpoint.forbidden_message()));
    }
    if endpoint == Endpoint::ProjectGet {
        let body = to_json(&project.info.view(project_ref));
        project.info.count_get();
        return Ok((StatusCode::OK, body));
    }
    if let Some(id) = &id {
        if !is_uuid(id) {
            return Err(fail(StatusCode::BAD_REQUEST, messages::INVALID_UUID));
        }
    }
    let bad = |m: String| (StatusCode::BAD_REQUEST, m);
    let reveal = if endpoint.takes_reveal() {
        bool_param("reveal", query_param(query, "reveal"))
            .map_err(bad)?
            .unwrap_or(false)
    } else {
        false
    };
    if endpoint == Endpoint::Delete {
        bool_param("was_compromised", query_param(query, "was_compromised")).map_err(bad)?;
    }
    let exposure = exposure(reveal, permissions.secret_read)
        .map_err(|()| fail(StatusCode::FORBIDDEN, messages::FORBIDDEN))?;
    let refusal = store
        .project(project_ref)
        .and_then(|project| project.info.status().keys_refusal());
    if let Some((status, message)) = refusal {
        return Err(fail(status, message));
    }
    let unique = app.config.unique_names;
    let store_err = |e: StoreError| match e {
        StoreError::NoProject => fail(StatusCode::NOT_FOUND, messages::PROJECT_NOT_FOUND),
        StoreError::NoKey => fail(StatusCode::NOT_FOUND, messages::KEY_NOT_FOUND),
        StoreError::DuplicateName => fail(StatusCode::CONFLICT, messages::NAME_TAKEN),
    };
    let id = id.unwrap_or_default();
    match endpoint {
        Endpoint::List => {
            let project = store.project(project_ref).expect("checked above");
            let keys = project.keys();
            let legacy = project
                .legacy
                .iter()
                .filter(|_| project.legacy_enabled)
                .map(|k| View::Legacy(legacy_view(k)));
            let views: Vec<View<'_>> = legacy
                .chain(keys.iter().map(|k| View::Key(key_view(k, exposure))))
                .collect();
            Ok((StatusCode::OK, to_json(&views)))
        }
        Endpoint::Create => {
            let seed = create_body(body).map_err(bad)?;
            let key = store.create(project_ref, seed, unique).map_err(store_err)?;
            Ok((StatusCode::CREATED, to_json(&key_view(&key, exposure))))
        }
        Endpoint::Get => {
            let key = store.get(project_ref, &id).map_err(store_err)?;
            Ok((StatusCode::OK, to_json(&key_view(&key, exposure))))
        }
        Endpoint::Update => {
            let patch = update_body(body).map_err(bad)?;
            let key = store
                .update(project_ref, &id, patch, unique)
                .map_err(store_err)?;
            Ok((StatusCode::OK, to_json(&key_view(&key, exposure))))
        }
        Endpoint::Delete => {
            let key = store.delete(project_ref, &id).map_err(store_err)?;
            Ok((StatusCode::OK, to_json(&key_view(&key, exposure))))
        }
        Endpoint::LegacyGet => {
            let project = store.project(project_ref).expect("checked above");
            Ok((
                StatusCode::OK,
                to_json(&json!({ "enabled": project.legacy_enabled })),
            ))
        }
        Endpoint::ProjectGet => unreachable!("answered above"),
        Endpoint::LegacyPut => {
            let enabled = bool_param("enabled", query_param(query, "enabled"))
                .map_err(bad)?
                .ok_or_else(|| bad("enabled: Required".to_owned()))?;
            let project = store.project_mut(project_ref).expect("checked above");
            project.legacy_enabled = enabled;
            Ok((StatusCode::OK, to_json(&json!({ "enabled": enabled }))))
        }
    }
}

/// Whether the project answers on this endpoint: the project GET does not know preview branches.
fn visible(project: &Project, endpoint: Endpoint) -> bool {
    endpoint != Endpoint::ProjectGet || !project.info.preview_branch
}

#[cfg(test)]
mod tests {
    use super::query_param;

    #[test]
    fn query_params() {
        let q = Some("reveal=true&reason=rotating_key&flag");
        assert_eq!(query_param(q, "reveal"), Some("true"));
        assert_eq!(query_param(q, "reason"), Some("rotating_key"));
        assert_eq!(query_param(q, "flag"), Some(""));
        assert_eq!(query_param(q, "enabled"), None);
        assert_eq!(query_param(None, "reveal"), None);
    }
}
