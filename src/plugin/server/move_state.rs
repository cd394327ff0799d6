//! MoveResourceState (Terraform >= 1.8): a `moved` block whose `from` is another resource type,
//! maybe of another provider. Terraform sends the source's provider address, type, schema
//! version and stored JSON, never decoded; the target resource's [`StateMover`]s say which
//! sources it accepts and map their state. The moved state must be a whole state of the target
//! schema (Terraform stores it as is, then refreshes and plans it), so nothing in it is unknown.
//! The source's private state is not ours to read; the target's starts empty. The source's
//! identity (if any) is ignored: the target identity is derived from the moved state, as after
//! any read.

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::super::schema::{Presence, Schema};
use super::super::state_mover::{SourceState, StateMover};
use super::super::value::Value;
use super::apply::without_write_only;
use super::codec::{encode, unknown_type};
use super::identity;
use super::{FromDiagnostics, Inner};

type Request = pb::move_resource_state::Request;
type Response = pb::move_resource_state::Response;

const SUMMARY: &str = "Unable to move resource state";
const INSTEAD: &str = "Without a move: remove the `moved` block, then use `terraform state rm` \
                       (or a `removed` block) and `terraform import` instead.";

pub fn move_resource_state(inner: &Inner, request: &Request) -> Response {
    let Some(resource) = inner.resources.get(&request.target_type_name) else {
        return Response::from_diagnostics(unknown_type("resource", &request.target_type_name));
    };
    let movers = resource.state_movers();
    let Some(mover) = movers
        .iter()
        .find(|m| m.accepts(&request.source_provider_address, &request.source_type_name))
    else {
        return Response::from_diagnostics(not_accepted(inner, request, &movers));
    };
    if !mover
        .schema_versions
        .contains(&request.source_schema_version)
    {
        let mut diags = Diagnostics::new();
        diags.error(
            SUMMARY,
            format!(
                "The state of this {} was written with schema version {}, which {} cannot \
                 read: it accepts {}. A newer version of this provider may. {INSTEAD}",
                request.source_type_name,
                request.source_schema_version,
                request.target_type_name,
                mover.describe(),
            ),
        );
        return Response::from_diagnostics(diags);
    }
    let attributes = match source_attributes(request) {
        Ok(attributes) => attributes,
        Err(diags) => return Response::from_diagnostics(diags),
    };
    let source = SourceState {
        provider_address: &request.source_provider_address,
        type_name: &request.source_type_name,
        schema_version: request.source_schema_version,
        attributes: &attributes,
    };
    let mut diags = Diagnostics::new();
    let moved = (mover.map)(&source, &mut diags);
    if diags.has_errors() {
        return Response::from_diagnostics(diags);
    }
    // No state and no error is the mapping's bug, reported as a null state.
    let state = moved.unwrap_or(Value::Null);
    let schema = resource.schema();
    let state = without_write_only(schema, state);
    if let Err(problem) = check_whole(schema, &state) {
        diags.error(
            SUMMARY,
            format!(
                "The moved state of this {} {problem}. This is a bug in the provider; please \
                 report it.",
                request.target_type_name
            ),
        );
        return Response::from_diagnostics(diags);
    }
    let target_identity = match resource.identity_schema() {
        None => None,
        Some(schema) => match identity::of_state(resource.as_ref(), &state) {
            Some(identity) => identity::to_proto(Some(&identity), schema, &mut diags),
            None => {
                identity::missing(&mut diags, &request.target_type_name, "a move");
                return Response::from_diagnostics(diags);
            }
        },
    };
    let target_state = match encode(&state, &schema.value_type()) {
        Ok(encoded) => encoded,
        Err(more) => {
            diags.extend(more);
            return Response::from_diagnostics(diags);
        }
    };
    crate::log_at!(
        super::super::log::Level::Info,
        "MoveResourceState: moved state",
        "from" = format!(
            "{} ({})",
            request.source_type_name, request.source_provider_address
        ),
        "to" = request.target_type_name
    );
    Response {
        target_state: Some(target_state),
        diagnostics: diags.into_proto(),
        target_private: Vec::new(),
        target_identity,
    }
}

/// The source's stored JSON object. Terraform before 0.12 stored flatmap, which no source a
/// mover declares has written since.
fn source_attributes(
    request: &Request,
) -> Result<serde_json::Map<String, serde_json::Value>, Diagnostics> {
    let raw = request.source_state.clone().unwrap_or_default();
    let mut diags = Diagnostics::new();
    // Parse errors name a position, never the (possibly secret) text there.
    match serde_json::from_slice::<serde_json::Value>(&raw.json) {
        Ok(serde_json::Value::Object(attributes)) => return Ok(attributes),
        Ok(_) => diags.error(
            SUMMARY,
            format!(
                "The stored state of this {} is not a JSON object.",
                request.source_type_name
            ),
        ),
        Err(_) if raw.json.is_empty() => diags.error(
            SUMMARY,
            format!(
                "Terraform sent no JSON state for this {}{}. Run `terraform plan` with the \
                 source provider once, so that it stores its state as JSON, then move.",
                request.source_type_name,
                if raw.flatmap.is_empty() {
                    ""
                } else {
                    " (only the flatmap format of Terraform 0.11 and earlier)"
                }
            ),
        ),
        Err(error) => diags.error(
            SUMMARY,
            format!(
                "The stored state of this {} is not valid JSON ({}).",
                request.source_type_name,
                serde_json_position(&error)
            ),
        ),
    }
    Err(diags)
}

fn serde_json_position(error: &serde_json::Error) -> String {
    format!("line {}, column {}", error.line(), error.column())
}

/// Why `state` is not a whole state of `schema`: null, unknown somewhere, or a required
/// attribute null. Its shape is checked when it is encoded.
fn check_whole(schema: &Schema, state: &Value) -> Result<(), String> {
    if state.is_null() {
        return Err("is null".into());
    }
    if !state.is_wholly_known() {
        return Err("has unknown values".into());
    }
    let missing: Vec<&str> = schema
        .attributes
        .iter()
        .filter(|a| a.presence == Presence::Required)
        .filter(|a| state.attr(&a.name).is_none_or(Value::is_null))
        .map(|a| a.name.as_str())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("lacks the required {}", missing.join(", ")))
    }
}

/// The target accepts no such source: say what it accepts, and which of this provider's
/// resources accept this source, if any.
fn not_accepted(inner: &Inner, request: &Request, movers: &[StateMover]) -> Diagnostics {
    let source = format!(
        "{} of {:?}",
        request.source_type_name, request.source_provider_address
    );
    let target = &request.target_type_name;
    let accepted = if movers.is_empty() {
        format!("{target} accepts no state moved from another resource type.")
    } else {
        let listed: Vec<String> = movers.iter().map(StateMover::describe).collect();
        format!("{target} accepts state moved from: {}.", listed.join("; "))
    };
    let elsewhere: Vec<&str> = inner
        .resources
        .iter()
        .filter(|(name, _)| *name != target)
        .filter(|(_, r)| {
            r.state_movers()
                .iter()
                .any(|m| m.accepts(&request.source_provider_address, &request.source_type_name))
        })
        .map(|(name, _)| name.as_str())
        .collect();
    let advice = if elsewhere.is_empty() {
        INSTEAD.to_string()
    } else {
        format!(
            "This provider's {} accepts it: change the `moved` block's `to` (and the resource \
             block) to that type.",
            elsewhere.join(" and ")
        )
    };
    let mut diags = Diagnostics::new();
    diags.error(
        SUMMARY,
        format!("{target} cannot take the state of {source}: {accepted} {advice}"),
    );
    diags
}
