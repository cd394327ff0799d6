//! The plugin protocol end to end: a Rust gRPC client plays Terraform (go-plugin's handshake,
//! AutoMTLS with a P-521 client certificate, the tfplugin6 calls Terraform makes, Shutdown)
//! against the real provider binary. Timeouts here are safety nets, never waits on timing.

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};
use support::plugin::{self, tfplugin6 as pb, ClientCert, Plugin, Session};
use support::rpc::{
    answer, configure_provider, errors, get_metadata, get_provider_schema, single_error_at, string,
    within, Client, Shape, EXIT_AFTER_SHUTDOWN,
};
use terraform_provider_supabase::plugin::value::Value;

const SOURCE_ADDRESS: &str = "registry.terraform.io/supabase-rs/supabase";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The provider block as the server describes it, to build configurations from (every
/// attribute not given is null); it has no nested blocks.
fn provider_block(schema: &pb::Schema) -> Shape {
    let block = schema.block.as_ref().expect("provider block");
    assert!(
        block.block_types.is_empty(),
        "the provider block has no nested blocks"
    );
    Shape::of_block(schema)
}

async fn fetch_provider_block(client: &mut Client) -> Shape {
    let schema = get_provider_schema(client).await;
    provider_block(schema.provider.as_ref().expect("provider schema"))
}

async fn validate_provider_config(
    client: &mut Client,
    config: pb::DynamicValue,
) -> Vec<pb::Diagnostic> {
    let request = pb::validate_provider_config::Request {
        config: Some(config),
    };
    answer(
        "ValidateProviderConfig",
        client.validate_provider_config(request),
    )
    .await
    .diagnostics
}

/// The server capabilities Terraform relies on: planned destroys and a cacheable schema.
fn assert_capabilities(capabilities: Option<&pb::ServerCapabilities>, rpc: &str) {
    let capabilities = capabilities.unwrap_or_else(|| panic!("{rpc} has no server_capabilities"));
    assert!(capabilities.plan_destroy, "{rpc}: plan_destroy");
    assert!(
        capabilities.get_provider_schema_optional,
        "{rpc}: get_provider_schema_optional"
    );
}

/// No attribute, however deeply nested, may set both `type` and `nested_type` (Terraform >= 1.3
/// rejects such a schema); every description is markdown.
fn check_attributes(attrs: &[pb::schema::Attribute], at: &str) {
    for attr in attrs {
        let here = format!("{at}.{}", attr.name);
        assert!(
            attr.r#type.is_empty() != attr.nested_type.is_none(),
            "{here} must set exactly one of type and nested_type"
        );
        assert_eq!(
            attr.description_kind,
            pb::StringKind::Markdown as i32,
            "{here} description_kind"
        );
        if let Some(nested) = &attr.nested_type {
            check_attributes(&nested.attributes, &here);
        }
    }
}

fn check_schema(schema: &pb::Schema, at: &str) {
    let block = schema
        .block
        .as_ref()
        .unwrap_or_else(|| panic!("{at} has no block"));
    check_block(block, at);
}

fn check_block(block: &pb::schema::Block, at: &str) {
    assert_eq!(
        block.description_kind,
        pb::StringKind::Markdown as i32,
        "{at} description_kind"
    );
    check_attributes(&block.attributes, at);
    for nested in &block.block_types {
        let here = format!("{at}.{}", nested.type_name);
        let inner = nested
            .block
            .as_ref()
            .unwrap_or_else(|| panic!("{here} has no block"));
        check_block(inner, &here);
    }
}

/// Our effective uid: the owner of a file we just created.
fn our_uid() -> u32 {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    file.as_file().metadata().expect("metadata").uid()
}

/// A small range of loopback ports that were free a moment ago.
fn small_port_range() -> (u16, u16) {
    let probe = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind a probe port");
    let port = probe.local_addr().expect("probe address").port();
    drop(probe);
    if port > 65535 - 16 {
        (port - 15, port)
    } else {
        (port, port + 15)
    }
}

/// Deterministic pseudo-random bytes (an LCG), so a failure reproduces.
fn pseudo_random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}

