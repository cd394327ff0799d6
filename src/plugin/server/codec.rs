//! DynamicValue in and out: msgpack (or JSON) from Terraform, always msgpack back.

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::super::value::{self, Type, Value};

/// Decodes a value Terraform sent; an absent or empty DynamicValue is null.
pub fn decode(
    dynamic: Option<&pb::DynamicValue>,
    ty: &Type,
    what: &str,
) -> Result<Value, Diagnostics> {
    let result = match dynamic {
        Some(d) if !d.msgpack.is_empty() => value::decode_msgpack(&d.msgpack, ty),
        Some(d) if !d.json.is_empty() => value::decode_json(&d.json, ty),
        _ => Ok(Value::Null),
    };
    result.map_err(|error| {
        let mut diags = Diagnostics::new();
        diags.error(
            format!("Unable to read the {what} Terraform sent"),
            format!(
                "The {what} does not match this provider's schema at {}: {}. Check that \
                 Terraform and the provider versions are compatible, then run `terraform init` \
                 again.",
                display_path(&error.path),
                error.message
            ),
        );
        diags
    })
}

/// Decodes the three values of a change (prior state, proposed or planned state, config).
pub fn decode_change(
    values: [(Option<&pb::DynamicValue>, &str); 3],
    ty: &Type,
) -> Result<[Value; 3], Diagnostics> {
    let [a, b, c] = values;
    Ok([
        decode(a.0, ty, a.1)?,
        decode(b.0, ty, b.1)?,
        decode(c.0, ty, c.1)?,
    ])
}

/// Encodes a value for Terraform.
pub fn encode(value: &Value, ty: &Type) -> Result<pb::DynamicValue, Diagnostics> {
    value::encode_msgpack(value, ty)
        .map(|msgpack| pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        })
        .map_err(|error| {
            let mut diags = Diagnostics::new();
            diags.error(
                "The provider produced a value that does not match its schema",
                format!(
                    "This is a bug in the provider; please report it. At {}: {}",
                    display_path(&error.path),
                    error.message
                ),
            );
            diags
        })
}

fn display_path(path: &value::path::AttributePath) -> String {
    if path.0.is_empty() {
        "the top level".to_string()
    } else {
        path.to_string()
    }
}

pub fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.error(
        format!("Unknown {kind} type"),
        format!(
            "This provider has no {kind} type named {type_name:?}. Check the spelling in the \
             configuration, and that the provider version in use provides it."
        ),
    );
    diags
}
