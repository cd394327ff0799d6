//! ReadResource: refresh. A resource that reports itself gone is removed from state (null); on
//! an error the state Terraform sent comes back unchanged, so an error never drops a resource.
//! With an identity schema the refreshed state's identity comes along: it fills an identity
//! never stored, and must match a stored one (except right after an import).

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, Private};
use super::super::proto::tfplugin6 as pb;
use super::super::value::Value;
use super::codec::{decode, encode, unknown_type};
use super::identity::{self, IMPORT_BEFORE_READ};
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
    let identity_schema = resource.identity_schema();
    let current_identity = match identity::decode_for(
        identity_schema,
        request.current_identity.as_ref(),
        "resource identity",
    ) {
        Ok(identity) => identity,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    // The framework's own entry is read once, here, and never handed on.
    let mut private_state = Private::decode(&request.private);
    let (following_import, private) = match private_state.remove(IMPORT_BEFORE_READ) {
        Some(_) => (true, private_state.encode()),
        None => (false, request.private),
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
    let new_identity = match identity_schema {
        None => None,
        // The state Terraform sent comes back: so does its identity.
        Some(_) if diags.has_errors() => {
            Some(current_identity.clone()).filter(|i| !identity::is_empty(i))
        }
        // Gone: removed from state, identity and all.
        Some(_) if new_state.is_null() => None,
        Some(schema) => match identity::of_state(resource.as_ref(), &new_state) {
            None => {
                identity::missing(&mut diags, &request.type_name, "refresh");
                return Response::from_diagnostics(diags);
            }
            Some(new)
                if !following_import
                    && !identity::is_empty(&current_identity)
                    && new != current_identity =>
            {
                identity::changed(
                    &mut diags,
                    schema,
                    &request.type_name,
                    "refresh",
                    &current_identity,
                    &new,
                );
                return Response::from_diagnostics(diags);
            }
            Some(new) => Some(new),
        },
    };
    let new_identity = match (identity_schema, new_identity) {
        (Some(schema), Some(identity)) => match identity::encode_identity(&identity, schema) {
            Ok(data) => Some(data),
            Err(more) => {
                diags.extend(more);
                return Response::from_diagnostics(diags);
            }
        },
        _ => None,
    };
    match encode(&new_state, &ty) {
        Ok(encoded) => Response {
            new_state: Some(encoded),
            diagnostics: diags.into_proto(),
            private,
            new_identity,
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}
