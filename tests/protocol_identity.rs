//! Resource identity (tfplugin6 6.9, Terraform >= 1.12) end to end: a Rust client plays
//! Terraform 1.12 against the real provider binary (go-plugin handshake, AutoMTLS) and the
//! simulator, making the calls Terraform makes with identity data: GetResourceIdentitySchemas,
//! the identity fields of plan, apply, refresh and import, and UpgradeResourceIdentity.
//! Terraform >= 1.12 is not available here; older Terraforms ignore these fields, which the
//! acceptance tests cover.

mod support;

use std::collections::BTreeMap;

use supabase_simulator::{KeySeed, Simulator, SimulatorConfig};
use support::acceptance::{simulator_with_project, PROJECT, TOKEN};
use support::plugin::{tfplugin6 as pb, Plugin};
use support::rpc::{
    answer, assert_no_errors, errors, get_provider_schema, identity_shapes, string, Client, Shape,
    EXIT_AFTER_SHUTDOWN,
};
use terraform_provider_supabase::plugin::framework::Private;
use terraform_provider_supabase::plugin::value::Value;

const SECRET: &str = "supabase_secret_api_key";
const PUBLISHABLE: &str = "supabase_publishable_api_key";

/// Asserts exactly one error diagnostic and returns "summary: detail".
fn single_error(diags: &[pb::Diagnostic]) -> String {
    let errors = errors(diags);
    assert_eq!(errors.len(), 1, "expected one error, got {diags:#?}");
    format!("{}: {}", errors[0].summary, errors[0].detail)
}

/// Identity data of a key: `{project_ref, id}`.
fn key_identity(shape: &Shape, project_ref: &str, id: &str) -> Value {
    shape.value(&[("project_ref", string(project_ref)), ("id", string(id))])
}

fn identity_data(shape: &Shape, identity: &Value) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: Some(shape.dynamic(identity)),
    })
}

fn identity_of(shape: &Shape, data: Option<&pb::ResourceIdentityData>) -> Option<Value> {
    data.map(|d| shape.decode_opt(d.identity_data.as_ref()))
}

/// The simulator with one project and an all-powerful token, and a configured provider
/// pointed at it.
struct Harness {
    sim: Simulator,
    plugin: Plugin,
    client: Client,
    provider: Shape,
    resources: BTreeMap<String, Shape>,
    identities: BTreeMap<String, Shape>,
    identity_schemas: BTreeMap<String, pb::ResourceIdentitySchema>,
}

/// ConfigureProvider as Terraform 1.12 sends it, with an empty provider block.
async fn configure(client: &mut Client, provider: &Shape) {
    let configured = answer(
        "ConfigureProvider",
        client.configure_provider(pb::configure_provider::Request {
            terraform_version: "1.12.0".into(),
            config: Some(provider.dynamic(&provider.value(&[]))),
            client_capabilities: Some(pb::ClientCapabilities {
                deferral_allowed: false,
                write_only_attributes_allowed: true,
            }),
        }),
    )
    .await;
    assert_no_errors(&configured.diagnostics, "ConfigureProvider");
}

impl Harness {
    async fn start() -> Harness {
        let sim = simulator_with_project(SimulatorConfig::default()).await;
        let endpoint = sim.base_url();
        let plugin = Plugin::start(&[
            ("SUPABASE_ACCESS_TOKEN", TOKEN),
            ("SUPABASE_API_ENDPOINT", &endpoint),
        ])
        .await;
        let mut client = plugin.provider().await;

        // Terraform >= 1.12 asks for both, then configures the provider.
        let schema = get_provider_schema(&mut client).await;
        assert_no_errors(&schema.diagnostics, "GetProviderSchema");
        let identity = answer(
            "GetResourceIdentitySchemas",
            client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
        )
        .await;
        assert_no_errors(&identity.diagnostics, "GetResourceIdentitySchemas");

        let provider = Shape::of_block(schema.provider.as_ref().expect("provider schema"));
        configure(&mut client, &provider).await;

        let resources = schema
            .resource_schemas
            .iter()
            .map(|(name, s)| (name.clone(), Shape::of_block(s)))
            .collect();
        let identities = identity_shapes(&identity);
        Harness {
            sim,
            plugin,
            client,
            provider,
            resources,
            identities,
            identity_schemas: identity.identity_schemas.into_iter().collect(),
        }
    }

    /// Configures the provider again, as every Terraform command (walk) does first: what the
    /// provider checks across one walk (two resources taking one name, or holding one key)
    /// starts anew, so one resource can be planned as several commands would.
    async fn new_walk(&mut self) {
        configure(&mut self.client, &self.provider).await;
    }

