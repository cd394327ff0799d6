//! The list resources `supabase_secret_api_key` and `supabase_publishable_api_key` over the
//! plugin protocol: a Rust client plays Terraform (>= 1.14, `terraform query`) against the
//! provider binary, configured for a simulator. It checks what Terraform is told (schemas,
//! metadata, validation diagnostics and their paths, the stream of found keys with identity,
//! display name and, when asked, the resource object) and, from the simulator's request log,
//! what the provider asked the API: never a value, and nothing more once Terraform has closed
//! the stream or stopped the provider.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use http::Method;
use supabase_simulator::{
    ApiKey, KeySeed, LoggedRequest, RequestMatcher, Simulator, SimulatorConfig,
};
use support::acceptance::{simulator_with_project, PROJECT, TOKEN};
use support::keys::{keys_path, list_requests};
use support::plugin::{tfplugin6 as pb, Plugin, Session};
use support::rpc::{
    answer, assert_no_errors, configure_provider, errors, get_metadata, get_provider_schema,
    identity_shapes, path_of, single_error_at, string, within, Client, Shape,
};
use terraform_provider_supabase::plugin::value::Value;
use tonic::Streaming;

const SECRET: &str = "supabase_secret_api_key";
const PUBLISHABLE: &str = "supabase_publishable_api_key";
const TYPES: [&str; 2] = [SECRET, PUBLISHABLE];
/// A valid-looking project ref the simulator does not know.
const UNKNOWN_PROJECT: &str = "zyxwvutsrqponmlkjihg";
/// How long "no further request" is watched for after a lookup was abandoned: the provider's
/// retries start after 0.5 s, so one would show within this.
const QUIET: Duration = Duration::from_millis(1500);
/// A stopped or abandoned lookup must end within this (a safety net, not a wait).
const PROMPTLY: Duration = Duration::from_secs(5);

/// Requests that asked for a value (`reveal=true`), as `METHOD path`.
fn reveals(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.reveal)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

fn attr<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} in {value:?}"))
}

/// The provider binary, configured for a simulator with one project and one token, as
/// Terraform has it when `terraform query` lists.
struct Harness {
    sim: Simulator,
    _plugin: Plugin,
    session: Session,
    client: Client,
    /// The `config` of each list resource.
    configs: BTreeMap<String, Shape>,
    /// Each listed type's resource state.
    states: BTreeMap<String, Shape>,
    /// Each listed type's identity.
    identities: BTreeMap<String, Shape>,
}

impl Harness {
    async fn start() -> Harness {
        let sim = simulator_with_project(SimulatorConfig::default()).await;
        let cert = support::plugin::ClientCert::terraform_like();
        let command = Plugin::command_configured_by_block(Some(&cert));
        let plugin = Plugin::spawn(command, Some(cert)).await;
        let session = Session::open(&plugin).await;
        let mut client = session.provider();

        // Terraform >= 1.14 reads the schemas (list resources and the identities of the types
        // they list), then configures the provider.
        let schema = get_provider_schema(&mut client).await;
        assert_no_errors(&schema.diagnostics, "GetProviderSchema");
        let identity = answer(
            "GetResourceIdentitySchemas",
            client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
        )
        .await;
        assert_no_errors(&identity.diagnostics, "GetResourceIdentitySchemas");
        let provider = Shape::of_block(schema.provider.as_ref().expect("provider schema"));
        let config = provider.config(&[
            ("access_token", string(TOKEN)),
            ("endpoint", string(&sim.base_url())),
        ]);
        assert_no_errors(
            &configure_provider(&mut client, config).await,
            "ConfigureProvider",
        );

        let configs = schema
            .list_resource_schemas
            .iter()
            .map(|(name, s)| (name.clone(), Shape::of_block(s)))
            .collect();
        let states = schema
            .resource_schemas
            .iter()
            .map(|(name, s)| (name.clone(), Shape::of_block(s)))
            .collect();
        let identities = identity_shapes(&identity);
        Harness {
            sim,
            _plugin: plugin,
            session,
            client,
            configs,
            states,
            identities,
        }
    }

    fn config(&self, type_name: &str, project_ref: Value) -> pb::DynamicValue {
        let shape = self
            .configs
            .get(type_name)
            .unwrap_or_else(|| panic!("no list resource schema for {type_name}"));
        shape.config(&[("project_ref", project_ref)])
    }

