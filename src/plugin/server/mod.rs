//! The tfplugin6 `Provider` service: decodes what Terraform sends, applies the generic semantics
//! (one file per RPC, as terraform-plugin-framework's fwserver does) and calls the provider's
//! traits. A panic in a handler becomes an error diagnostic; the process keeps serving.

mod apply;
mod codec;
mod data_source;
mod ephemeral;
mod identity;
mod import;
mod list;
mod metadata;
mod move_state;
mod plan;
mod provider_config;
mod read;
#[cfg(test)]
mod tests;
mod unsupported;
mod upgrade;
mod upgrade_identity;
mod validate;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tonic::{Request, Response, Status, Streaming};

use super::diag::Diagnostics;
use super::framework::{
    CallContext, DataSource, EphemeralResource, ListResource, Provider, Resource,
};
use super::proto::tfplugin6 as pb;
use super::stop::StopSignal;

pub use pb::provider_server::ProviderServer;

/// The largest message either side may send, as terraform-plugin-go allows.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

pub struct ProviderService {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Arc<dyn Provider>,
    resources: BTreeMap<String, Arc<dyn Resource>>,
    data_sources: BTreeMap<String, Arc<dyn DataSource>>,
    ephemeral_resources: BTreeMap<String, Arc<dyn EphemeralResource>>,
    list_resources: BTreeMap<String, Arc<dyn ListResource>>,
    stop: StopSignal,
}

impl ProviderService {
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let resources = provider
            .resources()
            .into_iter()
            .map(|r| (r.type_name().to_string(), r))
            .collect();
        let data_sources = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name().to_string(), d))
            .collect();
        let ephemeral_resources = provider
            .ephemeral_resources()
            .into_iter()
            .map(|e| (e.type_name().to_string(), e))
            .collect();
        let list_resources = list::by_type(provider.list_resources());
        ProviderService {
            inner: Arc::new(Inner {
                provider,
                resources,
                data_sources,
                ephemeral_resources,
                list_resources,
                stop: StopSignal::default(),
            }),
        }
    }

    /// The gRPC service, with 256 MiB message limits both ways.
    pub fn into_server(self) -> ProviderServer<Self> {
        ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }

    /// Runs one handler on its own task with the current stop token; a panic becomes an error
    /// diagnostic in the RPC's response instead of taking the process down.
    async fn run<T, F, Fut>(&self, handler: F) -> Result<Response<T>, Status>
    where
        T: FromDiagnostics + Send + 'static,
        F: FnOnce(Arc<Inner>, CallContext) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let ctx = CallContext {
            stop: self.inner.stop.token(),
        };
        let task = tokio::spawn(handler(self.inner.clone(), ctx));
        let response = match task.await {
            Ok(response) => response,
            Err(error) => T::from_diagnostics(panic_diagnostics(error)),
        };
        Ok(Response::new(response))
    }
}

fn panic_diagnostics(error: tokio::task::JoinError) -> Diagnostics {
    let message = match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into()),
        Err(_) => "the call was cancelled".into(),
    };
    crate::log_at!(
        super::log::Level::Error,
        "handler panicked",
        "panic" = message
    );
    let mut diags = Diagnostics::new();
    diags.error(
        "The provider hit an internal error",
        format!(
            "This is a bug in the provider; please report it with the steps that led here. \
             Anything the call changed before the error may be missing from state: run \
             `terraform plan` to see what exists. Internal error: {message}"
        ),
    );
    diags
}

/// Builds a response that carries only diagnostics, for errors found before the handler ran.
pub(crate) trait FromDiagnostics: Default {
    fn from_diagnostics(diags: Diagnostics) -> Self;
}

macro_rules! from_diagnostics {
    ($($response:ty),* $(,)?) => {$(
        impl FromDiagnostics for $response {
            // Some responses hold nothing but diagnostics.
            #[allow(clippy::needless_update)]
            fn from_diagnostics(diags: Diagnostics) -> Self {
                Self { diagnostics: diags.into_proto(), ..Default::default() }
            }
        }
    )*};
}

from_diagnostics!(
    pb::get_metadata::Response,
    pb::get_provider_schema::Response,
    pb::validate_provider_config::Response,
    pb::validate_resource_config::Response,
    pb::validate_data_resource_config::Response,
    pb::validate_ephemeral_resource_config::Response,
    pb::validate_list_resource_config::Response,
    pb::upgrade_resource_state::Response,
    pb::get_resource_identity_schemas::Response,
    pb::upgrade_resource_identity::Response,
    pb::configure_provider::Response,
    pb::read_resource::Response,
    pb::plan_resource_change::Response,
    pb::apply_resource_change::Response,
    pb::import_resource_state::Response,
    pb::move_resource_state::Response,
    pb::read_data_source::Response,
    pb::open_ephemeral_resource::Response,
    pb::renew_ephemeral_resource::Response,
    pb::close_ephemeral_resource::Response,
    pb::get_functions::Response,
);