    fn state(&self, type_name: &str) -> &Shape {
        &self.resources[type_name]
    }

    fn identity(&self, type_name: &str) -> &Shape {
        self.identities
            .get(type_name)
            .unwrap_or_else(|| panic!("{type_name} has no identity schema"))
    }

    async fn plan(
        &mut self,
        type_name: &str,
        prior: &Value,
        proposed: &Value,
        config: &Value,
        prior_private: Vec<u8>,
        prior_identity: Option<pb::ResourceIdentityData>,
    ) -> pb::plan_resource_change::Response {
        let shape = self.state(type_name).clone();
        let request = pb::plan_resource_change::Request {
            type_name: type_name.into(),
            prior_state: Some(shape.dynamic(prior)),
            proposed_new_state: Some(shape.dynamic(proposed)),
            config: Some(shape.dynamic(config)),
            prior_private,
            provider_meta: None,
            client_capabilities: Some(pb::ClientCapabilities::default()),
            prior_identity,
        };
        answer(
            "PlanResourceChange",
            self.client.plan_resource_change(request),
        )
        .await
    }

    async fn apply(
        &mut self,
        type_name: &str,
        prior: &Value,
        planned: &pb::plan_resource_change::Response,
        config: &Value,
    ) -> pb::apply_resource_change::Response {
        let shape = self.state(type_name).clone();
        let request = pb::apply_resource_change::Request {
            type_name: type_name.into(),
            prior_state: Some(shape.dynamic(prior)),
            planned_state: planned.planned_state.clone(),
            config: Some(shape.dynamic(config)),
            planned_private: planned.planned_private.clone(),
            provider_meta: None,
            planned_identity: planned.planned_identity.clone(),
        };
        answer(
            "ApplyResourceChange",
            self.client.apply_resource_change(request),
        )
        .await
    }

    async fn read(
        &mut self,
        type_name: &str,
        state: &Value,
        private: Vec<u8>,
        current_identity: Option<pb::ResourceIdentityData>,
    ) -> pb::read_resource::Response {
        let shape = self.state(type_name).clone();
        let request = pb::read_resource::Request {
            type_name: type_name.into(),
            current_state: Some(shape.dynamic(state)),
            private,
            provider_meta: None,
            client_capabilities: Some(pb::ClientCapabilities::default()),
            current_identity,
        };
        answer("ReadResource", self.client.read_resource(request)).await
    }

    async fn import(
        &mut self,
        type_name: &str,
        id: &str,
        identity: Option<pb::ResourceIdentityData>,
    ) -> pb::import_resource_state::Response {
        let request = pb::import_resource_state::Request {
            type_name: type_name.into(),
            id: id.into(),
            client_capabilities: Some(pb::ClientCapabilities::default()),
            identity,
        };
        answer(
            "ImportResourceState",
            self.client.import_resource_state(request),
        )
        .await
    }

    /// Import by identity, as an `import` block with `identity = {...}` makes Terraform call it.
    async fn import_identity(
        &mut self,
        type_name: &str,
        identity: &Value,
    ) -> pb::import_resource_state::Response {
        let data = identity_data(self.identity(type_name), identity);
        self.import(type_name, "", data).await
    }

    async fn upgrade_identity(
        &mut self,
        type_name: &str,
        version: i64,
        json: &str,
    ) -> pb::upgrade_resource_identity::Response {
        let request = pb::upgrade_resource_identity::Request {
            type_name: type_name.into(),
            version,
            raw_identity: Some(pb::RawState {
                json: json.as_bytes().to_vec(),
                flatmap: Default::default(),
            }),
        };
        answer(
            "UpgradeResourceIdentity",
            self.client.upgrade_resource_identity(request),
        )
        .await
    }

    /// Requests to the Management API with `reveal=true`, so far.
    fn reveals(&self) -> usize {
        self.sim.requests().iter().filter(|r| r.reveal).count()
    }

    async fn stop(mut self) {
        self.plugin.shutdown().await;
        let status = self.plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
        assert!(status.success(), "the provider exits cleanly: {status:?}");
    }
}

