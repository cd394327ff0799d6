//! What real Terraform sends for a refined unknown, and that our codec decodes it.
//!
//! `"p-${terraform_data.x.id}"` is unknown during plan, but Terraform (>= 1.6, go-cty refinements)
//! knows it is not null and starts with "p-", and sends that as msgpack extension 12. This test
//! serves a small test-only provider, written with our framework, in-process on a unix socket,
//! attaches the Terraform on PATH to it with TF_REATTACH_PROVIDERS, runs `terraform plan`, and
//! records the bytes Terraform writes on each connection. The PlanResourceChange request is
//! recovered from the recorded HTTP/2 DATA frames (gRPC framing, then prost), so the `config`
//! DynamicValue is exactly what Terraform sent, before any decoding of ours.

mod support;

use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use async_trait::async_trait;
use prost::Message;
use support::plugin::tfplugin6 as pb;
use support::terraform::{self, assert_success, text, Workdir, SOURCE_ADDRESS};
use terraform_provider_supabase::plugin::diag::Diagnostics;
use terraform_provider_supabase::plugin::framework::{
    CallContext, PlanChange, Private, Provider, Resource,
};
use terraform_provider_supabase::plugin::schema::{Attribute, Schema};
use terraform_provider_supabase::plugin::serve::router;
use terraform_provider_supabase::plugin::value::{decode_msgpack, Refinements, Type, Value};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_stream::StreamExt;
use tokio_util::sync::CancellationToken;

/// The msgpack of `name = "p-${terraform_data.x.id}"` in the `config` of PlanResourceChange,
/// captured from Terraform 1.11.4 by this test: ext8 (`c7`), 7 bytes, type 12 (`0c`), payload
/// the map {1: false (not null), 2: "p-" (string prefix)}.
const GOLDEN_NAME: &[u8] = b"\xc7\x07\x0c\x82\x01\xc2\x02\xa2p-";

fn expected_refinements() -> Refinements {
    Refinements {
        not_null: true,
        string_prefix: Some("p-".to_string()),
        ..Refinements::default()
    }
}

#[test]
fn golden_refined_unknown_from_terraform_decodes_as_a_not_null_string_with_prefix() {
    match decode_msgpack(GOLDEN_NAME, &Type::String).expect("the golden vector decodes") {
        Value::Unknown(refinements) => assert_eq!(refinements, expected_refinements()),
        other => panic!("decoded {other:?}, not a refined unknown"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terraform_sends_the_golden_bytes_for_a_string_prefix_refined_unknown() {
    let tf = terraform::newest();
    if !tf.at_least((1, 6, 0)) {
        println!(
            "skipping the live capture: Terraform {} predates refined unknowns (1.6)",
            tf.version_string()
        );
        return;
    }

    // Serve the capture provider in-process, recording what clients write on each connection.
    let resource = Arc::new(CaptureResource::new());
    let provider = Arc::new(CaptureProvider {
        resource: resource.clone(),
    });
    let provider_shutdown = CancellationToken::new();
    let router = router(provider, &provider_shutdown).await;
    let socket_dir = tempfile::tempdir().expect("temp dir");
    let socket = socket_dir.path().join("capture.sock");
    let listener = tokio::net::UnixListener::bind(&socket).expect("bind the unix socket");
    let recordings: Arc<Mutex<Vec<Recording>>> = Arc::default();
    let incoming = {
        let recordings = recordings.clone();
        tokio_stream::wrappers::UnixListenerStream::new(listener).map(move |accepted| {
            accepted.map(|stream| {
                let recording = Recording::default();
                recordings.lock().unwrap().push(recording.clone());
                Recorded {
                    inner: stream,
                    recording,
                }
            })
        })
    };
    let stop_serving = CancellationToken::new();
    let server = tokio::spawn(
        router.serve_with_incoming_shutdown(incoming, stop_serving.clone().cancelled_owned()),
    );

    // Attach Terraform to it and plan. A reattached provider needs no `terraform init` (nothing
    // goes to the network; terraform_data is built in), and it takes precedence over the
    // dev_overrides entry in the Workdir's CLI config. "Test": true keeps Terraform from trying
    // to stop our (the test's) process.
    let reattach = serde_json::json!({
        SOURCE_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": 6,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "unix", "String": socket.to_str().expect("utf-8 path") },
        }
    })
    .to_string();
    let work = Workdir::new();
    work.write(
        "main.tf",
        &format!(
            r#"terraform {{
  required_providers {{
    supabase = {{
      source = "{SOURCE_ADDRESS}"
    }}
  }}
}}

resource "terraform_data" "x" {{}}

resource "supabase_capture" "c" {{
  name = "p-${{terraform_data.x.id}}"
}}
"#
        ),
    );
    let output = work
        .run(
            &tf,
            &["plan", "-input=false", "-no-color", "-lock=false"],
            &[("TF_REATTACH_PROVIDERS", reattach.as_str())],
        )
        .await;
    stop_serving.cancel();
    provider_shutdown.cancel();
    let _ = server.await;
    assert_success(&output, &format!("terraform {} plan", tf.version_string()));
    assert!(
        text(&output.stdout).contains("supabase_capture.c will be created"),
        "{}",
        text(&output.stdout)
    );

    // Find the PlanResourceChange request among everything Terraform sent.
    let plans: Vec<pb::plan_resource_change::Request> = recordings
        .lock()
        .unwrap()
        .iter()
        .flat_map(|recording| grpc_messages(&recording.0.lock().unwrap()))
        .filter_map(|message| pb::plan_resource_change::Request::decode(message.as_slice()).ok())
        .filter(|request| {
            request.type_name == "supabase_capture"
                && request.proposed_new_state.is_some()
                && request
                    .config
                    .as_ref()
                    .is_some_and(|c| !c.msgpack.is_empty())
        })
        .collect();
    assert!(
        !plans.is_empty(),
        "no PlanResourceChange for supabase_capture was recorded"
    );
    let config = plans[0].config.clone().expect("config");
    println!(
        "Terraform {} sent config msgpack: {}",
        tf.version_string(),
        hex(&config.msgpack)
    );
    for other in &plans[1..] {
        assert_eq!(
            other.config.as_ref(),
            Some(&config),
            "every plan sends the same config"
        );
    }

    // Decoded with our codec, `name` is the refined unknown; this is also what the resource saw.
    let ty = Type::object([("id", Type::String), ("name", Type::String)]);
    let decoded =
        decode_msgpack(&config.msgpack, &ty).expect("our codec decodes Terraform's config");
    match decoded.attr("name") {
        Some(Value::Unknown(refinements)) => assert_eq!(*refinements, expected_refinements()),
        other => panic!("name decoded as {other:?}"),
    }
    assert!(
        decoded.attr("id").is_some_and(Value::is_null),
        "id: {:?}",
        decoded.attr("id")
    );
    let seen = resource.planned_config.lock().unwrap().clone();
    assert_eq!(
        seen.as_ref(),
        Some(&decoded),
        "the config the resource's plan hook saw"
    );

    // And the bytes themselves are the golden vector.
    let name = attribute_bytes(&config.msgpack, "name");
    println!("name: {}", hex(name));
    assert_eq!(
        name,
        GOLDEN_NAME,
        "Terraform {} encodes the refined unknown differently: {} (golden {})",
        tf.version_string(),
        hex(name),
        hex(GOLDEN_NAME)
    );
}

