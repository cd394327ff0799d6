//! The generic semantics, exercised through the tfplugin6 service with a test resource.

use std::sync::Arc;

use async_trait::async_trait;
use tonic::Request;

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, Private, Provider, Resource};
use super::super::proto::tfplugin6 as pb;
use super::super::proto::tfplugin6::provider_server::Provider as _;
use super::super::schema::{Attribute, RequiresReplace, Schema, UseStateForUnknown};
use super::super::value::{decode_msgpack, encode_msgpack, Type, Value};
use super::ProviderService;

struct TestProvider;
struct Thing {
    schema: Schema,
}

fn thing_schema() -> Schema {
    Schema::new(
        1,
        "a test resource",
        vec![
            Attribute::computed("id", Type::String).plan_modifier(UseStateForUnknown),
            Attribute::required("name", Type::String).plan_modifier(RequiresReplace),
            Attribute::optional("note", Type::String),
            Attribute::optional_computed("mode", Type::String)
                .default_value(Value::String("fast".into())),
            Attribute::optional_computed("json", Type::String).semantic_equality(|a, b| {
                let parse = |v: &Value| {
                    v.as_str()
                        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                };
                parse(a).is_some() && parse(a) == parse(b)
            }),
            Attribute::computed("stamp", Type::String),
            Attribute::optional("password", Type::String).write_only(),
        ],
    )
}

#[async_trait]
impl Provider for TestProvider {
    fn type_name(&self) -> &str {
        "test"
    }
    fn schema(&self) -> Schema {
        Schema::default()
    }
    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(Thing {
            schema: thing_schema(),
        })]
    }
    async fn configure(&self, _: &CallContext, _: &str, _: &Value, _: &mut Diagnostics) {}
}

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &str {
        "test_thing"
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    async fn create(
        &self,
        _: &CallContext,
        planned: &Value,
        _: &Value,
        _: &Private,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        if planned.attr("name").and_then(Value::as_str) == Some("panic") {
            panic!("boom");
        }
        let mut state = planned.clone();
        if let Value::Object(attrs) = &mut state {
            attrs.insert("id".into(), Value::String("id-1".into()));
            attrs.insert("stamp".into(), Value::String("t1".into()));
            attrs.insert(
                "password".into(),
                Value::String("must not be stored".into()),
            );
        }
        Some(state)
    }
    async fn read(&self, _: &CallContext, state: &Value, _: &mut Diagnostics) -> Option<Value> {
        Some(state.clone())
    }
    async fn update(
        &self,
        _: &CallContext,
        _: &Value,
        planned: &Value,
        _: &Value,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        Some(planned.clone())
    }
    async fn delete(&self, _: &CallContext, _: &Value, _: &mut Diagnostics) {}
}

fn service() -> ProviderService {
    ProviderService::new(Arc::new(TestProvider))
}

fn ty() -> Type {
    thing_schema().value_type()
}

fn object(pairs: &[(&str, Value)]) -> Value {
    let Type::Object { attrs, .. } = ty() else {
        unreachable!()
    };
    Value::object(attrs.keys().map(|name| {
        let value = pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(Value::Null);
        (name.clone(), value)
    }))
}

fn s(text: &str) -> Value {
    Value::String(text.into())
}

fn dv(value: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(value, &ty()).unwrap(),
        json: Vec::new(),
    })
}

