//! ImportResourceState: the resource turns the user's import ID, or identity data (an `import`
//! block with `identity`, Terraform >= 1.12), into a state. With an identity schema the imported
//! state's identity comes along, and the framework marks the private state so that the read
//! Terraform makes next may settle the identity (see [`IMPORT_BEFORE_READ`]).

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, Private};
use super::super::proto::tfplugin6 as pb;
use super::codec::{encode, unknown_type};
use super::identity::{self, IMPORT_BEFORE_READ};
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
    let identity_schema = resource.identity_schema();
    let given_identity = request
        .identity
        .as_ref()
        .and_then(|d| d.identity_data.as_ref())
        .filter(|d| !d.msgpack.is_empty() || !d.json.is_empty());
    let mut diags = Diagnostics::new();
    let imported = match (given_identity, identity_schema) {
        (None, _) => resource.import(ctx, &request.id, &mut diags).await,
        (Some(_), None) => {
            diags.error(
                "Import by identity is not supported",
                format!(
                    "The resource type {} has no identity schema, so it cannot be imported by \
                     identity. Import it by its import ID instead (`terraform import`, or an \
                     `import` block with `id`).",
                    request.type_name
                ),
            );
            None
        }
        (Some(_), Some(schema)) => {
            let given = match identity::decode_identity(
                request.identity.as_ref(),
                schema,
                "import identity",
            ) {
                Ok(given) => given,
                Err(diags) => return Response::from_diagnostics(diags),
            };
            diags.extend(identity::check_import(&given, schema, &request.type_name));
            if diags.has_errors() {
                return Response::from_diagnostics(diags);
            }
            resource.import_identity(ctx, &given, &mut diags).await
        }
    };
    let Some(state) = imported.filter(|_| !diags.has_errors()) else {
        return Response::from_diagnostics(diags);
    };
    let (identity, private) = match identity_schema {
        Some(schema) => {
            // Identity data is sent only when usable; the read that follows fills it otherwise.
            let identity = identity::to_proto(
                identity::of_state(resource.as_ref(), &state).as_ref(),
                schema,
                &mut diags,
            );
            let mut private = Private::default();
            private.set(IMPORT_BEFORE_READ, serde_json::Value::Bool(true));
            (identity, private.encode())
        }
        None => (None, Vec::new()),
    };
    if diags.has_errors() {
        return Response::from_diagnostics(diags);
    }
    match encode(&state, &resource.schema().value_type()) {
        Ok(encoded) => Response {
            imported_resources: vec![pb::import_resource_state::ImportedResource {
                type_name: request.type_name.clone(),
                state: Some(encoded),
                private,
                identity,
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
