//! ValidateProviderConfig and ConfigureProvider.

use super::super::framework::CallContext;
use super::super::proto::tfplugin6 as pb;
use super::codec::decode;
use super::{validate, FromDiagnostics, Inner};

pub fn validate(
    inner: &Inner,
    request: &pb::validate_provider_config::Request,
) -> pb::validate_provider_config::Response {
    pb::validate_provider_config::Response::from_diagnostics(validate::provider(
        inner,
        request.config.as_ref(),
    ))
}

pub async fn configure(
    inner: &Inner,
    ctx: &CallContext,
    request: &pb::configure_provider::Request,
) -> pb::configure_provider::Response {
    let schema = inner.provider.schema();
    let config = match decode(
        request.config.as_ref(),
        &schema.value_type(),
        "provider configuration",
    ) {
        Ok(config) => config,
        Err(diags) => return pb::configure_provider::Response::from_diagnostics(diags),
    };
    let mut diags = super::super::diag::Diagnostics::new();
    inner
        .provider
        .configure(ctx, &request.terraform_version, &config, &mut diags)
        .await;
    pb::configure_provider::Response::from_diagnostics(diags)
}