    async fn validate(&mut self, type_name: &str, project_ref: Value) -> Vec<pb::Diagnostic> {
        let request = pb::validate_list_resource_config::Request {
            type_name: type_name.into(),
            config: Some(self.config(type_name, project_ref)),
            include_resource_object: None,
            limit: None,
        };
        answer(
            "ValidateListResourceConfig",
            self.client.validate_list_resource_config(request),
        )
        .await
        .diagnostics
    }

    /// Starts ListResource; `config` is sent as given.
    async fn open_stream(
        &mut self,
        type_name: &str,
        config: pb::DynamicValue,
        include_resource_object: bool,
        limit: i64,
    ) -> Streaming<pb::list_resource::Event> {
        let request = pb::list_resource::Request {
            type_name: type_name.into(),
            config: Some(config),
            include_resource_object,
            limit,
        };
        answer("ListResource", self.client.list_resource(request)).await
    }

    /// Lists `type_name` in `project_ref` and reads the stream to its end.
    async fn list(
        &mut self,
        type_name: &str,
        project_ref: &str,
        include_resource_object: bool,
        limit: i64,
    ) -> Vec<pb::list_resource::Event> {
        let config = self.config(type_name, string(project_ref));
        let stream = self
            .open_stream(type_name, config, include_resource_object, limit)
            .await;
        read_to_end(stream).await
    }

    fn identity(&self, type_name: &str, event: &pb::list_resource::Event) -> Value {
        let data = event
            .identity
            .as_ref()
            .and_then(|i| i.identity_data.as_ref())
            .unwrap_or_else(|| panic!("an event without identity: {event:#?}"));
        self.identities[type_name].decode(data)
    }

    fn resource(&self, type_name: &str, event: &pb::list_resource::Event) -> Option<Value> {
        event
            .resource_object
            .as_ref()
            .map(|object| self.states[type_name].decode(object))
    }

    fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.requests()
    }

    /// Asserts that no request arrives after the first `seen` for [`QUIET`].
    async fn assert_quiet_after(&self, seen: usize, what: &str) {
        tokio::time::sleep(QUIET).await;
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            seen,
            "{what}: a request was sent after the lookup was abandoned: {:#?}",
            &requests[seen.min(requests.len())..]
        );
    }
}

async fn read_to_end(
    mut stream: Streaming<pb::list_resource::Event>,
) -> Vec<pb::list_resource::Event> {
    let mut events = Vec::new();
    while let Some(event) = within("the ListResource stream", stream.message())
        .await
        .unwrap_or_else(|status| panic!("the ListResource stream failed: {status:?}"))
    {
        events.push(event);
    }
    events
}

/// The one event of a stream that ended in error: no identity, no object, one error at `path`.
fn only_error_event<'a>(
    events: &'a [pb::list_resource::Event],
    path: &[&str],
) -> &'a pb::Diagnostic {
    assert_eq!(events.len(), 1, "expected one event, got {events:#?}");
    let event = &events[0];
    assert!(
        event.identity.is_none()
            && event.resource_object.is_none()
            && event.display_name.is_empty(),
        "an error event names no object: {event:#?}"
    );
    single_error_at(&event.diagnostic, path)
}

/// The project as the dashboard leaves it: three secret keys and one publishable key.
fn seed(sim: &Simulator) -> (Vec<ApiKey>, ApiKey) {
    let secrets = vec![
        sim.seed_key(PROJECT, KeySeed::secret("charlie_key")),
        sim.seed_key(
            PROJECT,
            KeySeed::secret("alpha_key").with_description("Backend service"),
        ),
        sim.seed_key(PROJECT, KeySeed::secret("bravo_key")),
    ];
    let publishable = sim.seed_key(
        PROJECT,
        KeySeed::publishable("web_key").with_description("Web app"),
    );
    (secrets, publishable)
}

