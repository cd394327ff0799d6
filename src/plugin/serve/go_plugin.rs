//! go-plugin's own services beside the provider: GRPCController (Shutdown), GRPCStdio and
//! GRPCBroker. Terraform opens the stdio and broker streams right after dialling; we log to
//! stderr directly and broker nothing, so both streams stay open, empty, until shutdown.

use std::pin::Pin;

use tokio_stream::Stream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use crate::plugin::proto::plugin as pb;

type OpenStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that yields nothing and ends when the server shuts down.
fn open_until<T: Send + 'static>(shutdown: &CancellationToken) -> OpenStream<T> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<T, Status>>(1);
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        drop(sender);
    });
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(receiver))
}

pub struct Controller {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _: Request<pb::Empty>) -> Result<Response<pb::Empty>, Status> {
        crate::log_at!(
            crate::plugin::log::Level::Debug,
            "Shutdown requested by Terraform"
        );
        self.shutdown.cancel();
        Ok(Response::new(pb::Empty {}))
    }
}

pub struct Stdio {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_stdio_server::GrpcStdio for Stdio {
    type StreamStdioStream = OpenStream<pb::StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(open_until(&self.shutdown)))
    }
}

pub struct Broker {
    pub shutdown: CancellationToken,
}

#[tonic::async_trait]
impl pb::grpc_broker_server::GrpcBroker for Broker {
    type StartStreamStream = OpenStream<pb::ConnInfo>;

    async fn start_stream(
        &self,
        _: Request<Streaming<pb::ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        Ok(Response::new(open_until(&self.shutdown)))
    }
}
