//! ImportResourceState: the resource turns the user's import id into a state.

use super::super::diag::Diagnostics;
use super::super::framework::CallContext;
use super::super::proto::tfplugin6 as pb;
use super::codec::{encode, unknown_type};
use super::{FromDiagnostics, Inner};

type Response = pb::import_resource_state::Response;

pub async fn import_resource_state(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::import_resource_state::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let mut diags = Diagnostics::new();
    let imported = resource.import(ctx, &request.id, &mut diags).await;
    let Some(state) = imported.filter(|_| !diags.has_errors()) else {
        return Response::from_diagnostics(diags);
    };
    match encode(&state, &resource.schema().value_type()) {
        Ok(encoded) => Response {
            imported_resources: vec![pb::import_resource_state::ImportedResource {
                type_name: request.type_name.clone(),
                state: Some(encoded),
                ..Default::default()
            }],
            diagnostics: diags.into_proto(),
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}
