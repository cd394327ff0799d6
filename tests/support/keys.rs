//! Shared by the tests of the API key resources and the `supabase_api_keys` data source: which
//! requests listed a project's keys or asked for a key's value, and whether a text (state,
//! plan, output) holds one.

#![allow(dead_code)]

use supabase_simulator::{LoggedRequest, Simulator};

/// The path of a project's key list (GET lists, POST creates).
pub fn keys_path(project_ref: &str) -> String {
    format!("/v1/projects/{project_ref}/api-keys")
}

/// How many of `requests` listed `project_ref`'s keys.
pub fn list_requests(requests: &[LoggedRequest], project_ref: &str) -> usize {
    requests
        .iter()
        .filter(|r| r.method == http::Method::GET && r.path == keys_path(project_ref))
        .count()
}

/// `METHOD path?query` of every request that asked for key values (`reveal=true`).
pub fn reveal_requests(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.reveal)
        .map(|r| {
            format!(
                "{} {}?{}",
                r.method,
                r.path,
                r.query.as_deref().unwrap_or_default()
            )
        })
        .collect()
}

/// Every key value the simulator holds for `project_ref`: secret, publishable and legacy JWTs.
pub fn key_values(sim: &Simulator, project_ref: &str) -> Vec<String> {
    let mut values: Vec<String> = sim
        .keys(project_ref)
        .into_iter()
        .map(|k| k.api_key)
        .collect();
    values.extend(sim.legacy_keys(project_ref).into_iter().map(|(_, jwt)| jwt));
    assert!(
        values.iter().all(|v| v.len() > 20),
        "implausible key values: {values:?}"
    );
    values
}

/// Panics, naming `what`, if `text` holds any of `values` (or its part after the prefix the
/// dashboard shows, so a value cut short counts too).
pub fn assert_holds_none(text: &str, values: &[String], what: &str) {
    for value in values {
        let tail = &value[value.len() - 16..];
        assert!(
            !text.contains(value.as_str()) && !text.contains(tail),
            "{what} holds a key value (…{tail}): {text}"
        );
    }
}