// ---------------------------------------------------------------------------------------------
// The test-only provider: `supabase_capture` with `name` (required) and `id` (computed).
// ---------------------------------------------------------------------------------------------

struct CaptureProvider {
    resource: Arc<CaptureResource>,
}

#[async_trait]
impl Provider for CaptureProvider {
    fn type_name(&self) -> &str {
        "supabase"
    }

    fn schema(&self) -> Schema {
        Schema::new(
            0,
            "A test-only provider that records what Terraform plans.",
            Vec::new(),
        )
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![self.resource.clone()]
    }

    async fn configure(&self, _: &CallContext, _: &str, _: &Value, _: &mut Diagnostics) {}
}

struct CaptureResource {
    schema: Schema,
    /// The configuration the last plan hook saw.
    planned_config: Mutex<Option<Value>>,
}

impl CaptureResource {
    fn new() -> Self {
        CaptureResource {
            schema: Schema::new(
                0,
                "Records its planned configuration.",
                vec![
                    Attribute::required("name", Type::String),
                    Attribute::computed("id", Type::String),
                ],
            ),
            planned_config: Mutex::new(None),
        }
    }
}

#[async_trait]
impl Resource for CaptureResource {
    fn type_name(&self) -> &str {
        "supabase_capture"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn modify_plan(
        &self,
        _: &CallContext,
        change: &PlanChange<'_>,
        _: &mut Value,
        _: &mut Private,
        _: &mut Diagnostics,
    ) {
        *self.planned_config.lock().unwrap() = Some(change.config.clone());
    }

    async fn create(
        &self,
        _: &CallContext,
        planned: &Value,
        _: &Value,
        _: &Private,
        _: &mut Diagnostics,
    ) -> Option<Value> {
        let mut state = planned.clone();
        if let Value::Object(attrs) = &mut state {
            attrs.insert("id".into(), Value::String("captured".into()));
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

// ---------------------------------------------------------------------------------------------
// Recording connections and reading gRPC requests back out of them
// ---------------------------------------------------------------------------------------------

/// Every byte a client wrote on one connection.
#[derive(Clone, Default)]
struct Recording(Arc<Mutex<Vec<u8>>>);

struct Recorded<T> {
    inner: T,
    recording: Recording,
}

impl<T> tonic::transport::server::Connected for Recorded<T> {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl<T: AsyncRead + Unpin> AsyncRead for Recorded<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            self.recording
                .0
                .lock()
                .unwrap()
                .extend_from_slice(&buf.filled()[before..]);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Recorded<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The gRPC messages a client sent on one HTTP/2 connection: the DATA frames of each stream,
/// concatenated and split at gRPC's 5-byte message prefixes. (Headers are not decoded; the
/// caller recognises the request it wants by its content.)
fn grpc_messages(connection: &[u8]) -> Vec<Vec<u8>> {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const DATA: u8 = 0;
    const PADDED: u8 = 0x8;
    if connection.is_empty() {
        return Vec::new();
    }
    assert!(connection.starts_with(PREFACE), "not an HTTP/2 connection");
    let mut streams: BTreeMap<u32, Vec<u8>> = BTreeMap::new();
    let mut i = PREFACE.len();
    while let Some(header) = connection.get(i..i + 9) {
        let len = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        let (kind, flags) = (header[3], header[4]);
        let stream = u32::from_be_bytes([header[5], header[6], header[7], header[8]]) & 0x7fff_ffff;
        let Some(payload) = connection.get(i + 9..i + 9 + len) else {
            break; // the connection was cut mid-frame
        };
        i += 9 + len;
        if kind == DATA {
            let data = if flags & PADDED != 0 {
                let pad = usize::from(payload[0]);
                &payload[1..payload.len() - pad]
            } else {
                payload
            };
            streams.entry(stream).or_default().extend_from_slice(data);
        }
    }
    let mut messages = Vec::new();
    for body in streams.values() {
        let mut j = 0;
        while let Some(prefix) = body.get(j..j + 5) {
            let len = u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]) as usize;
            assert_eq!(prefix[0], 0, "Terraform does not compress requests");
            let Some(message) = body.get(j + 5..j + 5 + len) else {
                break;
            };
            messages.push(message.to_vec());
            j += 5 + len;
        }
    }
    messages
}

/// The encoded value of attribute `name` in an msgpack-encoded object (a map keyed by name).
fn attribute_bytes<'a>(object: &'a [u8], name: &str) -> &'a [u8] {
    let (entries, mut i) = match object[0] {
        b @ 0x80..=0x8f => (usize::from(b & 0x0f), 1),
        0xde => (usize::from(u16::from_be_bytes([object[1], object[2]])), 3),
        other => panic!("config is not an msgpack map (marker {other:#04x})"),
    };
    for _ in 0..entries {
        let key_end = skip(object, i);
        let value_end = skip(object, key_end);
        let key = &object[i..key_end];
        // A fixstr key: marker then the bytes.
        if key.len() == name.len() + 1 && &key[1..] == name.as_bytes() {
            return &object[key_end..value_end];
        }
        i = value_end;
    }
    panic!("no attribute {name:?} in {}", hex(object));
}

/// The index just after the msgpack value starting at `i`.
fn skip(b: &[u8], i: usize) -> usize {
    let be = |at: usize, n: usize| {
        b[at..at + n]
            .iter()
            .fold(0usize, |acc, &x| acc << 8 | usize::from(x))
    };
    let items = |mut at: usize, count: usize| {
        for _ in 0..count {
            at = skip(b, at);
        }
        at
    };
    match b[i] {
        0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => i + 1,
        m @ 0x80..=0x8f => items(i + 1, 2 * usize::from(m & 0x0f)),
        m @ 0x90..=0x9f => items(i + 1, usize::from(m & 0x0f)),
        m @ 0xa0..=0xbf => i + 1 + usize::from(m & 0x1f),
        0xc4 | 0xd9 => i + 2 + be(i + 1, 1),
        0xc5 | 0xda => i + 3 + be(i + 1, 2),
        0xc6 | 0xdb => i + 5 + be(i + 1, 4),
        0xc7 => i + 3 + be(i + 1, 1),
        0xc8 => i + 4 + be(i + 1, 2),
        0xc9 => i + 6 + be(i + 1, 4),
        0xca => i + 5,
        0xcb => i + 9,
        0xcc | 0xd0 => i + 2,
        0xcd | 0xd1 => i + 3,
        0xce | 0xd2 => i + 5,
        0xcf | 0xd3 => i + 9,
        0xd4 => i + 3,
        0xd5 => i + 4,
        0xd6 => i + 6,
        0xd7 => i + 10,
        0xd8 => i + 18,
        0xdc => items(i + 3, be(i + 1, 2)),
        0xdd => items(i + 5, be(i + 1, 4)),
        0xde => items(i + 3, 2 * be(i + 1, 2)),
        0xdf => items(i + 5, 2 * be(i + 1, 4)),
        0xc1 => panic!("0xc1 is never used in msgpack"),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
