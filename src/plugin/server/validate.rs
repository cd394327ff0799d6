//! Configuration validation shared by every kind of schema: read-only attributes must not be
//! configured, deprecated ones warn, and validators run on known values only.

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::super::schema::{Attribute, AttributeKind, Nesting, Presence, Schema};
use super::super::value::path::AttributePath;
use super::super::value::Value;
use super::codec::{decode, unknown_type};
use super::{FromDiagnostics, Inner};

/// Validates `config` against `schema`'s attributes, adding to `diags`.
pub fn check_config(schema: &Schema, config: &Value, diags: &mut Diagnostics) {
    check_attributes(&schema.attributes, config, &AttributePath::root(), diags);
}

fn check_attributes(
    attrs: &[Attribute],
    object: &Value,
    path: &AttributePath,
    diags: &mut Diagnostics,
) {
    for attr in attrs {
        let value = object.attr(&attr.name).unwrap_or(&Value::Null);
        check_attribute(attr, value, &path.attribute(&attr.name), diags);
    }
}

fn check_attribute(attr: &Attribute, value: &Value, path: &AttributePath, diags: &mut Diagnostics) {
    if value.is_null() {
        return;
    }
    if attr.presence == Presence::Computed {
        diags.attribute_error(
            path.clone(),
            "Invalid configuration for read-only attribute",
            format!(
                "{:?} is set by the provider and cannot be configured. Remove it from the \
                 configuration.",
                attr.name
            ),
        );
        return;
    }
    if let Some(message) = &attr.deprecation {
        diags.attribute_warning(path.clone(), "Attribute deprecated", message.clone());
    }
    if !value.is_wholly_known() {
        return;
    }
    for validator in &attr.validators {
        validator.validate(value, path, diags);
    }
    if let AttributeKind::Nested(nesting, nested) = &attr.kind {
        match (nesting, value) {
            (Nesting::Single, _) => check_attributes(nested, value, path, diags),
            (Nesting::List, Value::List(items)) => {
                for (index, item) in items.iter().enumerate() {
                    check_attributes(nested, item, &path.key_int(index as i64), diags);
                }
            }
            // Set elements have no address of their own; errors point at the set.
            (Nesting::Set, Value::Set(items)) => {
                for item in items {
                    check_attributes(nested, item, path, diags);
                }
            }
            (Nesting::Map, Value::Map(items)) => {
                for (key, item) in items {
                    check_attributes(nested, item, &path.key_string(key), diags);
                }
            }
            _ => {}
        }
    }
}

/// Decodes a configuration and runs the schema checks plus the type's own checks.
fn validate_with(
    schema: &Schema,
    config: Option<&pb::DynamicValue>,
    own_checks: impl FnOnce(&Value, &mut Diagnostics),
) -> Diagnostics {
    let config = match decode(config, &schema.value_type(), "configuration") {
        Ok(config) => config,
        Err(diags) => return diags,
    };
    let mut diags = Diagnostics::new();
    check_config(schema, &config, &mut diags);
    own_checks(&config, &mut diags);
    diags
}

pub fn resource(
    inner: &Inner,
    request: &pb::validate_resource_config::Request,
) -> pb::validate_resource_config::Response {
    let diags = match inner.resources.get(&request.type_name) {
        Some(r) => validate_with(r.schema(), request.config.as_ref(), |config, diags| {
            r.validate_config(config, diags)
        }),
        None => unknown_type("resource", &request.type_name),
    };
    pb::validate_resource_config::Response::from_diagnostics(diags)
}

pub fn data_source(
    inner: &Inner,
    request: &pb::validate_data_resource_config::Request,
) -> pb::validate_data_resource_config::Response {
    let diags = match inner.data_sources.get(&request.type_name) {
        Some(d) => validate_with(d.schema(), request.config.as_ref(), |config, diags| {
            d.validate_config(config, diags)
        }),
        None => unknown_type("data source", &request.type_name),
    };
    pb::validate_data_resource_config::Response::from_diagnostics(diags)
}

pub fn ephemeral_resource(
    inner: &Inner,
    request: &pb::validate_ephemeral_resource_config::Request,
) -> pb::validate_ephemeral_resource_config::Response {
    let diags = match inner.ephemeral_resources.get(&request.type_name) {
        Some(e) => validate_with(e.schema(), request.config.as_ref(), |config, diags| {
            e.validate_config(config, diags)
        }),
        None => unknown_type("ephemeral resource", &request.type_name),
    };
    pb::validate_ephemeral_resource_config::Response::from_diagnostics(diags)
}

pub(super) fn provider(inner: &Inner, config: Option<&pb::DynamicValue>) -> Diagnostics {
    validate_with(&inner.provider.schema(), config, |config, diags| {
        inner.provider.validate_config(config, diags)
    })
}
