//! A client that plays Terraform: starts the provider binary with go-plugin's environment and a
//! P-521 client certificate like Terraform's, reads the handshake line, and dials the socket with
//! mTLS, pinning the server certificate from the handshake as go-plugin does.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{aws_lc_rs, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, BufReader};
use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};

pub use terraform_provider_supabase::plugin::proto::plugin as go_plugin;
pub use terraform_provider_supabase::plugin::proto::tfplugin6;

pub const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// A safety net for start-up, not a wait on timing.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A client certificate shaped like Terraform's: self-signed ECDSA P-521, CA, for localhost.
pub struct ClientCert {
    pub pem: String,
    pub der: Vec<u8>,
    key_der: Vec<u8>,
}

impl ClientCert {
    pub fn terraform_like() -> ClientCert {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).expect("self-signed");
        ClientCert {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            key_der: key.serialize_der(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Handshake {
    pub line: String,
    pub network: String,
    pub address: String,
    pub cert_der: Option<Vec<u8>>,
}

impl Handshake {
    pub fn parse(line: &str) -> Handshake {
        let fields: Vec<&str> = line.trim_end().split('|').collect();
        assert_eq!(
            fields.len(),
            6,
            "handshake line {line:?} does not have six fields"
        );
        assert_eq!(fields[0], "1", "core protocol version");
        assert_eq!(fields[1], "6", "app protocol version");
        assert_eq!(fields[4], "grpc");
        let cert_der = (!fields[5].is_empty()).then(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(fields[5])
                .expect("certificate is unpadded standard base64")
        });
        Handshake {
            line: line.to_string(),
            network: fields[2].to_string(),
            address: fields[3].to_string(),
            cert_der,
        }
    }
}

pub struct Plugin {
    pub child: Child,
    pub handshake: Handshake,
    pub client_cert: Option<ClientCert>,
    /// Every stdout line after the handshake (or reattach) line, collected until stdout closes.
    stdout_rest: Option<tokio::task::JoinHandle<Vec<String>>>,
}

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_terraform-provider-supabase")
}

/// The environment Terraform gives a provider (go-plugin's client), with AutoMTLS when a client
/// certificate is given.
pub fn terraform_env(command: &mut Command, client_cert: Option<&ClientCert>) {
    command
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("TF_DISABLE_PLUGIN_TLS")
        .env_remove("TF_SUPABASE_PROVIDER_TRANSPORT");
    match client_cert {
        Some(cert) => command.env("PLUGIN_CLIENT_CERT", &cert.pem),
        None => command.env_remove("PLUGIN_CLIENT_CERT"),
    };
}

impl Plugin {
    /// Starts the provider as Terraform does, with AutoMTLS, plus `extra` environment.
    pub async fn start(extra: &[(&str, &str)]) -> Plugin {
        Self::start_with(Some(ClientCert::terraform_like()), extra).await
    }

    pub async fn start_with(client_cert: Option<ClientCert>, extra: &[(&str, &str)]) -> Plugin {
        let mut command = Self::command(client_cert.as_ref());
        command.envs(extra.iter().copied());
        Self::spawn(command, client_cert).await
    }

    /// The provider command with Terraform's environment, stdout piped and stderr inherited;
    /// adjust it (env_remove, args) and hand it to [`Plugin::spawn`].
    pub fn command(client_cert: Option<&ClientCert>) -> Command {
        Self::command_for(binary(), client_cert)
    }

    /// [`Plugin::command`] with none of the provider's own environment variables: the provider
    /// block a test sends is all the provider goes by, whatever the shell running the tests has.
    pub fn command_configured_by_block(client_cert: Option<&ClientCert>) -> Command {
        let mut command = Self::command(client_cert);
        for name in [
            "SUPABASE_ACCESS_TOKEN",
            "SUPABASE_API_ENDPOINT",
            "SUPABASE_REQUEST_TIMEOUT",
            "SUPABASE_MAX_RETRIES",
        ] {
            command.env_remove(name);
        }
        command
    }

    /// [`Plugin::command`] for another build of the provider (`make bench`: the release one).
    pub fn command_for(program: &str, client_cert: Option<&ClientCert>) -> Command {
        let mut command = Command::new(program);
        terraform_env(&mut command, client_cert);
        command
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        command
    }

