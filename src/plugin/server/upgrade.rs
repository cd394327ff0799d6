//! UpgradeResourceState. Terraform calls it for every resource in state on every plan, also when
//! the versions match: then the state passes through, dropping attributes the schema no longer
//! has. Older versions go to the resource's upgrader; a newer one is a clear error.

use std::cmp::Ordering;

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::super::value::{self, Type, Value};
use super::codec::{encode, unknown_type};
use super::{FromDiagnostics, Inner};

type Response = pb::upgrade_resource_state::Response;

pub fn upgrade_resource_state(
    inner: &Inner,
    request: &pb::upgrade_resource_state::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let schema = resource.schema();
    let ty = schema.value_type();
    let raw = request.raw_state.clone().unwrap_or_default();
    let mut diags = Diagnostics::new();
    if raw.json.is_empty() {
        if !raw.flatmap.is_empty() {
            diags.error(
                "Unable to upgrade legacy state",
                "This resource's state is in the flatmap format of Terraform 0.11 and earlier, \
                 which this provider cannot read. Remove it from state and import it again.",
            );
        }
        return Response::from_diagnostics(diags);
    }
    let stored = Stored {
        noun: "state",
        schema_noun: "schema",
        type_name: &request.type_name,
    };
    let upgraded = upgrade_json(
        &stored,
        request.version,
        schema.version,
        &raw.json,
        &ty,
        &mut diags,
        |diags| resource.upgrade_state(request.version, &raw.json, diags),
    );
    let upgraded_state = match upgraded.filter(|_| !diags.has_errors()) {
        Some(state) => match encode(&state, &ty) {
            Ok(encoded) => Some(encoded),
            Err(more) => {
                diags.extend(more);
                None
            }
        },
        None => None,
    };
    Response {
        upgraded_state,
        diagnostics: diags.into_proto(),
    }
}

/// What an upgrade reads, as its messages name it.
pub(super) struct Stored<'a> {
    /// `state` or `identity`.
    pub noun: &'static str,
    /// The schema that versions it: `schema` or `identity schema`.
    pub schema_noun: &'static str,
    pub type_name: &'a str,
}

/// The version rule state and identity upgrades share: the current version passes through,
/// dropping attributes the schema no longer has; a newer one is an error; an older one goes to
/// `older` (the resource's upgrader).
pub(super) fn upgrade_json(
    stored: &Stored<'_>,
    version: i64,
    current: i64,
    json: &[u8],
    ty: &Type,
    diags: &mut Diagnostics,
    older: impl FnOnce(&mut Diagnostics) -> Option<Value>,
) -> Option<Value> {
    let Stored {
        noun,
        schema_noun,
        type_name,
    } = stored;
    match version.cmp(&current) {
        Ordering::Equal => match value::decode_json_ignoring_undefined(json, ty) {
            Ok(value) => Some(value),
            Err(error) => {
                diags.error(
                    format!("Unable to read resource {noun}"),
                    format!(
                        "The stored {noun} of this {type_name} does not match its {schema_noun} \
                         at {}: {}. Remove the resource from state and import it again.",
                        error.path, error.message
                    ),
                );
                None
            }
        },
        Ordering::Greater => {
            diags.error(
                format!("Resource {noun} is from a newer provider"),
                format!(
                    "The {noun} of this {type_name} was written with {schema_noun} version \
                     {version}, but this provider knows versions up to {current}. Upgrade the \
                     provider to the version that wrote it or later."
                ),
            );
            None
        }
        Ordering::Less => older(diags),
    }
}
