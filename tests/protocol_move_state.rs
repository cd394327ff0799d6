//! MoveResourceState (Terraform >= 1.8) over the plugin protocol: a Rust client plays Terraform
//! moving the official provider's `supabase_apikey` into our key resources with a `moved` block,
//! against the provider binary configured for a simulator. It sends the official state as
//! Terraform does (the source's address in every form Terraform and OpenTofu send, its type,
//! schema version and raw JSON) and checks the moved state and identity, the errors for what
//! cannot move, and, from the simulator's request log, that a move asks the API nothing.

mod support;

use std::collections::BTreeMap;

use supabase_simulator::{ApiKey, KeySeed, Simulator, SimulatorConfig};
use support::acceptance::{simulator_with_project, PROJECT, TOKEN};
use support::plugin::{tfplugin6 as pb, Plugin};
use support::rpc::{
    answer, assert_no_errors, errors, get_metadata, get_provider_schema, identity_shapes, string,
    Client, Shape,
};
use terraform_provider_supabase::plugin::value::Value;

const SECRET: &str = "supabase_secret_api_key";
const PUBLISHABLE: &str = "supabase_publishable_api_key";
const OFFICIAL_TYPE: &str = "supabase_apikey";
const TERRAFORM_ADDRESS: &str = "registry.terraform.io/supabase/supabase";
/// What the target accepts, as its errors list it.
const ACCEPTED: &str = "supabase_apikey of supabase/supabase (any registry host), schema version 0";

/// The provider binary configured as Terraform 1.12 has it, for a simulator with one project.
struct Harness {
    sim: Simulator,
    plugin: Plugin,
    client: Client,
    states: BTreeMap<String, Shape>,
    identities: BTreeMap<String, Shape>,
}

impl Harness {
    async fn start() -> Harness {
        let sim = simulator_with_project(SimulatorConfig::default()).await;
        let plugin = Plugin::start(&[
            ("SUPABASE_ACCESS_TOKEN", TOKEN),
            ("SUPABASE_API_ENDPOINT", &sim.base_url()),
        ])
        .await;
        let mut client = plugin.provider().await;
        let schema = get_provider_schema(&mut client).await;
        let identities = answer(
            "GetResourceIdentitySchemas",
            client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
        )
        .await;
        let provider = Shape::of_block(schema.provider.as_ref().expect("provider schema"));
        let configure = pb::configure_provider::Request {
            terraform_version: "1.12.0".into(),
            config: Some(provider.config(&[])),
            client_capabilities: Some(pb::ClientCapabilities::default()),
        };
        let configured = answer("ConfigureProvider", client.configure_provider(configure)).await;
        assert_no_errors(&configured.diagnostics, "ConfigureProvider");
        Harness {
            sim,
            plugin,
            client,
            states: schema
                .resource_schemas
                .iter()
                .map(|(name, s)| (name.clone(), Shape::of_block(s)))
                .collect(),
            identities: identity_shapes(&identities),
        }
    }

    /// MoveResourceState as Terraform sends it for `moved { from = <source_type>.x, to =
    /// <target>.x }`.
    async fn move_from(
        &mut self,
        address: &str,
        source_type: &str,
        version: i64,
        state: &serde_json::Value,
        target: &str,
    ) -> pb::move_resource_state::Response {
        let request = pb::move_resource_state::Request {
            source_provider_address: address.into(),
            source_type_name: source_type.into(),
            source_schema_version: version,
            source_state: Some(pb::RawState {
                json: state.to_string().into_bytes(),
                flatmap: Default::default(),
            }),
            target_type_name: target.into(),
            source_private: b"{\"official\":\"private\"}".to_vec(),
            source_identity: None,
            source_identity_schema_version: 0,
        };
        answer(
            "MoveResourceState",
            self.client.move_resource_state(request),
        )
        .await
    }

    /// The official `supabase_apikey` of `key` moved to `target` from the Terraform registry.
    async fn move_official(
        &mut self,
        state: &serde_json::Value,
        target: &str,
    ) -> pb::move_resource_state::Response {
        self.move_from(TERRAFORM_ADDRESS, OFFICIAL_TYPE, 0, state, target)
            .await
    }

    /// A successful move's state and identity, checked to be whole and known.
    fn moved(&self, target: &str, response: &pb::move_resource_state::Response) -> (Value, Value) {
        assert_no_errors(&response.diagnostics, "MoveResourceState");
        let state = self.states[target].decode_opt(response.target_state.as_ref());
        assert!(!state.is_null() && state.is_wholly_known(), "{state:?}");
        assert!(response.target_private.is_empty(), "our own private state");
        let identity = response
            .target_identity
            .as_ref()
            .and_then(|d| d.identity_data.as_ref());
        let identity = self.identities[target].decode_opt(identity);
        (state, identity)
    }

