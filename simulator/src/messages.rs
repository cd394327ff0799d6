//! The `{"message": …}` texts the simulator answers with. Where the
//! reference gives a real body it is used verbatim; the others are choices
//! (see the crate docs) kept in one place so tests can compare against them.

/// 401 for a missing, malformed or unknown bearer token (observed body).
pub const UNAUTHORIZED: &str = "Unauthorized";
/// 403 for a token lacking the endpoint's permission, or lacking secret read
/// on `reveal=true` in [`crate::RevealDenial::Forbidden`] mode (third-party
/// report of the api-keys reveal denial).
pub const FORBIDDEN: &str = "Your account does not have the necessary privileges";
/// 404 for a well-formed ref that names no project (not documented), and from the project GET
/// for a preview branch (real).
pub const PROJECT_NOT_FOUND: &str = "Project not found";
/// 404 from the api-keys endpoints for a project that is provisioning or busy (the body seen
/// for a project `link` could not use; status code not recorded).
pub const NOT_FOUND: &str = "Not Found";
/// 400 from the api-keys endpoints for a project going away, paused, removed or failed (a
/// choice: the real answer is unknown).
pub const PROJECT_NOT_ACTIVE: &str = "Project is not active";
/// 403 from the project GET for a token without "Project Settings: Read" (the full text seen on
/// other endpoints).
pub const PROJECT_FORBIDDEN: &str =
    "Your account does not have the necessary privileges to access this endpoint.";
/// 404 for a well-formed id that names no key of the project (not documented).
pub const KEY_NOT_FOUND: &str = "API key not found";
/// 404 for a path that is no route (NestJS style, not documented).
pub const ROUTE_NOT_FOUND_PREFIX: &str = "Cannot";
/// 400 for a non-UUID `{id}` (third-party report).
pub const INVALID_UUID: &str = "id: Invalid UUID";
/// 400 for a `{ref}` that is not 20 lowercase letters (spec pattern; text not
/// documented).
pub const INVALID_REF: &str = "ref: Invalid project ref, it must be 20 lowercase letters";
/// 400 for a name outside the spec pattern (real body, from a Terraform
/// provider PR).
pub const NAME_PATTERN: &str = "name: Name must start with a lowercase letter or an underscore, followed only by lowercase alphanumeric characters or underscore";
/// 400 for a name shorter than 4 (dashboard wording, server text unknown).
pub const NAME_TOO_SHORT: &str = "name: Name must be at least 4 characters";
/// 400 for a name longer than 64 (dashboard wording, server text unknown).
pub const NAME_TOO_LONG: &str = "name: Name can't be more than 64 characters long";
/// 400 for the reserved names (dashboard wording, server behaviour unknown).
pub const NAME_RESERVED: &str =
    "name: Using \"anon\" or \"service_role\" for API key name is not possible";
/// 409 for a name already used by a key of the same type in the project
/// (when `unique_names` is on; status and text not documented).
pub const NAME_TAKEN: &str = "name: An API key with this name and type already exists";
/// 400 when the body is absent or not a JSON object.
pub const INVALID_BODY: &str = "Request body must be a JSON object";
/// 429 once the budget of the window is spent (the only 429 body the
/// reference quotes).
pub const TOO_MANY_REQUESTS: &str = "Too Many Requests";
