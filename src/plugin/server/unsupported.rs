//! The answers for what this framework does not offer, as terraform-plugin-go and the framework
//! give them: Unimplemented for optional services, an error diagnostic for the rest.

use tonic::Status;

use super::super::diag::Diagnostics;
use super::super::proto::tfplugin6 as pb;
use super::FromDiagnostics;

pub fn unimplemented(rpc: &str) -> Status {
    Status::unimplemented(format!("this provider does not implement {rpc}"))
}

pub fn move_resource_state(
    request: &pb::move_resource_state::Request,
) -> pb::move_resource_state::Response {
    let mut diags = Diagnostics::new();
    diags.error(
        "Unable to move resource state",
        format!(
            "The resource type {:?} does not support moving state from {:?} ({}). Remove the \
             `moved` block, then use `terraform state rm` and `terraform import` instead.",
            request.target_type_name, request.source_type_name, request.source_provider_address
        ),
    );
    pb::move_resource_state::Response::from_diagnostics(diags)
}

pub fn call_function(request: &pb::call_function::Request) -> pb::call_function::Response {
    pb::call_function::Response {
        result: None,
        error: Some(pb::FunctionError {
            text: format!("This provider has no function named {:?}.", request.name),
            function_argument: None,
        }),
    }
}
