//! `terraform import ADDR <project_ref>/<id>` or `<project_ref>/<name>`. The one place besides
//! create that reads a secret: a secret key's value is revealed once, when the token may. A
//! publishable key's value comes with the list, so its import reveals nothing.

use std::time::Instant;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::CallContext;
use crate::plugin::value::Value;
use crate::supabase::{ApiKey, ErrorKind, Freshness, KeyType};

use super::state::{key_state, value_is_public, Kept};
use super::validators::{is_project_ref, RESERVED_NAMES};
use super::{secret_permission_help, type_name, ApiKeyResource};

const SUMMARY: &str = "Cannot import the API key";
const USAGE: &str = "Use <project_ref>/<key id> or <project_ref>/<key name>, for example \
                     abcdefghijklmnopqrst/22222222-2222-4222-8222-222222222222 or \
                     abcdefghijklmnopqrst/production_backend_key.";

/// Whether `text` has the shape of a key id (a UUID, any case).
pub fn looks_like_uuid(text: &str) -> bool {
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
    let began = Instant::now();
    let list =
        |since: Instant| client.project_keys(&ctx.stop, project_ref, Freshness::After(since));
    // The key existed when this Terraform command began, maybe made moments before it outside
    // Terraform: any list requested since the command configured the provider holds it, so
    // every import and refresh of the command shares one. A key it misses may be newer (a
    // `--debug` provider serves several commands): one more list, requested after this import
    // began, has the last word.
    let mut listed = list(resource.data.configured_at()).await;
    if listed
        .as_ref()
        .is_ok_and(|keys| lookup(keys, resource.kind, wanted(which)).is_err())
    {
        listed = list(began).await;
    }
    let keys = match listed {
        Ok(keys) => keys,
        Err(error) => {
            diags.error(SUMMARY, error.to_string());
            return None;
        }
    };
    let key = find_key(resource, &keys, project_ref, which, diags)?;
    if resource.data.walk().note_import(&key.id) {
        already_managed(resource, project_ref, key, diags);
        return None;
    }
    resource.data.claim(&key.id);

    let api_key = if value_is_public(resource.kind) {
        // Listed in full: no reveal, no secret permission.
        key.api_key
            .as_ref()
            .map(|value| Value::String(value.expose().to_string()))
    } else {
        match client.get_key(&ctx.stop, project_ref, &key.id, true).await {
            Ok(revealed) => revealed
                .api_key
                .map(|s| Value::String(s.expose().to_string())),
            Err(error) if error.kind() == ErrorKind::Forbidden => None,
            Err(error) => {
                diags.error(SUMMARY, format!("Reading the key's value failed: {error}"));
                return None;
            }
        }
    };
    if api_key.is_none() {
        value_missing(resource.kind, &key.name, &key.id, "imported", diags);
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

/// A key enters state without its value: an import whose token could not reveal it, or a moved
/// state that held none. `arrived` says how, e.g. "imported".
pub fn value_missing(kind: KeyType, name: &str, id: &str, arrived: &str, diags: &mut Diagnostics) {
    let what_to_do = if value_is_public(kind) {
        "The next refresh reads it from the project's key list.".to_string()
    } else {
        format!(
            "{} Then remove it from state and import it again, or replace it (for example by \
             changing `keepers`).",
            secret_permission_help()
        )
    };
    diags.warning(
        "The key's value could not be read",
        format!(
            "The {} key {name:?} ({id}) was {arrived} without its value: `api_key` stays null. \
             {what_to_do}",
            kind.as_str()
        ),
    );
}

/// Another resource of this walk already holds the key (refreshed or planned it, or imports it
/// too). The plan of whichever comes second fails likewise when the import is first (see
/// [`super::walk`]).
fn already_managed(
    resource: &ApiKeyResource,
    project_ref: &str,
    key: &ApiKey,
    diags: &mut Diagnostics,
) {
    diags.error(
        "The API key is already managed in this state",
        format!(
            "The {} key {:?} (id {}) of project {project_ref} is already held by another resource \
             of this state (or imported by another import of this configuration). Two resources \
             managing one key undo each other's changes, and replacing one deletes the key the \
             other holds. Remove this import block (or do not run this terraform import); to \
             give the key another address, use a moved block instead.",
            resource.noun(),
            key.name,
            key.id
        ),
    );
}

fn find_key<'a>(
    resource: &ApiKeyResource,
    keys: &'a [ApiKey],
    project_ref: &str,
    which: &str,
    diags: &mut Diagnostics,
) -> Option<&'a ApiKey> {
    let wanted = wanted(which);
    let missing = match lookup(keys, resource.kind, wanted) {
        Ok(key) => return Some(key),
        Err(missing) => missing,
    };
    let problem = missing.describe(project_ref, resource.kind, wanted);
    let what_to_do = match &missing {
        Missing::NoSuchId => {
            Some("Check the id in the dashboard under Project Settings > API Keys.".to_string())
        }
        Missing::OtherType(key) => {
            Some(format!("Import it as {} instead.", type_name(key.key_type)))
        }
        Missing::NoSuchName { .. } => None,
        Missing::Several(_) => Some(format!("Import one by its id instead: {project_ref}/<id>.")),
    };
    diags.error(
        SUMMARY,
        match what_to_do {
            Some(advice) => format!("{problem} {advice}"),
            None => problem,
        },
    );
    None
}

