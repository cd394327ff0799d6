//! Shared by the tests that call the provider over tfplugin6 themselves (protocol, ephemeral
//! resource, resource identity): a time limit for each call, the calls every session starts
//! with, object values built from the types a schema declares, and reading diagnostics.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use terraform_provider_supabase::plugin::value::{decode_msgpack, encode_msgpack, Type, Value};
use tonic::transport::Channel;

use super::plugin::tfplugin6 as pb;

/// A safety net for a single call.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// go-plugin kills a plugin that has not exited this long after Shutdown.
pub const EXIT_AFTER_SHUTDOWN: Duration = Duration::from_secs(2);

pub type Client = pb::provider_client::ProviderClient<Channel>;

/// Awaits `future`, panicking (naming `what`) if it takes longer than [`CALL_TIMEOUT`].
pub async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(CALL_TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not answer within {CALL_TIMEOUT:?}"))
}

/// The answer to an RPC, panicking (naming `what`) if it fails or takes longer than
/// [`CALL_TIMEOUT`].
pub async fn answer<T>(
    what: &str,
    call: impl std::future::Future<Output = Result<tonic::Response<T>, tonic::Status>>,
) -> T {
    within(what, call)
        .await
        .unwrap_or_else(|status| panic!("{what} failed: {status:?}"))
        .into_inner()
}

pub async fn get_metadata(client: &mut Client) -> pb::get_metadata::Response {
    answer(
        "GetMetadata",
        client.get_metadata(pb::get_metadata::Request {}),
    )
    .await
}

pub async fn get_provider_schema(client: &mut Client) -> pb::get_provider_schema::Response {
    answer(
        "GetProviderSchema",
        client.get_provider_schema(pb::get_provider_schema::Request {}),
    )
    .await
}

/// ConfigureProvider as Terraform 1.11 sends it; returns the diagnostics.
pub async fn configure_provider(
    client: &mut Client,
    config: pb::DynamicValue,
) -> Vec<pb::Diagnostic> {
    let request = pb::configure_provider::Request {
        terraform_version: "1.11.4".into(),
        config: Some(config),
        client_capabilities: Some(pb::ClientCapabilities::default()),
    };
    answer("ConfigureProvider", client.configure_provider(request))
        .await
        .diagnostics
}

/// An object type as the server describes it (a schema block, or identity attributes), to
/// build values from: every attribute not given is null, so the tests follow the schema as it
/// grows.
#[derive(Clone)]
pub struct Shape {
    pub ty: Type,
    pub names: Vec<String>,
}

impl Shape {
    pub fn new(attrs: Vec<(String, Type)>) -> Shape {
        Shape {
            names: attrs.iter().map(|(name, _)| name.clone()).collect(),
            ty: Type::object(attrs),
        }
    }

    /// The attributes of a schema's block (its nested blocks are not followed).
    pub fn of_block(schema: &pb::Schema) -> Shape {
        let block = schema.block.as_ref().expect("a block");
        Shape::new(
            block
                .attributes
                .iter()
                .map(|a| {
                    let ty = Type::from_json(&a.r#type).unwrap_or_else(|e| {
                        panic!("attribute {} has no plain type: {e:?}", a.name)
                    });
                    (a.name.clone(), ty)
                })
                .collect(),
        )
    }

    /// An object with `set` and every other attribute null.
    pub fn value(&self, set: &[(&str, Value)]) -> Value {
        for (name, _) in set {
            assert!(self.names.iter().any(|n| n == name), "no attribute {name}");
        }
        Value::object(self.names.iter().map(|name| {
            let given = set.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            (name.clone(), given.unwrap_or(Value::Null))
        }))
    }

    pub fn dynamic(&self, value: &Value) -> pb::DynamicValue {
        pb::DynamicValue {
            msgpack: encode_msgpack(value, &self.ty).expect("encode a value of the shape"),
            json: Vec::new(),
        }
    }

    /// A configuration with `set` and every other attribute null.
    pub fn config(&self, set: &[(&str, Value)]) -> pb::DynamicValue {
        self.dynamic(&self.value(set))
    }

    /// A value the provider sent, which must be of this shape.
    pub fn decode(&self, dynamic: &pb::DynamicValue) -> Value {
        decode_msgpack(&dynamic.msgpack, &self.ty).expect("a result of the schema's type")
    }

    /// Like [`Shape::decode`], with a value not sent (absent or empty) read as null.
    pub fn decode_opt(&self, dynamic: Option<&pb::DynamicValue>) -> Value {
        match dynamic {
            Some(v) if !v.msgpack.is_empty() => self.decode(v),
            _ => Value::Null,
        }
    }
}

pub fn string(text: &str) -> Value {
    Value::String(text.to_string())
}

pub fn is_error(d: &pb::Diagnostic) -> bool {
    d.severity == pb::diagnostic::Severity::Error as i32
}

pub fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags.iter().filter(|d| is_error(d)).collect()
}

pub fn assert_no_errors(diags: &[pb::Diagnostic], what: &str) {
    assert!(errors(diags).is_empty(), "{what}: {diags:#?}");
}

/// The attribute names of a diagnostic's path, e.g. `["endpoint"]`.
pub fn path_of(d: &pb::Diagnostic) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    d.attribute
        .as_ref()
        .map(|path| {
            path.steps
                .iter()
                .map(|step| match &step.selector {
                    Some(Selector::AttributeName(name)) => name.clone(),
                    other => panic!("unexpected path step {other:?}"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The identity of each resource type, as GetResourceIdentitySchemas describes it.
pub fn identity_shapes(
    answer: &pb::get_resource_identity_schemas::Response,
) -> BTreeMap<String, Shape> {
    answer
        .identity_schemas
        .iter()
        .map(|(name, s)| {
            let attrs = s
                .identity_attributes
                .iter()
                .map(|a| {
                    let ty = Type::from_json(&a.r#type).expect("identity attribute type");
                    (a.name.clone(), ty)
                })
                .collect();
            (name.clone(), Shape::new(attrs))
        })
        .collect()
}

/// Asserts exactly one error diagnostic (warnings aside), at `path`, and returns it.
pub fn single_error_at<'a>(diags: &'a [pb::Diagnostic], path: &[&str]) -> &'a pb::Diagnostic {
    let errors = errors(diags);
    assert_eq!(
        errors.len(),
        1,
        "expected one error diagnostic, got {diags:#?}"
    );
    assert_eq!(
        path_of(errors[0]),
        path,
        "attribute path of {:#?}",
        errors[0]
    );
    errors[0]
}
