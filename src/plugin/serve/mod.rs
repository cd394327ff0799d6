//! Serving a provider as Terraform runs it: go-plugin's handshake, AutoMTLS, the provider and
//! go-plugin services on one gRPC server, and an exit within 2 s of Shutdown. Also the `--debug`
//! mode, which prints `TF_REATTACH_PROVIDERS` and serves until Ctrl-C.

mod go_plugin;
pub mod handshake;
mod listener;
mod os;
pub mod tls;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::framework::Provider;
use super::log::Level;
use super::proto::plugin as go_pb;
use super::server::ProviderService;
use crate::log_at;
use listener::Listener;
pub use listener::TRANSPORT_ENV;

/// go-plugin kills a plugin that has not exited 2 s after Shutdown; we leave well before.
const SHUTDOWN_GRACE: Duration = Duration::from_millis(1200);

pub struct ServeOptions {
    /// The provider's source address, for the reattach line of `--debug`.
    pub address: &'static str,
    pub debug: bool,
}

pub fn run(provider: Arc<dyn Provider>, options: ServeOptions) -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        log_at!(Level::Error, "panic", "panic" = info);
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Could not start the provider's runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(serve(provider, options));
    // Handlers still running (a request Terraform abandoned) must not hold up the exit.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(provider: Arc<dyn Provider>, options: ServeOptions) -> Result<(), String> {
    let shutdown = CancellationToken::new();
    let tls = if options.debug {
        None
    } else {
        handshake::check_cookie()?;
        let offered = std::env::var("PLUGIN_PROTOCOL_VERSIONS").ok();
        handshake::negotiate_version(offered.as_deref())?;
        tls::from_environment()?
    };
    os::watch_signals(options.debug, shutdown.clone())?;
    if !options.debug {
        os::watch_parent(shutdown.clone());
    }
    let listener =
        Listener::bind().map_err(|e| format!("The provider could not open a socket: {e}"))?;
    let (network, address, cleanup) = (
        listener.network(),
        listener.address(),
        listener.cleanup_path(),
    );
    let incoming = listener.incoming(tls.as_ref().map(|t| t.acceptor.clone()));

    let router = router(provider, &shutdown).await;

    if options.debug {
        handshake::print_line(&reattach_message(options.address, network, &address))
    } else {
        let cert = tls.as_ref().map(|t| t.cert_der.as_slice());
        handshake::print_line(&handshake::handshake_line(network, &address, cert))
    }
    .map_err(|e| format!("Could not write the handshake to stdout: {e}"))?;

    let stopped = shutdown.clone();
    let server = router.serve_with_incoming_shutdown(
        tokio_stream::wrappers::ReceiverStream::new(incoming),
        async move { stopped.cancelled().await },
    );
    let remove_socket = move || {
        if let Some(dir) = &cleanup {
            let _ = std::fs::remove_dir_all(dir);
        }
    };
    tokio::select! {
        result = server => {
            remove_socket();
            result.map_err(|e| format!("The provider's gRPC server failed: {e}"))
        }
        // Terraform keeps its connection open; graceful shutdown gets a bounded time.
        _ = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            remove_socket();
            Ok(())
        }
    }
}

/// The gRPC server with every service Terraform expects: the provider (256 MiB message limits),
/// go-plugin's controller, stdio and broker, and health ("plugin" serving). Public so tests can
/// serve a provider in-process.
pub async fn router(
    provider: Arc<dyn Provider>,
    shutdown: &CancellationToken,
) -> tonic::transport::server::Router {
    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(ProviderService::new(provider).into_server())
        .add_service(go_pb::grpc_controller_server::GrpcControllerServer::new(
            go_plugin::Controller {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(go_pb::grpc_stdio_server::GrpcStdioServer::new(
            go_plugin::Stdio {
                shutdown: shutdown.clone(),
            },
        ))
        .add_service(go_pb::grpc_broker_server::GrpcBrokerServer::new(
            go_plugin::Broker {
                shutdown: shutdown.clone(),
            },
        ))
}

/// What `--debug` prints: the reattach configuration Terraform reads. `"Test": true` is needed
/// for Terraform to treat a reattached provider as protocol 6.
fn reattach_message(address: &str, network: &str, socket: &str) -> String {
    let reattach = serde_json::json!({
        address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": network, "String": socket },
        }
    });
    format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment \
         variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n\n\
         Press Ctrl-C to stop the provider.\n"
    )
}