/// An import ID's key part: an id if it has a UUID's shape, else a name.
fn wanted(which: &str) -> Wanted<'_> {
    if looks_like_uuid(which) {
        Wanted::Id(which)
    } else {
        Wanted::Name(which)
    }
}

/// How a configuration or an import ID names a key: by id (a UUID) or by name.
#[derive(Clone, Copy, Debug)]
pub enum Wanted<'a> {
    Id(&'a str),
    Name(&'a str),
}

impl Wanted<'_> {
    fn text(&self) -> &str {
        match self {
            Wanted::Id(text) | Wanted::Name(text) => text,
        }
    }
}

/// Why a project's keys hold no single key of the wanted type by that id or name.
#[derive(Debug)]
pub enum Missing<'a> {
    /// No key has that id.
    NoSuchId,
    /// The key with that id is of another type.
    OtherType(&'a ApiKey),
    /// No key of the wanted type has that name; keys of `other_types` do.
    NoSuchName { other_types: Vec<KeyType> },
    /// Several keys of the wanted type have that name.
    Several(Vec<&'a ApiKey>),
}

/// The one key of type `kind` among a project's `keys` (its list) that `wanted` names. Ids
/// compare case-insensitively, names exactly; only keys of `kind` match a name.
pub fn lookup<'a>(
    keys: &'a [ApiKey],
    kind: KeyType,
    wanted: Wanted<'_>,
) -> Result<&'a ApiKey, Missing<'a>> {
    match wanted {
        Wanted::Id(id) => match keys.iter().find(|k| k.id.eq_ignore_ascii_case(id)) {
            None => Err(Missing::NoSuchId),
            Some(key) if key.key_type != kind => Err(Missing::OtherType(key)),
            Some(key) => Ok(key),
        },
        Wanted::Name(name) => {
            let named: Vec<&ApiKey> = keys
                .iter()
                .filter(|k| k.name == name && k.key_type == kind)
                .collect();
            match named.as_slice() {
                [key] => Ok(key),
                [] => Err(Missing::NoSuchName {
                    other_types: keys
                        .iter()
                        .filter(|k| k.name == name)
                        .map(|k| k.key_type)
                        .collect(),
                }),
                _ => Err(Missing::Several(named)),
            }
        }
    }
}

impl Missing<'_> {
    /// What is wrong, in one sentence that names the project and the key; callers add what to
    /// do, which depends on where the id or name came from.
    pub fn describe(&self, project_ref: &str, kind: KeyType, wanted: Wanted<'_>) -> String {
        let noun = kind.as_str();
        let which = wanted.text();
        match self {
            Missing::NoSuchId => format!("Project {project_ref} has no API key with id {which}."),
            Missing::OtherType(key) => format!(
                "The key {which} ({:?}) is a {} key, not a {noun} key.",
                key.name,
                key.key_type.as_str()
            ),
            Missing::NoSuchName { other_types } => {
                let hint = if other_types.is_empty() {
                    String::new()
                } else {
                    let types: Vec<&str> = other_types.iter().map(|k| k.as_str()).collect();
                    format!(" (there is a {} key of that name)", types.join(" and a "))
                };
                format!("Project {project_ref} has no {noun} key named {which:?}{hint}.")
            }
            Missing::Several(keys) => {
                let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
                format!(
                    "Project {project_ref} has {} {noun} keys named {which:?}: {}.",
                    ids.len(),
                    ids.join(", ")
                )
            }
        }
    }
}