#[tokio::test]
async fn the_schema_and_metadata_offer_both_list_resources() {
    let plugin = Plugin::start(&[]).await;
    let session = Session::open(&plugin).await;
    let mut client = session.provider();

    let metadata = get_metadata(&mut client).await;
    let mut listed: Vec<&str> = metadata
        .list_resources
        .iter()
        .map(|l| l.type_name.as_str())
        .collect();
    listed.sort_unstable();
    assert_eq!(listed, [PUBLISHABLE, SECRET], "{metadata:#?}");

    let schema = get_provider_schema(&mut client).await;
    assert!(schema.diagnostics.is_empty(), "{:#?}", schema.diagnostics);
    let mut names: Vec<&String> = schema.list_resource_schemas.keys().collect();
    names.sort_unstable();
    assert_eq!(names, [PUBLISHABLE, SECRET]);
    for type_name in TYPES {
        let list = &schema.list_resource_schemas[type_name];
        let block = list.block.as_ref().expect("block");
        assert!(
            block.description.contains("terraform query") && block.description.contains("1.14"),
            "{type_name}: {}",
            block.description
        );
        assert!(block.block_types.is_empty(), "{type_name}: {block:#?}");
        let [project_ref] = block.attributes.as_slice() else {
            panic!("{type_name}: one attribute, project_ref: {block:#?}");
        };
        assert_eq!(project_ref.name, "project_ref");
        assert_eq!(project_ref.r#type, br#""string""#);
        assert_eq!(
            (
                project_ref.required,
                project_ref.optional,
                project_ref.computed,
                project_ref.sensitive
            ),
            (true, false, false, false),
            "{project_ref:#?}"
        );
        assert!(!project_ref.description.is_empty());
        // Each listed type is a managed resource with an identity: Terraform reads both to take
        // the results.
        assert!(schema.resource_schemas.contains_key(type_name));
    }
    let identity = answer(
        "GetResourceIdentitySchemas",
        client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
    )
    .await;
    for type_name in TYPES {
        let mut attrs: Vec<&str> = identity.identity_schemas[type_name]
            .identity_attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        attrs.sort_unstable();
        assert_eq!(attrs, ["id", "project_ref"], "{type_name}");
    }
    let _ = session.shutdown().await;
}

#[tokio::test]
async fn validation_runs_the_project_ref_validator_and_points_into_config() {
    let mut h = Harness::start().await;
    for type_name in TYPES {
        for fine in [string(PROJECT), string(UNKNOWN_PROJECT), Value::unknown()] {
            let diags = h.validate(type_name, fine.clone()).await;
            assert!(diags.is_empty(), "{type_name} {fine:?}: {diags:#?}");
        }
        for bad in ["aaaa", "ABCDEFGHIJKLMNOPQRST", "abcdefghijklmnopqrs1"] {
            let diags = h.validate(type_name, string(bad)).await;
            let error = single_error_at(&diags, &["config", "project_ref"]);
            assert_eq!(
                error.summary, "Invalid project reference",
                "{type_name} {bad}"
            );
            assert!(
                error.detail.contains("20 lowercase letters"),
                "{type_name} {bad}: {}",
                error.detail
            );
        }
    }

    // A type the provider does not list.
    for unknown in ["supabase_api_keys", "supabase_nothing"] {
        let request = pb::validate_list_resource_config::Request {
            type_name: unknown.into(),
            config: Some(h.config(SECRET, string(PROJECT))),
            include_resource_object: None,
            limit: None,
        };
        let diags = answer(
            "ValidateListResourceConfig",
            h.client.validate_list_resource_config(request),
        )
        .await
        .diagnostics;
        assert_eq!(errors(&diags).len(), 1, "{unknown}: {diags:#?}");
    }
    assert!(
        h.requests().is_empty(),
        "validation sends no request: {:#?}",
        h.requests()
    );
}

#[tokio::test]
async fn list_streams_each_key_of_the_type_with_identity_name_and_when_asked_the_resource() {
    let mut h = Harness::start().await;
    let (secrets, publishable) = seed(&h.sim);

    // Without the resource object: identity and name only, in name order.
    let events = h.list(SECRET, PROJECT, false, 0).await;
    let mut expected: Vec<&ApiKey> = secrets.iter().collect();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(events.len(), expected.len(), "{events:#?}");
    for (event, key) in events.iter().zip(&expected) {
        assert!(event.diagnostic.is_empty(), "{event:#?}");
        assert_eq!(event.display_name, key.name);
        assert_eq!(
            h.identity(SECRET, event),
            h.identities[SECRET]
                .value(&[("project_ref", string(PROJECT)), ("id", string(&key.id))])
        );
        assert!(
            event.resource_object.is_none(),
            "no resource object unless asked: {event:#?}"
        );
    }

    // With it: the state a refresh would produce, a secret key's value null.
    let events = h.list(SECRET, PROJECT, true, 0).await;
    assert_eq!(events.len(), expected.len(), "{events:#?}");
    for (event, key) in events.iter().zip(&expected) {
        assert!(event.diagnostic.is_empty(), "{event:#?}");
        assert_eq!(event.display_name, key.name);
        let state = h.resource(SECRET, event).expect("a resource object");
        assert_eq!(attr(&state, "id"), &string(&key.id));
        assert_eq!(attr(&state, "name"), &string(&key.name));
        assert_eq!(attr(&state, "project_ref"), &string(PROJECT));
        assert_eq!(
            attr(&state, "api_key"),
            &Value::Null,
            "a list never holds a secret"
        );
        // No description is "" in state, as the resources plan it (one value with unset).
        let description = string(key.description.as_deref().unwrap_or(""));
        assert_eq!(attr(&state, "description"), &description);
        assert!(state.is_wholly_known(), "{state:?}");
    }

    // The publishable key: its value is public and comes with the list.
    let events = h.list(PUBLISHABLE, PROJECT, true, 0).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0].display_name, "web_key");
    assert_eq!(
        h.identity(PUBLISHABLE, &events[0]),
        h.identities[PUBLISHABLE].value(&[
            ("project_ref", string(PROJECT)),
            ("id", string(&publishable.id))
        ])
    );
    let state = h
        .resource(PUBLISHABLE, &events[0])
        .expect("a resource object");
    assert_eq!(attr(&state, "api_key"), &string(&publishable.api_key));
    assert_eq!(attr(&state, "description"), &string("Web app"));

    // The limit: 2 of 3.
    let events = h.list(SECRET, PROJECT, false, 2).await;
    let names: Vec<&str> = events.iter().map(|e| e.display_name.as_str()).collect();
    assert_eq!(names, ["alpha_key", "bravo_key"], "{events:#?}");

    let requests = h.requests();
    assert!(reveals(&requests).is_empty(), "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|r| r.method == Method::GET && r.path == keys_path(PROJECT)),
        "only list requests: {requests:#?}"
    );
    // One process, no write: every list of the project shares one request.
    assert_eq!(list_requests(&requests, PROJECT), 1, "{requests:#?}");
    assert_eq!(h.sim.keys(PROJECT).len(), 4, "nothing changed");
}

