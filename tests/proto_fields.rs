//! Holds the compiled protocol definitions in `proto/` against the published protocols.
//!
//! The tables below were written by hand from the published sources, not generated from our
//! `.proto` files:
//!
//! * `docs/plugin-protocol/tfplugin6.proto` in hashicorp/terraform as released with v1.15.0
//!   (protocol 6.10);
//! * `internal/plugin/grpc_controller.proto`, `grpc_stdio.proto` and `grpc_broker.proto` in
//!   hashicorp/go-plugin.
//!
//! The check runs both ways for the packages `tfplugin6` and `plugin`: every row must be in the
//! compiled descriptor set with identical attributes, and every message, field, enum value and RPC
//! in the descriptor set must have a row. Map fields show up as the synthetic `...Entry` messages
//! protobuf creates for them, and proto3 `optional` fields as `LABEL_OPTIONAL` with
//! `proto3_optional` set (their synthetic oneofs are not listed as oneofs).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, EnumDescriptorProto, FileDescriptorSet};
use terraform_provider_supabase::plugin::proto::FILE_DESCRIPTOR_SET;

// ---------------------------------------------------------------------------------------------
// Table row types
// ---------------------------------------------------------------------------------------------

/// One field of one message.
#[derive(Clone, Copy)]
struct FieldRow {
    message: &'static str,
    name: &'static str,
    number: i32,
    ty: Type,
    label: Label,
    /// Fully qualified, with a leading dot; only for message and enum fields.
    type_name: Option<&'static str>,
    proto3_optional: bool,
    /// The (real, not synthetic) oneof the field belongs to.
    oneof: Option<&'static str>,
    deprecated: bool,
}

const fn field(message: &'static str, name: &'static str, number: i32, ty: Type) -> FieldRow {
    FieldRow {
        message,
        name,
        number,
        ty,
        label: Label::Optional,
        type_name: None,
        proto3_optional: false,
        oneof: None,
        deprecated: false,
    }
}

/// A singular scalar field.
const fn s(message: &'static str, name: &'static str, number: i32, ty: Type) -> FieldRow {
    field(message, name, number, ty)
}

/// A singular message field.
const fn m(
    message: &'static str,
    name: &'static str,
    number: i32,
    type_name: &'static str,
) -> FieldRow {
    let mut row = field(message, name, number, Type::Message);
    row.type_name = Some(type_name);
    row
}

/// A singular enum field.
const fn e(
    message: &'static str,
    name: &'static str,
    number: i32,
    type_name: &'static str,
) -> FieldRow {
    let mut row = field(message, name, number, Type::Enum);
    row.type_name = Some(type_name);
    row
}

impl FieldRow {
    const fn repeated(mut self) -> Self {
        self.label = Label::Repeated;
        self
    }

    /// A proto3 `optional` field.
    const fn p3_optional(mut self) -> Self {
        self.proto3_optional = true;
        self
    }

    const fn oneof(mut self, oneof: &'static str) -> Self {
        self.oneof = Some(oneof);
        self
    }

    const fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }
}

/// A message type; `map_entry` for the synthetic entry message of a `map<_, _>` field.
struct MessageRow {
    name: &'static str,
    map_entry: bool,
}

const fn msg(name: &'static str) -> MessageRow {
    MessageRow {
        name,
        map_entry: false,
    }
}

const fn map_entry(name: &'static str) -> MessageRow {
    MessageRow {
        name,
        map_entry: true,
    }
}

/// One value of one enum.
struct EnumValueRow {
    enum_name: &'static str,
    name: &'static str,
    number: i32,
}

const fn ev(enum_name: &'static str, name: &'static str, number: i32) -> EnumValueRow {
    EnumValueRow {
        enum_name,
        name,
        number,
    }
}

/// One RPC of one service.
struct MethodRow {
    service: &'static str,
    name: &'static str,
    input: &'static str,
    output: &'static str,
    client_streaming: bool,
    server_streaming: bool,
}

/// A unary RPC.
const fn rpc(
    service: &'static str,
    name: &'static str,
    input: &'static str,
    output: &'static str,
) -> MethodRow {
    MethodRow {
        service,
        name,
        input,
        output,
        client_streaming: false,
        server_streaming: false,
    }
}

impl MethodRow {
    const fn client_stream(mut self) -> Self {
        self.client_streaming = true;
        self
    }

    const fn server_stream(mut self) -> Self {
        self.server_streaming = true;
        self
    }
}

const STRING: Type = Type::String;
const BYTES: Type = Type::Bytes;
const BOOL: Type = Type::Bool;
const INT64: Type = Type::Int64;
const UINT32: Type = Type::Uint32;

// Frequently referenced types.
const DYNAMIC_VALUE: &str = ".tfplugin6.DynamicValue";
const DIAGNOSTIC: &str = ".tfplugin6.Diagnostic";
const CLIENT_CAPABILITIES: &str = ".tfplugin6.ClientCapabilities";
const SERVER_CAPABILITIES: &str = ".tfplugin6.ServerCapabilities";
const DEFERRED: &str = ".tfplugin6.Deferred";
const IDENTITY_DATA: &str = ".tfplugin6.ResourceIdentityData";
const RAW_STATE: &str = ".tfplugin6.RawState";
const SCHEMA: &str = ".tfplugin6.Schema";
const STRING_KIND: &str = ".tfplugin6.StringKind";
const TIMESTAMP: &str = ".google.protobuf.Timestamp";

// ---------------------------------------------------------------------------------------------
// The published protocols, by hand
// ---------------------------------------------------------------------------------------------

/// Every file we compile, with its package.
const FILES: &[(&str, &str)] = &[
    ("tfplugin6.proto", "tfplugin6"),
    ("grpc_controller.proto", "plugin"),
    ("grpc_stdio.proto", "plugin"),
    ("grpc_broker.proto", "plugin"),
];

/// The packages the two-way check covers.
const PACKAGES: &[&str] = &["tfplugin6", "plugin"];

