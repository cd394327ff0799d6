//! The `supabase` provider: where the plugin framework and the Management API client meet.

mod api_key;
mod api_keys_data_source;
mod config;
mod data;
mod ephemeral_secret_key;
mod request_log;

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::{
    CallContext, DataSource, EphemeralResource, ListResource, Provider, Resource,
};
use crate::plugin::schema::Schema;
use crate::plugin::serve::{self, ServeOptions};
use crate::plugin::value::Value;
use crate::supabase::KeyType;
pub use config::{Configuration, Settings};
use data::ProviderData;

/// The one source address users write in `required_providers`, host included so Terraform and
/// OpenTofu look in the same mirror folder.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/supabase-rs/supabase";

/// Serves the provider as Terraform runs it (or, with `debug`, for reattaching).
pub fn serve(debug: bool) -> ExitCode {
    request_log::install();
    serve::run(
        Arc::new(SupabaseProvider::default()),
        ServeOptions {
            address: SOURCE_ADDRESS,
            debug,
        },
    )
}

#[derive(Default)]
pub struct SupabaseProvider {
    data: Arc<ProviderData>,
}

impl SupabaseProvider {
    /// What ConfigureProvider settled, for resources and tests.
    pub fn configuration(&self) -> Configuration {
        self.data.configuration()
    }
}

#[async_trait]
impl Provider for SupabaseProvider {
    fn type_name(&self) -> &str {
        "supabase"
    }

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        [KeyType::Secret, KeyType::Publishable]
            .into_iter()
            .map(|kind| {
                Arc::new(api_key::ApiKeyResource::new(kind, self.data.clone())) as Arc<dyn Resource>
            })
            .collect()
    }

    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        vec![Arc::new(api_keys_data_source::ApiKeysDataSource::new(
            self.data.clone(),
        ))]
    }

    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        [KeyType::Secret, KeyType::Publishable]
            .into_iter()
            .map(|kind| {
                Arc::new(api_key::list::ApiKeyList::new(kind, self.data.clone()))
                    as Arc<dyn ListResource>
            })
            .collect()
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        vec![Arc::new(ephemeral_secret_key::SecretKeyEphemeral::new(
            self.data.clone(),
        ))]
    }

    async fn configure(
        &self,
        _ctx: &CallContext,
        _terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    ) {
        let configuration = config::resolve(config, &config::Environment::from_process(), diags);
        self.data.configure(configuration, diags);
    }
}