/// Shutdown as Terraform ends a session: exit 0 within 2 s, the socket directory removed.
async fn shut_down(mut plugin: Plugin) {
    let socket_dir = plugin.socket_dir();
    plugin.shutdown().await;
    let status = plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
    assert_eq!(status.code(), Some(0), "{status}");
    if let Some(dir) = socket_dir {
        assert!(!dir.exists(), "{} still exists", dir.display());
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The handshake line
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn handshake_is_the_only_stdout_line_with_a_localhost_cert_and_a_private_socket_dir() {
    let mut plugin = Plugin::start(&[]).await;
    let line = plugin.handshake.line.trim_end().to_string();
    let fields: Vec<&str> = line.split('|').collect();
    assert_eq!(fields.len(), 6, "{line}");
    assert_eq!(&fields[..3], ["1", "6", "unix"], "{line}");
    assert_eq!(fields[4], "grpc", "{line}");
    assert!(
        !fields[5].ends_with('='),
        "the certificate is unpadded base64: {line}"
    );

    // The certificate is DER that parses, valid for "localhost".
    let der = plugin
        .handshake
        .cert_der
        .clone()
        .expect("a certificate under AutoMTLS");
    let cert = CertificateDer::from(der);
    let parsed =
        rustls::server::ParsedCertificate::try_from(&cert).expect("the certificate parses");
    let localhost = ServerName::try_from("localhost").expect("name");
    rustls::client::verify_server_name(&parsed, &localhost).expect("certificate for localhost");

    // The socket lives in a directory only we can open.
    let socket = std::path::Path::new(&plugin.handshake.address);
    assert!(socket.is_absolute(), "{line}");
    let socket_meta = std::fs::metadata(socket).expect("the socket exists");
    assert!(std::os::unix::fs::FileTypeExt::is_socket(
        &socket_meta.file_type()
    ));
    let dir = plugin.socket_dir().expect("unix");
    let dir_meta = std::fs::metadata(&dir).expect("socket dir");
    assert_eq!(
        dir_meta.permissions().mode() & 0o777,
        0o700,
        "mode of {}",
        dir.display()
    );
    assert_eq!(dir_meta.uid(), our_uid(), "owner of {}", dir.display());

    // Nothing else reaches stdout, up to exit.
    plugin.shutdown().await;
    let status = plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
    assert!(status.success(), "{status}");
    assert_eq!(
        plugin.rest_of_stdout().await,
        Vec::<String>::new(),
        "stdout after the handshake"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. The mTLS call sequence Terraform makes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn mtls_session_answers_terraforms_calls_and_exits_on_shutdown() {
    let cert = ClientCert::terraform_like();
    let command = Plugin::command_configured_by_block(Some(&cert));
    let mut plugin = Plugin::spawn(command, Some(cert)).await;
    let socket_dir = plugin.socket_dir().expect("unix socket");
    let mut session = Session::open(&plugin).await;
    let mut client = session.provider();

    // GetMetadata
    let metadata = get_metadata(&mut client).await;
    assert_capabilities(metadata.server_capabilities.as_ref(), "GetMetadata");
    assert!(
        errors(&metadata.diagnostics).is_empty(),
        "{:#?}",
        metadata.diagnostics
    );

    // GetProviderSchema
    let schema = get_provider_schema(&mut client).await;
    assert!(schema.diagnostics.is_empty(), "{:#?}", schema.diagnostics);
    assert_capabilities(schema.server_capabilities.as_ref(), "GetProviderSchema");
    let provider = schema.provider.as_ref().expect("provider schema");
    check_schema(provider, "provider");
    for (name, s) in schema
        .resource_schemas
        .iter()
        .chain(&schema.data_source_schemas)
        .chain(&schema.ephemeral_resource_schemas)
    {
        check_schema(s, name);
    }
    let block = provider_block(provider);
    let attrs = &provider.block.as_ref().expect("block").attributes;
    let token = attrs
        .iter()
        .find(|a| a.name == "access_token")
        .expect("access_token");
    assert!(
        token.sensitive && token.optional && !token.required,
        "{token:#?}"
    );
    assert_eq!(token.r#type, br#""string""#, "access_token type");
    let endpoint = attrs
        .iter()
        .find(|a| a.name == "endpoint")
        .expect("endpoint");
    assert!(endpoint.optional && !endpoint.sensitive, "{endpoint:#?}");

    // GetFunctions: an empty map, not Unimplemented (OpenTofu calls it).
    let functions = answer(
        "GetFunctions",
        client.get_functions(pb::get_functions::Request {}),
    )
    .await;
    assert!(functions.functions.is_empty() && functions.diagnostics.is_empty());

    // GetResourceIdentitySchemas answers (Terraform >= 1.12 calls it).
    let identities = answer(
        "GetResourceIdentitySchemas",
        client.get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {}),
    )
    .await;
    assert!(
        errors(&identities.diagnostics).is_empty(),
        "{:#?}",
        identities.diagnostics
    );

    // ValidateProviderConfig
    let good = block.config(&[
        ("access_token", string("sbp_0123456789abcdef")),
        ("endpoint", string("https://api.supabase.com")),
    ]);
    let diags = validate_provider_config(&mut client, good).await;
    assert!(diags.is_empty(), "a good configuration: {diags:#?}");

    let diags = validate_provider_config(
        &mut client,
        block.config(&[("endpoint", string("api.supabase.com"))]),
    )
    .await;
    single_error_at(&diags, &["endpoint"]);

    let diags =
        validate_provider_config(&mut client, block.config(&[("access_token", string("  "))]))
            .await;
    single_error_at(&diags, &["access_token"]);

    // ConfigureProvider without a token anywhere: the error names both ways to set one.
    let diags = configure_provider(&mut client, block.config(&[])).await;
    let error = single_error_at(&diags, &["access_token"]);
    let text = format!("{} {}", error.summary, error.detail);
    assert!(text.contains("access_token"), "{text}");
    assert!(text.contains("SUPABASE_ACCESS_TOKEN"), "{text}");

    // An unknown token (known after apply) defers configuration without an error.
    let unknown = block.config(&[("access_token", Value::unknown())]);
    assert!(
        unknown.msgpack.windows(3).any(|w| w == [0xd4, 0x00, 0x00]),
        "a wholly unknown value is d4 00 00: {:02x?}",
        unknown.msgpack
    );
    let diags = configure_provider(&mut client, unknown).await;
    assert!(errors(&diags).is_empty(), "unknown token: {diags:#?}");

    // StopProvider answers with an empty error, and the server goes on answering.
    let stopped = answer(
        "StopProvider",
        client.stop_provider(pb::stop_provider::Request {}),
    )
    .await;
    assert_eq!(stopped.error, "");
    assert_capabilities(
        get_metadata(&mut client).await.server_capabilities.as_ref(),
        "GetMetadata",
    );

    // GRPCController.Shutdown ends the stdio and broker streams; then Terraform closes its
    // connection (go-plugin's Close), and the provider exits 0 within 2 s, socket directory gone.
    within("Shutdown", session.shutdown())
        .await
        .expect("Shutdown answers");
    let stdio_end = within("the end of the stdio stream", session.stdio.message()).await;
    assert!(
        matches!(stdio_end, Ok(None) | Err(_)),
        "stdio sent {stdio_end:?}"
    );
    let broker_end = within("the end of the broker stream", session.broker.message()).await;
    assert!(
        matches!(broker_end, Ok(None) | Err(_)),
        "broker sent {broker_end:?}"
    );
    drop(client);
    drop(session);
    let status = plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        !socket_dir.exists(),
        "{} still exists",
        socket_dir.display()
    );
}

#[tokio::test]
async fn shutdown_with_the_connection_held_open_still_exits_within_2_s() {
    let mut plugin = Plugin::start(&[]).await;
    let socket_dir = plugin.socket_dir().expect("unix socket");
    let session = Session::open(&plugin).await;
    let mut client = session.provider();
    get_metadata(&mut client).await;

    // A client that never closes its connection must not keep the provider past go-plugin's
    // 2 s deadline (after which it would be killed, leaving the socket directory behind).
    within("Shutdown", session.shutdown())
        .await
        .expect("Shutdown answers");
    let status = plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        !socket_dir.exists(),
        "{} still exists",
        socket_dir.display()
    );
    drop((client, session));
}

// ---------------------------------------------------------------------------------------------
// 3. Only Terraform's certificate is served
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn clients_without_terraforms_certificate_are_refused() {
    let mut plugin = Plugin::start(&[]).await;

    plugin.assert_refuses_others().await;

    // The refusals did not disturb the server.
    let mut client = plugin.provider().await;
    assert_capabilities(
        get_metadata(&mut client).await.server_capabilities.as_ref(),
        "GetMetadata",
    );
    assert!(
        plugin.child.try_wait().expect("try_wait").is_none(),
        "the provider exited"
    );
    drop(client);
    shut_down(plugin).await;
}

// ---------------------------------------------------------------------------------------------
// 4. Signals
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sigint_is_ignored_and_sigterm_stops_the_provider_and_removes_the_socket() {
    let mut plugin = Plugin::start(&[]).await;
    let socket_dir = plugin.socket_dir().expect("unix socket");
    let mut client = plugin.provider().await;
    get_metadata(&mut client).await;

    // Terraform forwards Ctrl-C to its process group and then sends StopProvider: SIGINT alone
    // must not end the provider. (The handler is installed before the handshake is printed.)
    assert!(plugin.kill("INT"), "kill -INT");
    get_metadata(&mut client).await;
    let fresh = plugin.provider().await;
    drop(fresh);
    assert!(
        plugin.kill("0"),
        "kill -0: the provider is gone after SIGINT"
    );
    assert!(
        plugin.child.try_wait().expect("try_wait").is_none(),
        "exited after SIGINT"
    );
    get_metadata(&mut client).await;

    // SIGTERM ends it and cleans up.
    drop(client);
    assert!(plugin.kill("TERM"), "kill -TERM");
    let status = plugin.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success(), "SIGTERM exit: {status}");
    assert!(
        !socket_dir.exists(),
        "{} still exists",
        socket_dir.display()
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Garbage DynamicValues
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn garbage_dynamic_values_become_error_diagnostics_and_the_server_keeps_answering() {
    let mut plugin = Plugin::start(&[]).await;
    let mut client = plugin.provider().await;

    let mut garbage: Vec<pb::DynamicValue> = Vec::new();
    for seed in 1..=16u64 {
        let len = 1 + (seed as usize * 37) % 200;
        garbage.push(pb::DynamicValue {
            msgpack: pseudo_random_bytes(seed, len),
            json: Vec::new(),
        });
    }
    for msgpack in [
        vec![0xc1],                               // the one byte msgpack never uses
        vec![0x82, 0xa1],                         // truncated map
        vec![0xdf, 0xff, 0xff, 0xff, 0xff],       // a map claiming 4 billion entries
        vec![0x93, 0x01, 0x02, 0x03],             // an array where an object belongs
        vec![0xc7, 0x03, 0x0c, 0xff, 0xff, 0xff], // a refined unknown with a garbage payload
    ] {
        garbage.push(pb::DynamicValue {
            msgpack,
            json: Vec::new(),
        });
    }
    for json in [
        &b"{"[..],
        b"not json at all",
        b"{\"access_token\": }",
        b"[1, 2, 3]",
        b"{\"access_token\": 12, \"endpoint\": {\"x\": true}}",
        b"\xff\xfe\xfd",
    ] {
        garbage.push(pb::DynamicValue {
            msgpack: Vec::new(),
            json: json.to_vec(),
        });
    }

    for (i, value) in garbage.into_iter().enumerate() {
        let diags = validate_provider_config(&mut client, value.clone()).await;
        assert!(
            !errors(&diags).is_empty(),
            "ValidateProviderConfig #{i} {value:02x?}: {diags:#?}"
        );
        let diags = configure_provider(&mut client, value.clone()).await;
        assert!(
            !errors(&diags).is_empty(),
            "ConfigureProvider #{i} {value:02x?}: {diags:#?}"
        );
        // Still alive and answering after each.
        get_metadata(&mut client).await;
    }
    assert!(
        plugin.child.try_wait().expect("try_wait").is_none(),
        "the provider exited"
    );
    drop(client);
    shut_down(plugin).await;
}

// ---------------------------------------------------------------------------------------------
// 6. Refusing to start outside Terraform
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_missing_or_wrong_magic_cookie_exits_1_with_a_sentence_and_no_stdout() {
    for cookie in [None, Some("not-the-cookie"), Some("")] {
        let output = plugin::run_to_exit(|command| {
            match cookie {
                None => command.env_remove("TF_PLUGIN_MAGIC_COOKIE"),
                Some(value) => command.env("TF_PLUGIN_MAGIC_COOKIE", value),
            };
        })
        .await;
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(1),
            "cookie {cookie:?}: {}, {stderr}",
            output.status
        );
        assert!(
            output.stdout.is_empty(),
            "cookie {cookie:?}: stdout {:?}",
            String::from_utf8_lossy(&output.stdout)
        );
        let sentence = stderr.trim();
        assert!(
            sentence.contains("Terraform") && sentence.contains(' ') && sentence.ends_with('.'),
            "cookie {cookie:?}: stderr is not a sentence: {stderr:?}"
        );
        assert!(
            !sentence.starts_with('{'),
            "cookie {cookie:?}: a log line, not a sentence: {stderr}"
        );
    }
}

#[tokio::test]
async fn protocol_5_only_is_refused_with_a_message_naming_protocol_6() {
    let output = plugin::run_to_exit(|command| {
        command.env("PLUGIN_PROTOCOL_VERSIONS", "5");
    })
    .await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{}", output.status);
    assert!(
        output.stdout.is_empty(),
        "stdout {:?}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(stderr.contains("protocol 6"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// 7. TCP transport
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tcp_transport_listens_on_loopback_within_the_plugin_port_range() {
    let (min, max) = small_port_range();
    let (min_s, max_s) = (min.to_string(), max.to_string());
    let plugin = Plugin::start(&[
        ("TF_SUPABASE_PROVIDER_TRANSPORT", "tcp"),
        ("PLUGIN_MIN_PORT", &min_s),
        ("PLUGIN_MAX_PORT", &max_s),
    ])
    .await;
    assert_eq!(plugin.handshake.network, "tcp", "{}", plugin.handshake.line);
    let port: u16 = plugin
        .handshake
        .address
        .strip_prefix("127.0.0.1:")
        .unwrap_or_else(|| panic!("loopback address in {}", plugin.handshake.line))
        .parse()
        .expect("port");
    assert!(
        (min..=max).contains(&port),
        "port {port} outside {min}..={max}"
    );
    assert!(plugin.handshake.cert_der.is_some(), "TCP is still mTLS");

    let mut client = plugin.provider().await;
    assert_capabilities(
        get_metadata(&mut client).await.server_capabilities.as_ref(),
        "GetMetadata",
    );
    let block = fetch_provider_block(&mut client).await;
    let diags = validate_provider_config(
        &mut client,
        block.config(&[("endpoint", string("api.supabase.com"))]),
    )
    .await;
    single_error_at(&diags, &["endpoint"]);
    drop(client);

    shut_down(plugin).await;
}

#[tokio::test]
async fn an_unusable_unix_socket_dir_falls_back_to_tcp() {
    let base = tempfile::tempdir().expect("temp dir");
    let missing = base.path().join("does-not-exist");
    let plugin =
        Plugin::start(&[("PLUGIN_UNIX_SOCKET_DIR", missing.to_str().expect("utf-8"))]).await;
    assert_eq!(plugin.handshake.network, "tcp", "{}", plugin.handshake.line);
    assert!(
        plugin.handshake.address.starts_with("127.0.0.1:"),
        "{}",
        plugin.handshake.line
    );
    assert!(
        !missing.exists(),
        "the provider created {}",
        missing.display()
    );

    let mut client = plugin.provider().await;
    assert_capabilities(
        get_metadata(&mut client).await.server_capabilities.as_ref(),
        "GetMetadata",
    );
    drop(client);
    shut_down(plugin).await;
}

// ---------------------------------------------------------------------------------------------
// 8. Plaintext
// ---------------------------------------------------------------------------------------------

async fn assert_plaintext_session(plugin: Plugin) {
    let fields: Vec<&str> = plugin.handshake.line.trim_end().split('|').collect();
    assert_eq!(fields.len(), 6, "{}", plugin.handshake.line);
    assert_eq!(
        fields[5], "",
        "no certificate without TLS: {}",
        plugin.handshake.line
    );
    assert!(plugin.handshake.cert_der.is_none());

    // connect() dials plaintext when the handshake has no certificate.
    let mut client = plugin.provider().await;
    assert_capabilities(
        get_metadata(&mut client).await.server_capabilities.as_ref(),
        "GetMetadata",
    );
    let schema = get_provider_schema(&mut client).await;
    assert!(schema.provider.is_some());
    drop(client);
    shut_down(plugin).await;
}

#[tokio::test]
async fn without_a_client_certificate_the_provider_serves_plaintext() {
    assert_plaintext_session(Plugin::start_with(None, &[]).await).await;
}

#[tokio::test]
async fn tf_disable_plugin_tls_serves_plaintext_despite_a_client_certificate() {
    let plugin = Plugin::start_with(
        Some(ClientCert::terraform_like()),
        &[("TF_DISABLE_PLUGIN_TLS", "1")],
    )
    .await;
    assert_plaintext_session(plugin).await;
}

// ---------------------------------------------------------------------------------------------
// 9. --debug
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn debug_mode_prints_reattach_json_serves_plaintext_and_stops_on_sigint() {
    let (mut plugin, reattach) = Plugin::start_debug(&[]).await;
    let providers = reattach.as_object().expect("an object");
    assert_eq!(providers.len(), 1, "{reattach}");
    let entry = &reattach[SOURCE_ADDRESS];
    assert!(entry.is_object(), "no {SOURCE_ADDRESS} in {reattach}");
    assert_eq!(entry["Protocol"], "grpc", "{entry}");
    assert_eq!(entry["ProtocolVersion"], 6, "{entry}");
    assert_eq!(entry["Pid"], plugin.pid(), "{entry}");
    assert_eq!(entry["Test"], true, "{entry}");
    assert_eq!(entry["Addr"]["Network"], "unix", "{entry}");
    let socket = std::path::PathBuf::from(entry["Addr"]["String"].as_str().expect("Addr.String"));
    assert!(socket.exists(), "{} does not exist", socket.display());

    let mut client = plugin.provider().await;
    let schema = get_provider_schema(&mut client).await;
    assert!(schema.provider.is_some());
    drop(client);

    // In debug mode, Ctrl-C is how the developer stops it.
    assert!(plugin.kill("INT"), "kill -INT");
    let status = plugin.wait_exit(EXIT_AFTER_SHUTDOWN).await;
    assert!(status.success(), "{status}");
    assert!(!socket.exists(), "{} still exists", socket.display());
    let dir = socket.parent().expect("socket dir");
    assert!(!dir.exists(), "{} still exists", dir.display());
}

// ---------------------------------------------------------------------------------------------
// 10. Large messages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_5_mb_configuration_is_answered_with_a_diagnostic_not_out_of_range() {
    let plugin = Plugin::start(&[]).await;
    let mut client = plugin.provider().await;
    let huge = "x".repeat(5 << 20);
    let block = fetch_provider_block(&mut client).await;
    let config = block.config(&[("endpoint", Value::String(huge))]);
    assert!(config.msgpack.len() > 5 << 20);
    let request = pb::validate_provider_config::Request {
        config: Some(config),
    };
    let response = within(
        "ValidateProviderConfig",
        client.validate_provider_config(request),
    )
    .await;
    let diags = match response {
        Ok(response) => response.into_inner().diagnostics,
        Err(status) => panic!(
            "a 5 MB request failed with {:?}: {}",
            status.code(),
            status.message()
        ),
    };
    single_error_at(&diags, &["endpoint"]);
    drop(client);
    shut_down(plugin).await;
}

#[tokio::test]
async fn a_provider_whose_terraform_died_exits_and_removes_its_socket() {
    plugin::assert_orphan_exits_and_cleans_up(
        std::path::Path::new(plugin::binary()),
        Duration::from_secs(20),
    )
    .await;
}
