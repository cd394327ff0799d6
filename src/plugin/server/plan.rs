//! PlanResourceChange: the generic plan semantics, in terraform-plugin-framework's order.
//! 1. Defaults fill attributes the configuration leaves null; a value that means the same as the
//!    prior one (semantic equality) keeps the prior spelling.
//! 2. On create, or when anything changes, computed attributes the configuration leaves null
//!    become unknown ("known after apply").
//! 3. Attribute plan modifiers run (UseStateForUnknown keeps a prior value; RequiresReplace
//!    asks for replacement).
//! 4. Write-only attributes are planned as null: they never reach plan or state.
//! 5. The resource's own plan hook runs last.
//!
//! Destroys (proposed null) plan null and carry the private state through.
//!
//! With an identity schema: a create plans no identity (null), whatever prior identity Terraform
//! sends (the create half of a replacement carries the old object's); an update or a destroy
//! plans the stored identity, or, when none was stored, the prior state's. A planned identity is
//! never unknown: Terraform >= 1.12 marshals it into the plan's JSON (`after_identity`), which
//! fails on unknown values and so hides the whole plan, the human rendering included.

use super::super::diag::{path_to_proto, Diagnostics};
use super::super::framework::{CallContext, PlanChange, Private};
use super::super::proto::tfplugin6 as pb;
use super::super::schema::{AttributePlan, Schema};
use super::super::value::path::AttributePath;
use super::super::value::Value;
use super::codec::{decode_change, encode, unknown_type};
use super::identity;
use super::{FromDiagnostics, Inner};

type Response = pb::plan_resource_change::Response;

pub async fn plan_resource_change(
    inner: &Inner,
    ctx: &CallContext,
    request: pb::plan_resource_change::Request,
) -> Response {
    let Some(resource) = inner.resources.get(&request.type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.type_name));
    };
    let schema = resource.schema();
    let ty = schema.value_type();
    let decoded = decode_change(
        [
            (request.prior_state.as_ref(), "prior state"),
            (request.proposed_new_state.as_ref(), "proposed new state"),
            (request.config.as_ref(), "configuration"),
        ],
        &ty,
    );
    let [prior, proposed, config] = match decoded {
        Ok(values) => values,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let prior_identity = match identity::decode_for(
        resource.identity_schema(),
        request.prior_identity.as_ref(),
        "prior resource identity",
    ) {
        Ok(identity) => identity,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let mut diags = Diagnostics::new();
    let mut private = Private::decode(&request.prior_private);
    let (planned, requires_replace) = if proposed.is_null() {
        (Value::Null, Vec::new())
    } else {
        let (mut planned, requires_replace) = plan_attributes(schema, &prior, proposed, &config);
        // An identity never stored (null, or all null) is none.
        let prior_identity = if identity::is_empty(&prior_identity) {
            Value::Null
        } else {
            prior_identity.clone()
        };
        let change = PlanChange {
            prior: &prior,
            config: &config,
            prior_identity: &prior_identity,
        };
        resource
            .modify_plan(ctx, &change, &mut planned, &mut private, &mut diags)
            .await;
        (planned, requires_replace)
    };
    let planned_identity = match resource.identity_schema() {
        // A create (prior null) has no identity until apply returns one.
        Some(schema) if !prior.is_null() => {
            let identity = if identity::is_empty(&prior_identity) {
                // Never stored (state from before the resource had an identity): the object
                // is the one the prior state describes; null when even that cannot tell.
                identity::of_state(resource.as_ref(), &prior)
            } else {
                Some(prior_identity)
            };
            match identity.map(|i| identity::encode_identity(&i, schema)) {
                Some(Ok(data)) => Some(data),
                Some(Err(more)) => {
                    diags.extend(more);
                    return Response::from_diagnostics(diags);
                }
                None => None,
            }
        }
        _ => None,
    };
    match encode(&planned, &ty) {
        Ok(encoded) => Response {
            planned_state: Some(encoded),
            requires_replace: requires_replace.iter().map(path_to_proto).collect(),
            planned_private: private.encode(),
            diagnostics: diags.into_proto(),
            planned_identity,
            ..Default::default()
        },
        Err(more) => {
            diags.extend(more);
            Response::from_diagnostics(diags)
        }
    }
}

/// Steps 1 to 4 for a create or update; returns the plan and the paths that force replacement.
pub fn plan_attributes(
    schema: &Schema,
    prior: &Value,
    proposed: Value,
    config: &Value,
) -> (Value, Vec<AttributePath>) {
    let is_create = prior.is_null();
    let mut planned = proposed;
    let config_of = |name: &str| config.attr(name).cloned().unwrap_or(Value::Null);

    for attr in &schema.attributes {
        if let (Some(default), true) = (&attr.default, config_of(&attr.name).is_null()) {
            set_attr(&mut planned, &attr.name, default.clone());
        }
        if let (Some(equal), Some(before)) = (attr.semantic_equality, prior.attr(&attr.name)) {
            let value = planned.attr(&attr.name).cloned().unwrap_or(Value::Null);
            if !before.is_null()
                && value.is_wholly_known()
                && value != *before
                && equal(&value, before)
            {
                set_attr(&mut planned, &attr.name, before.clone());
            }
        }
    }
    if is_create || planned != *prior {
        for attr in schema.attributes.iter().filter(|a| a.is_computed()) {
            if config_of(&attr.name).is_null() && attr.default.is_none() {
                set_attr(&mut planned, &attr.name, Value::unknown());
            }
        }
    }
    let mut requires_replace = Vec::new();
    for attr in &schema.attributes {
        let attr_config = config_of(&attr.name);
        let attr_prior = prior.attr(&attr.name).cloned().unwrap_or(Value::Null);
        let mut value = planned.attr(&attr.name).cloned().unwrap_or(Value::Null);
        let mut replace = false;
        let plan = AttributePlan {
            config: &attr_config,
            prior: &attr_prior,
            is_create,
        };
        for modifier in &attr.plan_modifiers {
            modifier.modify(&plan, &mut value, &mut replace);
        }
        if attr.write_only {
            value = Value::Null;
        }
        set_attr(&mut planned, &attr.name, value);
        if replace {
            requires_replace.push(AttributePath::root().attribute(&attr.name));
        }
    }
    (planned, requires_replace)
}

fn set_attr(object: &mut Value, name: &str, value: Value) {
    if let Value::Object(attrs) = object {
        attrs.insert(name.to_string(), value);
    }
}
