//! The calls of the client as errors describe them, and the permissions each needs.

use super::keys::KeyType;

/// A permission of the Management API, as the dashboard, the fine-grained permission
/// names and the OAuth scopes call it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    KeysRead,
    KeysWrite,
    KeySecretsRead,
    /// Reading a project's settings, its status among them: optional for this provider, which
    /// asks only to tell a mistyped reference from a project still coming up.
    ProjectRead,
}

impl Permission {
    /// The name in the access token settings of the dashboard.
    pub fn label(self) -> &'static str {
        match self {
            Permission::KeysRead => "API Keys: Read",
            Permission::KeysWrite => "API Keys: Read-write",
            Permission::KeySecretsRead => "API Key Secrets: Read",
            Permission::ProjectRead => "Project Settings: Read",
        }
    }

    /// The fine-grained permission the API checks.
    pub fn fga_name(self) -> &'static str {
        match self {
            Permission::KeysRead => "api_gateway_keys_read",
            Permission::KeysWrite => "api_gateway_keys_write",
            Permission::KeySecretsRead => "api_gateway_keys_secret_read",
            Permission::ProjectRead => "project_admin_read",
        }
    }

    /// The OAuth scope that grants it to an OAuth app's token.
    pub fn oauth_scope(self) -> &'static str {
        match self {
            Permission::KeysRead | Permission::KeySecretsRead => "secrets:read",
            Permission::KeysWrite => "secrets:write",
            Permission::ProjectRead => "projects:read",
        }
    }

    pub(crate) fn describe(self) -> String {
        format!(
            "\"{}\" (permission {}, OAuth scope {})",
            self.label(),
            self.fga_name(),
            self.oauth_scope()
        )
    }
}

/// The call an error belongs to; it words the message and knows the permissions needed.
#[derive(Clone, Debug)]
pub(crate) enum Operation {
    Configure,
    List {
        project_ref: String,
    },
    Get {
        project_ref: String,
        id: String,
        reveal: bool,
    },
    Create {
        project_ref: String,
        name: String,
        key_type: KeyType,
    },
    Update {
        project_ref: String,
        id: String,
    },
    Delete {
        project_ref: String,
        id: String,
    },
    GetProject {
        project_ref: String,
    },
}

impl Operation {
    /// What the call does, e.g. `list the API keys of project abc…`.
    pub(crate) fn doing(&self) -> String {
        match self {
            Operation::Configure => "set up the Supabase Management API client".into(),
            Operation::List { project_ref } => {
                format!("list the API keys of project {project_ref}")
            }
            Operation::Get {
                project_ref,
                id,
                reveal,
            } => format!(
                "read API key {id} of project {project_ref}{}",
                if *reveal { " with its secret" } else { "" }
            ),
            Operation::Create {
                project_ref,
                name,
                key_type,
            } => format!(
                "create {} API key \"{name}\" in project {project_ref}",
                key_type.as_str()
            ),
            Operation::Update { project_ref, id } => {
                format!("update API key {id} of project {project_ref}")
            }
            Operation::Delete { project_ref, id } => {
                format!("delete API key {id} of project {project_ref}")
            }
            Operation::GetProject { project_ref } => format!("read project {project_ref}"),
        }
    }

    /// The project the call is about.
    pub(crate) fn project_ref(&self) -> Option<&str> {
        match self {
            Operation::Configure => None,
            Operation::List { project_ref }
            | Operation::Get { project_ref, .. }
            | Operation::Create { project_ref, .. }
            | Operation::Update { project_ref, .. }
            | Operation::Delete { project_ref, .. }
            | Operation::GetProject { project_ref } => Some(project_ref),
        }
    }

    /// The endpoint the API counts the call against (its rate limit is per endpoint): the
    /// OpenAPI operation.
    pub(crate) fn endpoint(&self) -> &'static str {
        match self {
            Operation::Configure => "none",
            Operation::List { .. } => "list",
            Operation::Get { .. } => "get",
            Operation::Create { .. } => "create",
            Operation::Update { .. } => "update",
            Operation::Delete { .. } => "delete",
            Operation::GetProject { .. } => "project",
        }
    }

    pub(crate) fn action(&self) -> String {
        format!("could not {}", self.doing())
    }

    /// What the call needs. A secret key's create asks for the secret back (`reveal=true`),
    /// so it also needs secret read; the API does not say which one is missing.
    pub(crate) fn permissions(&self) -> Vec<Permission> {
        match self {
            Operation::Configure => vec![],
            Operation::List { .. } => vec![Permission::KeysRead],
            Operation::Get { reveal: false, .. } => vec![Permission::KeysRead],
            Operation::Get { reveal: true, .. } => {
                vec![Permission::KeysRead, Permission::KeySecretsRead]
            }
            Operation::Create {
                key_type: KeyType::Secret,
                ..
            } => vec![Permission::KeysWrite, Permission::KeySecretsRead],
            Operation::Create { .. } => vec![Permission::KeysWrite],
            Operation::Update { .. } | Operation::Delete { .. } => vec![Permission::KeysWrite],
            Operation::GetProject { .. } => vec![Permission::ProjectRead],
        }
    }

    pub(crate) fn not_found(&self) -> String {
        match self {
            Operation::List { project_ref } | Operation::Create { project_ref, .. } => format!(
                "project {project_ref} does not exist, or the token's account cannot see it; \
                 check the project ref"
            ),
            Operation::Get {
                project_ref, id, ..
            }
            | Operation::Update { project_ref, id }
            | Operation::Delete { project_ref, id } => format!(
                "API key {id} does not exist in project {project_ref} (it was deleted, or the \
                 project is gone or not visible to the token)"
            ),
            Operation::GetProject { project_ref } => {
                format!("no project {project_ref} is visible to this token")
            }
            Operation::Configure => "not found".into(),
        }
    }
}
