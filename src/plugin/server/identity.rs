//! Resource identity (protocol 6.9, Terraform >= 1.12): the rules the RPCs share, as
//! terraform-plugin-framework applies them (Terraform itself stopped enforcing them in 1.12.0).
//! - Identity goes out with every state the provider returns (read, create, update, import),
//!   derived from that state by the resource ([`Resource::identity`]), and is always wholly known
//!   and not all null (Terraform rejects unknown identity data).
//! - A create plans none (null), even when Terraform sends the replaced object's identity as the
//!   prior one; an update or a destroy plans the prior identity. A planned identity is never
//!   unknown: Terraform >= 1.12 marshals it into the plan's JSON, which fails on unknown values.
//! - Once stored it never changes ("Unexpected identity change"), except on the read right after
//!   an import. A stored identity that is null or all null (state written before the resource
//!   had an identity, or by Terraform < 1.12) is no identity: the next read or apply fills it.
//!
//! Resources without an identity schema exchange no identity; Terraform < 1.12 ignores it all.

use super::super::diag::Diagnostics;
use super::super::framework::Resource;
use super::super::proto::tfplugin6 as pb;
use super::super::schema::IdentitySchema;
use super::super::value::{self, Value};
use super::codec::{decode, encode};

/// Private-state entry an import leaves for the read that follows it, the one call that may
/// return another identity than the stored one; that read removes it.
pub const IMPORT_BEFORE_READ: &str = ".import_before_read";

/// Decodes identity data Terraform sent; absent is null.
pub fn decode_identity(
    data: Option<&pb::ResourceIdentityData>,
    schema: &IdentitySchema,
    what: &str,
) -> Result<Value, Diagnostics> {
    decode(
        data.and_then(|d| d.identity_data.as_ref()),
        &schema.value_type(),
        what,
    )
}

/// The identity Terraform sent for a resource type: null when the type has no identity schema
/// (or Terraform sent none).
pub fn decode_for(
    schema: Option<&IdentitySchema>,
    data: Option<&pb::ResourceIdentityData>,
    what: &str,
) -> Result<Value, Diagnostics> {
    match schema {
        Some(schema) => decode_identity(data, schema, what),
        None => Ok(Value::Null),
    }
}

pub fn encode_identity(
    identity: &Value,
    schema: &IdentitySchema,
) -> Result<pb::ResourceIdentityData, Diagnostics> {
    encode(identity, &schema.value_type()).map(|data| pb::ResourceIdentityData {
        identity_data: Some(data),
    })
}

/// Encodes identity data for a response, adding any error to `diags`.
pub fn to_proto(
    identity: Option<&Value>,
    schema: &IdentitySchema,
    diags: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    match encode_identity(identity?, schema) {
        Ok(data) => Some(data),
        Err(more) => {
            diags.extend(more);
            None
        }
    }
}

/// Null, or every attribute null: no identity stored (yet).
pub fn is_empty(identity: &Value) -> bool {
    identity.is_null()
        || identity
            .as_map()
            .is_some_and(|attrs| attrs.values().all(Value::is_null))
}

/// Identity data fit to send: wholly known and not empty.
pub fn is_usable(identity: &Value) -> bool {
    identity.is_wholly_known() && !is_empty(identity)
}

/// The identity of `state` as the resource derives it, when fit to send.
pub fn of_state(resource: &dyn Resource, state: &Value) -> Option<Value> {
    if state.is_null() {
        return None;
    }
    resource.identity(state).filter(is_usable)
}

/// Identity data as JSON, for messages.
pub fn display(identity: &Value, schema: &IdentitySchema) -> String {
    value::encode_json(identity, &schema.value_type())
        .map(|json| String::from_utf8_lossy(&json).into_owned())
        .unwrap_or_else(|_| format!("{identity:?}"))
}

/// The resource returned a state without usable identity data: a provider bug.
pub fn missing(diags: &mut Diagnostics, type_name: &str, after: &str) {
    diags.error(
        format!("Missing resource identity after {after}"),
        format!(
            "The provider returned a state of this {type_name} without its identity data (or \
             with unknown or null values in it). This is a bug in the provider; please report it."
        ),
    );
}

/// The identity of an existing object changed: a provider bug, since Terraform relies on an
/// identity naming one remote object for its whole life.
pub fn changed(
    diags: &mut Diagnostics,
    schema: &IdentitySchema,
    type_name: &str,
    during: &str,
    stored: &Value,
    new: &Value,
) {
    diags.error(
        "Unexpected identity change",
        format!(
            "During the {during}, the provider returned another identity for this {type_name} \
             than the one stored: {} before, {} now. This is a bug in the provider; please \
             report it. The stored identity is kept.",
            display(stored, schema),
            display(new, schema)
        ),
    );
}

/// Checks identity data given for an import: the attributes required for import are known and
/// not null.
pub fn check_import(identity: &Value, schema: &IdentitySchema, type_name: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if !identity.is_wholly_known() {
        diags.error(
            "Invalid import identity",
            format!(
                "The identity given to import this {type_name} has unknown values; an import \
                 needs them known at plan time."
            ),
        );
        return diags;
    }
    let missing: Vec<&str> = schema
        .attributes
        .iter()
        .filter(|a| a.required_for_import)
        .filter(|a| identity.attr(&a.name).is_none_or(Value::is_null))
        .map(|a| a.name.as_str())
        .collect();
    if !missing.is_empty() {
        let all: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
        diags.error(
            "Invalid import identity",
            format!(
                "The identity given to import this {type_name} lacks {}. Its identity has the \
                 attributes {}; {} must be set.",
                missing.join(" and "),
                all.join(", "),
                schema
                    .attributes
                    .iter()
                    .filter(|a| a.required_for_import)
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    diags
}
