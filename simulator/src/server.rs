//! The accept loop and per-connection serving, with the ability to close or
//! reset a connection from inside a request.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::app::App;
use crate::log::FinishGuard;

/// Lets a request end its connection without an answer.
#[derive(Default)]
pub(crate) struct ConnCtl {
    abort: Notify,
    aborted: AtomicBool,
    reset: AtomicBool,
}

impl ConnCtl {
    /// Close the connection (FIN).
    pub fn close(&self) {
        self.aborted.store(true, Ordering::SeqCst);
        self.abort.notify_one();
    }

    /// Reset the connection (RST).
    pub fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
        self.close();
    }

    fn aborted(&self) -> bool {
        self.aborted.load(Ordering::SeqCst)
    }
}

/// Per-request context, in the request's extensions.
#[derive(Clone)]
pub(crate) struct RequestCtx {
    pub seq: u64,
    pub conn: Arc<ConnCtl>,
}

/// The TCP stream; on drop after [`ConnCtl::reset`] it sets `SO_LINGER` to
/// zero so closing sends RST.
struct ConnIo {
    tcp: TcpStream,
    ctl: Arc<ConnCtl>,
}

impl Drop for ConnIo {
    fn drop(&mut self) {
        if self.ctl.reset.load(Ordering::SeqCst) {
            let _ = self.tcp.set_zero_linger();
        }
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// Logs the request (except `/_sim` helpers) and routes it.
///
/// The work runs in its own task, as on a real server: a client that gives
/// up (timeout, closed connection) does not cancel it, so a slow or held
/// create still commits. Only shutdown cancels it.
async fn dispatch(
    app: Arc<App>,
    router: Router,
    conn: Arc<ConnCtl>,
    req: hyper::Request<Incoming>,
) -> Result<Response, Infallible> {
    let mut req = req.map(Body::new);
    if req.uri().path().starts_with("/_sim/") {
        return router.oneshot(req).await;
    }
    let seq = app
        .log
        .begin(req.method(), req.uri().path(), req.uri().query());
    req.extensions_mut().insert(RequestCtx {
        seq,
        conn: Arc::clone(&conn),
    });
    let work = tokio::spawn(async move {
        let _guard = FinishGuard { log: &app.log, seq };
        tokio::select! {
            response = router.oneshot(req) => {
                let response = response.unwrap_or_else(|never| match never {});
                app.log.finish(seq, Some(response.status().as_u16()));
                Some(response)
            }
            () = app.stopped() => None,
        }
    });
    match work.await {
        Ok(Some(response)) if !conn.aborted() => Ok(response),
        // Dropped, reset or shut down: the connection goes without an answer.
        _ => std::future::pending().await,
    }
}

async fn serve_io<I>(io: I, app: Arc<App>, router: Router, ctl: Arc<ConnCtl>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let ctl = Arc::clone(&ctl);
        service_fn(move |req| dispatch(Arc::clone(&app), router.clone(), Arc::clone(&ctl), req))
    };
    let connection =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service);
    tokio::select! {
        _ = connection => {}
        _ = ctl.abort.notified() => {}
    }
}

async fn serve_connection(tcp: TcpStream, tls: Option<TlsAcceptor>, app: Arc<App>, router: Router) {
    let _ = tcp.set_nodelay(true);
    let ctl = Arc::new(ConnCtl::default());
    let io = ConnIo {
        tcp,
        ctl: Arc::clone(&ctl),
    };
    match tls {
        None => serve_io(io, app, router, ctl).await,
        Some(acceptor) => {
            if let Ok(stream) = acceptor.accept(io).await {
                serve_io(stream, app, router, ctl).await;
            }
        }
    }
}

/// Accepts connections until `shutdown` changes or its sender is dropped,
/// then drops every connection.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Arc<App>,
    mut shutdown: watch::Receiver<bool>,
) {
    let router = crate::routes::router(Arc::clone(&app));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                if let Ok((tcp, _peer)) = accepted {
                    connections.spawn(serve_connection(
                        tcp,
                        tls.clone(),
                        Arc::clone(&app),
                        router.clone(),
                    ));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}
