//! The list resources `supabase_secret_api_key` and `supabase_publishable_api_key`
//! (`terraform query`, Terraform >= 1.14): every key of the type in one project, each as its
//! identity and name, and, when Terraform asks, as the state a refresh would produce. That is
//! how keys made in the dashboard come under Terraform: `terraform query -generate-config-out`
//! writes an import block and a resource block for each.
//!
//! A list never reveals a value: a secret key's `api_key` is null here, captured once later by
//! the import. One list request per project answers the whole query (the list the project's
//! refreshes share).

use std::sync::Arc;

use async_trait::async_trait;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::{CallContext, ListResource, ListResults, Listed};
use crate::plugin::schema::{Attribute, Schema};
use crate::plugin::value::path::AttributePath;
use crate::plugin::value::{Type, Value};
use crate::supabase::{ErrorKind, Freshness, KeyType};

use super::super::data::ProviderData;
use super::state::{key_state, text, Kept};
use super::validators::ProjectRef;

pub struct ApiKeyList {
    kind: KeyType,
    type_name: String,
    schema: Schema,
    data: Arc<ProviderData>,
}

impl ApiKeyList {
    pub fn new(kind: KeyType, data: Arc<ProviderData>) -> Self {
        let noun = kind.as_str();
        ApiKeyList {
            kind,
            type_name: format!("supabase_{noun}_api_key"),
            schema: Schema::new(
                0,
                &format!(
                    "Every {noun} API key of one Supabase project, for `terraform query` \
                     (Terraform 1.14 and later).\n\nEach key is listed with its identity \
                     (`project_ref`, `id`) and name, and with `include_resource` with the \
                     attributes a refresh would produce; `-generate-config-out` writes an import \
                     block and a resource block per key. {}",
                    if kind == KeyType::Secret {
                        "No secret is revealed: `api_key` is null, and the import captures it \
                         once."
                    } else {
                        "Its value is public and comes with the list."
                    }
                ),
                vec![Attribute::required("project_ref", Type::String)
                    .validator(ProjectRef)
                    .description(
                        "The reference ID of the project whose keys to list (20 lowercase \
                         letters, as in the dashboard URL).",
                    )],
            ),
            data,
        }
    }
}

impl ApiKeyList {
    /// The warning for a list cut short by the list block's `limit`: Terraform itself says
    /// nothing of the keys it left out.
    fn truncated(&self, project_ref: &str, total: usize, shown: u64) -> Diagnostics {
        let noun = self.kind.as_str();
        let mut diags = Diagnostics::new();
        diags.warning(
            format!("Only {shown} of {total} {noun} API keys listed"),
            format!(
                "Project {project_ref} has {total} {noun} API keys; `terraform query` lists the \
                 first {shown} by name, as many as the list block's `limit` (100 unless set). \
                 To see them all, set `limit = {total}` or more in the list \
                 \"{type_name}\" block. `-generate-config-out` writes blocks only for the keys \
                 listed.",
                type_name = self.type_name,
            ),
        );
        diags
    }
}

#[async_trait]
impl ListResource for ApiKeyList {
    fn type_name(&self) -> &str {
        &self.type_name
    }

    fn schema(&self) -> &Schema {
        &self.schema
    }

    async fn list(
        &self,
        ctx: &CallContext,
        config: &Value,
        results: &mut ListResults,
        diags: &mut Diagnostics,
    ) {
        let Some(project_ref) = text(config, "project_ref") else {
            return;
        };
        let at = AttributePath::root().attribute("project_ref");
        let Some(client) = self.data.client(diags) else {
            return;
        };
        // A read is safe to abandon: once Terraform closes the stream or stops the provider,
        // the list request in flight is dropped rather than waited for.
        let listed = tokio::select! {
            biased;
            () = ctx.stop.cancelled() => {
                diags.attribute_error(
                    at,
                    "Listing cancelled",
                    format!(
                        "Terraform stopped the provider before the API keys of project \
                         {project_ref} were listed."
                    ),
                );
                return;
            }
            listed = client.project_keys(&ctx.stop, &project_ref, Freshness::Latest) => listed,
        };
        let keys = match listed {
            Ok(keys) => keys,
            Err(error) => {
                let summary = if error.kind() == ErrorKind::NotFound {
                    "Project not found"
                } else {
                    "Could not list the project's API keys"
                };
                diags.attribute_error(at, summary, error.to_string());
                return;
            }
        };
        let mut keys: Vec<_> = keys.iter().filter(|k| k.key_type == self.kind).collect();
        keys.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        if let Some(shown) = results.remaining().filter(|&n| n < keys.len() as u64) {
            let warning = self.truncated(&project_ref, keys.len(), shown);
            if !results.warn(warning).await {
                return;
            }
        }
        for key in keys {
            let identity = Value::object([
                ("project_ref", Value::String(project_ref.clone())),
                ("id", Value::String(key.id.clone())),
            ]);
            let state = key_state(
                self.kind,
                key,
                Kept {
                    project_ref: &project_ref,
                    api_key: Value::Null,
                    keepers: Value::Null,
                    template: Value::Null,
                },
            );
            let listed = Listed {
                identity,
                display_name: key.name.clone(),
                state,
            };
            if !results.send(listed).await {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_list_warns_with_the_total_the_number_shown_and_the_limit_to_set() {
        let list = ApiKeyList::new(KeyType::Secret, Arc::new(ProviderData::default()));
        let diags = list.truncated("abcdefghijklmnopqrst", 250, 100);
        let warning = diags.iter().next().expect("a warning");
        assert!(!diags.has_errors());
        assert_eq!(warning.summary, "Only 100 of 250 secret API keys listed");
        for expected in [
            "Project abcdefghijklmnopqrst has 250 secret API keys",
            "first 100 by name",
            "set `limit = 250` or more in the list \"supabase_secret_api_key\" block",
        ] {
            assert!(
                warning.detail.contains(expected),
                "{expected:?}: {warning:?}"
            );
        }
    }
}
