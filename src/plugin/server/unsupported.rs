//! The answers for what this framework does not offer, as terraform-plugin-go and the framework
//! give them: Unimplemented for optional services, an error diagnostic for the rest.

use tonic::Status;

use super::super::proto::tfplugin6 as pb;

pub fn unimplemented(rpc: &str) -> Status {
    Status::unimplemented(format!("this provider does not implement {rpc}"))
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