#[rustfmt::skip]
const MESSAGES: &[MessageRow] = &[
    // tfplugin6: shared types
    msg("tfplugin6.DynamicValue"),
    msg("tfplugin6.Diagnostic"),
    msg("tfplugin6.FunctionError"),
    msg("tfplugin6.AttributePath"),
    msg("tfplugin6.AttributePath.Step"),
    msg("tfplugin6.StopProvider"),
    msg("tfplugin6.StopProvider.Request"),
    msg("tfplugin6.StopProvider.Response"),
    msg("tfplugin6.RawState"),
    map_entry("tfplugin6.RawState.FlatmapEntry"),
    msg("tfplugin6.ResourceIdentitySchema"),
    msg("tfplugin6.ResourceIdentitySchema.IdentityAttribute"),
    msg("tfplugin6.ResourceIdentityData"),
    msg("tfplugin6.ActionSchema"),
    msg("tfplugin6.Schema"),
    msg("tfplugin6.Schema.Block"),
    msg("tfplugin6.Schema.Attribute"),
    msg("tfplugin6.Schema.NestedBlock"),
    msg("tfplugin6.Schema.Object"),
    msg("tfplugin6.Function"),
    msg("tfplugin6.Function.Parameter"),
    msg("tfplugin6.Function.Return"),
    msg("tfplugin6.ServerCapabilities"),
    msg("tfplugin6.ClientCapabilities"),
    msg("tfplugin6.Deferred"),
    // tfplugin6: RPC messages
    msg("tfplugin6.GetMetadata"),
    msg("tfplugin6.GetMetadata.Request"),
    msg("tfplugin6.GetMetadata.Response"),
    msg("tfplugin6.GetMetadata.EphemeralMetadata"),
    msg("tfplugin6.GetMetadata.FunctionMetadata"),
    msg("tfplugin6.GetMetadata.DataSourceMetadata"),
    msg("tfplugin6.GetMetadata.ResourceMetadata"),
    msg("tfplugin6.GetMetadata.ListResourceMetadata"),
    msg("tfplugin6.GetMetadata.StateStoreMetadata"),
    msg("tfplugin6.GetMetadata.ActionMetadata"),
    msg("tfplugin6.GetProviderSchema"),
    msg("tfplugin6.GetProviderSchema.Request"),
    msg("tfplugin6.GetProviderSchema.Response"),
    map_entry("tfplugin6.GetProviderSchema.Response.ResourceSchemasEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.DataSourceSchemasEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.FunctionsEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.EphemeralResourceSchemasEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.ListResourceSchemasEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.StateStoreSchemasEntry"),
    map_entry("tfplugin6.GetProviderSchema.Response.ActionSchemasEntry"),
    msg("tfplugin6.ValidateProviderConfig"),
    msg("tfplugin6.ValidateProviderConfig.Request"),
    msg("tfplugin6.ValidateProviderConfig.Response"),
    msg("tfplugin6.UpgradeResourceState"),
    msg("tfplugin6.UpgradeResourceState.Request"),
    msg("tfplugin6.UpgradeResourceState.Response"),
    msg("tfplugin6.GetResourceIdentitySchemas"),
    msg("tfplugin6.GetResourceIdentitySchemas.Request"),
    msg("tfplugin6.GetResourceIdentitySchemas.Response"),
    map_entry("tfplugin6.GetResourceIdentitySchemas.Response.IdentitySchemasEntry"),
    msg("tfplugin6.UpgradeResourceIdentity"),
    msg("tfplugin6.UpgradeResourceIdentity.Request"),
    msg("tfplugin6.UpgradeResourceIdentity.Response"),
    msg("tfplugin6.ValidateResourceConfig"),
    msg("tfplugin6.ValidateResourceConfig.Request"),
    msg("tfplugin6.ValidateResourceConfig.Response"),
    msg("tfplugin6.ValidateDataResourceConfig"),
    msg("tfplugin6.ValidateDataResourceConfig.Request"),
    msg("tfplugin6.ValidateDataResourceConfig.Response"),
    msg("tfplugin6.ValidateEphemeralResourceConfig"),
    msg("tfplugin6.ValidateEphemeralResourceConfig.Request"),
    msg("tfplugin6.ValidateEphemeralResourceConfig.Response"),
    msg("tfplugin6.ConfigureProvider"),
    msg("tfplugin6.ConfigureProvider.Request"),
    msg("tfplugin6.ConfigureProvider.Response"),
    msg("tfplugin6.ReadResource"),
    msg("tfplugin6.ReadResource.Request"),
    msg("tfplugin6.ReadResource.Response"),
    msg("tfplugin6.PlanResourceChange"),
    msg("tfplugin6.PlanResourceChange.Request"),
    msg("tfplugin6.PlanResourceChange.Response"),
    msg("tfplugin6.ApplyResourceChange"),
    msg("tfplugin6.ApplyResourceChange.Request"),
    msg("tfplugin6.ApplyResourceChange.Response"),
    msg("tfplugin6.ImportResourceState"),
    msg("tfplugin6.ImportResourceState.Request"),
    msg("tfplugin6.ImportResourceState.ImportedResource"),
    msg("tfplugin6.ImportResourceState.Response"),
    msg("tfplugin6.GenerateResourceConfig"),
    msg("tfplugin6.GenerateResourceConfig.Request"),
    msg("tfplugin6.GenerateResourceConfig.Response"),
    msg("tfplugin6.MoveResourceState"),
    msg("tfplugin6.MoveResourceState.Request"),
    msg("tfplugin6.MoveResourceState.Response"),
    msg("tfplugin6.ReadDataSource"),
    msg("tfplugin6.ReadDataSource.Request"),
    msg("tfplugin6.ReadDataSource.Response"),
    msg("tfplugin6.OpenEphemeralResource"),
    msg("tfplugin6.OpenEphemeralResource.Request"),
    msg("tfplugin6.OpenEphemeralResource.Response"),
    msg("tfplugin6.RenewEphemeralResource"),
    msg("tfplugin6.RenewEphemeralResource.Request"),
    msg("tfplugin6.RenewEphemeralResource.Response"),
    msg("tfplugin6.CloseEphemeralResource"),
    msg("tfplugin6.CloseEphemeralResource.Request"),
    msg("tfplugin6.CloseEphemeralResource.Response"),
    msg("tfplugin6.GetFunctions"),
    msg("tfplugin6.GetFunctions.Request"),
    msg("tfplugin6.GetFunctions.Response"),
    map_entry("tfplugin6.GetFunctions.Response.FunctionsEntry"),
    msg("tfplugin6.CallFunction"),
    msg("tfplugin6.CallFunction.Request"),
    msg("tfplugin6.CallFunction.Response"),
    msg("tfplugin6.ListResource"),
    msg("tfplugin6.ListResource.Request"),
    msg("tfplugin6.ListResource.Event"),
    msg("tfplugin6.ValidateListResourceConfig"),
    msg("tfplugin6.ValidateListResourceConfig.Request"),
    msg("tfplugin6.ValidateListResourceConfig.Response"),
    msg("tfplugin6.ValidateStateStore"),
    msg("tfplugin6.ValidateStateStore.Request"),
    msg("tfplugin6.ValidateStateStore.Response"),
    msg("tfplugin6.ConfigureStateStore"),
    msg("tfplugin6.ConfigureStateStore.Request"),
    msg("tfplugin6.ConfigureStateStore.Response"),
    msg("tfplugin6.StateStoreClientCapabilities"),
    msg("tfplugin6.StateStoreServerCapabilities"),
    msg("tfplugin6.ReadStateBytes"),
    msg("tfplugin6.ReadStateBytes.Request"),
    msg("tfplugin6.ReadStateBytes.Response"),
    msg("tfplugin6.WriteStateBytes"),
    msg("tfplugin6.WriteStateBytes.RequestChunk"),
    msg("tfplugin6.WriteStateBytes.Response"),
    msg("tfplugin6.RequestChunkMeta"),
    msg("tfplugin6.StateRange"),
    msg("tfplugin6.LockState"),
    msg("tfplugin6.LockState.Request"),
    msg("tfplugin6.LockState.Response"),
    msg("tfplugin6.UnlockState"),
    msg("tfplugin6.UnlockState.Request"),
    msg("tfplugin6.UnlockState.Response"),
    msg("tfplugin6.GetStates"),
    msg("tfplugin6.GetStates.Request"),
    msg("tfplugin6.GetStates.Response"),
    msg("tfplugin6.DeleteState"),
    msg("tfplugin6.DeleteState.Request"),
    msg("tfplugin6.DeleteState.Response"),
    msg("tfplugin6.PlanAction"),
    msg("tfplugin6.PlanAction.Request"),
    msg("tfplugin6.PlanAction.Response"),
    msg("tfplugin6.InvokeAction"),
    msg("tfplugin6.InvokeAction.Request"),
    msg("tfplugin6.InvokeAction.Event"),
    msg("tfplugin6.InvokeAction.Event.Progress"),
    msg("tfplugin6.InvokeAction.Event.Completed"),
    msg("tfplugin6.ValidateActionConfig"),
    msg("tfplugin6.ValidateActionConfig.Request"),
    msg("tfplugin6.ValidateActionConfig.Response"),
    // plugin (go-plugin)
    msg("plugin.Empty"),
    msg("plugin.StdioData"),
    msg("plugin.ConnInfo"),
    msg("plugin.ConnInfo.Knock"),
];