#[tokio::test]
async fn an_empty_project_lists_nothing_without_error() {
    let mut h = Harness::start().await;
    h.sim.seed_key(PROJECT, KeySeed::publishable("only_public"));
    let events = h.list(SECRET, PROJECT, true, 0).await;
    assert!(events.is_empty(), "{events:#?}");
}

#[tokio::test]
async fn problems_end_the_stream_as_one_event_with_an_error() {
    let mut h = Harness::start().await;
    seed(&h.sim);

    // An unknown project: at config.project_ref.
    for type_name in TYPES {
        let events = h.list(type_name, UNKNOWN_PROJECT, true, 0).await;
        let error = only_error_event(&events, &["config", "project_ref"]);
        assert_eq!(error.summary, "Project not found", "{type_name}");
        assert!(error.detail.contains(UNKNOWN_PROJECT), "{}", error.detail);
    }

    // A malformed ref never reaches the API.
    let before = h.requests().len();
    let events = h.list(SECRET, "aaaa", false, 0).await;
    let error = only_error_event(&events, &["config", "project_ref"]);
    assert_eq!(error.summary, "Invalid project reference");
    assert_eq!(h.requests().len(), before, "{:#?}", h.requests());

    // A type the provider does not list, a data source's among them.
    for unknown in ["supabase_nothing", "supabase_api_keys"] {
        let config = h.config(SECRET, string(PROJECT));
        let stream = h.open_stream(unknown, config, false, 0).await;
        let events = read_to_end(stream).await;
        let error = only_error_event(&events, &[]);
        assert!(
            error.summary.contains("type") || error.detail.contains(unknown),
            "{unknown}: {error:#?}"
        );
    }

    // A config that is not of the schema's type.
    let garbage = pb::DynamicValue {
        msgpack: vec![0xc1],
        json: Vec::new(),
    };
    let stream = h.open_stream(SECRET, garbage, false, 0).await;
    let events = read_to_end(stream).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(errors(&events[0].diagnostic).len(), 1, "{events:#?}");

    assert!(reveals(&h.requests()).is_empty());
    // The provider keeps answering.
    assert_eq!(h.list(SECRET, PROJECT, false, 0).await.len(), 3);
}

#[tokio::test]
async fn a_refused_token_is_an_error_at_config_project_ref_naming_the_token() {
    let mut h = Harness::start().await;
    seed(&h.sim);
    h.sim.remove_token(TOKEN);
    let events = h.list(SECRET, PROJECT, false, 0).await;
    let error = only_error_event(&events, &["config", "project_ref"]);
    assert!(
        error.detail.contains("the access token was refused"),
        "{error:#?}"
    );
    assert!(!error.detail.contains(TOKEN), "the token is never echoed");
}

