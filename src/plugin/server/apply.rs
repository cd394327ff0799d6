//! ApplyResourceChange: create, update or delete. Whatever exists after the call is reported, so
//! nothing the provider created is lost: a create that fails after the object exists returns its
//! state (Terraform records it as tainted); a failed delete or update keeps the prior state.
//! With an identity schema the new state's identity comes along (none after a delete); an
//! update must not change a stored identity.

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, Private};
use super::super::proto::tfplugin6 as pb;
use super::super::schema::Schema;
use super::super::value::Value;
use super::codec::{decode_change, encode, unknown_type};
use super::identity;
use super::{FromDiagnostics, Inner};

type Response = pb::apply_resource_change::Response;

pub async fn apply_resource_change(
    inner: &Inner,
    ctx: &CallContext,
    request: pb::apply_resource_change::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let schema = resource.schema();
    let ty = schema.value_type();
    let decoded = decode_change(
        [
            (request.prior_state.as_ref(), "prior state"),
            (request.planned_state.as_ref(), "planned state"),
            (request.config.as_ref(), "configuration"),
        ],
        &ty,
    );
    let [prior, planned, config] = match decoded {
        Ok(values) => values,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let planned_identity = match identity::decode_for(
        resource.identity_schema(),
        request.planned_identity.as_ref(),
        "planned resource identity",
    ) {
        Ok(identity) => identity,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let is_update = !prior.is_null() && !planned.is_null();
    let mut diags = Diagnostics::new();
    let new_state = if planned.is_null() {
        resource.delete(ctx, &prior, &mut diags).await;
        if diags.has_errors() {
            prior
        } else {
            Value::Null
        }
    } else if prior.is_null() {
        resource
            .create(
                ctx,
                &planned,
                &config,
                &Private::decode(&request.planned_private),
                &mut diags,
            )
            .await
            .unwrap_or(Value::Null)
    } else {
        resource
            .update(ctx, &prior, &planned, &config, &mut diags)
            .await
            .unwrap_or(prior)
    };
    let new_state = without_write_only(schema, new_state);
    if !new_state.is_wholly_known() {
        diags.error(
            "The provider returned an unknown value after apply",
            "This is a bug in the provider; please report it. The change may have been made; \
             run `terraform plan` to see what exists now.",
        );
        return Response::from_diagnostics(diags);
    }
    // Identity problems are reported beside the state, never instead of it: the change was made.
    let new_identity = match resource.identity_schema() {
        Some(_) if new_state.is_null() => None,
        Some(schema) => {
            let stored =
                (is_update && !identity::is_empty(&planned_identity)).then_some(&planned_identity);
            let identity = match (identity::of_state(resource.as_ref(), &new_state), stored) {
                (Some(new), Some(stored)) if new != *stored => {
                    let during = if diags.has_errors() {
                        "failed update"
                    } else {
                        "update"
                    };
                    identity::changed(&mut diags, schema, &request.type_name, during, stored, &new);
                    Some(stored.clone())
                }
                (Some(new), _) => Some(new),
                (None, stored) => {
                    if !diags.has_errors() {
                        let after = if is_update { "update" } else { "create" };
                        identity::missing(&mut diags, &request.type_name, after);
                    }
                    stored.filter(|s| s.is_wholly_known()).cloned()
                }
            };
            identity::to_proto(identity.as_ref(), schema, &mut diags)
        }
        None => None,
    };
    match encode(&new_state, &ty) {
        Ok(encoded) => Response {
            new_state: Some(encoded),
            private: request.planned_private,
            diagnostics: diags.into_proto(),
            new_identity,
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}

/// Write-only attributes are never stored.
pub(super) fn without_write_only(schema: &Schema, mut state: Value) -> Value {
    if let Value::Object(attrs) = &mut state {
        for attr in schema.attributes.iter().filter(|a| a.write_only) {
            attrs.insert(attr.name.clone(), Value::Null);
        }
    }
    state
}
