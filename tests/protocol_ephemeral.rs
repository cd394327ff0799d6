//! The `supabase_secret_api_key` ephemeral resource over the plugin protocol: a Rust client
//! plays Terraform (>= 1.10) against the provider binary, configured for a simulator. It checks
//! what Terraform is told (schema, diagnostics and their attribute paths, the opened result and
//! what Terraform would keep of it) and, from the simulator's request log, what the provider
//! asked the API.

mod support;

use supabase_simulator::{
    ApiKey, KeySeed, LoggedRequest, Permissions, RevealDenial, Simulator, SimulatorConfig,
};
use support::acceptance::{PROJECT, TOKEN};
use support::keys::keys_path;
use support::plugin::{tfplugin6 as pb, ClientCert, Plugin, Session};
use support::rpc::{
    answer, assert_no_errors, configure_provider, get_metadata, get_provider_schema,
    single_error_at, string, Client, Shape,
};
use terraform_provider_supabase::plugin::value::Value;

const TYPE_NAME: &str = "supabase_secret_api_key";

fn attr<'a>(value: &'a Value, name: &str) -> &'a Value {
    value
        .attr(name)
        .unwrap_or_else(|| panic!("no {name} in {value:?}"))
}

/// The one diagnostic of `diags`, which must be an error at `path`.
fn only_error_at<'a>(diags: &'a [pb::Diagnostic], path: &[&str]) -> &'a pb::Diagnostic {
    assert_eq!(diags.len(), 1, "expected one diagnostic, got {diags:#?}");
    single_error_at(diags, path)
}

/// The provider binary, configured for a simulator with one project and one token, as
/// Terraform has it when it opens an ephemeral resource.
struct Harness {
    sim: Simulator,
    // Held for the connection's streams; the plugin process ends when it is dropped.
    _session: Session,
    _plugin: Plugin,
    client: Client,
    ephemeral: Shape,
}

impl Harness {
    async fn start(config: SimulatorConfig, permissions: Permissions) -> Harness {
        let sim = Simulator::start(config).await.expect("simulator starts");
        sim.add_project(PROJECT);
        sim.add_token(TOKEN, permissions);
        let cert = ClientCert::terraform_like();
        let command = Plugin::command_configured_by_block(Some(&cert));
        let plugin = Plugin::spawn(command, Some(cert)).await;
        let session = Session::open(&plugin).await;
        let mut client = session.provider();
        let schema = get_provider_schema(&mut client).await;
        let provider = Shape::of_block(schema.provider.as_ref().expect("provider schema"));
        let ephemeral = Shape::of_block(
            schema
                .ephemeral_resource_schemas
                .get(TYPE_NAME)
                .expect("the ephemeral resource's schema"),
        );
        let config = provider.config(&[
            ("access_token", string(TOKEN)),
            ("endpoint", string(&sim.base_url())),
        ]);
        assert_no_errors(
            &configure_provider(&mut client, config).await,
            "ConfigureProvider",
        );
        Harness {
            sim,
            _session: session,
            _plugin: plugin,
            client,
            ephemeral,
        }
    }

    async fn with_all_permissions() -> Harness {
        Self::start(SimulatorConfig::default(), Permissions::all()).await
    }

    async fn validate(&mut self, set: &[(&str, Value)]) -> Vec<pb::Diagnostic> {
        let request = pb::validate_ephemeral_resource_config::Request {
            type_name: TYPE_NAME.into(),
            config: Some(self.ephemeral.config(set)),
        };
        answer(
            "ValidateEphemeralResourceConfig",
            self.client.validate_ephemeral_resource_config(request),
        )
        .await
        .diagnostics
    }

    async fn open(&mut self, set: &[(&str, Value)]) -> pb::open_ephemeral_resource::Response {
        let request = pb::open_ephemeral_resource::Request {
            type_name: TYPE_NAME.into(),
            config: Some(self.ephemeral.config(set)),
            client_capabilities: Some(pb::ClientCapabilities::default()),
        };
        answer(
            "OpenEphemeralResource",
            self.client.open_ephemeral_resource(request),
        )
        .await
    }

