//! Where the gRPC server listens, as go-plugin's plugins do: on Unix a unix domain socket in a
//! directory only our user can open; on Windows, and on Unix when a socket cannot be made or
//! `TF_SUPABASE_PROVIDER_TRANSPORT=tcp` asks for it, TCP on loopback within
//! PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT, with TCP_NODELAY. Either way AutoMTLS guards the connection.
//! Accepted connections complete their TLS handshake on their own task, so a client that fails
//! it (no certificate, the wrong one) is dropped without disturbing the server.

use std::io;
#[cfg(unix)]
use std::os::unix::fs::DirBuilderExt;
#[cfg(unix)]
use std::path::Path;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;

#[cfg(unix)]
use super::tls::crypto_provider;
use crate::log_at;
use crate::plugin::log::Level;

pub const TRANSPORT_ENV: &str = "TF_SUPABASE_PROVIDER_TRANSPORT";
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(10);

pub enum Listener {
    #[cfg(unix)]
    Unix {
        listener: UnixListener,
        socket: PathBuf,
        dir: PathBuf,
    },
    Tcp {
        listener: TcpListener,
    },
}

impl Listener {
    #[cfg(unix)]
    pub fn bind() -> io::Result<Listener> {
        if std::env::var(TRANSPORT_ENV).is_ok_and(|t| t.eq_ignore_ascii_case("tcp")) {
            return bind_tcp();
        }
        bind_unix().or_else(|error| {
            log_at!(
                Level::Warn,
                "cannot listen on a unix socket; using TCP",
                "error" = error
            );
            bind_tcp()
        })
    }

    /// go-plugin's Windows transport is TCP.
    #[cfg(windows)]
    pub fn bind() -> io::Result<Listener> {
        bind_tcp()
    }

    pub fn network(&self) -> &'static str {
        match self {
            #[cfg(unix)]
            Listener::Unix { .. } => "unix",
            Listener::Tcp { .. } => "tcp",
        }
    }

    pub fn address(&self) -> String {
        match self {
            #[cfg(unix)]
            Listener::Unix { socket, .. } => socket.display().to_string(),
            Listener::Tcp { listener } => listener
                .local_addr()
                .map(|a| a.to_string())
                .unwrap_or_default(),
        }
    }

    /// The private socket directory, to remove on exit.
    pub fn cleanup_path(&self) -> Option<PathBuf> {
        match self {
            #[cfg(unix)]
            Listener::Unix { dir, .. } => Some(dir.clone()),
            Listener::Tcp { .. } => None,
        }
    }

    /// Accepts connections until the server stops taking them, handing each (after TLS, when
    /// configured) to the channel.
    pub fn incoming(self, tls: Option<TlsAcceptor>) -> mpsc::Receiver<io::Result<Conn>> {
        let (sender, receiver) = mpsc::channel(16);
        tokio::spawn(async move {
            let mut pause = ACCEPT_ERROR_PAUSE;
            loop {
                let accepted = tokio::select! {
                    accepted = self.accept() => accepted,
                    _ = sender.closed() => return,
                };
                let conn = match accepted {
                    Ok(conn) => {
                        pause = ACCEPT_ERROR_PAUSE;
                        conn
                    }
                    Err(error) => {
                        // Out of file descriptors, say: pause rather than spin.
                        log_at!(Level::Warn, "accept failed", "error" = error);
                        tokio::time::sleep(pause).await;
                        pause = (pause * 2).min(Duration::from_secs(1));
                        continue;
                    }
                };
                let Some(acceptor) = tls.clone() else {
                    if sender.send(Ok(conn)).await.is_err() {
                        return;
                    }
                    continue;
                };
                let sender = sender.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(conn)).await {
                        Ok(Ok(stream)) => {
                            let _ = sender.send(Ok(Conn::new(stream))).await;
                        }
                        Ok(Err(error)) => log_at!(
                            Level::Warn,
                            "refused a client: TLS handshake failed",
                            "error" = error
                        ),
                        Err(_) => log_at!(Level::Warn, "refused a client: TLS handshake timed out"),
                    }
                });
            }
        });
        receiver
    }

    async fn accept(&self) -> io::Result<Conn> {
        match self {
            #[cfg(unix)]
            Listener::Unix { listener, .. } => listener.accept().await.map(|(s, _)| Conn::new(s)),
            Listener::Tcp { listener } => {
                let (stream, _) = listener.accept().await?;
                stream.set_nodelay(true)?;
                Ok(Conn::new(stream))
            }
        }
    }
}

#[cfg(unix)]
fn bind_unix() -> io::Result<Listener> {
    let base = std::env::var_os("PLUGIN_UNIX_SOCKET_DIR")
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(std::env::temp_dir);
    let dir = private_dir(&base)?;
    let socket = dir.join("plugin.sock");
    match UnixListener::bind(&socket) {
        Ok(listener) => Ok(Listener::Unix {
            listener,
            socket,
            dir,
        }),
        Err(error) => {
            let _ = std::fs::remove_dir(&dir);
            Err(error)
        }
    }
}

/// A new directory with mode 0700 and an unguessable name under `base`.
#[cfg(unix)]
fn private_dir(base: &Path) -> io::Result<PathBuf> {
    let random = crypto_provider().secure_random;
    for _ in 0..8 {
        let mut bytes = [0u8; 8];
        random
            .fill(&mut bytes)
            .map_err(|_| io::Error::other("no randomness for the socket directory name"))?;
        let name: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let dir = base.join(format!("tf-provider-supabase-{name}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other(
        "could not create a private socket directory",
    ))
}

fn bind_tcp() -> io::Result<Listener> {
    let port = |name: &str, default: u16| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<u16>().ok())
            .unwrap_or(default)
    };
    let (min, max) = (
        port("PLUGIN_MIN_PORT", 10000),
        port("PLUGIN_MAX_PORT", 25000),
    );
    for candidate in min..=max {
        let bound = std::net::TcpListener::bind(("127.0.0.1", candidate));
        if let Ok(listener) = bound {
            listener.set_nonblocking(true)?;
            return Ok(Listener::Tcp {
                listener: TcpListener::from_std(listener)?,
            });
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        format!("no free port between PLUGIN_MIN_PORT={min} and PLUGIN_MAX_PORT={max}"),
    ))
}

/// Any accepted stream, plain or TLS, as tonic takes it.
pub struct Conn(Pin<Box<dyn Io>>);

trait Io: AsyncRead + AsyncWrite + Send + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + 'static> Io for T {}

impl Conn {
    fn new(io: impl AsyncRead + AsyncWrite + Send + 'static) -> Self {
        Conn(Box::pin(io))
    }
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}
