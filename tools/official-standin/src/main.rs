//! supabase-official-standin: a test-only stand-in for the official Supabase provider
//! (`registry.terraform.io/supabase/supabase`), so the acceptance tests can move a
//! `supabase_apikey` out of it without the internet. Terraform needs a binary at the source
//! address that a state names: `init` installs it and the plan loads its schema, even when the
//! configuration no longer uses it. Tests install it under the name Terraform looks for,
//! `terraform-provider-supabase`, in a directory of its own.
//!
//! It serves the official provider's schema (provider block and `supabase_apikey`, schema
//! version 0) and never calls the API: tests seed the state the official provider writes.

mod apikey;

use std::process::ExitCode;
use std::sync::Arc;

use async_trait::async_trait;
use terraform_provider_supabase::plugin::diag::Diagnostics;
use terraform_provider_supabase::plugin::framework::{CallContext, Provider, Resource};
use terraform_provider_supabase::plugin::schema::{Attribute, Schema};
use terraform_provider_supabase::plugin::serve::{self, ServeOptions};
use terraform_provider_supabase::plugin::value::{Type, Value};

/// The official provider's source address.
const SOURCE_ADDRESS: &str = "registry.terraform.io/supabase/supabase";

fn main() -> ExitCode {
    let debug = std::env::args()
        .skip(1)
        .any(|a| a == "--debug" || a == "-debug");
    serve::run(
        Arc::new(OfficialStandin),
        ServeOptions {
            address: SOURCE_ADDRESS,
            debug,
        },
    )
}

struct OfficialStandin;

#[async_trait]
impl Provider for OfficialStandin {
    fn type_name(&self) -> &str {
        "supabase"
    }

    /// The official provider block (`internal/provider/provider.go`): both optional, with
    /// environment fallbacks this stand-in never needs.
    fn schema(&self) -> Schema {
        Schema::new(
            0,
            "Stand-in for the official Supabase provider (tests only).",
            vec![
                Attribute::optional("access_token", Type::String).sensitive(),
                Attribute::optional("endpoint", Type::String),
            ],
        )
    }

    fn resources(&self) -> Vec<Arc<dyn Resource>> {
        vec![Arc::new(apikey::ApiKey::new())]
    }

    async fn configure(
        &self,
        _ctx: &CallContext,
        _terraform_version: &str,
        _config: &Value,
        _diags: &mut Diagnostics,
    ) {
    }
}
