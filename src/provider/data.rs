//! What the provider's resources share within one provider process: the API client once the
//! provider is configured, and the ids of keys that resources of this process hold (a create
//! whose answer was lost never adopts one of those).
//!
//! It records when Terraform configured the provider: every Terraform command configures it
//! (a `--debug` process serves several commands), so a key an import names, which existed when
//! the command began, is in any list requested since.
//!
//! It also keeps what tells a plan that surely comes before any change from the plan Terraform
//! makes again during apply (a provider is never told which): whether this process has read
//! resource state. Terraform's plan walk reads (refreshes) every managed object in state before
//! planning it; its apply walk reads none.
//!
//! And what this process saw of the current walk (see [`Walk`]): the names its plans take and
//! the resources that hold each key, started anew at every configure.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::Instant;

use crate::log_at;
use crate::plugin::diag::Diagnostics;
use crate::plugin::log::Level;
use crate::supabase::{Client, ClientConfig, RetryNotice};

use super::api_key::project_gate::ProjectChecks;
use super::api_key::walk::Walk;
use super::config::Configuration;

#[derive(Default)]
pub struct ProviderData {
    configuration: RwLock<Configuration>,
    client: RwLock<Option<Client>>,
    configured_at: RwLock<Option<Instant>>,
    claimed: Mutex<HashSet<String>>,
    /// A resource state was read (refresh or import) by this process: a plan walk.
    read_state: AtomicBool,
    walk: Mutex<Walk>,
    /// What each project said when a list of its keys failed, asked once per walk.
    projects: ProjectChecks,
}

impl ProviderData {
    /// Notes that this process read a resource's state (so it is planning, not applying).
    pub fn note_state_read(&self) {
        self.read_state.store(true, Ordering::Relaxed);
    }

    /// Whether this process read any resource's state.
    pub fn has_read_state(&self) -> bool {
        self.read_state.load(Ordering::Relaxed)
    }

    pub fn configure(&self, configuration: Configuration, diags: &mut Diagnostics) {
        let client = match &configuration {
            Configuration::Ready(settings) => {
                match Client::new(ClientConfig {
                    endpoint: settings.endpoint.clone(),
                    access_token: settings.access_token.clone(),
                    token_source: settings.token_source.clone(),
                    request_timeout: settings.request_timeout,
                    max_retries: settings.max_retries,
                }) {
                    Ok(client) => Some(
                        client
                            .with_timeout_setting(format!(
                                "`request_timeout` in the provider block (or the {} \
                                 environment variable)",
                                super::config::TIMEOUT_ENV
                            ))
                            .with_retry_hook(log_retry)
                            .with_pacing_hook(log_pacing),
                    ),
                    Err(error) => {
                        diags.error(
                            "Could not set up the Supabase API client",
                            error.to_string(),
                        );
                        None
                    }
                }
            }
            _ => None,
        };
        *self.client.write().unwrap_or_else(|e| e.into_inner()) = client;
        // Every walk configures its process first: what an earlier command saw is not this one's.
        *self.walk() = Walk::default();
        self.projects.clear();
        *self
            .configured_at
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
        *self
            .configuration
            .write()
            .unwrap_or_else(|e| e.into_inner()) = configuration;
    }

    pub fn configuration(&self) -> Configuration {
        self.configuration
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The client, or an error saying why there is none.
    pub fn client(&self, diags: &mut Diagnostics) -> Option<Client> {
        let client = self
            .client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if client.is_none() {
            let detail = match self.configuration() {
                Configuration::Deferred => {
                    "The provider configuration depends on values that are not known yet \
                     (from resources not yet created). Apply those first, for example with \
                     `terraform apply -target=...`, then run this again."
                }
                _ => {
                    "The provider block is not configured. Set access_token (or \
                      SUPABASE_ACCESS_TOKEN) and run this again."
                }
            };
            diags.error("The Supabase provider is not configured", detail);
        }
        client
    }

    /// When Terraform last configured the provider (now, if it has not).
    pub fn configured_at(&self) -> Instant {
        self.configured_at
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(Instant::now)
    }

    /// Whether the provider can reach the API now (not deferred, not failed).
    pub fn is_ready(&self) -> bool {
        self.client
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    pub fn claim(&self, id: &str) {
        self.claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.to_string());
    }

    /// What projects said in the current walk.
    pub fn projects(&self) -> &ProjectChecks {
        &self.projects
    }

    /// What this process saw of the current walk.
    pub fn walk(&self) -> MutexGuard<'_, Walk> {
        self.walk.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.claimed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }
}

/// Retries show in Terraform's log (TF_LOG=WARN and up), so a slow apply explains itself.
fn log_retry(notice: &RetryNotice) {
    log_at!(
        Level::Warn,
        "retrying a Management API request",
        "action" = notice.action,
        "url" = notice.url,
        "attempt" = notice.attempt,
        "max_attempts" = notice.max_attempts,
        "wait_ms" = notice.delay.as_millis(),
        "reason" = notice.reason,
    );
}

/// A request held back to stay within the API's rate limit: told at INFO as the wait begins, so
/// a plan that pauses for the window says why (`TF_LOG=INFO`). Requests that go at once say
/// nothing here (each request has its own DEBUG line).
fn log_pacing(action: &str, left: Option<std::time::Duration>) {
    let left_ms = left.map_or_else(|| "unknown".to_owned(), |l| l.as_millis().to_string());
    log_at!(
        Level::Info,
        "waiting for the Management API's rate-limit window",
        "action" = action,
        "window_left_ms" = left_ms,
    );
}