#[tokio::test]
async fn a_stream_dropped_while_the_list_is_in_flight_sends_nothing_more() {
    let mut h = Harness::start().await;
    seed(&h.sim);
    let hold = h
        .sim
        .hold(RequestMatcher::new(Method::GET, &keys_path(PROJECT)));
    let config = h.config(SECRET, string(PROJECT));
    let stream = h.open_stream(SECRET, config, true, 0).await;
    within("the held list request", hold.wait_held(1)).await;
    drop(stream);
    // The abandoned request is answered by the server, and nothing follows it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    hold.release_all();
    within("the released list request", h.sim.wait_finished(1)).await;
    h.assert_quiet_after(1, "dropped stream").await;
    drop(hold);

    // The provider keeps answering.
    let events = h.list(SECRET, PROJECT, false, 0).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(
        list_requests(&h.requests(), PROJECT) <= 2,
        "{:#?}",
        h.requests()
    );
    assert!(reveals(&h.requests()).is_empty());
}

#[tokio::test]
async fn a_stream_dropped_after_its_first_result_sends_nothing_more() {
    let mut h = Harness::start().await;
    seed(&h.sim);
    let config = h.config(SECRET, string(PROJECT));
    let mut stream = h.open_stream(SECRET, config, true, 0).await;
    let first = within("the first event", stream.message())
        .await
        .expect("the stream")
        .expect("an event");
    assert_eq!(first.display_name, "alpha_key");
    drop(stream);
    h.assert_quiet_after(1, "stream dropped after one result")
        .await;
    assert_eq!(h.list(PUBLISHABLE, PROJECT, false, 0).await.len(), 1);
}

#[tokio::test]
async fn stop_provider_ends_a_stream_waiting_on_the_list_promptly() {
    let mut h = Harness::start().await;
    seed(&h.sim);
    let hold = h
        .sim
        .hold(RequestMatcher::new(Method::GET, &keys_path(PROJECT)));
    let config = h.config(SECRET, string(PROJECT));
    let mut stream = h.open_stream(SECRET, config, false, 0).await;
    within("the held list request", hold.wait_held(1)).await;

    let stopped = answer(
        "StopProvider",
        h.client.stop_provider(pb::stop_provider::Request {}),
    )
    .await;
    assert!(stopped.error.is_empty(), "{stopped:?}");

    // The stream ends (after at most an event of diagnostics) while the request is still held.
    let mut events = Vec::new();
    let ended = tokio::time::timeout(PROMPTLY, async {
        while let Some(event) = stream.message().await.expect("the stream ends cleanly") {
            events.push(event);
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream did not end within {PROMPTLY:?} of StopProvider"
    );
    assert!(
        events.iter().all(|e| e.identity.is_none()),
        "nothing is listed once stopped: {events:#?}"
    );
    assert!(events.len() <= 1, "{events:#?}");
    if let Some(event) = events.first() {
        let errors = errors(&event.diagnostic);
        assert_eq!(errors.len(), 1, "{event:#?}");
        assert_eq!(path_of(errors[0]), ["config", "project_ref"], "{event:#?}");
    }
    assert_eq!(
        hold.held(),
        1,
        "the request was still held when the stream ended"
    );

    hold.release_all();
    within("the released list request", h.sim.wait_finished(1)).await;
    h.assert_quiet_after(1, "StopProvider").await;
    drop(hold);

    // Calls after the stop start afresh.
    let events = h.list(SECRET, PROJECT, false, 0).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(reveals(&h.requests()).is_empty());
}

/// Two lists of one project share one request; closing one stream while that request is in
/// flight must not fail the other.
#[tokio::test]
async fn a_dropped_stream_does_not_fail_another_list_of_the_project() {
    let mut h = Harness::start().await;
    seed(&h.sim);
    let hold = h
        .sim
        .hold(RequestMatcher::new(Method::GET, &keys_path(PROJECT)));
    let config = h.config(SECRET, string(PROJECT));
    let dropped = h.open_stream(SECRET, config, false, 0).await;
    within("the held list request", hold.wait_held(1)).await;
    let config = h.config(PUBLISHABLE, string(PROJECT));
    let kept = h.open_stream(PUBLISHABLE, config, false, 0).await;
    // Give the second lookup time to join the request in flight.
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(dropped);
    tokio::time::sleep(Duration::from_millis(300)).await;
    hold.release_all();
    let events = read_to_end(kept).await;
    assert_eq!(events.len(), 1, "{events:#?}");
    assert!(events[0].diagnostic.is_empty(), "{events:#?}");
    assert_eq!(events[0].display_name, "web_key");
    drop(hold);
    let _ = h.session.shutdown().await;
}