    /// A move that fails: no state, and one error, whose detail is returned.
    fn refused(response: &pb::move_resource_state::Response) -> String {
        assert!(response.target_state.is_none(), "{response:#?}");
        let errors = errors(&response.diagnostics);
        assert_eq!(errors.len(), 1, "{:#?}", response.diagnostics);
        assert_eq!(errors[0].summary, "Unable to move resource state");
        errors[0].detail.clone()
    }

    async fn stop(self) {
        self.plugin.shutdown().await;
    }
}

/// A key's state as the official provider writes it (its Read reveals the value every time).
fn official_state(key: &ApiKey) -> serde_json::Value {
    let role = key.secret_jwt_template.as_ref().map(|t| t["role"].clone());
    serde_json::json!({
        "id": key.id,
        "project_ref": PROJECT,
        "name": key.name,
        "description": key.description,
        "type": key.key_type,
        "api_key": key.api_key,
        "secret_jwt_template": {"role": role},
    })
}

fn attr<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} in {value:?}"))
}

#[tokio::test]
async fn the_provider_advertises_moves() {
    let mut h = Harness::start().await;
    let metadata = get_metadata(&mut h.client).await;
    let schema = get_provider_schema(&mut h.client).await;
    for capabilities in [metadata.server_capabilities, schema.server_capabilities] {
        assert!(capabilities.expect("capabilities").move_resource_state);
    }
    h.stop().await;
}

