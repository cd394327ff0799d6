//! `terraform import ADDR <project_ref>/<id>` or `<project_ref>/<name>`. The one place besides
//! create that reads a secret: the value is revealed once, when the token may.

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::CallContext;
use crate::plugin::value::Value;
use crate::supabase::{ApiKey, ErrorKind};

use super::state::{key_state, Kept};
use super::validators::{is_project_ref, RESERVED_NAMES};
use super::{secret_permission_help, ApiKeyResource};

const SUMMARY: &str = "Cannot import the API key";
const USAGE: &str = "Use <project_ref>/<key id> or <project_ref>/<key name>, for example \
                     abcdefghijklmnopqrst/22222222-2222-4222-8222-222222222222 or \
                     abcdefghijklmnopqrst/production_backend_key.";

fn looks_like_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

pub async fn import(
    resource: &ApiKeyResource,
    ctx: &CallContext,
    import_id: &str,
    diags: &mut Diagnostics,
) -> Option<Value> {
    let noun = resource.noun();
    let Some((project_ref, which)) = import_id.split_once('/') else {
        diags.error(
            SUMMARY,
            format!("{import_id:?} is not an import ID for a {noun} API key. {USAGE}"),
        );
        return None;
    };
    if !is_project_ref(project_ref) || which.is_empty() {
        diags.error(
            SUMMARY,
            format!("{import_id:?} does not start with a project reference (20 lowercase letters) followed by a key. {USAGE}"),
        );
        return None;
    }
    if RESERVED_NAMES.contains(&which) {
        diags.error(
            SUMMARY,
            format!(
                "{which:?} is one of Supabase's legacy JWT keys (anon, service_role), which cannot \
                 be created, renamed or deleted through the API-keys endpoints, so Terraform cannot \
                 manage it. Import a {noun} key (sb_{noun}_...) instead."
            ),
        );
        return None;
    }
    let client = resource.data.client(diags)?;
    let keys = match client.list_keys(&ctx.stop, project_ref).await {
        Ok(keys) => keys,
        Err(error) => {
            diags.error(SUMMARY, error.to_string());
            return None;
        }
    };
    let key = find_key(resource, &keys, project_ref, which, diags)?;
    resource.data.claim(&key.id);

    let api_key = match client.get_key(&ctx.stop, project_ref, &key.id, true).await {
        Ok(revealed) => revealed
            .api_key
            .map(|s| Value::String(s.expose().to_string())),
        Err(error) if error.kind() == ErrorKind::Forbidden => None,
        Err(error) => {
            diags.error(SUMMARY, format!("Reading the key's value failed: {error}"));
            return None;
        }
    };
    if api_key.is_none() {
        diags.warning(
            "The key's value could not be read",
            format!(
                "The {noun} key {:?} ({}) was imported without its value: `api_key` stays null. \
                 {} Then remove it from state and import it again, or replace it (for example \
                 by changing `keepers`).",
                key.name,
                key.id,
                secret_permission_help()
            ),
        );
    }
    Some(key_state(
        resource.kind,
        key,
        Kept {
            project_ref,
            api_key: api_key.unwrap_or(Value::Null),
            keepers: Value::Null,
            template: Value::Null,
        },
    ))
}

fn find_key<'a>(
    resource: &ApiKeyResource,
    keys: &'a [ApiKey],
    project_ref: &str,
    which: &str,
    diags: &mut Diagnostics,
) -> Option<&'a ApiKey> {
    let noun = resource.noun();
    if looks_like_uuid(which) {
        return match keys.iter().find(|k| k.id.eq_ignore_ascii_case(which)) {
            None => {
                diags.error(SUMMARY, format!("Project {project_ref} has no API key with id {which}. Check the id in the dashboard under Project Settings > API Keys."));
                None
            }
            Some(key) if key.key_type != resource.kind => {
                diags.error(
                    SUMMARY,
                    format!(
                        "The key {which} ({:?}) is a {} key, not a {noun} key. Import it as \
                         supabase_{}_api_key instead.",
                        key.name,
                        key.key_type.as_str(),
                        key.key_type.as_str()
                    ),
                );
                None
            }
            Some(key) => Some(key),
        };
    }
    let named: Vec<&ApiKey> = keys
        .iter()
        .filter(|k| k.name == which && k.key_type == resource.kind)
        .collect();
    match named.as_slice() {
        [key] => Some(key),
        [] => {
            let other_types: Vec<&str> = keys
                .iter()
                .filter(|k| k.name == which)
                .map(|k| k.key_type.as_str())
                .collect();
            let hint = if other_types.is_empty() {
                String::new()
            } else {
                format!(
                    " (there is a {} key of that name)",
                    other_types.join(" and a ")
                )
            };
            diags.error(
                SUMMARY,
                format!("Project {project_ref} has no {noun} key named {which:?}{hint}."),
            );
            None
        }
        several => {
            let ids: Vec<&str> = several.iter().map(|k| k.id.as_str()).collect();
            diags.error(
                SUMMARY,
                format!(
                    "Project {project_ref} has {} {noun} keys named {which:?}: {}. Import one by \
                     its id instead: {project_ref}/<id>.",
                    ids.len(),
                    ids.join(", ")
                ),
            );
            None
        }
    }
}
