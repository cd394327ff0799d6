//! Server-side truth: projects, their keys and their legacy keys.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::project::ProjectInfo;
use crate::{clock, keygen};

/// One API key as the server stores it (full secret, no masking).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// `"secret"` or `"publishable"`.
    #[serde(rename = "type")]
    pub key_type: String,
    pub api_key: String,
    pub prefix: Option<String>,
    pub hash: Option<String>,
    pub description: Option<String>,
    pub secret_jwt_template: Option<Value>,
    /// RFC 3339, e.g. `2026-11-26T18:19:20.123Z`.
    pub inserted_at: String,
    /// RFC 3339; strictly later than the previous value after each update.
    pub updated_at: String,
}

/// A key created outside Terraform with [`crate::Simulator::seed_key`].
#[derive(Clone, Debug, PartialEq)]
pub struct KeySeed {
    pub name: String,
    /// `"secret"` or `"publishable"`.
    pub key_type: String,
    pub description: Option<String>,
    /// `None` on a secret key means the default `{"role":"service_role"}`.
    pub secret_jwt_template: Option<Value>,
}

impl KeySeed {
    pub fn secret(name: &str) -> Self {
        KeySeed {
            name: name.to_owned(),
            key_type: "secret".to_owned(),
            description: None,
            secret_jwt_template: None,
        }
    }

    pub fn publishable(name: &str) -> Self {
        KeySeed {
            key_type: "publishable".to_owned(),
            ..KeySeed::secret(name)
        }
    }

    pub fn with_description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }
}

/// An out-of-band change to a key ([`crate::Simulator::update_key_out_of_band`]).
/// `None` leaves a field unchanged; `Some(None)` clears a nullable field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyPatch {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
    pub secret_jwt_template: Option<Option<Value>>,
}

/// The template Supabase's own clients send for secret keys, used here as the
/// server default when a secret key is created without one.
pub fn default_secret_template() -> Value {
    serde_json::json!({ "role": "service_role" })
}

/// A legacy JWT key (`anon` or `service_role`).
#[derive(Clone, Debug)]
pub(crate) struct LegacyKey {
    pub name: &'static str,
    pub api_key: String,
    pub prefix: String,
    pub hash: String,
}

impl LegacyKey {
    pub fn description(&self) -> String {
        format!("Legacy {} API key", self.name)
    }
}

#[derive(Debug)]
struct StoredKey {
    key: ApiKey,
    updated_ms: i64,
}

#[derive(Debug)]
pub(crate) struct Project {
    keys: Vec<StoredKey>,
    pub legacy_enabled: bool,
    pub legacy: Vec<LegacyKey>,
    /// What the project GET reports, and whether the api-keys endpoints serve the project.
    pub info: ProjectInfo,
}

impl Project {
    fn new(project_ref: &str, legacy_enabled: bool) -> Self {
        let secret = keygen::jwt_secret();
        let iat = (clock::now_millis() / 1000) as u64;
        let legacy = ["anon", "service_role"]
            .into_iter()
            .map(|role| {
                let api_key = keygen::legacy_jwt(project_ref, role, &secret, iat);
                LegacyKey {
                    name: role,
                    prefix: keygen::alphanumeric(5),
                    hash: keygen::key_hash(&api_key),
                    api_key,
                }
            })
            .collect();
        Project {
            keys: Vec::new(),
            legacy_enabled,
            legacy,
            info: ProjectInfo::new(),
        }
    }

    /// New-style keys in list order: publishable keys, then secret keys, each
    /// in creation order.
    pub fn keys(&self) -> Vec<ApiKey> {
        let mut out: Vec<ApiKey> = Vec::with_capacity(self.keys.len());
        for wanted in ["publishable", "secret"] {
            out.extend(
                self.keys
                    .iter()
                    .filter(|k| k.key.key_type == wanted)
                    .map(|k| k.key.clone()),
            );
        }
        out
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.key.id.eq_ignore_ascii_case(id))
    }

    fn name_taken(&self, name: &str, key_type: &str, except_id: Option<&str>) -> bool {
        self.keys.iter().any(|k| {
            k.key.name == name && k.key.key_type == key_type && Some(k.key.id.as_str()) != except_id
        })
    }
}

/// Why a store operation failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StoreError {
    NoProject,
    NoKey,
    DuplicateName,
}

/// All projects, by ref.
#[derive(Debug, Default)]
pub(crate) struct Store {
    projects: BTreeMap<String, Project>,
}

impl Store {
    pub fn add_project(&mut self, project_ref: &str, legacy_enabled: bool) {
        self.projects
            .entry(project_ref.to_owned())
            .or_insert_with(|| Project::new(project_ref, legacy_enabled));
    }

    pub fn remove_project(&mut self, project_ref: &str) -> bool {
        self.projects.remove(project_ref).is_some()
    }

    pub fn project(&self, project_ref: &str) -> Option<&Project> {
        self.projects.get(project_ref)
    }

