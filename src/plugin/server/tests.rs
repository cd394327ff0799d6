//! The generic semantics, exercised through the tfplugin6 service with a test resource.

use std::sync::Arc;

use async_trait::async_trait;
use tonic::Request;

use super::super::diag::Diagnostics;
use super::super::framework::{CallContext, Private, Provider, Resource};
use super::super::proto::tfplugin6 as pb;
use super::super::proto::tfplugin6::provider_server::Provider as _;
use super::super::schema::{
    Attribute, IdentityAttribute, IdentitySchema, RequiresReplace, Schema, UseStateForUnknown,
};
use super::super::state_mover::{SourceProvider, StateMover};
use super::super::value::{decode_msgpack, encode_msgpack, Type, Value};
use super::ProviderService;

struct TestProvider;
/// `test_thing` has the identity `{id}`; `test_plain` is the same resource without identity.
struct Thing {
    type_name: &'static str,
    schema: Schema,
    identity: Option<IdentitySchema>,
}

fn identity_schema() -> IdentitySchema {
    IdentitySchema::new(
        0,
        vec![IdentityAttribute::required("id", Type::String).description("the id")],
    )
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
        vec![
            Arc::new(Thing {
                type_name: "test_thing",
                schema: thing_schema(),
                identity: Some(identity_schema()),
            }),
            Arc::new(Thing {
                type_name: "test_plain",
                schema: thing_schema(),
                identity: None,
            }),
        ]
    }
    async fn configure(&self, _: &CallContext, _: &str, _: &Value, _: &mut Diagnostics) {}
}

#[async_trait]
impl Resource for Thing {
    fn type_name(&self) -> &str {
        self.type_name
    }
    fn schema(&self) -> &Schema {
        &self.schema
    }
    fn identity_schema(&self) -> Option<&IdentitySchema> {
        self.identity.as_ref()
    }
    /// `test_thing` takes `legacy_thing` of example/legacy, its `label` becoming the name; a
    /// label "half" maps to a state with an unknown value (a bug the framework must catch).
    fn state_movers(&self) -> Vec<StateMover> {
        if self.identity.is_none() {
            return Vec::new();
        }
        vec![StateMover {
            provider: SourceProvider {
                namespace: "example",
                type_name: "legacy",
            },
            type_name: "legacy_thing",
            schema_versions: vec![0, 1],
            map: Box::new(|source, _| {
                let label = source.attributes.get("label")?.as_str()?;
                let stamp = if label == "half" {
                    Value::unknown()
                } else {
                    s("moved")
                };
                Some(object(&[
                    ("id", s("id-9")),
                    ("name", s(label)),
                    ("stamp", stamp),
                    ("password", s("must not be stored")),
                ]))
            }),
        }]
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
    /// A thing named "gone" is gone; one named "renumbered" comes back with id "id-2"; one
    /// named "broken" fails.
    async fn read(&self, _: &CallContext, state: &Value, diags: &mut Diagnostics) -> Option<Value> {
        let mut state = state.clone();
        match state.attr("name").and_then(Value::as_str) {
            Some("gone") => return None,
            Some("broken") => {
                diags.error("read failed", "on purpose");
                return None;
            }
            Some("renumbered") => {
                if let Value::Object(attrs) = &mut state {
                    attrs.insert("id".into(), Value::String("id-2".into()));
                }
            }
            _ => {}
        }
        Some(state)
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
    async fn import(&self, _: &CallContext, id: &str, _: &mut Diagnostics) -> Option<Value> {
        Some(object(&[("id", s(id)), ("name", s("imported"))]))
    }
    async fn import_identity(
        &self,
        _: &CallContext,
        identity: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        match identity.attr("id").and_then(Value::as_str) {
            Some("nope") => {
                diags.error("no such thing", "nope is not there");
                None
            }
            Some(id) => Some(object(&[("id", s(id)), ("name", s("imported"))])),
            None => None,
        }
    }
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

// ---------------------------------------------------------------------------------------------
// Resource identity
// ---------------------------------------------------------------------------------------------

fn id_type() -> Type {
    identity_schema().value_type()
}

fn identity(id: Value) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: Some(pb::DynamicValue {
            msgpack: encode_msgpack(&Value::object([("id", id)]), &id_type()).unwrap(),
            json: Vec::new(),
        }),
    })
}

