//! UpgradeResourceIdentity. Terraform (>= 1.12) may call it for stored identity data whose
//! identity schema version differs from, or matches, the current one. The current version passes
//! through, dropping attributes the schema no longer has; older versions go to the resource's
//! upgrader; a newer version, or a resource without an identity schema, is a clear error.

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::codec::unknown_type;
use super::identity;
use super::upgrade::{upgrade_json, Stored};
use super::{FromDiagnostics, Inner};

type Response = pb::upgrade_resource_identity::Response;

pub fn upgrade_resource_identity(
    inner: &Inner,
    request: &pb::upgrade_resource_identity::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let mut diags = Diagnostics::new();
    let Some(schema) = resource.identity_schema() else {
        diags.error(
            "Resource identity is not supported",
            format!(
                "The resource type {:?} has no identity schema, so its identity cannot be \
                 upgraded. Remove the identity from its state, or use the provider version that \
                 wrote it.",
                request.type_name
            ),
        );
        return Response::from_diagnostics(diags);
    };
    let json = request
        .raw_identity
        .as_ref()
        .map(|raw| raw.json.as_slice())
        .unwrap_or_default();
    if json.is_empty() {
        // Nothing stored, nothing to upgrade (terraform-plugin-framework answers the same).
        return Response::default();
    }
    let stored = Stored {
        noun: "identity",
        schema_noun: "identity schema",
        type_name: &request.type_name,
    };
    let upgraded = upgrade_json(
        &stored,
        request.version,
        schema.version,
        json,
        &schema.value_type(),
        &mut diags,
        |diags| resource.upgrade_identity(request.version, json, diags),
    );
    // An identity stored all null passes through as it is: the next read fills it.
    let upgraded_identity = match upgraded.filter(|_| !diags.has_errors()) {
        Some(upgraded) => identity::to_proto(Some(&upgraded), schema, &mut diags),
        None => None,
    };
    Response {
        upgraded_identity,
        diagnostics: diags.into_proto(),
    }
}