#[tokio::test]
async fn every_source_address_form_moves_a_secret_key_whole_without_a_request() {
    let mut h = Harness::start().await;
    let key = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let addresses = [
        TERRAFORM_ADDRESS,
        "registry.opentofu.org/supabase/supabase",
        // OpenTofu before 1.12.4 sent the provider the resource type implies; the short form
        // is what both show for the default registry.
        "supabase",
        "supabase/supabase",
    ];
    for address in addresses {
        let response = h
            .move_from(address, OFFICIAL_TYPE, 0, &official_state(&key), SECRET)
            .await;
        let (state, identity) = h.moved(SECRET, &response);
        let expected = h.states[SECRET].value(&[
            ("id", string(&key.id)),
            ("project_ref", string(PROJECT)),
            ("name", string("backend")),
            ("description", string("")),
            ("api_key", string(&key.api_key)),
            ("secret_jwt_template", string(r#"{"role":"service_role"}"#)),
        ]);
        assert_eq!(state, expected, "from {address}");
        let expected_identity = h.identities[SECRET]
            .value(&[("project_ref", string(PROJECT)), ("id", string(&key.id))]);
        assert_eq!(identity, expected_identity, "from {address}");
    }
    assert!(h.sim.requests().is_empty(), "{:#?}", h.sim.requests());
    h.stop().await;
}

/// Terraform's next steps after a move: refresh the moved state, then plan `config` (the
/// resource block that replaced the official one). Asserts the refresh kept the value and
/// filled what the official state lacks, and the plan changes nothing.
async fn refresh_and_plan(
    h: &mut Harness,
    key: &ApiKey,
    response: &pb::move_resource_state::Response,
    config: &[(&str, Value)],
) {
    let shape = h.states[SECRET].clone();
    let (moved, _) = h.moved(SECRET, response);
    let read = pb::read_resource::Request {
        type_name: SECRET.into(),
        current_state: Some(shape.dynamic(&moved)),
        private: response.target_private.clone(),
        provider_meta: None,
        client_capabilities: Some(pb::ClientCapabilities::default()),
        current_identity: response.target_identity.clone(),
    };
    let read = answer("ReadResource", h.client.read_resource(read)).await;
    assert!(read.diagnostics.is_empty(), "{:#?}", read.diagnostics);
    let refreshed = shape.decode_opt(read.new_state.as_ref());
    assert_eq!(attr(&refreshed, "api_key"), &string(&key.api_key));
    for filled in ["hash", "prefix", "inserted_at", "updated_at"] {
        assert!(!attr(&refreshed, filled).is_null(), "{filled}");
    }

    // Terraform proposes the prior values of computed attributes the configuration leaves out.
    let plan = pb::plan_resource_change::Request {
        type_name: SECRET.into(),
        prior_state: Some(shape.dynamic(&refreshed)),
        proposed_new_state: Some(shape.dynamic(&refreshed)),
        config: Some(shape.config(config)),
        prior_private: read.private.clone(),
        provider_meta: None,
        client_capabilities: Some(pb::ClientCapabilities::default()),
        prior_identity: read.new_identity.clone(),
    };
    let plan = answer("PlanResourceChange", h.client.plan_resource_change(plan)).await;
    assert_no_errors(&plan.diagnostics, "PlanResourceChange");
    assert_eq!(shape.decode_opt(plan.planned_state.as_ref()), refreshed);
    assert!(plan.requires_replace.is_empty(), "{plan:#?}");
}

#[tokio::test]
async fn moved_keys_refresh_with_one_list_and_plan_no_change() {
    let mut h = Harness::start().await;
    let plain = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let described = h.sim.seed_key(
        PROJECT,
        KeySeed {
            description: Some("Reports".into()),
            secret_jwt_template: Some(serde_json::json!({"role": "authenticated"})),
            ..KeySeed::secret("reports")
        },
    );
    let plain_moved = h.move_official(&official_state(&plain), SECRET).await;
    let described_moved = h.move_official(&official_state(&described), SECRET).await;
    let (state, _) = h.moved(SECRET, &described_moved);
    assert_eq!(
        attr(&state, "secret_jwt_template"),
        &string(r#"{"role":"authenticated"}"#)
    );
    assert_eq!(attr(&state, "description"), &string("Reports"));
    assert!(h.sim.requests().is_empty(), "the moves ask nothing");

    // No description, the default template: the configuration leaves both out.
    let names = [
        ("project_ref", string(PROJECT)),
        ("name", string("backend")),
    ];
    refresh_and_plan(&mut h, &plain, &plain_moved, &names).await;
    let config = [
        ("project_ref", string(PROJECT)),
        ("name", string("reports")),
        ("description", string("Reports")),
        // As `jsonencode({ role = "authenticated" })` writes it.
        ("secret_jwt_template", string(r#"{"role":"authenticated"}"#)),
    ];
    refresh_and_plan(&mut h, &described, &described_moved, &config).await;

    // The usual refresh: one list of the project for both keys, and no reveal.
    let requests = h.sim.requests();
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(requests[0].method.as_str(), "GET");
    assert!(requests[0].path.ends_with("/api-keys") && !requests[0].reveal);
    h.stop().await;
}

#[tokio::test]
async fn a_publishable_key_moves_to_the_publishable_resource() {
    let mut h = Harness::start().await;
    let key = h.sim.seed_key(PROJECT, KeySeed::publishable("web_app"));
    let response = h.move_official(&official_state(&key), PUBLISHABLE).await;
    let (state, identity) = h.moved(PUBLISHABLE, &response);
    assert_eq!(attr(&state, "api_key"), &string(&key.api_key));
    assert_eq!(attr(&state, "name"), &string("web_app"));
    assert_eq!(attr(&identity, "id"), &string(&key.id));
    assert!(h.sim.requests().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn a_key_moved_to_the_other_type_names_the_right_resource() {
    let mut h = Harness::start().await;
    let secret = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let response = h.move_official(&official_state(&secret), PUBLISHABLE).await;
    let detail = Harness::refused(&response);
    assert!(detail.contains("is a secret key"), "{detail}");
    assert!(detail.contains(SECRET), "{detail}");
    assert!(!detail.contains(&secret.api_key), "no secret in errors");

    let public = h.sim.seed_key(PROJECT, KeySeed::publishable("web_app"));
    let response = h.move_official(&official_state(&public), SECRET).await;
    assert!(Harness::refused(&response).contains(PUBLISHABLE));
    assert!(h.sim.requests().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn another_schema_version_is_an_error_naming_it() {
    let mut h = Harness::start().await;
    let key = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let response = h
        .move_from(
            TERRAFORM_ADDRESS,
            OFFICIAL_TYPE,
            1,
            &official_state(&key),
            SECRET,
        )
        .await;
    let detail = Harness::refused(&response);
    assert!(detail.contains("schema version 1"), "{detail}");
    assert!(detail.contains(ACCEPTED), "{detail}");
    h.stop().await;
}

#[tokio::test]
async fn a_source_no_resource_accepts_is_an_error_listing_what_is_accepted() {
    let mut h = Harness::start().await;
    let key = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let state = official_state(&key);
    let sources = [
        ("registry.terraform.io/hashicorp/random", "random_password"),
        (TERRAFORM_ADDRESS, "supabase_project"),
        ("registry.terraform.io/supabase-rs/supabase", OFFICIAL_TYPE),
        ("registry.terraform.io/notsupabase/supabase", OFFICIAL_TYPE),
        ("", OFFICIAL_TYPE),
    ];
    for (address, source_type) in sources {
        for target in [SECRET, PUBLISHABLE] {
            let response = h.move_from(address, source_type, 0, &state, target).await;
            let detail = Harness::refused(&response);
            assert!(detail.contains(ACCEPTED), "{detail}");
            assert!(detail.contains(source_type), "{detail}");
        }
    }
    assert!(h.sim.requests().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn a_null_value_moves_as_null_with_the_import_warning() {
    let mut h = Harness::start().await;
    let key = h.sim.seed_key(PROJECT, KeySeed::secret("backend"));
    let mut state = official_state(&key);
    state["api_key"] = serde_json::Value::Null;
    let response = h.move_official(&state, SECRET).await;
    let (moved, identity) = h.moved(SECRET, &response);
    assert!(attr(&moved, "api_key").is_null());
    assert_eq!(attr(&identity, "id"), &string(&key.id));
    let [warning] = response.diagnostics.as_slice() else {
        panic!("one warning: {:#?}", response.diagnostics);
    };
    assert_eq!(warning.summary, "The key's value could not be read");
    assert!(
        warning.detail.contains("moved from supabase_apikey"),
        "{}",
        warning.detail
    );
    assert!(h.sim.requests().is_empty());
    h.stop().await;
}