type Stream<T> = Pin<Box<dyn tokio_stream::Stream<Item = Result<T, Status>> + Send + 'static>>;

#[tonic::async_trait]
impl pb::provider_server::Provider for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Result<Response<pb::get_metadata::Response>, Status> {
        self.run(|inner, _| async move { metadata::get_metadata(&inner) })
            .await
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Result<Response<pb::get_provider_schema::Response>, Status> {
        self.run(|inner, _| async move { metadata::get_provider_schema(&inner) })
            .await
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Result<Response<pb::get_resource_identity_schemas::Response>, Status> {
        self.run(|inner, _| async move { metadata::get_resource_identity_schemas(&inner) })
            .await
    }

    async fn upgrade_resource_identity(
        &self,
        request: Request<pb::upgrade_resource_identity::Request>,
    ) -> Result<Response<pb::upgrade_resource_identity::Response>, Status> {
        let request = request.into_inner();
        self.run(
            |inner, _| async move { upgrade_identity::upgrade_resource_identity(&inner, &request) },
        )
        .await
    }

    async fn validate_provider_config(
        &self,
        request: Request<pb::validate_provider_config::Request>,
    ) -> Result<Response<pb::validate_provider_config::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { provider_config::validate(&inner, &request) })
            .await
    }

    async fn configure_provider(
        &self,
        request: Request<pb::configure_provider::Request>,
    ) -> Result<Response<pb::configure_provider::Response>, Status> {
        let request = request.into_inner();
        self.run(
            |inner, ctx| async move { provider_config::configure(&inner, &ctx, &request).await },
        )
        .await
    }

    async fn validate_resource_config(
        &self,
        request: Request<pb::validate_resource_config::Request>,
    ) -> Result<Response<pb::validate_resource_config::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { validate::resource(&inner, &request) })
            .await
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<pb::validate_data_resource_config::Request>,
    ) -> Result<Response<pb::validate_data_resource_config::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { validate::data_source(&inner, &request) })
            .await
    }

    async fn validate_ephemeral_resource_config(
        &self,
        request: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Result<Response<pb::validate_ephemeral_resource_config::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { validate::ephemeral_resource(&inner, &request) })
            .await
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<pb::upgrade_resource_state::Request>,
    ) -> Result<Response<pb::upgrade_resource_state::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { upgrade::upgrade_resource_state(&inner, &request) })
            .await
    }

    async fn read_resource(
        &self,
        request: Request<pb::read_resource::Request>,
    ) -> Result<Response<pb::read_resource::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, ctx| async move { read::read_resource(&inner, &ctx, request).await })
            .await
    }

    async fn plan_resource_change(
        &self,
        request: Request<pb::plan_resource_change::Request>,
    ) -> Result<Response<pb::plan_resource_change::Response>, Status> {
        let request = request.into_inner();
        self.run(
            |inner, ctx| async move { plan::plan_resource_change(&inner, &ctx, request).await },
        )
        .await
    }

    async fn apply_resource_change(
        &self,
        request: Request<pb::apply_resource_change::Request>,
    ) -> Result<Response<pb::apply_resource_change::Response>, Status> {
        let request = request.into_inner();
        self.run(
            |inner, ctx| async move { apply::apply_resource_change(&inner, &ctx, request).await },
        )
        .await
    }

    async fn import_resource_state(
        &self,
        request: Request<pb::import_resource_state::Request>,
    ) -> Result<Response<pb::import_resource_state::Response>, Status> {
        let request = request.into_inner();
        self.run(
            |inner, ctx| async move { import::import_resource_state(&inner, &ctx, &request).await },
        )
        .await
    }

    async fn move_resource_state(
        &self,
        request: Request<pb::move_resource_state::Request>,
    ) -> Result<Response<pb::move_resource_state::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { move_state::move_resource_state(&inner, &request) })
            .await
    }

    async fn read_data_source(
        &self,
        request: Request<pb::read_data_source::Request>,
    ) -> Result<Response<pb::read_data_source::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, ctx| async move { data_source::read(&inner, &ctx, &request).await })
            .await
    }

    async fn generate_resource_config(
        &self,
        _: Request<pb::generate_resource_config::Request>,
    ) -> Result<Response<pb::generate_resource_config::Response>, Status> {
        Err(unsupported::unimplemented("GenerateResourceConfig"))
    }

    async fn open_ephemeral_resource(
        &self,
        request: Request<pb::open_ephemeral_resource::Request>,
    ) -> Result<Response<pb::open_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, ctx| async move { ephemeral::open(&inner, &ctx, &request).await })
            .await
    }

    async fn renew_ephemeral_resource(
        &self,
        request: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Result<Response<pb::renew_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, ctx| async move { ephemeral::renew(&inner, &ctx, &request).await })
            .await
    }

    async fn close_ephemeral_resource(
        &self,
        request: Request<pb::close_ephemeral_resource::Request>,
    ) -> Result<Response<pb::close_ephemeral_resource::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, ctx| async move { ephemeral::close(&inner, &ctx, &request).await })
            .await
    }

    type ListResourceStream = Stream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        request: Request<pb::list_resource::Request>,
    ) -> Result<Response<Self::ListResourceStream>, Status> {
        let ctx = CallContext {
            stop: self.inner.stop.token(),
        };
        Ok(Response::new(list::list(
            &self.inner,
            ctx,
            request.into_inner(),
        )))
    }

    async fn validate_list_resource_config(
        &self,
        request: Request<pb::validate_list_resource_config::Request>,
    ) -> Result<Response<pb::validate_list_resource_config::Response>, Status> {
        let request = request.into_inner();
        self.run(|inner, _| async move { list::validate(&inner, &request) })
            .await
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Result<Response<pb::get_functions::Response>, Status> {
        // OpenTofu calls this on configured providers and does not tolerate Unimplemented.
        Ok(Response::new(Default::default()))
    }

    async fn call_function(
        &self,
        request: Request<pb::call_function::Request>,
    ) -> Result<Response<pb::call_function::Response>, Status> {
        Ok(Response::new(unsupported::call_function(
            &request.into_inner(),
        )))
    }

    async fn validate_state_store_config(
        &self,
        _: Request<pb::validate_state_store::Request>,
    ) -> Result<Response<pb::validate_state_store::Response>, Status> {
        Err(unsupported::unimplemented("ValidateStateStoreConfig"))
    }

    async fn configure_state_store(
        &self,
        _: Request<pb::configure_state_store::Request>,
    ) -> Result<Response<pb::configure_state_store::Response>, Status> {
        Err(unsupported::unimplemented("ConfigureStateStore"))
    }

    type ReadStateBytesStream = Stream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        _: Request<pb::read_state_bytes::Request>,
    ) -> Result<Response<Self::ReadStateBytesStream>, Status> {
        Err(unsupported::unimplemented("ReadStateBytes"))
    }

    async fn write_state_bytes(
        &self,
        _: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Result<Response<pb::write_state_bytes::Response>, Status> {
        Err(unsupported::unimplemented("WriteStateBytes"))
    }

    async fn lock_state(
        &self,
        _: Request<pb::lock_state::Request>,
    ) -> Result<Response<pb::lock_state::Response>, Status> {
        Err(unsupported::unimplemented("LockState"))
    }

    async fn unlock_state(
        &self,
        _: Request<pb::unlock_state::Request>,
    ) -> Result<Response<pb::unlock_state::Response>, Status> {
        Err(unsupported::unimplemented("UnlockState"))
    }

    async fn get_states(
        &self,
        _: Request<pb::get_states::Request>,
    ) -> Result<Response<pb::get_states::Response>, Status> {
        Err(unsupported::unimplemented("GetStates"))
    }

    async fn delete_state(
        &self,
        _: Request<pb::delete_state::Request>,
    ) -> Result<Response<pb::delete_state::Response>, Status> {
        Err(unsupported::unimplemented("DeleteState"))
    }

    async fn plan_action(
        &self,
        _: Request<pb::plan_action::Request>,
    ) -> Result<Response<pb::plan_action::Response>, Status> {
        Err(unsupported::unimplemented("PlanAction"))
    }

    type InvokeActionStream = Stream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        _: Request<pb::invoke_action::Request>,
    ) -> Result<Response<Self::InvokeActionStream>, Status> {
        Err(unsupported::unimplemented("InvokeAction"))
    }

    async fn validate_action_config(
        &self,
        _: Request<pb::validate_action_config::Request>,
    ) -> Result<Response<pb::validate_action_config::Response>, Status> {
        Err(unsupported::unimplemented("ValidateActionConfig"))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Result<Response<pb::stop_provider::Response>, Status> {
        crate::log_at!(
            super::log::Level::Info,
            "StopProvider: cancelling waiting work"
        );
        self.inner.stop.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
