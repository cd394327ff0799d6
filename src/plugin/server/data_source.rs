//! ReadDataSource.

use super::super::diag::Diagnostics;
use super::super::framework::CallContext;
use super::super::proto::tfplugin6 as pb;
use super::codec::{decode, encode, unknown_type};
use super::{FromDiagnostics, Inner};

type Response = pb::read_data_source::Response;

pub async fn read(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::read_data_source::Request,
) -> Response {
    let Some(data_source) = inner.data_sources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("data source", &request.type_name));
    };
    let ty = data_source.schema().value_type();
    let config = match decode(request.config.as_ref(), &ty, "configuration") {
        Ok(config) => config,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let mut diags = Diagnostics::new();
    let state = data_source.read(ctx, &config, &mut diags).await;
    let Some(state) = state.filter(|_| !diags.has_errors()) else {
        return Response::from_diagnostics(diags);
    };
    match encode(&state, &ty) {
        Ok(encoded) => Response {
            state: Some(encoded),
            diagnostics: diags.into_proto(),
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}
