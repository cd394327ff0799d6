//! UpgradeResourceState. Terraform calls it for every resource in state on every plan, also when
//! the versions match: then the state passes through, dropping attributes the schema no longer
//! has. Older versions go to the resource's upgrader; a newer one is a clear error.

use std::cmp::Ordering;

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::super::value;
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
    let upgraded = match request.version.cmp(&schema.version) {
        Ordering::Equal => match value::decode_json_ignoring_undefined(&raw.json, &ty) {
            Ok(state) => Some(state),
            Err(error) => {
                diags.error(
                    "Unable to read resource state",
                    format!(
                        "The stored state of this {} does not match its schema at {}: {}. \
                         Remove it from state and import it again.",
                        request.type_name, error.path, error.message
                    ),
                );
                None
            }
        },
        Ordering::Greater => {
            diags.error(
                "Resource state is from a newer provider",
                format!(
                    "The state of this {} was written with schema version {}, but this provider \
                     knows versions up to {}. Upgrade the provider to the version that wrote \
                     the state or later.",
                    request.type_name, request.version, schema.version
                ),
            );
            None
        }
        Ordering::Less => resource.upgrade_state(request.version, &raw.json, &mut diags),
    };
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