#[tokio::test]
async fn both_key_types_have_the_identity_project_ref_and_id_at_version_0() {
    let harness = Harness::start().await;
    let names: Vec<&String> = harness.identity_schemas.keys().collect();
    assert_eq!(names, [PUBLISHABLE, SECRET], "every resource type has one");
    for (type_name, schema) in &harness.identity_schemas {
        assert_eq!(schema.version, 0, "{type_name}");
        let attrs: BTreeMap<&str, &pb::resource_identity_schema::IdentityAttribute> = schema
            .identity_attributes
            .iter()
            .map(|a| (a.name.as_str(), a))
            .collect();
        assert_eq!(
            attrs.keys().copied().collect::<Vec<_>>(),
            ["id", "project_ref"],
            "{type_name}"
        );
        for (name, attr) in attrs {
            assert_eq!(attr.r#type, b"\"string\"", "{type_name}.{name}");
            assert!(
                attr.required_for_import && !attr.optional_for_import,
                "{type_name}.{name} is required for import: {attr:?}"
            );
            assert!(!attr.description.is_empty(), "{type_name}.{name}");
            // Named like the state attributes it is derived from.
            assert!(
                harness.state(type_name).names.iter().any(|n| n == name),
                "{type_name} has a state attribute {name}"
            );
        }
    }
    harness.stop().await;
}

#[tokio::test]
async fn create_refresh_update_and_destroy_carry_one_identity_matching_the_state() {
    let mut h = Harness::start().await;
    let shape = h.state(SECRET).clone();
    let ids = h.identity(SECRET).clone();
    let config = shape.value(&[
        ("project_ref", string(PROJECT)),
        ("name", string("backend_key")),
    ]);

    // Create: no identity is planned (Terraform >= 1.12 cannot marshal an unknown one into the
    // plan's JSON); apply returns it. The create half of a replacement carries the replaced
    // key's identity as the prior one, and must not plan it either.
    let replaced = key_identity(&ids, PROJECT, "22222222-2222-4222-8222-222222222222");
    for prior_identity in [None, identity_data(&ids, &replaced)] {
        h.new_walk().await;
        let plan = h
            .plan(
                SECRET,
                &Value::Null,
                &config,
                &config,
                Vec::new(),
                prior_identity,
            )
            .await;
        assert_no_errors(&plan.diagnostics, "create plan");
        assert_eq!(identity_of(&ids, plan.planned_identity.as_ref()), None);
    }
    h.new_walk().await;
    let plan = h
        .plan(SECRET, &Value::Null, &config, &config, Vec::new(), None)
        .await;
    let created = h.apply(SECRET, &Value::Null, &plan, &config).await;
    assert_no_errors(&created.diagnostics, "create");
    let state = shape.decode_opt(created.new_state.as_ref());
    let id = state
        .attr("id")
        .and_then(Value::as_str)
        .expect("an id")
        .to_string();
    let identity = key_identity(&ids, PROJECT, &id);
    assert_eq!(
        identity_of(&ids, created.new_identity.as_ref()),
        Some(identity.clone()),
        "the identity names the key just made"
    );
    assert!(state.attr("api_key").and_then(Value::as_str).is_some());
    assert_eq!(h.sim.keys(PROJECT).len(), 1);

    // Refresh: an identity never stored (Terraform < 1.12 state) is filled; a stored one kept.
    for current in [None, identity_data(&ids, &ids.value(&[]))] {
        h.new_walk().await;
        let read = h
            .read(SECRET, &state, created.private.clone(), current)
            .await;
        assert_no_errors(&read.diagnostics, "refresh without identity");
        assert_eq!(
            identity_of(&ids, read.new_identity.as_ref()),
            Some(identity.clone())
        );
    }
    h.new_walk().await;
    let read = h
        .read(
            SECRET,
            &state,
            created.private.clone(),
            identity_data(&ids, &identity),
        )
        .await;
    assert_no_errors(&read.diagnostics, "refresh");
    assert_eq!(
        identity_of(&ids, read.new_identity.as_ref()),
        Some(identity.clone())
    );
    assert_eq!(
        shape.decode_opt(read.new_state.as_ref()),
        state,
        "nothing changed"
    );

    // A stored identity naming another key is never silently replaced.
    let other = key_identity(&ids, PROJECT, "33333333-3333-4333-8333-333333333333");
    h.new_walk().await;
    let read = h
        .read(
            SECRET,
            &state,
            created.private.clone(),
            identity_data(&ids, &other),
        )
        .await;
    let error = single_error(&read.diagnostics);
    assert!(error.contains("Unexpected identity change"), "{error}");
    assert!(error.contains("33333333-3333-4333-8333-333333333333") && error.contains(&id));

    // Update in place: the plan carries the prior identity, the apply returns it.
    let mut changed = config.clone();
    let mut proposed = state.clone();
    for value in [&mut changed, &mut proposed] {
        if let Value::Object(attrs) = value {
            attrs.insert("description".into(), string("now described"));
        }
    }
    h.new_walk().await;
    let plan = h
        .plan(
            SECRET,
            &state,
            &proposed,
            &changed,
            created.private.clone(),
            identity_data(&ids, &identity),
        )
        .await;
    assert_no_errors(&plan.diagnostics, "update plan");
    assert!(
        plan.requires_replace.is_empty(),
        "{:?}",
        plan.requires_replace
    );
    assert_eq!(
        identity_of(&ids, plan.planned_identity.as_ref()),
        Some(identity.clone())
    );
    let updated = h.apply(SECRET, &state, &plan, &changed).await;
    assert_no_errors(&updated.diagnostics, "update");
    assert_eq!(
        identity_of(&ids, updated.new_identity.as_ref()),
        Some(identity.clone())
    );
    let state = shape.decode_opt(updated.new_state.as_ref());
    assert_eq!(state.attr("description"), Some(&string("now described")));

    // An update plan of state whose identity was never stored plans the state's.
    h.new_walk().await;
    let plan_without = h
        .plan(
            SECRET,
            &state,
            &state,
            &changed,
            updated.private.clone(),
            None,
        )
        .await;
    assert_no_errors(&plan_without.diagnostics, "plan without a stored identity");
    assert_eq!(
        identity_of(&ids, plan_without.planned_identity.as_ref()),
        Some(identity.clone())
    );

    // Destroy: the plan keeps the identity, and nothing is left after apply.
    h.new_walk().await;
    let plan = h
        .plan(
            SECRET,
            &state,
            &Value::Null,
            &Value::Null,
            updated.private.clone(),
            identity_data(&ids, &identity),
        )
        .await;
    assert_no_errors(&plan.diagnostics, "destroy plan");
    assert_eq!(
        identity_of(&ids, plan.planned_identity.as_ref()),
        Some(identity.clone())
    );
    let destroyed = h.apply(SECRET, &state, &plan, &Value::Null).await;
    assert_no_errors(&destroyed.diagnostics, "destroy");
    assert!(
        destroyed.new_identity.is_none(),
        "{:?}",
        destroyed.new_identity
    );
    assert_eq!(shape.decode_opt(destroyed.new_state.as_ref()), Value::Null);
    assert!(h.sim.keys(PROJECT).is_empty());
    h.stop().await;
}

#[tokio::test]
async fn import_by_identity_returns_state_and_identity_and_reveals_the_secret_once() {
    let mut h = Harness::start().await;
    let shape = h.state(SECRET).clone();
    let ids = h.identity(SECRET).clone();
    let seeded = h.sim.seed_key(PROJECT, KeySeed::secret("imported_key"));
    let identity = key_identity(&ids, PROJECT, &seeded.id);
    let before = h.reveals();

    let response = h.import_identity(SECRET, &identity).await;
    assert_no_errors(&response.diagnostics, "import by identity");
    let [imported] = response.imported_resources.as_slice() else {
        panic!("one imported resource: {response:#?}");
    };
    assert_eq!(imported.type_name, SECRET);
    let state = shape.decode_opt(imported.state.as_ref());
    assert_eq!(state.attr("id"), Some(&string(&seeded.id)));
    assert_eq!(state.attr("project_ref"), Some(&string(PROJECT)));
    assert_eq!(state.attr("name"), Some(&string("imported_key")));
    assert_eq!(
        state.attr("api_key"),
        Some(&string(&seeded.api_key)),
        "the secret is revealed on import"
    );
    assert_eq!(
        identity_of(&ids, imported.identity.as_ref()),
        Some(identity.clone())
    );
    assert_eq!(h.reveals(), before + 1, "exactly one reveal");

    // The read Terraform makes next keeps state and identity, reveals nothing, and hands no
    // framework entry on in the private state.
    let read = h
        .read(
            SECRET,
            &state,
            imported.private.clone(),
            imported.identity.clone(),
        )
        .await;
    assert_no_errors(&read.diagnostics, "read after import");
    assert_eq!(shape.decode_opt(read.new_state.as_ref()), state);
    assert_eq!(
        identity_of(&ids, read.new_identity.as_ref()),
        Some(identity.clone())
    );
    assert!(
        Private::decode(&read.private) == Private::default(),
        "private state after the read: {:?}",
        String::from_utf8_lossy(&read.private)
    );
    assert_eq!(h.reveals(), before + 1, "a refresh never reveals");

    // Import by ID gives the same identity (another command: one walk imports a key once).
    h.new_walk().await;
    let by_id = h
        .import(SECRET, &format!("{PROJECT}/{}", seeded.id), None)
        .await;
    assert_no_errors(&by_id.diagnostics, "import by id");
    assert_eq!(
        identity_of(&ids, by_id.imported_resources[0].identity.as_ref()),
        Some(identity)
    );

    // A publishable key: the same identity shape, its value from the list, no reveal.
    let reveals = h.reveals();
    let public = h.sim.seed_key(PROJECT, KeySeed::publishable("web_key"));
    let public_ids = h.identity(PUBLISHABLE).clone();
    let public_identity = key_identity(&public_ids, PROJECT, &public.id);
    let response = h.import_identity(PUBLISHABLE, &public_identity).await;
    assert_no_errors(
        &response.diagnostics,
        "import a publishable key by identity",
    );
    let imported = &response.imported_resources[0];
    let state = h.state(PUBLISHABLE).decode_opt(imported.state.as_ref());
    assert_eq!(state.attr("api_key"), Some(&string(&public.api_key)));
    assert_eq!(
        identity_of(&public_ids, imported.identity.as_ref()),
        Some(public_identity)
    );
    assert_eq!(h.reveals(), reveals, "a publishable key is never revealed");
    h.stop().await;
}

#[tokio::test]
async fn import_by_identity_of_a_missing_or_wrong_key_is_a_clear_error() {
    let mut h = Harness::start().await;
    let ids = h.identity(SECRET).clone();
    let public = h.sim.seed_key(PROJECT, KeySeed::publishable("web_key"));

    let unknown_id = "44444444-4444-4444-8444-444444444444";
    let response = h
        .import_identity(SECRET, &key_identity(&ids, PROJECT, unknown_id))
        .await;
    let error = single_error(&response.diagnostics);
    assert!(error.starts_with("Cannot import the API key"), "{error}");
    assert!(
        error.contains(&format!("has no API key with id {unknown_id}")),
        "{error}"
    );
    assert!(response.imported_resources.is_empty());

    let response = h
        .import_identity(SECRET, &key_identity(&ids, PROJECT, &public.id))
        .await;
    let error = single_error(&response.diagnostics);
    assert!(
        error.contains("is a publishable key, not a secret key"),
        "{error}"
    );

    let response = h
        .import_identity(SECRET, &key_identity(&ids, "Not-A-Project", unknown_id))
        .await;
    let error = single_error(&response.diagnostics);
    assert!(error.contains("project reference"), "{error}");

    // Terraform checks required attributes too; the provider says which one is missing.
    let response = h
        .import_identity(SECRET, &ids.value(&[("project_ref", string(PROJECT))]))
        .await;
    let error = single_error(&response.diagnostics);
    assert!(error.starts_with("Invalid import identity"), "{error}");
    assert!(error.contains("lacks id"), "{error}");

    // Nothing was created, deleted or revealed on the way.
    assert_eq!(h.sim.keys(PROJECT).len(), 1);
    assert_eq!(h.reveals(), 0);
    h.stop().await;
}

#[tokio::test]
async fn upgrade_identity_passes_version_0_through_and_refuses_other_versions() {
    let mut h = Harness::start().await;
    let ids = h.identity(SECRET).clone();
    let id = "22222222-2222-4222-8222-222222222222";
    let json = format!(r#"{{"project_ref":"{PROJECT}","id":"{id}"}}"#);

    let current = h.upgrade_identity(SECRET, 0, &json).await;
    assert_no_errors(&current.diagnostics, "version 0");
    assert_eq!(
        identity_of(&ids, current.upgraded_identity.as_ref()),
        Some(key_identity(&ids, PROJECT, id))
    );

    let newer = h.upgrade_identity(SECRET, 1, &json).await;
    let error = single_error(&newer.diagnostics);
    assert!(
        error.contains("newer provider") && error.contains("version 1"),
        "{error}"
    );
    assert!(newer.upgraded_identity.is_none());

    let older = h.upgrade_identity(PUBLISHABLE, -1, &json).await;
    let error = single_error(&older.diagnostics);
    assert!(error.contains("identity schema version -1"), "{error}");
    assert!(older.upgraded_identity.is_none());

    let unknown = h.upgrade_identity("supabase_nothing", 0, &json).await;
    let error = single_error(&unknown.diagnostics);
    assert!(error.starts_with("Unknown resource type"), "{error}");
    h.stop().await;
}
