//! GetMetadata, GetProviderSchema and GetResourceIdentitySchemas. Identity needs no server
//! capability: Terraform >= 1.12 asks for identity schemas beside the provider schema, and a
//! resource with one exchanges identity data in its RPCs.

use super::super::proto::tfplugin6 as pb;
use super::Inner;

/// Schemas are static, so Terraform may cache them (get_provider_schema_optional) and plans
/// destroys through PlanResourceChange (plan_destroy). MoveResourceState is served for every
/// resource (one that declares no source answers with an error); without the flag Terraform
/// refuses a `moved` block across types before asking.
fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: true,
        generate_resource_config: false,
    }
}

pub fn get_metadata(inner: &Inner) -> pb::get_metadata::Response {
    pb::get_metadata::Response {
        server_capabilities: Some(capabilities()),
        resources: inner
            .resources
            .keys()
            .map(|name| pb::get_metadata::ResourceMetadata {
                type_name: name.clone(),
            })
            .collect(),
        data_sources: inner
            .data_sources
            .keys()
            .map(|name| pb::get_metadata::DataSourceMetadata {
                type_name: name.clone(),
            })
            .collect(),
        ephemeral_resources: inner
            .ephemeral_resources
            .keys()
            .map(|name| pb::get_metadata::EphemeralMetadata {
                type_name: name.clone(),
            })
            .collect(),
        list_resources: inner
            .list_resources
            .keys()
            .map(|name| pb::get_metadata::ListResourceMetadata {
                type_name: name.clone(),
            })
            .collect(),
        ..Default::default()
    }
}

pub fn get_provider_schema(inner: &Inner) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(inner.provider.schema().to_proto()),
        resource_schemas: inner
            .resources
            .iter()
            .map(|(name, r)| (name.clone(), r.schema().to_proto()))
            .collect(),
        data_source_schemas: inner
            .data_sources
            .iter()
            .map(|(name, d)| (name.clone(), d.schema().to_proto()))
            .collect(),
        ephemeral_resource_schemas: inner
            .ephemeral_resources
            .iter()
            .map(|(name, e)| (name.clone(), e.schema().to_proto()))
            .collect(),
        list_resource_schemas: inner
            .list_resources
            .iter()
            .map(|(name, l)| (name.clone(), l.schema().to_proto()))
            .collect(),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

/// The identity schemas of the resources that have one.
pub fn get_resource_identity_schemas(inner: &Inner) -> pb::get_resource_identity_schemas::Response {
    pb::get_resource_identity_schemas::Response {
        identity_schemas: inner
            .resources
            .iter()
            .filter_map(|(name, r)| Some((name.clone(), r.identity_schema()?.to_proto())))
            .collect(),
        diagnostics: Vec::new(),
    }
}