#[rustfmt::skip]
const FIELDS: &[FieldRow] = &[
    // ---- tfplugin6: shared types ----
    s("tfplugin6.DynamicValue", "msgpack", 1, BYTES),
    s("tfplugin6.DynamicValue", "json", 2, BYTES),
    e("tfplugin6.Diagnostic", "severity", 1, ".tfplugin6.Diagnostic.Severity"),
    s("tfplugin6.Diagnostic", "summary", 2, STRING),
    s("tfplugin6.Diagnostic", "detail", 3, STRING),
    m("tfplugin6.Diagnostic", "attribute", 4, ".tfplugin6.AttributePath"),
    s("tfplugin6.FunctionError", "text", 1, STRING),
    s("tfplugin6.FunctionError", "function_argument", 2, INT64).p3_optional(),
    m("tfplugin6.AttributePath", "steps", 1, ".tfplugin6.AttributePath.Step").repeated(),
    s("tfplugin6.AttributePath.Step", "attribute_name", 1, STRING).oneof("selector"),
    s("tfplugin6.AttributePath.Step", "element_key_string", 2, STRING).oneof("selector"),
    s("tfplugin6.AttributePath.Step", "element_key_int", 3, INT64).oneof("selector"),
    s("tfplugin6.StopProvider.Response", "Error", 1, STRING),
    s("tfplugin6.RawState", "json", 1, BYTES),
    m("tfplugin6.RawState", "flatmap", 2, ".tfplugin6.RawState.FlatmapEntry").repeated(),
    s("tfplugin6.RawState.FlatmapEntry", "key", 1, STRING),
    s("tfplugin6.RawState.FlatmapEntry", "value", 2, STRING),
    s("tfplugin6.ResourceIdentitySchema", "version", 1, INT64),
    m("tfplugin6.ResourceIdentitySchema", "identity_attributes", 2, ".tfplugin6.ResourceIdentitySchema.IdentityAttribute").repeated(),
    s("tfplugin6.ResourceIdentitySchema.IdentityAttribute", "name", 1, STRING),
    s("tfplugin6.ResourceIdentitySchema.IdentityAttribute", "type", 2, BYTES),
    s("tfplugin6.ResourceIdentitySchema.IdentityAttribute", "required_for_import", 3, BOOL),
    s("tfplugin6.ResourceIdentitySchema.IdentityAttribute", "optional_for_import", 4, BOOL),
    s("tfplugin6.ResourceIdentitySchema.IdentityAttribute", "description", 5, STRING),
    m("tfplugin6.ResourceIdentityData", "identity_data", 1, DYNAMIC_VALUE),
    m("tfplugin6.ActionSchema", "schema", 1, SCHEMA),
    s("tfplugin6.Schema", "version", 1, INT64),
    m("tfplugin6.Schema", "block", 2, ".tfplugin6.Schema.Block"),
    s("tfplugin6.Schema.Block", "version", 1, INT64),
    m("tfplugin6.Schema.Block", "attributes", 2, ".tfplugin6.Schema.Attribute").repeated(),
    m("tfplugin6.Schema.Block", "block_types", 3, ".tfplugin6.Schema.NestedBlock").repeated(),
    s("tfplugin6.Schema.Block", "description", 4, STRING),
    e("tfplugin6.Schema.Block", "description_kind", 5, STRING_KIND),
    s("tfplugin6.Schema.Block", "deprecated", 6, BOOL),
    s("tfplugin6.Schema.Block", "deprecation_message", 7, STRING),
    s("tfplugin6.Schema.Attribute", "name", 1, STRING),
    s("tfplugin6.Schema.Attribute", "type", 2, BYTES),
    m("tfplugin6.Schema.Attribute", "nested_type", 10, ".tfplugin6.Schema.Object"),
    s("tfplugin6.Schema.Attribute", "description", 3, STRING),
    s("tfplugin6.Schema.Attribute", "required", 4, BOOL),
    s("tfplugin6.Schema.Attribute", "optional", 5, BOOL),
    s("tfplugin6.Schema.Attribute", "computed", 6, BOOL),
    s("tfplugin6.Schema.Attribute", "sensitive", 7, BOOL),
    e("tfplugin6.Schema.Attribute", "description_kind", 8, STRING_KIND),
    s("tfplugin6.Schema.Attribute", "deprecated", 9, BOOL),
    s("tfplugin6.Schema.Attribute", "write_only", 11, BOOL),
    s("tfplugin6.Schema.Attribute", "deprecation_message", 12, STRING),
    s("tfplugin6.Schema.NestedBlock", "type_name", 1, STRING),
    m("tfplugin6.Schema.NestedBlock", "block", 2, ".tfplugin6.Schema.Block"),
    e("tfplugin6.Schema.NestedBlock", "nesting", 3, ".tfplugin6.Schema.NestedBlock.NestingMode"),
    s("tfplugin6.Schema.NestedBlock", "min_items", 4, INT64),
    s("tfplugin6.Schema.NestedBlock", "max_items", 5, INT64),
    m("tfplugin6.Schema.Object", "attributes", 1, ".tfplugin6.Schema.Attribute").repeated(),
    e("tfplugin6.Schema.Object", "nesting", 3, ".tfplugin6.Schema.Object.NestingMode"),
    s("tfplugin6.Schema.Object", "min_items", 4, INT64).deprecated(),
    s("tfplugin6.Schema.Object", "max_items", 5, INT64).deprecated(),
    m("tfplugin6.Function", "parameters", 1, ".tfplugin6.Function.Parameter").repeated(),
    m("tfplugin6.Function", "variadic_parameter", 2, ".tfplugin6.Function.Parameter"),
    m("tfplugin6.Function", "return", 3, ".tfplugin6.Function.Return"),
    s("tfplugin6.Function", "summary", 4, STRING),
    s("tfplugin6.Function", "description", 5, STRING),
    e("tfplugin6.Function", "description_kind", 6, STRING_KIND),
    s("tfplugin6.Function", "deprecation_message", 7, STRING),
    s("tfplugin6.Function.Parameter", "name", 1, STRING),
    s("tfplugin6.Function.Parameter", "type", 2, BYTES),
    s("tfplugin6.Function.Parameter", "allow_null_value", 3, BOOL),
    s("tfplugin6.Function.Parameter", "allow_unknown_values", 4, BOOL),
    s("tfplugin6.Function.Parameter", "description", 5, STRING),
    e("tfplugin6.Function.Parameter", "description_kind", 6, STRING_KIND),
    s("tfplugin6.Function.Return", "type", 1, BYTES),
    s("tfplugin6.ServerCapabilities", "plan_destroy", 1, BOOL),
    s("tfplugin6.ServerCapabilities", "get_provider_schema_optional", 2, BOOL),
    s("tfplugin6.ServerCapabilities", "move_resource_state", 3, BOOL),
    s("tfplugin6.ServerCapabilities", "generate_resource_config", 4, BOOL),
    s("tfplugin6.ClientCapabilities", "deferral_allowed", 1, BOOL),
    s("tfplugin6.ClientCapabilities", "write_only_attributes_allowed", 2, BOOL),
    e("tfplugin6.Deferred", "reason", 1, ".tfplugin6.Deferred.Reason"),
    // ---- GetMetadata ----
    m("tfplugin6.GetMetadata.Response", "server_capabilities", 1, SERVER_CAPABILITIES),
    m("tfplugin6.GetMetadata.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    m("tfplugin6.GetMetadata.Response", "data_sources", 3, ".tfplugin6.GetMetadata.DataSourceMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "resources", 4, ".tfplugin6.GetMetadata.ResourceMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "functions", 5, ".tfplugin6.GetMetadata.FunctionMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "ephemeral_resources", 6, ".tfplugin6.GetMetadata.EphemeralMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "list_resources", 7, ".tfplugin6.GetMetadata.ListResourceMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "state_stores", 8, ".tfplugin6.GetMetadata.StateStoreMetadata").repeated(),
    m("tfplugin6.GetMetadata.Response", "actions", 9, ".tfplugin6.GetMetadata.ActionMetadata").repeated(),
    s("tfplugin6.GetMetadata.EphemeralMetadata", "type_name", 1, STRING),
    s("tfplugin6.GetMetadata.FunctionMetadata", "name", 1, STRING),
    s("tfplugin6.GetMetadata.DataSourceMetadata", "type_name", 1, STRING),
    s("tfplugin6.GetMetadata.ResourceMetadata", "type_name", 1, STRING),
    s("tfplugin6.GetMetadata.ListResourceMetadata", "type_name", 1, STRING),
    s("tfplugin6.GetMetadata.StateStoreMetadata", "type_name", 1, STRING),
    s("tfplugin6.GetMetadata.ActionMetadata", "type_name", 1, STRING),
    // ---- GetProviderSchema ----
    m("tfplugin6.GetProviderSchema.Response", "provider", 1, SCHEMA),
    m("tfplugin6.GetProviderSchema.Response", "resource_schemas", 2, ".tfplugin6.GetProviderSchema.Response.ResourceSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "data_source_schemas", 3, ".tfplugin6.GetProviderSchema.Response.DataSourceSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "functions", 7, ".tfplugin6.GetProviderSchema.Response.FunctionsEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "ephemeral_resource_schemas", 8, ".tfplugin6.GetProviderSchema.Response.EphemeralResourceSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "list_resource_schemas", 9, ".tfplugin6.GetProviderSchema.Response.ListResourceSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "state_store_schemas", 10, ".tfplugin6.GetProviderSchema.Response.StateStoreSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "action_schemas", 11, ".tfplugin6.GetProviderSchema.Response.ActionSchemasEntry").repeated(),
    m("tfplugin6.GetProviderSchema.Response", "diagnostics", 4, DIAGNOSTIC).repeated(),
    m("tfplugin6.GetProviderSchema.Response", "provider_meta", 5, SCHEMA),
    m("tfplugin6.GetProviderSchema.Response", "server_capabilities", 6, SERVER_CAPABILITIES),
    s("tfplugin6.GetProviderSchema.Response.ResourceSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.ResourceSchemasEntry", "value", 2, SCHEMA),
    s("tfplugin6.GetProviderSchema.Response.DataSourceSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.DataSourceSchemasEntry", "value", 2, SCHEMA),
    s("tfplugin6.GetProviderSchema.Response.FunctionsEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.FunctionsEntry", "value", 2, ".tfplugin6.Function"),
    s("tfplugin6.GetProviderSchema.Response.EphemeralResourceSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.EphemeralResourceSchemasEntry", "value", 2, SCHEMA),
    s("tfplugin6.GetProviderSchema.Response.ListResourceSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.ListResourceSchemasEntry", "value", 2, SCHEMA),
    s("tfplugin6.GetProviderSchema.Response.StateStoreSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.StateStoreSchemasEntry", "value", 2, SCHEMA),
    s("tfplugin6.GetProviderSchema.Response.ActionSchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetProviderSchema.Response.ActionSchemasEntry", "value", 2, ".tfplugin6.ActionSchema"),
    // ---- ValidateProviderConfig ----
    m("tfplugin6.ValidateProviderConfig.Request", "config", 1, DYNAMIC_VALUE),
    m("tfplugin6.ValidateProviderConfig.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    // ---- UpgradeResourceState ----
    s("tfplugin6.UpgradeResourceState.Request", "type_name", 1, STRING),
    s("tfplugin6.UpgradeResourceState.Request", "version", 2, INT64),
    m("tfplugin6.UpgradeResourceState.Request", "raw_state", 3, RAW_STATE),
    m("tfplugin6.UpgradeResourceState.Response", "upgraded_state", 1, DYNAMIC_VALUE),
    m("tfplugin6.UpgradeResourceState.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    // ---- GetResourceIdentitySchemas ----
    m("tfplugin6.GetResourceIdentitySchemas.Response", "identity_schemas", 1, ".tfplugin6.GetResourceIdentitySchemas.Response.IdentitySchemasEntry").repeated(),
    m("tfplugin6.GetResourceIdentitySchemas.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.GetResourceIdentitySchemas.Response.IdentitySchemasEntry", "key", 1, STRING),
    m("tfplugin6.GetResourceIdentitySchemas.Response.IdentitySchemasEntry", "value", 2, ".tfplugin6.ResourceIdentitySchema"),
    // ---- UpgradeResourceIdentity ----
    s("tfplugin6.UpgradeResourceIdentity.Request", "type_name", 1, STRING),
    s("tfplugin6.UpgradeResourceIdentity.Request", "version", 2, INT64),
    m("tfplugin6.UpgradeResourceIdentity.Request", "raw_identity", 3, RAW_STATE),
    m("tfplugin6.UpgradeResourceIdentity.Response", "upgraded_identity", 1, IDENTITY_DATA),
    m("tfplugin6.UpgradeResourceIdentity.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    // ---- ValidateResourceConfig ----
    s("tfplugin6.ValidateResourceConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateResourceConfig.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateResourceConfig.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.ValidateResourceConfig.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ValidateDataResourceConfig ----
    s("tfplugin6.ValidateDataResourceConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateDataResourceConfig.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateDataResourceConfig.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ValidateEphemeralResourceConfig ----
    s("tfplugin6.ValidateEphemeralResourceConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateEphemeralResourceConfig.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateEphemeralResourceConfig.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ConfigureProvider ----
    s("tfplugin6.ConfigureProvider.Request", "terraform_version", 1, STRING),
    m("tfplugin6.ConfigureProvider.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ConfigureProvider.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.ConfigureProvider.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ReadResource ----
    s("tfplugin6.ReadResource.Request", "type_name", 1, STRING),
    m("tfplugin6.ReadResource.Request", "current_state", 2, DYNAMIC_VALUE),
    s("tfplugin6.ReadResource.Request", "private", 3, BYTES),
    m("tfplugin6.ReadResource.Request", "provider_meta", 4, DYNAMIC_VALUE),
    m("tfplugin6.ReadResource.Request", "client_capabilities", 5, CLIENT_CAPABILITIES),
    m("tfplugin6.ReadResource.Request", "current_identity", 6, IDENTITY_DATA),
    m("tfplugin6.ReadResource.Response", "new_state", 1, DYNAMIC_VALUE),
    m("tfplugin6.ReadResource.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.ReadResource.Response", "private", 3, BYTES),
    m("tfplugin6.ReadResource.Response", "deferred", 4, DEFERRED),
    m("tfplugin6.ReadResource.Response", "new_identity", 5, IDENTITY_DATA),
    // ---- PlanResourceChange ----
    s("tfplugin6.PlanResourceChange.Request", "type_name", 1, STRING),
    m("tfplugin6.PlanResourceChange.Request", "prior_state", 2, DYNAMIC_VALUE),
    m("tfplugin6.PlanResourceChange.Request", "proposed_new_state", 3, DYNAMIC_VALUE),
    m("tfplugin6.PlanResourceChange.Request", "config", 4, DYNAMIC_VALUE),
    s("tfplugin6.PlanResourceChange.Request", "prior_private", 5, BYTES),
    m("tfplugin6.PlanResourceChange.Request", "provider_meta", 6, DYNAMIC_VALUE),
    m("tfplugin6.PlanResourceChange.Request", "client_capabilities", 7, CLIENT_CAPABILITIES),
    m("tfplugin6.PlanResourceChange.Request", "prior_identity", 8, IDENTITY_DATA),
    m("tfplugin6.PlanResourceChange.Response", "planned_state", 1, DYNAMIC_VALUE),
    m("tfplugin6.PlanResourceChange.Response", "requires_replace", 2, ".tfplugin6.AttributePath").repeated(),
    s("tfplugin6.PlanResourceChange.Response", "planned_private", 3, BYTES),
    m("tfplugin6.PlanResourceChange.Response", "diagnostics", 4, DIAGNOSTIC).repeated(),
    s("tfplugin6.PlanResourceChange.Response", "legacy_type_system", 5, BOOL),
    m("tfplugin6.PlanResourceChange.Response", "deferred", 6, DEFERRED),
    m("tfplugin6.PlanResourceChange.Response", "planned_identity", 7, IDENTITY_DATA),
    // ---- ApplyResourceChange ----
    s("tfplugin6.ApplyResourceChange.Request", "type_name", 1, STRING),
    m("tfplugin6.ApplyResourceChange.Request", "prior_state", 2, DYNAMIC_VALUE),
    m("tfplugin6.ApplyResourceChange.Request", "planned_state", 3, DYNAMIC_VALUE),
    m("tfplugin6.ApplyResourceChange.Request", "config", 4, DYNAMIC_VALUE),
    s("tfplugin6.ApplyResourceChange.Request", "planned_private", 5, BYTES),
    m("tfplugin6.ApplyResourceChange.Request", "provider_meta", 6, DYNAMIC_VALUE),
    m("tfplugin6.ApplyResourceChange.Request", "planned_identity", 7, IDENTITY_DATA),
    m("tfplugin6.ApplyResourceChange.Response", "new_state", 1, DYNAMIC_VALUE),
    s("tfplugin6.ApplyResourceChange.Response", "private", 2, BYTES),
    m("tfplugin6.ApplyResourceChange.Response", "diagnostics", 3, DIAGNOSTIC).repeated(),
    s("tfplugin6.ApplyResourceChange.Response", "legacy_type_system", 4, BOOL),
    m("tfplugin6.ApplyResourceChange.Response", "new_identity", 5, IDENTITY_DATA),
    // ---- ImportResourceState ----
    s("tfplugin6.ImportResourceState.Request", "type_name", 1, STRING),
    s("tfplugin6.ImportResourceState.Request", "id", 2, STRING),
    m("tfplugin6.ImportResourceState.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.ImportResourceState.Request", "identity", 4, IDENTITY_DATA),
    s("tfplugin6.ImportResourceState.ImportedResource", "type_name", 1, STRING),
    m("tfplugin6.ImportResourceState.ImportedResource", "state", 2, DYNAMIC_VALUE),
    s("tfplugin6.ImportResourceState.ImportedResource", "private", 3, BYTES),
    m("tfplugin6.ImportResourceState.ImportedResource", "identity", 4, IDENTITY_DATA),
    m("tfplugin6.ImportResourceState.Response", "imported_resources", 1, ".tfplugin6.ImportResourceState.ImportedResource").repeated(),
    m("tfplugin6.ImportResourceState.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    m("tfplugin6.ImportResourceState.Response", "deferred", 3, DEFERRED),
    // ---- GenerateResourceConfig ----
    s("tfplugin6.GenerateResourceConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.GenerateResourceConfig.Request", "state", 2, DYNAMIC_VALUE),
    m("tfplugin6.GenerateResourceConfig.Response", "config", 1, DYNAMIC_VALUE),
    m("tfplugin6.GenerateResourceConfig.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    // ---- MoveResourceState ----
    s("tfplugin6.MoveResourceState.Request", "source_provider_address", 1, STRING),
    s("tfplugin6.MoveResourceState.Request", "source_type_name", 2, STRING),
    s("tfplugin6.MoveResourceState.Request", "source_schema_version", 3, INT64),
    m("tfplugin6.MoveResourceState.Request", "source_state", 4, RAW_STATE),
    s("tfplugin6.MoveResourceState.Request", "target_type_name", 5, STRING),
    s("tfplugin6.MoveResourceState.Request", "source_private", 6, BYTES),
    m("tfplugin6.MoveResourceState.Request", "source_identity", 7, RAW_STATE),
    s("tfplugin6.MoveResourceState.Request", "source_identity_schema_version", 8, INT64),
    m("tfplugin6.MoveResourceState.Response", "target_state", 1, DYNAMIC_VALUE),
    m("tfplugin6.MoveResourceState.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.MoveResourceState.Response", "target_private", 3, BYTES),
    m("tfplugin6.MoveResourceState.Response", "target_identity", 4, IDENTITY_DATA),
    // ---- ReadDataSource ----
    s("tfplugin6.ReadDataSource.Request", "type_name", 1, STRING),
    m("tfplugin6.ReadDataSource.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ReadDataSource.Request", "provider_meta", 3, DYNAMIC_VALUE),
    m("tfplugin6.ReadDataSource.Request", "client_capabilities", 4, CLIENT_CAPABILITIES),
    m("tfplugin6.ReadDataSource.Response", "state", 1, DYNAMIC_VALUE),
    m("tfplugin6.ReadDataSource.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    m("tfplugin6.ReadDataSource.Response", "deferred", 3, DEFERRED),
    // ---- OpenEphemeralResource ----
    s("tfplugin6.OpenEphemeralResource.Request", "type_name", 1, STRING),
    m("tfplugin6.OpenEphemeralResource.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.OpenEphemeralResource.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.OpenEphemeralResource.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    m("tfplugin6.OpenEphemeralResource.Response", "renew_at", 2, TIMESTAMP).p3_optional(),
    m("tfplugin6.OpenEphemeralResource.Response", "result", 3, DYNAMIC_VALUE),
    s("tfplugin6.OpenEphemeralResource.Response", "private", 4, BYTES).p3_optional(),
    m("tfplugin6.OpenEphemeralResource.Response", "deferred", 5, DEFERRED),
    // ---- RenewEphemeralResource ----
    s("tfplugin6.RenewEphemeralResource.Request", "type_name", 1, STRING),
    s("tfplugin6.RenewEphemeralResource.Request", "private", 2, BYTES).p3_optional(),
    m("tfplugin6.RenewEphemeralResource.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    m("tfplugin6.RenewEphemeralResource.Response", "renew_at", 2, TIMESTAMP).p3_optional(),
    s("tfplugin6.RenewEphemeralResource.Response", "private", 3, BYTES).p3_optional(),
    // ---- CloseEphemeralResource ----
    s("tfplugin6.CloseEphemeralResource.Request", "type_name", 1, STRING),
    s("tfplugin6.CloseEphemeralResource.Request", "private", 2, BYTES).p3_optional(),
    m("tfplugin6.CloseEphemeralResource.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- GetFunctions ----
    m("tfplugin6.GetFunctions.Response", "functions", 1, ".tfplugin6.GetFunctions.Response.FunctionsEntry").repeated(),
    m("tfplugin6.GetFunctions.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.GetFunctions.Response.FunctionsEntry", "key", 1, STRING),
    m("tfplugin6.GetFunctions.Response.FunctionsEntry", "value", 2, ".tfplugin6.Function"),
    // ---- CallFunction ----
    s("tfplugin6.CallFunction.Request", "name", 1, STRING),
    m("tfplugin6.CallFunction.Request", "arguments", 2, DYNAMIC_VALUE).repeated(),
    m("tfplugin6.CallFunction.Response", "result", 1, DYNAMIC_VALUE),
    m("tfplugin6.CallFunction.Response", "error", 2, ".tfplugin6.FunctionError"),
    // ---- ListResource ----
    s("tfplugin6.ListResource.Request", "type_name", 1, STRING),
    m("tfplugin6.ListResource.Request", "config", 2, DYNAMIC_VALUE),
    s("tfplugin6.ListResource.Request", "include_resource_object", 3, BOOL),
    s("tfplugin6.ListResource.Request", "limit", 4, INT64),
    m("tfplugin6.ListResource.Event", "identity", 1, IDENTITY_DATA),
    s("tfplugin6.ListResource.Event", "display_name", 2, STRING),
    m("tfplugin6.ListResource.Event", "resource_object", 3, DYNAMIC_VALUE).p3_optional(),
    m("tfplugin6.ListResource.Event", "diagnostic", 4, DIAGNOSTIC).repeated(),
    // ---- ValidateListResourceConfig ----
    s("tfplugin6.ValidateListResourceConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateListResourceConfig.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateListResourceConfig.Request", "include_resource_object", 3, DYNAMIC_VALUE),
    m("tfplugin6.ValidateListResourceConfig.Request", "limit", 4, DYNAMIC_VALUE),
    m("tfplugin6.ValidateListResourceConfig.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ValidateStateStore ----
    s("tfplugin6.ValidateStateStore.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateStateStore.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateStateStore.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ConfigureStateStore ----
    s("tfplugin6.ConfigureStateStore.Request", "type_name", 1, STRING),
    m("tfplugin6.ConfigureStateStore.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ConfigureStateStore.Request", "capabilities", 3, ".tfplugin6.StateStoreClientCapabilities"),
    m("tfplugin6.ConfigureStateStore.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    m("tfplugin6.ConfigureStateStore.Response", "capabilities", 2, ".tfplugin6.StateStoreServerCapabilities"),
    s("tfplugin6.StateStoreClientCapabilities", "chunk_size", 1, INT64),
    s("tfplugin6.StateStoreServerCapabilities", "chunk_size", 1, INT64),
    // ---- ReadStateBytes / WriteStateBytes ----
    s("tfplugin6.ReadStateBytes.Request", "type_name", 1, STRING),
    s("tfplugin6.ReadStateBytes.Request", "state_id", 2, STRING),
    s("tfplugin6.ReadStateBytes.Response", "bytes", 1, BYTES),
    s("tfplugin6.ReadStateBytes.Response", "total_length", 2, INT64),
    m("tfplugin6.ReadStateBytes.Response", "range", 3, ".tfplugin6.StateRange"),
    m("tfplugin6.ReadStateBytes.Response", "diagnostics", 4, DIAGNOSTIC).repeated(),
    m("tfplugin6.WriteStateBytes.RequestChunk", "meta", 1, ".tfplugin6.RequestChunkMeta").p3_optional(),
    s("tfplugin6.WriteStateBytes.RequestChunk", "bytes", 2, BYTES),
    s("tfplugin6.WriteStateBytes.RequestChunk", "total_length", 3, INT64),
    m("tfplugin6.WriteStateBytes.RequestChunk", "range", 4, ".tfplugin6.StateRange"),
    m("tfplugin6.WriteStateBytes.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    s("tfplugin6.RequestChunkMeta", "type_name", 1, STRING),
    s("tfplugin6.RequestChunkMeta", "state_id", 2, STRING),
    s("tfplugin6.StateRange", "start", 1, INT64),
    s("tfplugin6.StateRange", "end", 2, INT64),
    // ---- LockState / UnlockState ----
    s("tfplugin6.LockState.Request", "type_name", 1, STRING),
    s("tfplugin6.LockState.Request", "state_id", 2, STRING),
    s("tfplugin6.LockState.Request", "operation", 3, STRING),
    s("tfplugin6.LockState.Response", "lock_id", 1, STRING),
    m("tfplugin6.LockState.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.UnlockState.Request", "type_name", 1, STRING),
    s("tfplugin6.UnlockState.Request", "state_id", 2, STRING),
    s("tfplugin6.UnlockState.Request", "lock_id", 3, STRING),
    m("tfplugin6.UnlockState.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- GetStates / DeleteState ----
    s("tfplugin6.GetStates.Request", "type_name", 1, STRING),
    s("tfplugin6.GetStates.Response", "state_id", 1, STRING).repeated(),
    m("tfplugin6.GetStates.Response", "diagnostics", 2, DIAGNOSTIC).repeated(),
    s("tfplugin6.DeleteState.Request", "type_name", 1, STRING),
    s("tfplugin6.DeleteState.Request", "state_id", 2, STRING),
    m("tfplugin6.DeleteState.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- PlanAction ----
    s("tfplugin6.PlanAction.Request", "action_type", 1, STRING),
    m("tfplugin6.PlanAction.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.PlanAction.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.PlanAction.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    m("tfplugin6.PlanAction.Response", "deferred", 2, DEFERRED),
    // ---- InvokeAction ----
    s("tfplugin6.InvokeAction.Request", "action_type", 1, STRING),
    m("tfplugin6.InvokeAction.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.InvokeAction.Request", "client_capabilities", 3, CLIENT_CAPABILITIES),
    m("tfplugin6.InvokeAction.Event", "progress", 1, ".tfplugin6.InvokeAction.Event.Progress").oneof("type"),
    m("tfplugin6.InvokeAction.Event", "completed", 2, ".tfplugin6.InvokeAction.Event.Completed").oneof("type"),
    s("tfplugin6.InvokeAction.Event.Progress", "message", 1, STRING),
    m("tfplugin6.InvokeAction.Event.Completed", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- ValidateActionConfig ----
    s("tfplugin6.ValidateActionConfig.Request", "type_name", 1, STRING),
    m("tfplugin6.ValidateActionConfig.Request", "config", 2, DYNAMIC_VALUE),
    m("tfplugin6.ValidateActionConfig.Response", "diagnostics", 1, DIAGNOSTIC).repeated(),
    // ---- plugin (go-plugin) ----
    e("plugin.StdioData", "channel", 1, ".plugin.StdioData.Channel"),
    s("plugin.StdioData", "data", 2, BYTES),
    s("plugin.ConnInfo", "service_id", 1, UINT32),
    s("plugin.ConnInfo", "network", 2, STRING),
    s("plugin.ConnInfo", "address", 3, STRING),
    m("plugin.ConnInfo", "knock", 4, ".plugin.ConnInfo.Knock"),
    s("plugin.ConnInfo.Knock", "knock", 1, BOOL),
    s("plugin.ConnInfo.Knock", "ack", 2, BOOL),
    s("plugin.ConnInfo.Knock", "error", 3, STRING),
];

#[rustfmt::skip]
const ENUM_VALUES: &[EnumValueRow] = &[
    ev("tfplugin6.StringKind", "PLAIN", 0),
    ev("tfplugin6.StringKind", "MARKDOWN", 1),
    ev("tfplugin6.Diagnostic.Severity", "INVALID", 0),
    ev("tfplugin6.Diagnostic.Severity", "ERROR", 1),
    ev("tfplugin6.Diagnostic.Severity", "WARNING", 2),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "INVALID", 0),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "SINGLE", 1),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "LIST", 2),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "SET", 3),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "MAP", 4),
    ev("tfplugin6.Schema.NestedBlock.NestingMode", "GROUP", 5),
    ev("tfplugin6.Schema.Object.NestingMode", "INVALID", 0),
    ev("tfplugin6.Schema.Object.NestingMode", "SINGLE", 1),
    ev("tfplugin6.Schema.Object.NestingMode", "LIST", 2),
    ev("tfplugin6.Schema.Object.NestingMode", "SET", 3),
    ev("tfplugin6.Schema.Object.NestingMode", "MAP", 4),
    ev("tfplugin6.Deferred.Reason", "UNKNOWN", 0),
    ev("tfplugin6.Deferred.Reason", "RESOURCE_CONFIG_UNKNOWN", 1),
    ev("tfplugin6.Deferred.Reason", "PROVIDER_CONFIG_UNKNOWN", 2),
    ev("tfplugin6.Deferred.Reason", "ABSENT_PREREQ", 3),
    ev("plugin.StdioData.Channel", "INVALID", 0),
    ev("plugin.StdioData.Channel", "STDOUT", 1),
    ev("plugin.StdioData.Channel", "STDERR", 2),
];

const PROVIDER: &str = "tfplugin6.Provider";

#[rustfmt::skip]
const METHODS: &[MethodRow] = &[
    rpc(PROVIDER, "GetMetadata", ".tfplugin6.GetMetadata.Request", ".tfplugin6.GetMetadata.Response"),
    rpc(PROVIDER, "GetProviderSchema", ".tfplugin6.GetProviderSchema.Request", ".tfplugin6.GetProviderSchema.Response"),
    rpc(PROVIDER, "ValidateProviderConfig", ".tfplugin6.ValidateProviderConfig.Request", ".tfplugin6.ValidateProviderConfig.Response"),
    rpc(PROVIDER, "ValidateResourceConfig", ".tfplugin6.ValidateResourceConfig.Request", ".tfplugin6.ValidateResourceConfig.Response"),
    rpc(PROVIDER, "ValidateDataResourceConfig", ".tfplugin6.ValidateDataResourceConfig.Request", ".tfplugin6.ValidateDataResourceConfig.Response"),
    rpc(PROVIDER, "UpgradeResourceState", ".tfplugin6.UpgradeResourceState.Request", ".tfplugin6.UpgradeResourceState.Response"),
    rpc(PROVIDER, "GetResourceIdentitySchemas", ".tfplugin6.GetResourceIdentitySchemas.Request", ".tfplugin6.GetResourceIdentitySchemas.Response"),
    rpc(PROVIDER, "UpgradeResourceIdentity", ".tfplugin6.UpgradeResourceIdentity.Request", ".tfplugin6.UpgradeResourceIdentity.Response"),
    rpc(PROVIDER, "ConfigureProvider", ".tfplugin6.ConfigureProvider.Request", ".tfplugin6.ConfigureProvider.Response"),
    rpc(PROVIDER, "ReadResource", ".tfplugin6.ReadResource.Request", ".tfplugin6.ReadResource.Response"),
    rpc(PROVIDER, "PlanResourceChange", ".tfplugin6.PlanResourceChange.Request", ".tfplugin6.PlanResourceChange.Response"),
    rpc(PROVIDER, "ApplyResourceChange", ".tfplugin6.ApplyResourceChange.Request", ".tfplugin6.ApplyResourceChange.Response"),
    rpc(PROVIDER, "ImportResourceState", ".tfplugin6.ImportResourceState.Request", ".tfplugin6.ImportResourceState.Response"),
    rpc(PROVIDER, "MoveResourceState", ".tfplugin6.MoveResourceState.Request", ".tfplugin6.MoveResourceState.Response"),
    rpc(PROVIDER, "ReadDataSource", ".tfplugin6.ReadDataSource.Request", ".tfplugin6.ReadDataSource.Response"),
    rpc(PROVIDER, "GenerateResourceConfig", ".tfplugin6.GenerateResourceConfig.Request", ".tfplugin6.GenerateResourceConfig.Response"),
    rpc(PROVIDER, "ValidateEphemeralResourceConfig", ".tfplugin6.ValidateEphemeralResourceConfig.Request", ".tfplugin6.ValidateEphemeralResourceConfig.Response"),
    rpc(PROVIDER, "OpenEphemeralResource", ".tfplugin6.OpenEphemeralResource.Request", ".tfplugin6.OpenEphemeralResource.Response"),
    rpc(PROVIDER, "RenewEphemeralResource", ".tfplugin6.RenewEphemeralResource.Request", ".tfplugin6.RenewEphemeralResource.Response"),
    rpc(PROVIDER, "CloseEphemeralResource", ".tfplugin6.CloseEphemeralResource.Request", ".tfplugin6.CloseEphemeralResource.Response"),
    rpc(PROVIDER, "ListResource", ".tfplugin6.ListResource.Request", ".tfplugin6.ListResource.Event").server_stream(),
    rpc(PROVIDER, "ValidateListResourceConfig", ".tfplugin6.ValidateListResourceConfig.Request", ".tfplugin6.ValidateListResourceConfig.Response"),
    rpc(PROVIDER, "GetFunctions", ".tfplugin6.GetFunctions.Request", ".tfplugin6.GetFunctions.Response"),
    rpc(PROVIDER, "CallFunction", ".tfplugin6.CallFunction.Request", ".tfplugin6.CallFunction.Response"),
    rpc(PROVIDER, "ValidateStateStoreConfig", ".tfplugin6.ValidateStateStore.Request", ".tfplugin6.ValidateStateStore.Response"),
    rpc(PROVIDER, "ConfigureStateStore", ".tfplugin6.ConfigureStateStore.Request", ".tfplugin6.ConfigureStateStore.Response"),
    rpc(PROVIDER, "ReadStateBytes", ".tfplugin6.ReadStateBytes.Request", ".tfplugin6.ReadStateBytes.Response").server_stream(),
    rpc(PROVIDER, "WriteStateBytes", ".tfplugin6.WriteStateBytes.RequestChunk", ".tfplugin6.WriteStateBytes.Response").client_stream(),
    rpc(PROVIDER, "LockState", ".tfplugin6.LockState.Request", ".tfplugin6.LockState.Response"),
    rpc(PROVIDER, "UnlockState", ".tfplugin6.UnlockState.Request", ".tfplugin6.UnlockState.Response"),
    rpc(PROVIDER, "GetStates", ".tfplugin6.GetStates.Request", ".tfplugin6.GetStates.Response"),
    rpc(PROVIDER, "DeleteState", ".tfplugin6.DeleteState.Request", ".tfplugin6.DeleteState.Response"),
    rpc(PROVIDER, "PlanAction", ".tfplugin6.PlanAction.Request", ".tfplugin6.PlanAction.Response"),
    rpc(PROVIDER, "InvokeAction", ".tfplugin6.InvokeAction.Request", ".tfplugin6.InvokeAction.Event").server_stream(),
    rpc(PROVIDER, "ValidateActionConfig", ".tfplugin6.ValidateActionConfig.Request", ".tfplugin6.ValidateActionConfig.Response"),
    rpc(PROVIDER, "StopProvider", ".tfplugin6.StopProvider.Request", ".tfplugin6.StopProvider.Response"),
    // go-plugin
    rpc("plugin.GRPCController", "Shutdown", ".plugin.Empty", ".plugin.Empty"),
    rpc("plugin.GRPCStdio", "StreamStdio", ".google.protobuf.Empty", ".plugin.StdioData").server_stream(),
    rpc("plugin.GRPCBroker", "StartStream", ".plugin.ConnInfo", ".plugin.ConnInfo").client_stream().server_stream(),
];

// Hand-counted sizes of the tables above, so that the check cannot pass on a truncated table.
const EXPECTED_FIELD_ROWS: usize = 321; // 312 in tfplugin6, 9 in plugin
const EXPECTED_MESSAGE_ROWS: usize = 157; // 153 in tfplugin6, 4 in plugin
const EXPECTED_ENUM_VALUE_ROWS: usize = 23; // 6 enums
const EXPECTED_METHOD_ROWS: usize = 39; // 36 on tfplugin6.Provider, 3 on go-plugin services

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

/// The attributes of a field that are compared, in a form both sides can produce.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldSpec {
    number: i32,
    ty: Type,
    label: Label,
    type_name: Option<String>,
    proto3_optional: bool,
    oneof: Option<String>,
    deprecated: bool,
}

impl From<&FieldRow> for FieldSpec {
    fn from(row: &FieldRow) -> Self {
        FieldSpec {
            number: row.number,
            ty: row.ty,
            label: row.label,
            type_name: row.type_name.map(str::to_owned),
            proto3_optional: row.proto3_optional,
            oneof: row.oneof.map(str::to_owned),
            deprecated: row.deprecated,
        }
    }
}

impl fmt::Display for FieldSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "#{} {} {}",
            self.number,
            self.label.as_str_name(),
            self.ty.as_str_name()
        )?;
        if let Some(type_name) = &self.type_name {
            write!(f, " {type_name}")?;
        }
        if self.proto3_optional {
            write!(f, " proto3_optional")?;
        }
        if let Some(oneof) = &self.oneof {
            write!(f, " oneof={oneof}")?;
        }
        if self.deprecated {
            write!(f, " [deprecated]")?;
        }
        Ok(())
    }
}

impl FieldSpec {
    /// What differs between `self` (expected) and `found`, attribute by attribute.
    fn differences(&self, found: &FieldSpec) -> Vec<String> {
        let mut out = Vec::new();
        if self.number != found.number {
            out.push(format!(
                "number: expected {}, found {}",
                self.number, found.number
            ));
        }
        if self.ty != found.ty {
            out.push(format!(
                "type: expected {}, found {}",
                self.ty.as_str_name(),
                found.ty.as_str_name()
            ));
        }
        if self.label != found.label {
            out.push(format!(
                "label: expected {}, found {}",
                self.label.as_str_name(),
                found.label.as_str_name()
            ));
        }
        if self.type_name != found.type_name {
            out.push(format!(
                "type_name: expected {:?}, found {:?}",
                self.type_name, found.type_name
            ));
        }
        if self.proto3_optional != found.proto3_optional {
            out.push(format!(
                "proto3_optional: expected {}, found {}",
                self.proto3_optional, found.proto3_optional
            ));
        }
        if self.oneof != found.oneof {
            out.push(format!(
                "oneof: expected {:?}, found {:?}",
                self.oneof, found.oneof
            ));
        }
        if self.deprecated != found.deprecated {
            out.push(format!(
                "deprecated: expected {}, found {}",
                self.deprecated, found.deprecated
            ));
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct MethodSpec {
    input: String,
    output: String,
    client_streaming: bool,
    server_streaming: bool,
}

impl From<&MethodRow> for MethodSpec {
    fn from(row: &MethodRow) -> Self {
        MethodSpec {
            input: row.input.to_owned(),
            output: row.output.to_owned(),
            client_streaming: row.client_streaming,
            server_streaming: row.server_streaming,
        }
    }
}

impl fmt::Display for MethodSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stream = |on: bool| if on { "stream " } else { "" };
        write!(
            f,
            "({}{}) returns ({}{})",
            stream(self.client_streaming),
            self.input,
            stream(self.server_streaming),
            self.output
        )
    }
}

/// Everything the descriptor set says about the covered packages, keyed by full name.
#[derive(Default)]
struct Actual {
    files: BTreeMap<String, (String, String)>, // name -> (package, syntax)
    messages: BTreeMap<String, bool>,          // full name -> map_entry
    fields: BTreeMap<(String, String), FieldSpec>,
    enum_values: BTreeMap<(String, String), i32>,
    methods: BTreeMap<(String, String), MethodSpec>,
    /// Every message type in every file (imports included), with a leading dot.
    all_message_types: BTreeSet<String>,
    /// Every enum type in every file (imports included), with a leading dot.
    all_enum_types: BTreeSet<String>,
}

fn load() -> Actual {
    let set = FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)
        .expect("FILE_DESCRIPTOR_SET is not a valid prost-encoded FileDescriptorSet");
    let mut actual = Actual::default();
    for file in &set.file {
        let package = file.package().to_owned();
        let covered = PACKAGES.contains(&package.as_str());
        actual.files.insert(
            file.name().to_owned(),
            (package.clone(), file.syntax().to_owned()),
        );
        for message in &file.message_type {
            walk_message(&mut actual, &package, message, covered);
        }
        for enumeration in &file.enum_type {
            walk_enum(&mut actual, &package, enumeration, covered);
        }
        if covered {
            for service in &file.service {
                let service_name = format!("{package}.{}", service.name());
                for method in &service.method {
                    actual.methods.insert(
                        (service_name.clone(), method.name().to_owned()),
                        MethodSpec {
                            input: method.input_type().to_owned(),
                            output: method.output_type().to_owned(),
                            client_streaming: method.client_streaming(),
                            server_streaming: method.server_streaming(),
                        },
                    );
                }
            }
        }
    }
    actual
}

fn walk_message(actual: &mut Actual, scope: &str, message: &DescriptorProto, covered: bool) {
    let full_name = format!("{scope}.{}", message.name());
    actual.all_message_types.insert(format!(".{full_name}"));
    if covered {
        let map_entry = message
            .options
            .as_ref()
            .is_some_and(|options| options.map_entry());
        actual.messages.insert(full_name.clone(), map_entry);
        for field in &message.field {
            let proto3_optional = field.proto3_optional();
            // Synthetic oneofs only stand for proto3 `optional`, which `proto3_optional` records.
            let oneof = match field.oneof_index {
                Some(index) if !proto3_optional => Some(
                    message
                        .oneof_decl
                        .get(usize::try_from(index).expect("negative oneof index"))
                        .unwrap_or_else(|| panic!("{full_name}.{}: bad oneof index", field.name()))
                        .name()
                        .to_owned(),
                ),
                _ => None,
            };
            let spec = FieldSpec {
                number: field.number(),
                ty: field.r#type(),
                label: field.label(),
                type_name: field.type_name.clone(),
                proto3_optional,
                oneof,
                deprecated: field
                    .options
                    .as_ref()
                    .is_some_and(|options| options.deprecated()),
            };
            let previous = actual
                .fields
                .insert((full_name.clone(), field.name().to_owned()), spec);
            assert!(previous.is_none(), "{full_name}.{} twice", field.name());
        }
    }
    for nested in &message.nested_type {
        walk_message(actual, &full_name, nested, covered);
    }
    for enumeration in &message.enum_type {
        walk_enum(actual, &full_name, enumeration, covered);
    }
}

fn walk_enum(actual: &mut Actual, scope: &str, enumeration: &EnumDescriptorProto, covered: bool) {
    let full_name = format!("{scope}.{}", enumeration.name());
    actual.all_enum_types.insert(format!(".{full_name}"));
    if covered {
        for value in &enumeration.value {
            actual
                .enum_values
                .insert((full_name.clone(), value.name().to_owned()), value.number());
        }
    }
}

/// Builds a map from a table, reporting duplicate keys as problems.
fn table_map<K: Ord + fmt::Debug, V>(
    rows: impl IntoIterator<Item = (K, V)>,
    what: &str,
    problems: &mut Vec<String>,
) -> BTreeMap<K, V> {
    let mut map = BTreeMap::new();
    for (key, value) in rows {
        match map.entry(key) {
            Entry::Occupied(entry) => problems.push(format!(
                "table error: {what} {:?} is listed twice",
                entry.key()
            )),
            Entry::Vacant(entry) => {
                entry.insert(value);
            }
        }
    }
    map
}

/// Compares the tables with the descriptor set and returns every difference found.
fn compare(actual: &Actual) -> Vec<String> {
    let mut problems = Vec::new();

    // Files.
    for (name, package) in FILES {
        match actual.files.get(*name) {
            None => problems.push(format!("missing file {name}")),
            Some((found_package, syntax)) => {
                if found_package != package {
                    problems.push(format!(
                        "file {name}: package expected {package}, found {found_package}"
                    ));
                }
                if syntax != "proto3" {
                    problems.push(format!(
                        "file {name}: syntax expected proto3, found {syntax:?}"
                    ));
                }
            }
        }
    }
    for (name, (package, _)) in &actual.files {
        if PACKAGES.contains(&package.as_str()) && !FILES.iter().any(|(file, _)| file == name) {
            problems.push(format!("unexpected file {name} (package {package})"));
        }
    }

    // Messages.
    let expected_messages = table_map(
        MESSAGES.iter().map(|row| (row.name, row.map_entry)),
        "message",
        &mut problems,
    );
    for (name, map_entry) in &expected_messages {
        match actual.messages.get(*name) {
            None => problems.push(format!("missing message {name}")),
            Some(found) if found != map_entry => problems.push(format!(
                "message {name}: map_entry expected {map_entry}, found {found}"
            )),
            Some(_) => {}
        }
    }
    for name in actual.messages.keys() {
        if !expected_messages.contains_key(name.as_str()) {
            problems.push(format!("unexpected message {name}"));
        }
    }

    // Fields.
    let expected_fields = table_map(
        FIELDS.iter().map(|row| {
            (
                (row.message.to_owned(), row.name.to_owned()),
                FieldSpec::from(row),
            )
        }),
        "field",
        &mut problems,
    );
    for ((message, name), expected) in &expected_fields {
        if !expected_messages.contains_key(message.as_str()) {
            problems.push(format!(
                "table error: field {message}.{name} belongs to a message not in MESSAGES"
            ));
        }
        if let Some(type_name) = &expected.type_name {
            let known = match expected.ty {
                Type::Message => actual.all_message_types.contains(type_name),
                Type::Enum => actual.all_enum_types.contains(type_name),
                _ => false,
            };
            if !known {
                problems.push(format!(
                    "field {message}.{name}: type {type_name} is not a {} in the descriptor set",
                    expected.ty.as_str_name()
                ));
            }
        }
        match actual.fields.get(&(message.clone(), name.clone())) {
            None => problems.push(format!("missing field {message}.{name} ({expected})")),
            Some(found) => {
                let differences = expected.differences(found);
                if !differences.is_empty() {
                    problems.push(format!(
                        "field {message}.{name} differs: {}\n      expected: {expected}\n      found:    {found}",
                        differences.join("; ")
                    ));
                }
            }
        }
    }
    for ((message, name), found) in &actual.fields {
        if !expected_fields.contains_key(&(message.clone(), name.clone())) {
            problems.push(format!("unexpected field {message}.{name} ({found})"));
        }
    }

    // Enum values.
    let expected_values = table_map(
        ENUM_VALUES
            .iter()
            .map(|row| ((row.enum_name.to_owned(), row.name.to_owned()), row.number)),
        "enum value",
        &mut problems,
    );
    for ((enumeration, name), number) in &expected_values {
        match actual.enum_values.get(&(enumeration.clone(), name.clone())) {
            None => problems.push(format!(
                "missing enum value {enumeration}.{name} = {number}"
            )),
            Some(found) if found != number => problems.push(format!(
                "enum value {enumeration}.{name} differs: number: expected {number}, found {found}"
            )),
            Some(_) => {}
        }
    }
    for ((enumeration, name), found) in &actual.enum_values {
        if !expected_values.contains_key(&(enumeration.clone(), name.clone())) {
            problems.push(format!(
                "unexpected enum value {enumeration}.{name} = {found}"
            ));
        }
    }

    // Methods.
    let expected_methods = table_map(
        METHODS.iter().map(|row| {
            (
                (row.service.to_owned(), row.name.to_owned()),
                MethodSpec::from(row),
            )
        }),
        "method",
        &mut problems,
    );
    for ((service, name), expected) in &expected_methods {
        match actual.methods.get(&(service.clone(), name.clone())) {
            None => problems.push(format!("missing rpc {service}.{name}{expected}")),
            Some(found) if found != expected => problems.push(format!(
                "rpc {service}.{name} differs\n      expected: {expected}\n      found:    {found}"
            )),
            Some(_) => {}
        }
    }
    for ((service, name), found) in &actual.methods {
        if !expected_methods.contains_key(&(service.clone(), name.clone())) {
            problems.push(format!("unexpected rpc {service}.{name}{found}"));
        }
    }

    problems
}

#[test]
fn tables_are_not_vacuous() {
    assert_eq!(FIELDS.len(), EXPECTED_FIELD_ROWS, "field table size");
    assert!(FIELDS.len() > 300);
    assert_eq!(MESSAGES.len(), EXPECTED_MESSAGE_ROWS, "message table size");
    assert_eq!(
        ENUM_VALUES.len(),
        EXPECTED_ENUM_VALUE_ROWS,
        "enum value table size"
    );
    assert_eq!(METHODS.len(), EXPECTED_METHOD_ROWS, "method table size");
}

#[test]
fn compiled_protocol_matches_published_protocol() {
    let actual = load();
    // The descriptor side must not be empty either, or the reverse direction proves nothing.
    assert!(
        actual.fields.len() > 300,
        "descriptor set has only {} fields in the covered packages",
        actual.fields.len()
    );
    assert!(
        actual.all_message_types.contains(TIMESTAMP)
            && actual.all_message_types.contains(".google.protobuf.Empty"),
        "descriptor set lacks the imported well-known types"
    );

    let problems = compare(&actual);
    assert!(
        problems.is_empty(),
        "compiled protocol differs from the published one in {} place(s):\n  - {}\n",
        problems.len(),
        problems.join("\n  - ")
    );
}
