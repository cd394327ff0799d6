//! The traits a provider implements. The generic semantics around them (validation, defaults,
//! unknown marking, replacement, upgrades, panics) live in [`super::server`], once for all.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::schema::{IdentitySchema, Schema};
use super::state_mover::StateMover;
use super::value::Value;

/// What every call carries: the token that StopProvider cancels.
#[derive(Clone, Default)]
pub struct CallContext {
    pub stop: CancellationToken,
}

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's type name, the prefix of its resource type names.
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource>> {
        Vec::new()
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource>> {
        Vec::new()
    }
    /// Checks beyond the schema's attribute validators; values may be unknown here.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn configure(
        &self,
        ctx: &CallContext,
        terraform_version: &str,
        config: &Value,
        diags: &mut Diagnostics,
    );
}

/// Private state: provider data Terraform stores beside a resource's state and hands back on the
/// next plan and apply, never shown to users. Kept as a JSON object of named entries; names that
/// start with "." are the framework's own (as in terraform-plugin-framework).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private(serde_json::Map<String, serde_json::Value>);

impl Private {
    pub fn decode(bytes: &[u8]) -> Private {
        match serde_json::from_slice(bytes) {
            Ok(serde_json::Value::Object(map)) => Private(map),
            _ => Private::default(),
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        if self.0.is_empty() {
            Vec::new()
        } else {
            serde_json::Value::Object(self.0.clone())
                .to_string()
                .into_bytes()
        }
    }

    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    pub fn set(&mut self, key: &str, value: serde_json::Value) {
        self.0.insert(key.to_string(), value);
    }

    pub fn remove(&mut self, key: &str) -> Option<serde_json::Value> {
        self.0.remove(key)
    }
}

/// A change being planned, as the resource's plan hook sees it.
pub struct PlanChange<'a> {
    /// Null on create.
    pub prior: &'a Value,
    pub config: &'a Value,
    /// The identity Terraform sent as the prior one; null when none was stored (Terraform < 1.12
    /// sends none). On the create half of a replacement it names the object being replaced.
    pub prior_identity: &'a Value,
}

impl PlanChange<'_> {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }
}

#[async_trait]
pub trait Resource: Send + Sync + 'static {
    fn type_name(&self) -> &str;
    fn schema(&self) -> &Schema;
    /// Checks beyond the schema's attribute validators; values may be unknown here.
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Runs after the generic plan semantics on create and update plans, and may adjust the plan
    /// or ask for replacement of the paths it names.
    async fn modify_plan(
        &self,
        _ctx: &CallContext,
        _change: &PlanChange<'_>,
        _planned: &mut Value,
        _private: &mut Private,
        _diags: &mut Diagnostics,
    ) {
    }
    /// Returns the new state; on error, a state returned anyway is recorded (tainted), so nothing
    /// that was created is lost.
    async fn create(
        &self,
        ctx: &CallContext,
        planned: &Value,
        config: &Value,
        private: &Private,
        diags: &mut Diagnostics,
    ) -> Option<Value>;
    /// Returns the refreshed state, or None when the object is gone.
    async fn read(
        &self,
        ctx: &CallContext,
        state: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value>;
    async fn update(
        &self,
        ctx: &CallContext,
        prior: &Value,
        planned: &Value,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value>;
    async fn delete(&self, ctx: &CallContext, prior: &Value, diags: &mut Diagnostics);
    async fn import(
        &self,
        _ctx: &CallContext,
        _id: &str,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            "Import is not supported",
            format!("The resource type {} cannot be imported.", self.type_name()),
        );
        None
    }
    /// The identity schema (Terraform >= 1.12 stores identity data beside the state and imports
    /// by it); None: the resource has no identity, and no identity is exchanged for it.
    fn identity_schema(&self) -> Option<&IdentitySchema> {
        None
    }
    /// The identity of the object a (known) state describes: by default each identity attribute
    /// is the state attribute of the same name. None without an identity schema. The framework
    /// sends it after every create, read, update and import, and holds it fixed for the object's
    /// life.
    fn identity(&self, state: &Value) -> Option<Value> {
        let schema = self.identity_schema()?;
        Some(Value::object(schema.attributes.iter().map(|a| {
            let value = state.attr(&a.name).cloned().unwrap_or(Value::Null);
            (a.name.clone(), value)
        })))
    }
    /// Import by identity (an `import` block with `identity = {...}`, Terraform >= 1.12): turns
    /// identity data (an object of the identity schema's attributes, the required ones known and
    /// not null) into a state, as [`Resource::import`] does for an import ID.
    async fn import_identity(
        &self,
        _ctx: &CallContext,
        _identity: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            "Import by identity is not supported",
            format!(
                "The resource type {} cannot be imported by identity. Import it by its import ID \
                 instead (`terraform import`, or an `import` block with `id`).",
                self.type_name()
            ),
        );
        None
    }
    /// Upgrades identity data written with an older identity schema version (given as JSON).
    fn upgrade_identity(
        &self,
        version: i64,
        _json: &[u8],
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        diags.error(
            "Unable to upgrade resource identity",
            format!(
                "The identity of this {} was written with identity schema version {version}, \
                 which this provider version cannot upgrade. Use the provider version that wrote \
                 it, or remove the resource from state and import it again.",
                self.type_name()
            ),
        );
        None
    }
    /// The sources a `moved` block may bring this resource's state from, another resource type
    /// of this or another provider (Terraform >= 1.8). None by default: such a move is an error.
    fn state_movers(&self) -> Vec<StateMover> {
        Vec::new()
    }
    /// Upgrades state written with an older schema version (given as JSON).
    fn upgrade_state(&self, version: i64, _json: &[u8], diags: &mut Diagnostics) -> Option<Value> {
        diags.error(
            "Unable to upgrade resource state",
            format!(
                "The state of this {} was written with schema version {version}, which this \
                 provider version cannot upgrade. Use the provider version that wrote it, or \
                 remove the resource from state and import it again.",
                self.type_name()
            ),
        );
        None
    }
}

