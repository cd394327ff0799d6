//! The HTTP routes: the api-keys endpoints, the project GET, the `/_sim` helpers and a
//! NestJS-style 404 for everything else.

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use http::StatusCode;

use crate::api;
use crate::app::App;
use crate::auth::Endpoint;
use crate::respond::Answer;

type Params = Path<Vec<(String, String)>>;

fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

async fn call(
    app: Arc<App>,
    endpoint: Endpoint,
    params: Vec<(String, String)>,
    fixed_id: Option<&str>,
    req: Request,
) -> Response {
    let project_ref = param(&params, "ref").unwrap_or_default();
    let id = param(&params, "id").or_else(|| fixed_id.map(str::to_owned));
    let (parts, body) = req.into_parts();
    api::run(app, endpoint, project_ref, id, parts, body).await
}

macro_rules! handler {
    ($name:ident, $endpoint:expr, $fixed_id:expr) => {
        async fn $name(State(app): State<Arc<App>>, Path(p): Params, req: Request) -> Response {
            call(app, $endpoint, p, $fixed_id, req).await
        }
    };
}

handler!(list, Endpoint::List, None);
handler!(create, Endpoint::Create, None);
handler!(get_one, Endpoint::Get, None);
handler!(update, Endpoint::Update, None);
handler!(delete, Endpoint::Delete, None);
handler!(legacy_get, Endpoint::LegacyGet, None);
handler!(legacy_put, Endpoint::LegacyPut, None);
handler!(project_get, Endpoint::ProjectGet, None);
// `legacy` has no PATCH/DELETE of its own: the segment reaches `{id}` and
// fails UUID validation, as on the real API.
handler!(legacy_as_id_update, Endpoint::Update, Some("legacy"));
handler!(legacy_as_id_delete, Endpoint::Delete, Some("legacy"));

async fn sim_keys(State(app): State<Arc<App>>, Path(p): Params) -> Response {
    let project_ref = param(&p, "ref").unwrap_or_default();
    let keys = app
        .store()
        .project(&project_ref)
        .map(|project| project.keys())
        .unwrap_or_default();
    Answer::json(StatusCode::OK, &keys).into_response()
}

async fn sim_requests(State(app): State<Arc<App>>) -> Response {
    Answer::json(StatusCode::OK, &app.log.to_json()).into_response()
}

async fn not_found(req: Request) -> Response {
    let message = format!(
        "{} {} {}",
        crate::messages::ROUTE_NOT_FOUND_PREFIX,
        req.method(),
        req.uri().path()
    );
    Answer::message(StatusCode::NOT_FOUND, &message).into_response()
}

pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/projects/{ref}", get(project_get))
        .route("/v1/projects/{ref}/api-keys", get(list).post(create))
        .route(
            "/v1/projects/{ref}/api-keys/legacy",
            get(legacy_get)
                .put(legacy_put)
                .patch(legacy_as_id_update)
                .delete(legacy_as_id_delete),
        )
        .route(
            "/v1/projects/{ref}/api-keys/{id}",
            get(get_one).patch(update).delete(delete),
        )
        .route("/_sim/keys/{ref}", get(sim_keys))
        .route("/_sim/requests", get(sim_requests))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .with_state(app)
}