    /// Spawns `command` and reads the handshake line, the first line on stdout.
    pub async fn spawn(mut command: Command, client_cert: Option<ClientCert>) -> Plugin {
        let mut child = command.spawn().expect("start provider");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(START_TIMEOUT, lines.next_line())
            .await
            .expect("handshake within the start timeout")
            .expect("read stdout")
            .expect("a handshake line");
        Plugin {
            child,
            handshake: Handshake::parse(&line),
            client_cert,
            stdout_rest: Some(drain(lines)),
        }
    }

    /// Starts `--debug` mode as a developer would (no go-plugin environment) and reads stdout up
    /// to the `TF_REATTACH_PROVIDERS='...'` line. Returns the plugin, whose handshake points at
    /// the reattach address (plaintext), and the parsed reattach JSON.
    pub async fn start_debug(extra: &[(&str, &str)]) -> (Plugin, serde_json::Value) {
        let mut command = Command::new(binary());
        command
            .arg("--debug")
            .env_remove("TF_PLUGIN_MAGIC_COOKIE")
            .env_remove("PLUGIN_CLIENT_CERT")
            .env_remove("PLUGIN_PROTOCOL_VERSIONS")
            .env_remove("TF_SUPABASE_PROVIDER_TRANSPORT")
            .envs(extra.iter().copied())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start provider --debug");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let find = async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(rest) = line.trim().strip_prefix("TF_REATTACH_PROVIDERS='") {
                    return (
                        line.clone(),
                        rest.strip_suffix('\'').expect("closing quote").to_string(),
                    );
                }
            }
            panic!("stdout closed before a TF_REATTACH_PROVIDERS line");
        };
        let (line, json) = tokio::time::timeout(START_TIMEOUT, find)
            .await
            .expect("reattach line within the start timeout");
        let reattach: serde_json::Value = serde_json::from_str(&json).expect("reattach JSON");
        let addr = reattach
            .as_object()
            .and_then(|providers| providers.values().next())
            .map(|p| p["Addr"].clone())
            .expect("a provider in the reattach JSON");
        let handshake = Handshake {
            line,
            network: addr["Network"].as_str().expect("Network").to_string(),
            address: addr["String"].as_str().expect("String").to_string(),
            cert_der: None,
        };
        let plugin = Plugin {
            child,
            handshake,
            client_cert: None,
            stdout_rest: Some(drain(lines)),
        };
        (plugin, reattach)
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Dials with the certificate the plugin was started with.
    pub async fn connect(&self) -> Result<Channel, tonic::transport::Error> {
        self.connect_as(self.client_cert.as_ref()).await
    }

    /// Dials presenting `cert` (None: no client certificate at all).
    pub async fn connect_as(
        &self,
        cert: Option<&ClientCert>,
    ) -> Result<Channel, tonic::transport::Error> {
        let handshake = self.handshake.clone();
        let tls = handshake
            .cert_der
            .clone()
            .map(|server| Arc::new(client_tls(server, cert)));
        Endpoint::from_static("http://localhost")
            .connect_with_connector(tower::service_fn(move |_| {
                let handshake = handshake.clone();
                let tls = tls.clone();
                async move {
                    let stream = dial(&handshake).await?;
                    let stream: Box<dyn Io> = match tls {
                        None => stream,
                        Some(config) => {
                            let connector = tokio_rustls::TlsConnector::from(config);
                            let name = ServerName::try_from("localhost").expect("name");
                            Box::new(connector.connect(name, stream).await?)
                        }
                    };
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(stream))
                }
            }))
            .await
    }

    /// Asserts a session presenting `cert` (None: no client certificate) is refused, whether the
    /// TLS handshake, the connection or the first RPC reports it.
    pub async fn assert_refuses(&self, cert: Option<&ClientCert>, who: &str) {
        let connected = tokio::time::timeout(START_TIMEOUT, self.connect_as(cert))
            .await
            .expect("connect answers within the start timeout");
        let channel = match connected {
            Err(error) => {
                eprintln!("{who}: refused at connect: {error:?}");
                return;
            }
            Ok(channel) => channel,
        };
        let mut client = provider_client(channel);
        let result = tokio::time::timeout(
            START_TIMEOUT,
            client.get_metadata(tfplugin6::get_metadata::Request {}),
        )
        .await
        .expect("GetMetadata answers within the start timeout");
        match result {
            Err(status) => eprintln!("{who}: refused at the first call: {status:?}"),
            Ok(response) => panic!("{who} was served: {response:?}"),
        }
    }

    /// Asserts clients without Terraform's certificate are refused: one with none, one with
    /// another certificate of the same kind.
    pub async fn assert_refuses_others(&self) {
        self.assert_refuses(None, "a client without a certificate")
            .await;
        let stranger = ClientCert::terraform_like();
        self.assert_refuses(Some(&stranger), "a client with another P-521 certificate")
            .await;
    }

    pub async fn provider(&self) -> tfplugin6::provider_client::ProviderClient<Channel> {
        let channel = self.connect().await.expect("connect with mTLS");
        provider_client(channel)
    }

    /// Asks the provider to shut down, as Terraform does at the end of each phase.
    pub async fn shutdown(&self) {
        let channel = self.connect().await.expect("connect");
        let mut controller = go_plugin::grpc_controller_client::GrpcControllerClient::new(channel);
        let _ = controller.shutdown(go_plugin::Empty {}).await;
    }

    /// The directory holding the unix socket (None on TCP).
    pub fn socket_dir(&self) -> Option<std::path::PathBuf> {
        (self.handshake.network == "unix").then(|| {
            std::path::Path::new(&self.handshake.address)
                .parent()
                .expect("socket has a parent directory")
                .to_path_buf()
        })
    }

    /// Sends `signal` (e.g. "INT", "TERM", "0") with kill(1); true if kill succeeded.
    pub fn kill(&self, signal: &str) -> bool {
        std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill")
            .success()
    }

    /// Waits for the process to exit; panics if it is still running after `within`.
    pub async fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => {
                eprintln!("the provider exited after {:?}", started.elapsed());
                status.expect("wait for the provider")
            }
            Err(_) => panic!("the provider did not exit within {within:?}"),
        }
    }

    /// The stdout lines after the handshake line, once stdout has closed (after exit).
    pub async fn rest_of_stdout(&mut self) -> Vec<String> {
        let task = self.stdout_rest.take().expect("stdout collected once");
        tokio::time::timeout(START_TIMEOUT, task)
            .await
            .expect("stdout closes after exit")
            .expect("stdout reader")
    }
}