async fn plan(
    prior: &Value,
    config: &Value,
    proposed: &Value,
) -> pb::plan_resource_change::Response {
    service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(prior),
            proposed_new_state: dv(proposed),
            config: dv(config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

fn planned(response: &pb::plan_resource_change::Response) -> Value {
    decode_msgpack(&response.planned_state.as_ref().unwrap().msgpack, &ty()).unwrap()
}

#[tokio::test]
async fn create_plans_defaults_and_unknown_computed_values_and_no_write_only() {
    let config = object(&[("name", s("a")), ("password", s("hunter2"))]);
    let response = plan(&Value::Null, &config, &config).await;
    let plan = planned(&response);
    assert_eq!(plan.attr("mode"), Some(&s("fast")));
    assert!(!plan.attr("id").unwrap().is_known());
    assert!(!plan.attr("stamp").unwrap().is_known());
    assert!(!plan.attr("json").unwrap().is_known());
    assert_eq!(plan.attr("password"), Some(&Value::Null));
    assert!(response.requires_replace.is_empty());
}

#[tokio::test]
async fn unchanged_update_plans_the_prior_state() {
    let prior = object(&[
        ("id", s("id-1")),
        ("name", s("a")),
        ("mode", s("fast")),
        ("json", s("{\"a\":1}")),
        ("stamp", s("t1")),
    ]);
    let config = object(&[("name", s("a")), ("json", s("{ \"a\" : 1 }"))]);
    let proposed = object(&[
        ("id", s("id-1")),
        ("name", s("a")),
        ("mode", s("fast")),
        ("json", s("{ \"a\" : 1 }")),
        ("stamp", s("t1")),
    ]);
    let plan = planned(&plan(&prior, &config, &proposed).await);
    assert_eq!(
        plan, prior,
        "same JSON spelled differently and a default are no change"
    );
}

#[tokio::test]
async fn changed_update_marks_computed_unknown_keeps_state_for_unknown_and_asks_replacement() {
    let prior = object(&[
        ("id", s("id-1")),
        ("name", s("a")),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("stamp", s("t1")),
    ]);
    let config = object(&[("name", s("b")), ("note", s("n"))]);
    let proposed = object(&[
        ("id", s("id-1")),
        ("name", s("b")),
        ("note", s("n")),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("stamp", s("t1")),
    ]);
    let response = plan(&prior, &config, &proposed).await;
    let plan = planned(&response);
    assert_eq!(
        plan.attr("id"),
        Some(&s("id-1")),
        "UseStateForUnknown keeps it"
    );
    assert!(
        !plan.attr("stamp").unwrap().is_known(),
        "computed without a modifier becomes unknown"
    );
    assert_eq!(plan.attr("note"), Some(&s("n")));
    let replace: Vec<_> = response
        .requires_replace
        .iter()
        .map(|p| format!("{:?}", p.steps))
        .collect();
    assert_eq!(replace.len(), 1);
    assert!(replace[0].contains("name"), "{replace:?}");
}

#[tokio::test]
async fn configuring_a_computed_only_attribute_is_an_error_with_its_path() {
    let config = object(&[
        ("name", s("a")),
        ("stamp", s("mine")),
        ("note", Value::unknown()),
    ]);
    let response = service()
        .validate_resource_config(Request::new(pb::validate_resource_config::Request {
            type_name: "test_thing".into(),
            config: dv(&config),
            client_capabilities: None,
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.diagnostics.len(), 1, "{:?}", response.diagnostics);
    let diag = &response.diagnostics[0];
    assert!(diag.summary.contains("read-only"));
    assert_eq!(
        format!("{:?}", diag.attribute.as_ref().unwrap().steps)
            .matches("stamp")
            .count(),
        1
    );
}

#[tokio::test]
async fn apply_never_stores_write_only_values_and_a_panic_becomes_a_diagnostic() {
    let planned_value = object(&[
        ("name", s("a")),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("id", Value::unknown()),
        ("stamp", Value::unknown()),
    ]);
    let apply = |planned: Value| async move {
        service()
            .apply_resource_change(Request::new(pb::apply_resource_change::Request {
                type_name: "test_thing".into(),
                prior_state: dv(&Value::Null),
                planned_state: dv(&planned),
                config: dv(&planned),
                ..Default::default()
            }))
            .await
            .unwrap()
            .into_inner()
    };
    let response = apply(planned_value.clone()).await;
    let state = decode_msgpack(&response.new_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(state.attr("password"), Some(&Value::Null));
    assert_eq!(state.attr("id"), Some(&s("id-1")));

    let mut panicking = planned_value;
    if let Value::Object(attrs) = &mut panicking {
        attrs.insert("name".into(), s("panic"));
    }
    let response = apply(panicking).await;
    assert_eq!(response.diagnostics.len(), 1);
    assert!(
        response.diagnostics[0].detail.contains("boom"),
        "{:?}",
        response.diagnostics
    );
}

async fn upgrade(version: i64, json: &str) -> pb::upgrade_resource_state::Response {
    service()
        .upgrade_resource_state(Request::new(pb::upgrade_resource_state::Request {
            type_name: "test_thing".into(),
            version,
            raw_state: Some(pb::RawState {
                json: json.as_bytes().to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn upgrade_passes_the_current_version_through_dropping_removed_attributes() {
    let response = upgrade(1, r#"{"id":"id-1","name":"a","removed_long_ago":true}"#).await;
    assert!(
        response.diagnostics.is_empty(),
        "{:?}",
        response.diagnostics
    );
    let state = decode_msgpack(&response.upgraded_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(state.attr("name"), Some(&s("a")));
    assert_eq!(state.attr("note"), Some(&Value::Null));
}

#[tokio::test]
async fn upgrade_from_a_newer_or_unknown_older_version_is_a_clear_error() {
    let newer = upgrade(2, r#"{"id":"id-1"}"#).await;
    assert!(
        newer.diagnostics[0].detail.contains("newer")
            || newer.diagnostics[0].summary.contains("newer")
    );
    let older = upgrade(0, r#"{"id":"id-1"}"#).await;
    assert!(
        older.diagnostics[0].detail.contains("schema version 0"),
        "{:?}",
        older.diagnostics
    );
    assert!(older.upgraded_state.is_none());
}