#[async_trait]
pub trait DataSource: Send + Sync + 'static {
    fn type_name(&self) -> &str;
    fn schema(&self) -> &Schema;
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn read(
        &self,
        ctx: &CallContext,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value>;
}

/// What opening an ephemeral resource yields: a value that never reaches state or plan.
pub struct Opened {
    pub result: Value,
    pub private: Option<Vec<u8>>,
    pub renew_at: Option<SystemTime>,
}

/// One object a list resource found: its identity, the name `terraform query` shows for it,
/// and the state a refresh of it would produce.
pub struct Listed {
    pub identity: Value,
    pub display_name: String,
    pub state: Value,
}

/// Where a list resource sends what it finds. The framework streams each result to Terraform as
/// it comes, honours the request's limit, and tells the lookup to stop.
pub struct ListResults {
    /// The stream's channel: results, then the diagnostics (if any) that end it.
    pub(super) tx: tokio::sync::mpsc::Sender<Result<Listed, Diagnostics>>,
    pub(super) remaining: Option<u64>,
    pub(super) include_resource: bool,
    pub(super) stop: CancellationToken,
}

impl ListResults {
    /// Whether Terraform asked for each object's state (`terraform query -generate-config-out`
    /// always does); without it, [`Listed::state`] is not sent and may be null.
    pub fn include_resource(&self) -> bool {
        self.include_resource
    }

    /// Sends one result. Returns false once no more are wanted: the limit is reached, Terraform
    /// closed the stream, or the provider is stopping. The lookup then returns at once, without
    /// another request.
    pub async fn send(&mut self, listed: Listed) -> bool {
        if self.remaining == Some(0) || self.stop.is_cancelled() {
            return false;
        }
        if self.tx.send(Ok(listed)).await.is_err() {
            return false;
        }
        if let Some(remaining) = &mut self.remaining {
            *remaining -= 1;
        }
        self.remaining != Some(0)
    }
}

/// A list resource (`terraform query`, Terraform >= 1.14): finds the remote objects of a
/// managed resource type of the same name, for `terraform query` to show and to write import
/// and resource blocks for. The framework streams, limits and cancels; a list resource is only
/// its lookup.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    /// The managed resource type listed; its identity and state schemas are that resource's.
    fn type_name(&self) -> &str;
    /// The schema of the `list` block's `config`.
    fn schema(&self) -> &Schema;
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Sends each object found to `results`, in order, and returns when done or when `send`
    /// returns false. Problems go to `diags` (attached to a `config` attribute path where one is
    /// to blame); Terraform shows them against the `list` block.
    async fn list(
        &self,
        ctx: &CallContext,
        config: &Value,
        results: &mut ListResults,
        diags: &mut Diagnostics,
    );
}

#[async_trait]
pub trait EphemeralResource: Send + Sync + 'static {
    fn type_name(&self) -> &str;
    fn schema(&self) -> &Schema;
    fn validate_config(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn open(
        &self,
        ctx: &CallContext,
        config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Opened>;
    async fn renew(
        &self,
        _ctx: &CallContext,
        _private: Option<&[u8]>,
        _diags: &mut Diagnostics,
    ) -> Option<SystemTime> {
        None
    }
    async fn close(&self, _ctx: &CallContext, _private: Option<&[u8]>, _diags: &mut Diagnostics) {}
}