/// One connection used the way go-plugin's gRPC client uses it: right after dialling it opens
/// the broker stream (GRPCBroker.StartStream) and the stdio stream (GRPCStdio.StreamStdio), and
/// keeps both open while the provider, controller and health clients share the connection.
pub struct Session {
    pub channel: Channel,
    pub stdio: tonic::Streaming<go_plugin::StdioData>,
    pub broker: tonic::Streaming<go_plugin::ConnInfo>,
    /// Keeps our side of the broker stream open.
    broker_sender: tokio::sync::mpsc::Sender<go_plugin::ConnInfo>,
}

impl Session {
    pub async fn open(plugin: &Plugin) -> Session {
        let channel = plugin.connect().await.expect("connect");
        let (broker_sender, receiver) = tokio::sync::mpsc::channel(1);
        let broker = go_plugin::grpc_broker_client::GrpcBrokerClient::new(channel.clone())
            .start_stream(tokio_stream::wrappers::ReceiverStream::new(receiver))
            .await
            .expect("GRPCBroker.StartStream")
            .into_inner();
        let stdio = go_plugin::grpc_stdio_client::GrpcStdioClient::new(channel.clone())
            .stream_stdio(())
            .await
            .expect("GRPCStdio.StreamStdio")
            .into_inner();
        Session {
            channel,
            stdio,
            broker,
            broker_sender,
        }
    }

    pub fn provider(&self) -> tfplugin6::provider_client::ProviderClient<Channel> {
        provider_client(self.channel.clone())
    }

    pub async fn shutdown(&self) -> Result<(), tonic::Status> {
        go_plugin::grpc_controller_client::GrpcControllerClient::new(self.channel.clone())
            .shutdown(go_plugin::Empty {})
            .await
            .map(|_| ())
    }
}

/// A Provider client with terraform-plugin-go's 256 MiB message limits.
pub fn provider_client(channel: Channel) -> tfplugin6::provider_client::ProviderClient<Channel> {
    tfplugin6::provider_client::ProviderClient::new(channel)
        .max_decoding_message_size(256 << 20)
        .max_encoding_message_size(256 << 20)
}