    /// Opens, expecting one error at `path` and no result, and returns the error.
    async fn open_fails(&mut self, set: &[(&str, Value)], path: &[&str]) -> pb::Diagnostic {
        let opened = self.open(set).await;
        assert!(opened.result.is_none(), "a result despite the error");
        assert!(opened.private.is_none() && opened.renew_at.is_none());
        only_error_at(&opened.diagnostics, path).clone()
    }

    fn requests(&self) -> Vec<LoggedRequest> {
        self.sim.requests()
    }
}

fn project() -> (&'static str, Value) {
    ("project_ref", string(PROJECT))
}

/// Requests that asked for a secret (`reveal=true`), as (method, path).
fn reveals(requests: &[LoggedRequest]) -> Vec<(String, String)> {
    requests
        .iter()
        .filter(|r| r.reveal)
        .map(|r| (r.method.to_string(), r.path.clone()))
        .collect()
}

fn seed_backend_key(sim: &Simulator) -> ApiKey {
    sim.seed_key(
        PROJECT,
        KeySeed::secret("backend_key").with_description("Backend service"),
    )
}

#[tokio::test]
async fn the_schema_offers_the_ephemeral_resource_with_only_its_value_sensitive() {
    let plugin = Plugin::start(&[]).await;
    let session = Session::open(&plugin).await;
    let mut client = session.provider();

    let metadata = get_metadata(&mut client).await;
    assert!(
        metadata
            .ephemeral_resources
            .iter()
            .any(|e| e.type_name == TYPE_NAME),
        "{:#?}",
        metadata.ephemeral_resources
    );

    let schema = get_provider_schema(&mut client).await;
    assert!(schema.diagnostics.is_empty(), "{:#?}", schema.diagnostics);
    let ephemeral = schema
        .ephemeral_resource_schemas
        .get(TYPE_NAME)
        .unwrap_or_else(|| panic!("{:#?}", schema.ephemeral_resource_schemas.keys()));
    let block = ephemeral.block.as_ref().expect("block");
    assert!(
        block
            .description
            .contains("without writing it to state or plan"),
        "{}",
        block.description
    );
    let mut seen = Vec::new();
    for a in &block.attributes {
        seen.push(a.name.as_str());
        assert!(!a.description.is_empty(), "{} has no description", a.name);
        assert_eq!(a.r#type, br#""string""#, "{}", a.name);
        assert!(!a.write_only, "{}", a.name);
        let presence = (a.required, a.optional, a.computed);
        match a.name.as_str() {
            "project_ref" => assert_eq!(presence, (true, false, false), "{a:#?}"),
            "id" | "name" => assert_eq!(presence, (false, true, true), "{a:#?}"),
            _ => assert_eq!(presence, (false, false, true), "{a:#?}"),
        }
        assert_eq!(a.sensitive, a.name == "api_key", "{a:#?}");
    }
    seen.sort_unstable();
    assert_eq!(
        seen,
        [
            "api_key",
            "description",
            "hash",
            "id",
            "inserted_at",
            "name",
            "prefix",
            "project_ref",
            "secret_jwt_template",
            "type",
            "updated_at"
        ]
    );
    let _ = session.shutdown().await;
}

#[tokio::test]
async fn validation_wants_exactly_one_of_id_and_name_and_points_at_the_attribute() {
    let mut h = Harness::with_all_permissions().await;
    let id = ("id", string("22222222-2222-4222-8222-222222222222"));
    let name = ("name", string("backend_key"));

    for ok in [
        vec![project(), id.clone()],
        vec![project(), name.clone()],
        // Values known only later (another resource's attribute) are fine at validation.
        vec![project(), ("name", Value::unknown())],
        vec![("project_ref", Value::unknown()), id.clone()],
    ] {
        let diags = h.validate(&ok).await;
        assert!(diags.is_empty(), "{ok:?}: {diags:#?}");
    }

    let both = h.validate(&[project(), id.clone(), name.clone()]).await;
    let error = only_error_at(&both, &["name"]);
    assert_eq!(error.summary, "Conflicting key selection");
    assert!(error.detail.contains("exactly one"), "{}", error.detail);

    let neither = h.validate(&[project()]).await;
    let error = only_error_at(&neither, &[]);
    assert_eq!(error.summary, "Missing key selection");

    for (set, path, summary, says) in [
        (
            vec![("project_ref", string("ABC")), name.clone()],
            "project_ref",
            "Invalid project reference",
            "20 lowercase letters",
        ),
        (
            vec![project(), ("id", string("backend_key"))],
            "id",
            "Invalid API key id",
            "UUID",
        ),
        (
            vec![project(), ("id", string("service_role"))],
            "id",
            "Not a secret API key",
            "legacy JWT keys",
        ),
        (
            vec![project(), ("name", string("anon"))],
            "name",
            "Not a secret API key",
            "legacy JWT keys",
        ),
        (
            vec![project(), ("name", string("Backend-Key"))],
            "name",
            "Invalid API key name",
            "^[a-z_][a-z0-9_]+$",
        ),
        (
            vec![project(), name.clone(), ("api_key", string("sb_secret_x"))],
            "api_key",
            "Invalid configuration for read-only attribute",
            "cannot be configured",
        ),
    ] {
        let diags = h.validate(&set).await;
        let error = only_error_at(&diags, &[path]);
        assert_eq!(error.summary, summary, "{set:?}");
        assert!(error.detail.contains(says), "{set:?}: {}", error.detail);
    }
    assert!(
        h.requests().is_empty(),
        "validation sends no request: {:#?}",
        h.requests()
    );
}

#[tokio::test]
async fn open_reveals_the_value_and_leaves_terraform_nothing_to_keep_or_renew() {
    let mut h = Harness::with_all_permissions().await;
    let decoy = h.sim.seed_key(PROJECT, KeySeed::secret("decoy_key"));
    let key = seed_backend_key(&h.sim);

    for (how, set) in [
        ("by id", vec![project(), ("id", string(&key.id))]),
        ("by name", vec![project(), ("name", string("backend_key"))]),
        // An id is matched whatever its case, and the result keeps it as configured
        // (Terraform holds a result to the configuration).
        (
            "by id in capitals",
            vec![project(), ("id", string(&key.id.to_uppercase()))],
        ),
    ] {
        let before = h.requests().len();
        let opened = h.open(&set).await;
        assert!(
            opened.diagnostics.is_empty(),
            "{how}: {:#?}",
            opened.diagnostics
        );
        assert_eq!(opened.private, None, "{how}: no private data");
        assert_eq!(opened.renew_at, None, "{how}: nothing to renew");
        assert!(opened.deferred.is_none(), "{how}");
        let result = h
            .ephemeral
            .decode(opened.result.as_ref().expect("a result"));
        assert_eq!(attr(&result, "api_key"), &string(&key.api_key), "{how}");
        assert_ne!(key.api_key, decoy.api_key);
        let configured_id = set
            .iter()
            .find(|(n, _)| *n == "id")
            .map_or(string(&key.id), |(_, v)| v.clone());
        assert_eq!(attr(&result, "id"), &configured_id, "{how}");
        assert_eq!(attr(&result, "name"), &string("backend_key"), "{how}");
        assert_eq!(attr(&result, "project_ref"), &string(PROJECT), "{how}");
        assert_eq!(attr(&result, "type"), &string("secret"), "{how}");
        assert_eq!(
            attr(&result, "description"),
            &string("Backend service"),
            "{how}"
        );
        assert_eq!(
            attr(&result, "prefix"),
            &string(key.prefix.as_deref().expect("prefix")),
            "{how}"
        );
        assert_eq!(
            attr(&result, "secret_jwt_template"),
            &string(r#"{"role":"service_role"}"#),
            "{how}"
        );
        for name in ["hash", "inserted_at", "updated_at"] {
            assert!(
                attr(&result, name).as_str().is_some(),
                "{how}: {name} is a string"
            );
        }

        // Only GETs; the one that reveals is for the key found, never the list.
        let sent: Vec<LoggedRequest> = h.requests().into_iter().skip(before).collect();
        assert!(sent.iter().all(|r| r.method == "GET"), "{how}: {sent:#?}");
        assert_eq!(
            reveals(&sent),
            vec![(
                "GET".to_string(),
                format!("{}/{}", keys_path(PROJECT), key.id)
            )],
            "{how}"
        );
    }

    // Renew has nothing to extend and Close nothing to release: no request, no diagnostic.
    let before = h.requests().len();
    let renewed = answer(
        "RenewEphemeralResource",
        h.client
            .renew_ephemeral_resource(pb::renew_ephemeral_resource::Request {
                type_name: TYPE_NAME.into(),
                private: None,
            }),
    )
    .await;
    assert!(renewed.diagnostics.is_empty(), "{:#?}", renewed.diagnostics);
    assert_eq!(renewed.renew_at, None);
    let closed = answer(
        "CloseEphemeralResource",
        h.client
            .close_ephemeral_resource(pb::close_ephemeral_resource::Request {
                type_name: TYPE_NAME.into(),
                private: None,
            }),
    )
    .await;
    assert!(closed.diagnostics.is_empty(), "{:#?}", closed.diagnostics);
    assert_eq!(h.requests().len(), before, "{:#?}", h.requests());
    assert_eq!(h.sim.keys(PROJECT).len(), 2, "nothing was changed");
}

#[tokio::test]
async fn keys_that_cannot_be_found_or_revealed_are_errors_at_the_attribute_used() {
    let config = SimulatorConfig {
        unique_names: false,
        ..SimulatorConfig::default()
    };
    let mut h = Harness::start(config, Permissions::all()).await;
    let publishable = h
        .sim
        .seed_key(PROJECT, KeySeed::publishable("frontend_key"));
    let first = h.sim.seed_key(PROJECT, KeySeed::secret("twin_key"));
    let second = h.sim.seed_key(PROJECT, KeySeed::secret("twin_key"));

    let missing_id = "33333333-3333-4333-8333-333333333333";
    let cases = [
        (
            ("name", string("no_such_key")),
            "API key not found",
            vec![format!("has no secret key named \"no_such_key\"")],
        ),
        (
            ("id", string(missing_id)),
            "API key not found",
            vec![format!("has no API key with id {missing_id}")],
        ),
        (
            ("name", string("frontend_key")),
            "Not a secret API key",
            vec!["there is a publishable key of that name".to_string()],
        ),
        (
            ("id", string(&publishable.id)),
            "Not a secret API key",
            vec!["is a publishable key, not a secret key".to_string()],
        ),
        (
            ("name", string("twin_key")),
            "Several secret API keys have this name",
            vec![first.id.clone(), second.id.clone(), "Set `id`".to_string()],
        ),
    ];
    for (selector, summary, says) in cases {
        let error = h
            .open_fails(&[project(), selector.clone()], &[selector.0])
            .await;
        assert_eq!(error.summary, summary, "{selector:?}");
        for text in says {
            assert!(
                error.detail.contains(&text),
                "{selector:?}: {}",
                error.detail
            );
        }
    }
    assert!(
        reveals(&h.requests()).is_empty(),
        "nothing is revealed unless one secret key is found: {:#?}",
        h.requests()
    );

    let unknown = "zyxwvutsrqponmlkjihg";
    let error = h
        .open_fails(
            &[
                ("project_ref", string(unknown)),
                ("name", string("twin_key")),
            ],
            &["project_ref"],
        )
        .await;
    assert_eq!(error.summary, "Project not found");
    assert!(error.detail.contains(unknown), "{}", error.detail);
}

#[tokio::test]
async fn a_token_without_secret_read_gets_an_error_that_names_the_permission() {
    for denial in [
        RevealDenial::Forbidden,
        RevealDenial::Masked,
        RevealDenial::Null,
    ] {
        let mut h = Harness::start(
            SimulatorConfig::default(),
            Permissions::without_secret_read(denial),
        )
        .await;
        let key = seed_backend_key(&h.sim);
        let error = h
            .open_fails(&[project(), ("name", string("backend_key"))], &[])
            .await;
        assert_eq!(
            error.summary, "The access token cannot read API key secrets",
            "{denial:?}"
        );
        for text in [
            "API Key Secrets: Read",
            "api_gateway_keys_secret_read",
            key.id.as_str(),
        ] {
            assert!(error.detail.contains(text), "{denial:?}: {}", error.detail);
        }
        assert!(
            !error.detail.contains(&key.api_key[15..]),
            "{denial:?}: the detail shows the secret"
        );
        assert_eq!(
            reveals(&h.requests()),
            vec![(
                "GET".to_string(),
                format!("{}/{}", keys_path(PROJECT), key.id)
            )],
            "{denial:?}: one attempt to reveal"
        );
    }
}
