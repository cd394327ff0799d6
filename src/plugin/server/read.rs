//! ReadResource: refresh. A resource that reports itself gone is removed from state (null); on
//! an error the state Terraform sent comes back unchanged, so an error never drops a resource.

use super::super::diag::Diagnostics;
use super::super::framework::CallContext;
use super::super::proto::tfplugin6 as pb;
use super::super::value::Value;
use super::codec::{decode, encode, unknown_type};
use super::{FromDiagnostics, Inner};

type Response = pb::read_resource::Response;

pub async fn read_resource(
    inner: &Inner,
    ctx: &CallContext,
    request: pb::read_resource::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let ty = resource.schema().value_type();
    let current = match decode(request.current_state.as_ref(), &ty, "resource state") {
        Ok(current) => current,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let mut diags = Diagnostics::new();
    let new_state = if current.is_null() {
        Value::Null
    } else {
        let refreshed = resource.read(ctx, &current, &mut diags).await;
        if diags.has_errors() {
            current
        } else {
            refreshed.unwrap_or(Value::Null)
        }
    };
    if !new_state.is_wholly_known() {
        diags.error(
            "The provider returned an unknown value after refresh",
            "This is a bug in the provider; please report it.",
        );
        return Response::from_diagnostics(diags);
    }
    match encode(&new_state, &ty) {
        Ok(encoded) => Response {
            new_state: Some(encoded),
            diagnostics: diags.into_proto(),
            private: request.private,
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}