/// Keeps reading stdout (so the provider never blocks on a full pipe), collecting the lines.
fn drain<R: AsyncRead + Unpin + Send + 'static>(
    mut lines: tokio::io::Lines<BufReader<R>>,
) -> tokio::task::JoinHandle<Vec<String>> {
    tokio::spawn(async move {
        let mut rest = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            rest.push(line);
        }
        rest
    })
}

/// Reads `output` (a provider's stderr, say) until a line contains `needle` and returns that
/// line; the rest is read on, and dropped, in the background so the writer never meets a
/// closed pipe. Panics if no such line comes within [`START_TIMEOUT`].
pub async fn wait_for_line(
    output: impl AsyncRead + Unpin + Send + 'static,
    needle: &str,
) -> String {
    let mut lines = BufReader::new(output).lines();
    let found = tokio::time::timeout(START_TIMEOUT, async {
        while let Some(line) = lines.next_line().await.expect("read the output") {
            if line.contains(needle) {
                return Some(line);
            }
        }
        None
    })
    .await
    .unwrap_or_else(|_| panic!("no line with {needle:?} within {START_TIMEOUT:?}"))
    .unwrap_or_else(|| panic!("the output ended without a line with {needle:?}"));
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    found
}

/// Runs the provider binary to completion with Terraform's environment (no client certificate)
/// adjusted by `adjust`, capturing stdout and stderr; for start-up failures.
pub async fn run_to_exit(adjust: impl FnOnce(&mut Command)) -> std::process::Output {
    let mut command = Command::new(binary());
    terraform_env(&mut command, None);
    adjust(&mut command);
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    tokio::time::timeout(START_TIMEOUT, command.output())
        .await
        .expect("the provider exits by itself")
        .expect("run the provider")
}

/// Starts `program` (a provider build, or a wrapper that runs one) as the child of a Terraform
/// that dies right after the handshake without calling Shutdown (sh plays it), and asserts the
/// provider exits by itself within `limit` and removes its socket directory. `limit` is a
/// safety net, not a guess: the provider checks its parent once a second.
pub async fn assert_orphan_exits_and_cleans_up(program: &std::path::Path, limit: Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("handshake");
    let started = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#""$0" > "$1" 2>/dev/null & while [ ! -s "$1" ]; do sleep 0.01; done; echo $!"#)
        .arg(program)
        .arg(&out)
        .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "6")
        .env_remove("PLUGIN_CLIENT_CERT")
        .output()
        .expect("sh runs");
    let pid: u32 = String::from_utf8_lossy(&started.stdout)
        .trim()
        .parse()
        .expect("the provider's pid");
    let handshake = Handshake::parse(
        std::fs::read_to_string(&out)
            .expect("handshake written")
            .lines()
            .next()
            .expect("a line"),
    );
    let deadline = std::time::Instant::now() + limit;
    while !exited(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "the orphaned provider {pid} ({}) still runs after {limit:?}",
            program.display()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let socket_dir = std::path::Path::new(&handshake.address)
        .parent()
        .expect("socket dir");
    assert!(
        !socket_dir.exists(),
        "{} was left behind",
        socket_dir.display()
    );
}

/// Whether `pid` has exited (gone, or a zombie nobody has reaped yet).
pub fn exited(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z') || rest.starts_with('X')),
    }
}

pub trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

async fn dial(handshake: &Handshake) -> std::io::Result<Box<dyn Io>> {
    Ok(match handshake.network.as_str() {
        "unix" => Box::new(tokio::net::UnixStream::connect(&handshake.address).await?),
        "tcp" => Box::new(tokio::net::TcpStream::connect(&handshake.address).await?),
        other => panic!("unexpected network {other}"),
    })
}

fn client_tls(server_der: Vec<u8>, cert: Option<&ClientCert>) -> rustls::ClientConfig {
    let provider = Arc::new(aws_lc_rs::default_provider());
    let verifier = PinnedServer {
        expected: server_der,
        algorithms: provider.signature_verification_algorithms,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier));
    let mut config = match cert {
        Some(cert) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(cert.der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_der.clone())),
            )
            .expect("client cert"),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    config
}

/// go-plugin trusts exactly the certificate from the handshake line.
#[derive(Debug)]
struct PinnedServer {
    expected: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedServer {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(
                "server certificate is not the handshake's".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