fn identity_of(data: Option<&pb::ResourceIdentityData>) -> Option<Value> {
    let data = data?.identity_data.as_ref()?;
    Some(decode_msgpack(&data.msgpack, &id_type()).unwrap())
}

fn error_summaries(diags: &[pb::Diagnostic]) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .map(|d| d.summary.clone())
        .collect()
}

fn stored(name: &str) -> Value {
    object(&[
        ("id", s("id-1")),
        ("name", s(name)),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("stamp", s("t1")),
    ])
}

async fn read_with(
    type_name: &str,
    state: &Value,
    current_identity: Option<pb::ResourceIdentityData>,
    private: Vec<u8>,
) -> pb::read_resource::Response {
    service()
        .read_resource(Request::new(pb::read_resource::Request {
            type_name: type_name.into(),
            current_state: dv(state),
            private,
            current_identity,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn identity_schemas_are_answered_for_the_resources_that_have_one() {
    let response = service()
        .get_resource_identity_schemas(Request::new(pb::get_resource_identity_schemas::Request {}))
        .await
        .unwrap()
        .into_inner();
    assert!(response.diagnostics.is_empty());
    let names: Vec<&String> = response.identity_schemas.keys().collect();
    assert_eq!(names, ["test_thing"], "test_plain has none");
    let schema = &response.identity_schemas["test_thing"];
    assert_eq!(schema.version, 0);
    assert_eq!(schema.identity_attributes.len(), 1);
    let id = &schema.identity_attributes[0];
    assert_eq!(id.name, "id");
    assert_eq!(id.r#type, b"\"string\"");
    assert!(id.required_for_import && !id.optional_for_import);
    assert_eq!(id.description, "the id");
}

#[tokio::test]
async fn a_create_plans_no_identity_and_an_update_the_prior_or_the_states() {
    let config = object(&[("name", s("a"))]);
    let create = plan(&Value::Null, &config, &config).await;
    assert!(create.diagnostics.is_empty(), "{:?}", create.diagnostics);
    assert_eq!(identity_of(create.planned_identity.as_ref()), None);
    // The create half of a replacement: Terraform sends the replaced object's identity as the
    // prior one; the new object must not plan it.
    let replacement = service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&Value::Null),
            proposed_new_state: dv(&config),
            config: dv(&config),
            prior_identity: identity(s("old-id")),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(replacement.diagnostics.is_empty());
    assert_eq!(identity_of(replacement.planned_identity.as_ref()), None);

    let prior = stored("a");
    let proposed = object(&[
        ("id", s("id-1")),
        ("name", s("a")),
        ("note", s("changed")),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("stamp", s("t1")),
    ]);
    let config = object(&[("name", s("a")), ("note", s("changed"))]);
    let update = |prior_identity| {
        let (prior, proposed, config) = (prior.clone(), proposed.clone(), config.clone());
        async move {
            service()
                .plan_resource_change(Request::new(pb::plan_resource_change::Request {
                    type_name: "test_thing".into(),
                    prior_state: dv(&prior),
                    proposed_new_state: dv(&proposed),
                    config: dv(&config),
                    prior_identity,
                    ..Default::default()
                }))
                .await
                .unwrap()
                .into_inner()
        }
    };
    // The stored identity passes through unchanged, even one the state would not give.
    let response = update(identity(s("stored-id"))).await;
    assert_eq!(
        identity_of(response.planned_identity.as_ref()),
        Some(Value::object([("id", s("stored-id"))]))
    );
    // Never stored (null, or all null): the prior state's.
    for none in [None, identity(Value::Null)] {
        let response = update(none).await;
        assert_eq!(
            identity_of(response.planned_identity.as_ref()),
            Some(Value::object([("id", s("id-1"))]))
        );
    }
    // A destroy plans the prior identity too.
    let destroy = service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(&prior),
            proposed_new_state: dv(&Value::Null),
            config: dv(&Value::Null),
            prior_identity: identity(s("id-1")),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        identity_of(destroy.planned_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );
    // Without an identity schema, no identity.
    let plain = service()
        .plan_resource_change(Request::new(pb::plan_resource_change::Request {
            type_name: "test_plain".into(),
            prior_state: dv(&Value::Null),
            proposed_new_state: dv(&config),
            config: dv(&config),
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner();
    assert!(plain.planned_identity.is_none());
}

async fn apply_with(
    prior: &Value,
    planned: &Value,
    planned_identity: Option<pb::ResourceIdentityData>,
) -> pb::apply_resource_change::Response {
    service()
        .apply_resource_change(Request::new(pb::apply_resource_change::Request {
            type_name: "test_thing".into(),
            prior_state: dv(prior),
            planned_state: dv(planned),
            config: dv(planned),
            planned_identity,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn apply_returns_the_new_states_identity_and_never_changes_a_stored_one() {
    let planned = object(&[
        ("name", s("a")),
        ("mode", s("fast")),
        ("json", s("{}")),
        ("id", Value::unknown()),
        ("stamp", Value::unknown()),
    ]);
    // A create was planned with no identity; apply returns the new object's.
    let create = apply_with(&Value::Null, &planned, None).await;
    assert!(create.diagnostics.is_empty(), "{:?}", create.diagnostics);
    assert_eq!(
        identity_of(create.new_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );

    // An update keeping the id keeps the identity; one filling an identity never stored fills it.
    let prior = stored("a");
    let mut updated = prior.clone();
    if let Value::Object(attrs) = &mut updated {
        attrs.insert("note".into(), s("n"));
    }
    for planned_identity in [identity(s("id-1")), None] {
        let response = apply_with(&prior, &updated, planned_identity).await;
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        assert_eq!(
            identity_of(response.new_identity.as_ref()),
            Some(Value::object([("id", s("id-1"))]))
        );
    }

    // An update that changes it is an error, reported beside the state: the stored identity
    // stays.
    let mut renumbered = updated.clone();
    if let Value::Object(attrs) = &mut renumbered {
        attrs.insert("id".into(), s("id-9"));
    }
    let response = apply_with(&prior, &renumbered, identity(s("id-1"))).await;
    assert_eq!(
        error_summaries(&response.diagnostics),
        ["Unexpected identity change"]
    );
    assert!(
        response.diagnostics[0].detail.contains("id-9"),
        "{:?}",
        response.diagnostics
    );
    assert!(response.new_state.is_some(), "the state is never dropped");
    assert_eq!(
        identity_of(response.new_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );

    // A delete leaves no identity.
    let delete = apply_with(&prior, &Value::Null, identity(s("id-1"))).await;
    assert!(delete.diagnostics.is_empty());
    assert!(delete.new_identity.is_none());
}

#[tokio::test]
async fn read_fills_a_missing_identity_keeps_a_stored_one_and_rejects_a_changed_one() {
    for never_stored in [None, identity(Value::Null)] {
        let response = read_with("test_thing", &stored("a"), never_stored, Vec::new()).await;
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        assert_eq!(
            identity_of(response.new_identity.as_ref()),
            Some(Value::object([("id", s("id-1"))]))
        );
    }
    let kept = read_with("test_thing", &stored("a"), identity(s("id-1")), Vec::new()).await;
    assert!(kept.diagnostics.is_empty());
    assert_eq!(
        identity_of(kept.new_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );

    let changed = read_with(
        "test_thing",
        &stored("renumbered"),
        identity(s("id-1")),
        Vec::new(),
    )
    .await;
    assert_eq!(
        error_summaries(&changed.diagnostics),
        ["Unexpected identity change"]
    );
    assert!(changed.new_state.is_none() && changed.new_identity.is_none());

    // Gone: no state, no identity, no error.
    let gone = read_with(
        "test_thing",
        &stored("gone"),
        identity(s("id-1")),
        Vec::new(),
    )
    .await;
    assert!(gone.diagnostics.is_empty(), "{:?}", gone.diagnostics);
    assert!(gone.new_identity.is_none());

    // A failed read returns what Terraform sent, identity included.
    let failed = read_with(
        "test_thing",
        &stored("broken"),
        identity(s("id-1")),
        Vec::new(),
    )
    .await;
    assert_eq!(error_summaries(&failed.diagnostics), ["read failed"]);
    assert_eq!(
        identity_of(failed.new_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );

    // Without an identity schema, none is sent.
    let plain = read_with("test_plain", &stored("a"), None, Vec::new()).await;
    assert!(plain.diagnostics.is_empty() && plain.new_identity.is_none());
}

async fn import_with(
    type_name: &str,
    id: &str,
    identity_data: Option<pb::ResourceIdentityData>,
) -> pb::import_resource_state::Response {
    service()
        .import_resource_state(Request::new(pb::import_resource_state::Request {
            type_name: type_name.into(),
            id: id.into(),
            identity: identity_data,
            ..Default::default()
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn import_by_id_or_identity_returns_state_and_identity_and_lets_the_next_read_settle_it() {
    for response in [
        import_with("test_thing", "id-7", None).await,
        import_with("test_thing", "", identity(s("id-7"))).await,
    ] {
        assert!(
            response.diagnostics.is_empty(),
            "{:?}",
            response.diagnostics
        );
        let [imported] = response.imported_resources.as_slice() else {
            panic!("one imported resource: {response:?}");
        };
        assert_eq!(
            identity_of(imported.identity.as_ref()),
            Some(Value::object([("id", s("id-7"))]))
        );
        let state = decode_msgpack(&imported.state.as_ref().unwrap().msgpack, &ty()).unwrap();
        assert_eq!(state.attr("id"), Some(&s("id-7")));

        // The read right after the import may return another identity; it hands no framework
        // entry on in the private state.
        let mut after = stored("renumbered");
        if let Value::Object(attrs) = &mut after {
            attrs.insert("id".into(), s("id-7"));
        }
        let read = read_with(
            "test_thing",
            &after,
            imported.identity.clone(),
            imported.private.clone(),
        )
        .await;
        assert!(read.diagnostics.is_empty(), "{:?}", read.diagnostics);
        assert_eq!(
            identity_of(read.new_identity.as_ref()),
            Some(Value::object([("id", s("id-2"))]))
        );
        assert!(Private::decode(&read.private) == Private::default());
    }

    // Identity data lacking a required attribute, and a resource that finds nothing.
    let missing = import_with("test_thing", "", identity(Value::Null)).await;
    assert_eq!(
        error_summaries(&missing.diagnostics),
        ["Invalid import identity"]
    );
    assert!(missing.diagnostics[0].detail.contains("lacks id"));
    let nope = import_with("test_thing", "", identity(s("nope"))).await;
    assert_eq!(error_summaries(&nope.diagnostics), ["no such thing"]);
    assert!(nope.imported_resources.is_empty());

    // Without an identity schema: no identity, no framework entry; import by identity refused.
    let plain = import_with("test_plain", "id-7", None).await;
    assert!(plain.imported_resources[0].identity.is_none());
    assert!(plain.imported_resources[0].private.is_empty());
    let refused = import_with("test_plain", "", identity(s("id-7"))).await;
    assert_eq!(
        error_summaries(&refused.diagnostics),
        ["Import by identity is not supported"]
    );
}

async fn upgrade_identity(
    type_name: &str,
    version: i64,
    json: &str,
) -> pb::upgrade_resource_identity::Response {
    service()
        .upgrade_resource_identity(Request::new(pb::upgrade_resource_identity::Request {
            type_name: type_name.into(),
            version,
            raw_identity: Some(pb::RawState {
                json: json.as_bytes().to_vec(),
                flatmap: Default::default(),
            }),
        }))
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn upgrade_identity_passes_the_current_version_through_and_refuses_others() {
    let current = upgrade_identity("test_thing", 0, r#"{"id":"id-1","dropped":1}"#).await;
    assert!(current.diagnostics.is_empty(), "{:?}", current.diagnostics);
    assert_eq!(
        identity_of(current.upgraded_identity.as_ref()),
        Some(Value::object([("id", s("id-1"))]))
    );

    let newer = upgrade_identity("test_thing", 1, r#"{"id":"id-1"}"#).await;
    assert_eq!(
        error_summaries(&newer.diagnostics),
        ["Resource identity is from a newer provider"]
    );
    assert!(newer.upgraded_identity.is_none());
    let older = upgrade_identity("test_thing", -1, r#"{"id":"id-1"}"#).await;
    assert!(
        older.diagnostics[0]
            .detail
            .contains("identity schema version -1"),
        "{:?}",
        older.diagnostics
    );
    let bad = upgrade_identity("test_thing", 0, r#"{"id":["not","a","string"]}"#).await;
    assert_eq!(
        error_summaries(&bad.diagnostics),
        ["Unable to read resource identity"]
    );
    let plain = upgrade_identity("test_plain", 0, r#"{"id":"id-1"}"#).await;
    assert_eq!(
        error_summaries(&plain.diagnostics),
        ["Resource identity is not supported"]
    );
    let unknown = upgrade_identity("test_nothing", 0, r#"{"id":"id-1"}"#).await;
    assert_eq!(
        error_summaries(&unknown.diagnostics),
        ["Unknown resource type"]
    );
}

async fn move_from(
    address: &str,
    version: i64,
    json: &str,
    target: &str,
) -> pb::move_resource_state::Response {
    let request = pb::move_resource_state::Request {
        source_provider_address: address.into(),
        source_type_name: "legacy_thing".into(),
        source_schema_version: version,
        source_state: Some(pb::RawState {
            json: json.as_bytes().to_vec(),
            flatmap: Default::default(),
        }),
        target_type_name: target.into(),
        source_private: b"{\"theirs\":true}".to_vec(),
        source_identity: None,
        source_identity_schema_version: 0,
    };
    service()
        .move_resource_state(Request::new(request))
        .await
        .unwrap()
        .into_inner()
}

fn only_error(diags: &[pb::Diagnostic]) -> String {
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].summary, "Unable to move resource state");
    diags[0].detail.clone()
}

#[tokio::test]
async fn a_move_returns_the_mapped_state_its_identity_and_our_own_empty_private_state() {
    let moved = move_from(
        "registry.example.com/example/legacy",
        1,
        r#"{"label":"a"}"#,
        "test_thing",
    )
    .await;
    assert!(moved.diagnostics.is_empty(), "{:#?}", moved.diagnostics);
    let state = decode_msgpack(&moved.target_state.unwrap().msgpack, &ty()).unwrap();
    assert_eq!(
        state,
        object(&[("id", s("id-9")), ("name", s("a")), ("stamp", s("moved"))]),
        "write-only values are dropped"
    );
    assert_eq!(
        identity_of(moved.target_identity.as_ref()),
        Some(Value::object([("id", s("id-9"))]))
    );
    assert!(moved.target_private.is_empty(), "the source's is not ours");
}

#[tokio::test]
async fn a_move_the_target_does_not_take_says_what_it_takes_and_who_takes_it() {
    let detail = only_error(
        &move_from("example/legacy", 0, "{}", "test_plain")
            .await
            .diagnostics,
    );
    assert!(
        detail.contains("test_plain accepts no state moved"),
        "{detail}"
    );
    assert!(
        detail.contains("This provider's test_thing accepts it"),
        "{detail}"
    );

    let detail = only_error(
        &move_from("other/legacy", 0, "{}", "test_thing")
            .await
            .diagnostics,
    );
    assert!(
        detail.contains("legacy_thing of example/legacy (any registry host), schema versions 0, 1"),
        "{detail}"
    );
    assert!(detail.contains("terraform import"), "{detail}");

    let detail = only_error(&move_from("legacy", 2, "{}", "test_thing").await.diagnostics);
    assert!(detail.contains("schema version 2"), "{detail}");
}

#[tokio::test]
async fn a_move_needs_a_json_object_and_returns_only_whole_known_states() {
    let detail = only_error(&move_from("legacy", 0, "", "test_thing").await.diagnostics);
    assert!(detail.contains("no JSON state"), "{detail}");
    let detail = only_error(
        &move_from("legacy", 0, r#"{"label":"sb_secret_x"#, "test_thing")
            .await
            .diagnostics,
    );
    assert!(detail.contains("not valid JSON (line 1"), "{detail}");
    assert!(
        !detail.contains("sb_secret"),
        "no stored text in errors: {detail}"
    );
    let detail = only_error(&move_from("legacy", 0, "[]", "test_thing").await.diagnostics);
    assert!(detail.contains("not a JSON object"), "{detail}");
    let detail = only_error(
        &move_from("legacy", 0, r#"{"label":"half"}"#, "test_thing")
            .await
            .diagnostics,
    );
    assert!(detail.contains("has unknown values"), "{detail}");
    let detail = only_error(
        &move_from("legacy", 0, r#"{"label":null}"#, "test_thing")
            .await
            .diagnostics,
    );
    assert!(detail.contains("is null"), "{detail}");
}
