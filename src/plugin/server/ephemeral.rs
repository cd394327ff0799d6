//! Open, Renew and Close for ephemeral resources: values that never reach plan or state.

use std::time::SystemTime;

use super::super::diag::Diagnostics;
use super::super::framework::CallContext;
use super::super::proto::tfplugin6 as pb;
use super::codec::{decode, encode, unknown_type};
use super::{FromDiagnostics, Inner};

fn timestamp(at: SystemTime) -> prost_types::Timestamp {
    prost_types::Timestamp::from(at)
}

pub async fn open(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::open_ephemeral_resource::Request,
) -> pb::open_ephemeral_resource::Response {
    type Response = pb::open_ephemeral_resource::Response;
    let Some(ephemeral) = inner.ephemeral_resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("ephemeral resource", &request.type_name));
    };
    let ty = ephemeral.schema().value_type();
    let config = match decode(request.config.as_ref(), &ty, "configuration") {
        Ok(config) => config,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let mut diags = Diagnostics::new();
    let opened = ephemeral.open(ctx, &config, &mut diags).await;
    let Some(opened) = opened.filter(|_| !diags.has_errors()) else {
        return Response::from_diagnostics(diags);
    };
    match encode(&opened.result, &ty) {
        Ok(result) => Response {
            result: Some(result),
            private: opened.private,
            renew_at: opened.renew_at.map(timestamp),
            diagnostics: diags.into_proto(),
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}

pub async fn renew(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::renew_ephemeral_resource::Request,
) -> pb::renew_ephemeral_resource::Response {
    type Response = pb::renew_ephemeral_resource::Response;
    let Some(ephemeral) = inner.ephemeral_resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("ephemeral resource", &request.type_name));
    };
    let mut diags = Diagnostics::new();
    let renew_at = ephemeral
        .renew(ctx, request.private.as_deref(), &mut diags)
        .await;
    Response {
        renew_at: renew_at.map(timestamp),
        private: request.private.clone(),
        diagnostics: diags.into_proto(),
    }
}

pub async fn close(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::close_ephemeral_resource::Request,
) -> pb::close_ephemeral_resource::Response {
    type Response = pb::close_ephemeral_resource::Response;
    let Some(ephemeral) = inner.ephemeral_resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("ephemeral resource", &request.type_name));
    };
    let mut diags = Diagnostics::new();
    ephemeral
        .close(ctx, request.private.as_deref(), &mut diags)
        .await;
    Response::from_diagnostics(diags)
}
