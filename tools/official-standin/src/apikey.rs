//! `supabase_apikey` as the official provider declares it
//! (`internal/provider/apikey_resource.go`): the same attributes, types, presence and
//! sensitivity, schema version 0. Plan modifiers are left out: they change no type, and a
//! resource that stays in state plans no change without them.

use async_trait::async_trait;
use terraform_provider_supabase::plugin::diag::Diagnostics;
use terraform_provider_supabase::plugin::framework::{CallContext, Private, Resource};
use terraform_provider_supabase::plugin::schema::{Attribute, Nesting, Presence, Schema};
use terraform_provider_supabase::plugin::value::{Type, Value};

pub struct ApiKey {
    schema: Schema,
}

impl ApiKey {
    pub fn new() -> ApiKey {
        ApiKey { schema: schema() }
    }
}

fn schema() -> Schema {
    Schema::new(
        0,
        "API Key resource",
        vec![
            Attribute::computed("id", Type::String),
            Attribute::required("project_ref", Type::String),
            Attribute::required("name", Type::String),
            Attribute::optional("description", Type::String),
            Attribute::computed("type", Type::String),
            Attribute::computed("api_key", Type::String).sensitive(),
            // A SingleNestedAttribute in the framework: an object attribute, not a block.
            Attribute::nested(
                "secret_jwt_template",
                Nesting::Single,
                Presence::Computed,
                vec![Attribute::computed("role", Type::String)],
            ),
        ],
    )
}

/// What the stand-in refuses: it only holds state that tests seeded, for moves out of it.
fn not_served(what: &str, diags: &mut Diagnostics) {
    diags.error(
        "Not served by the stand-in",
        format!(
            "The stand-in for the official Supabase provider serves its schema only, for moves \
             out of supabase_apikey; it cannot {what}."
        ),
    );
}

#[async_trait]
impl Resource for ApiKey {
    fn type_name(&self) -> &str {
        "supabase_apikey"
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn create(
        &self,
        _ctx: &CallContext,
        _planned: &Value,
        _config: &Value,
        _private: &Private,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        not_served("create a key", diags);
        None
    }

    /// A refresh that finds the key unchanged. The official Read re-reveals the secret
    /// (`GET .../api-keys/{id}?reveal=true`); leaving state as it is keeps the API's request
    /// log to the provider under test.
    async fn read(
        &self,
        _ctx: &CallContext,
        state: &Value,
        _diags: &mut Diagnostics,
    ) -> Option<Value> {
        Some(state.clone())
    }

    async fn update(
        &self,
        _ctx: &CallContext,
        _prior: &Value,
        _planned: &Value,
        _config: &Value,
        diags: &mut Diagnostics,
    ) -> Option<Value> {
        not_served("update a key", diags);
        None
    }

    async fn delete(&self, _ctx: &CallContext, _prior: &Value, diags: &mut Diagnostics) {
        not_served("delete a key", diags);
    }
}