    pub fn project_mut(&mut self, project_ref: &str) -> Option<&mut Project> {
        self.projects.get_mut(project_ref)
    }

    pub fn create(
        &mut self,
        project_ref: &str,
        seed: KeySeed,
        unique_names: bool,
    ) -> Result<ApiKey, StoreError> {
        let project = self.project_mut(project_ref).ok_or(StoreError::NoProject)?;
        if unique_names && project.name_taken(&seed.name, &seed.key_type, None) {
            return Err(StoreError::DuplicateName);
        }
        let now = clock::now_millis();
        let api_key = keygen::new_key_value(&seed.key_type);
        let secret_jwt_template = match (seed.key_type.as_str(), seed.secret_jwt_template) {
            ("secret", None) => Some(default_secret_template()),
            (_, template) => template,
        };
        let key = ApiKey {
            id: keygen::uuid_v4(),
            name: seed.name,
            prefix: Some(keygen::key_prefix(&seed.key_type, &api_key)),
            hash: Some(keygen::key_hash(&api_key)),
            key_type: seed.key_type,
            api_key,
            description: seed.description,
            secret_jwt_template,
            inserted_at: clock::rfc3339(now),
            updated_at: clock::rfc3339(now),
        };
        project.keys.push(StoredKey {
            key: key.clone(),
            updated_ms: now,
        });
        Ok(key)
    }

    pub fn get(&self, project_ref: &str, id: &str) -> Result<ApiKey, StoreError> {
        let project = self.project(project_ref).ok_or(StoreError::NoProject)?;
        let i = project.position(id).ok_or(StoreError::NoKey)?;
        Ok(project.keys[i].key.clone())
    }

    pub fn update(
        &mut self,
        project_ref: &str,
        id: &str,
        patch: KeyPatch,
        unique_names: bool,
    ) -> Result<ApiKey, StoreError> {
        let project = self.project_mut(project_ref).ok_or(StoreError::NoProject)?;
        let i = project.position(id).ok_or(StoreError::NoKey)?;
        if let Some(name) = &patch.name {
            let current = &project.keys[i].key;
            if unique_names && project.name_taken(name, &current.key_type, Some(&current.id)) {
                return Err(StoreError::DuplicateName);
            }
        }
        let stored = &mut project.keys[i];
        if let Some(name) = patch.name {
            stored.key.name = name;
        }
        if let Some(description) = patch.description {
            stored.key.description = description;
        }
        if let Some(template) = patch.secret_jwt_template {
            stored.key.secret_jwt_template = template;
        }
        let now = clock::now_millis().max(stored.updated_ms + 1);
        stored.updated_ms = now;
        stored.key.updated_at = clock::rfc3339(now);
        Ok(stored.key.clone())
    }

    pub fn delete(&mut self, project_ref: &str, id: &str) -> Result<ApiKey, StoreError> {
        let project = self.project_mut(project_ref).ok_or(StoreError::NoProject)?;
        let i = project.position(id).ok_or(StoreError::NoKey)?;
        Ok(project.keys.remove(i).key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REF: &str = "abcdefghijklmnopqrst";

    #[test]
    fn create_update_delete() {
        let mut store = Store::default();
        store.add_project(REF, true);
        let k = store.create(REF, KeySeed::secret("ci_key"), true).unwrap();
        assert_eq!(k.secret_jwt_template, Some(default_secret_template()));
        assert_eq!(
            store.create(REF, KeySeed::secret("ci_key"), true),
            Err(StoreError::DuplicateName)
        );
        assert!(store
            .create(REF, KeySeed::publishable("ci_key"), true)
            .is_ok());
        assert!(store.create(REF, KeySeed::secret("ci_key"), false).is_ok());
        let before = k.updated_at.clone();
        let u = store
            .update(
                REF,
                &k.id.to_uppercase(),
                KeyPatch {
                    description: Some(Some("d".into())),
                    ..KeyPatch::default()
                },
                true,
            )
            .unwrap();
        assert_eq!(u.description.as_deref(), Some("d"));
        assert!(u.updated_at > before);
        assert_eq!(store.delete(REF, &k.id).unwrap().id, k.id);
        assert_eq!(store.get(REF, &k.id), Err(StoreError::NoKey));
        assert_eq!(
            store.get("zzzzzzzzzzzzzzzzzzzz", &k.id),
            Err(StoreError::NoProject)
        );
    }

    #[test]
    fn list_order_is_publishable_then_secret() {
        let mut store = Store::default();
        store.add_project(REF, true);
        store.create(REF, KeySeed::secret("s_one"), true).unwrap();
        store
            .create(REF, KeySeed::publishable("p_one"), true)
            .unwrap();
        store.create(REF, KeySeed::secret("s_two"), true).unwrap();
        let names: Vec<String> = store
            .project(REF)
            .unwrap()
            .keys()
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["p_one", "s_one", "s_two"]);
    }
}
