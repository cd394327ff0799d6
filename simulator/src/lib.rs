//! A local Supabase Management API for the api-keys endpoints, for tests
//! (in process) and the demo (the `supabase-simulator` binary).
//!
//! It serves, on 127.0.0.1 only:
//!
//! | Method & path | Answer |
//! |---|---|
//! | `GET /v1/projects/{ref}/api-keys[?reveal=true]` | 200, legacy `anon`/`service_role` (when enabled), then publishable, then secret keys |
//! | `POST /v1/projects/{ref}/api-keys[?reveal=true]` | 201, the new key |
//! | `GET /v1/projects/{ref}/api-keys/{id}[?reveal=true]` | 200 |
//! | `PATCH /v1/projects/{ref}/api-keys/{id}[?reveal=true]` | 200, `name`/`description`/`secret_jwt_template` changed |
//! | `DELETE /v1/projects/{ref}/api-keys/{id}[?reveal=true&was_compromised=…&reason=…]` | 200, the deleted key |
//! | `GET /v1/projects/{ref}/api-keys/legacy` | 200, `{"enabled": bool}` |
//! | `PUT /v1/projects/{ref}/api-keys/legacy?enabled=bool` | 200, `{"enabled": bool}` |
//! | `GET /v1/projects/{ref}` | 200, the project (`V1ProjectWithDatabaseResponse`, 9 fields) with its [`ProjectStatus`] |
//! | `GET /_sim/keys/{ref}`, `GET /_sim/requests` | test helpers (no auth, not logged) |
//!
//! Errors are `{"message": "…"}`; the texts are in [`messages`]. Secret keys
//! are masked (first 15 characters, then one U+00B7 per remaining character)
//! unless `reveal=true` is sent by a token with secret read; publishable and
//! legacy keys are never masked.
//!
//! Checks run in this order: hold, fault rules, rate limit (429), bearer
//! token (401), ref format (400), project (404), endpoint permission (403),
//! id format (400), query parameters (400), reveal permission (403), the
//! project's status (404 or 400 unless `ACTIVE_HEALTHY`), body (400), then
//! the operation (404 unknown key, 409 duplicate name). The project GET
//! stops after the endpoint permission (403 without
//! [`Permissions::project_read`]) and answers 200.
//!
//! Where the published contract says nothing, the simulator chooses:
//! unknown project → 404 `Project not found`; unknown key → 404
//! `API key not found` (also for a second DELETE); duplicate name of the same
//! type → 409 (switch: [`SimulatorConfig::unique_names`]); `anon` and
//! `service_role` are reserved names; a secret key created without
//! `secret_jwt_template` gets `{"role":"service_role"}`; PATCH with `null`
//! clears a field; `reveal`, `was_compromised` and `enabled` accept only
//! `true`/`false`; a request keeps running on the server when its client
//! gives up. Timestamps are RFC 3339 UTC with milliseconds. Projects start
//! `ACTIVE_HEALTHY`; for any other status the api-keys endpoints answer 404
//! `Not Found` (provisioning, busy, outside the enum) or 400 `Project is not
//! active` (going away, paused, removed, failed): the table and its reasons
//! are in `src/project_status.rs`. The project GET answers 404 `Project not
//! found` for an unknown ref and for a preview branch
//! ([`Simulator::set_preview_branch`]), 400 for a malformed ref (text
//! guessed), and 403 with the full privileges text without project read.
//! `make probe-api` asks a real endpoint these questions;
//! `tests/probe-reports/simulator.json` records the simulator's answers, and a
//! report from the real API committed beside it holds the simulator to those.
//!
//! `Simulator::start` must be called inside a Tokio runtime.

mod api;
mod app;
mod auth;
mod clock;
mod config;
mod faults;
mod hold;
mod keygen;
mod log;
mod masking;
pub mod messages;
mod project;
mod project_status;
mod rate_limit;
mod respond;
mod routes;
mod server;
mod state;
mod tls;
mod validation;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Permissions, RateLimit, RevealDenial, SimulatorConfig};
pub use faults::{FaultAction, FaultRule, RequestMatcher};
pub use hold::Hold;
pub use log::LoggedRequest;
pub use masking::{mask_secret, MASK_CHAR};
pub use project_status::ProjectStatus;
pub use state::{default_secret_template, ApiKey, KeyPatch, KeySeed};
pub use validation::is_project_ref;

use app::App;

struct Running {
    app: Arc<App>,
    addr: SocketAddr,
    https: bool,
    ca_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A running simulator. Clones share it; it stops when the last clone is
/// dropped or on [`Simulator::shutdown`].
#[derive(Clone)]
pub struct Simulator {
    inner: Arc<Running>,
}

impl Simulator {
    /// Starts on 127.0.0.1 with an ephemeral port.
    pub async fn start(config: SimulatorConfig) -> io::Result<Simulator> {
        Self::start_on_port(config, 0).await
    }

    /// Starts on 127.0.0.1:`port` (0 for an ephemeral port).
    pub async fn start_on_port(config: SimulatorConfig, port: u16) -> io::Result<Simulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let tls = if config.https {
            Some(tls::generate()?)
        } else {
            None
        };
        let https = config.https;
        let (shutdown, rx) = watch::channel(false);
        let app = Arc::new(App::new(config, rx.clone()));
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let task = tokio::spawn(server::serve(
            listener,
            tls.map(|t| t.acceptor),
            Arc::clone(&app),
            rx,
        ));
        Ok(Simulator {
            inner: Arc::new(Running {
                app,
                addr,
                https,
                ca_pem,
                shutdown,
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// Stops accepting, drops every connection (held requests included) and
    /// waits for the server task to end.
    pub async fn shutdown(self) {
        let _ = self.inner.shutdown.send(true);
        let task = self.inner.task.lock().expect("task lock").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` in HTTPS mode
    /// (the certificate is valid for `localhost` and `127.0.0.1`).
    pub fn base_url(&self) -> String {
        if self.inner.https {
            format!("https://localhost:{}", self.inner.addr.port())
        } else {
            format!("http://127.0.0.1:{}", self.inner.addr.port())
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The PEM of the CA that signed the server certificate (HTTPS mode).
    pub fn ca_pem(&self) -> Option<String> {
        self.inner.ca_pem.clone()
    }

    fn app(&self) -> &App {
        &self.inner.app
    }

    /// Adds a project (no-op if it exists).
    ///
    /// # Panics
    /// If `project_ref` is not 20 lowercase letters.
    pub fn add_project(&self, project_ref: &str) {
        assert!(
            is_project_ref(project_ref),
            "project ref must match ^[a-z]{{20}}$: {project_ref:?}"
        );
        let legacy = self.app().config.legacy_keys;
        self.app().store().add_project(project_ref, legacy);
    }

    /// Removes a project and its keys; later requests get 404.
    pub fn remove_project(&self, project_ref: &str) -> bool {
        self.app().store().remove_project(project_ref)
    }

    /// Enables or disables a project's legacy keys (as `PUT …/legacy` does).
    pub fn set_legacy_enabled(&self, project_ref: &str, enabled: bool) {
        if let Some(project) = self.app().store().project_mut(project_ref) {
            project.legacy_enabled = enabled;
        }
    }

    /// Runs `change` on a project's status record.
    ///
    /// # Panics
    /// If the project is unknown (call [`Simulator::add_project`] first).
    fn with_project_info<T>(
        &self,
        project_ref: &str,
        change: impl FnOnce(&mut project::ProjectInfo) -> T,
    ) -> T {
        let mut store = self.app().store();
        let project = store
            .project_mut(project_ref)
            .unwrap_or_else(|| panic!("unknown project {project_ref:?}: add_project first"));
        change(&mut project.info)
    }

    /// Sets a project's status (api-keys then answer as documented for that status); ends a
    /// provisioning sequence.
    ///
    /// # Panics
    /// If the project is unknown.
    pub fn set_project_status(&self, project_ref: &str, status: ProjectStatus) {
        self.with_project_info(project_ref, |info| info.set_status(status));
    }

    /// A project's status now; `None` if the project is unknown.
    pub fn project_status(&self, project_ref: &str) -> Option<ProjectStatus> {
        self.app()
            .store()
            .project(project_ref)
            .map(|p| p.info.status().clone())
    }

    /// A provisioning sequence: UNKNOWN for `unknown_gets` project GETs, then COMING_UP for
    /// `coming_up_gets` project GETs, then ACTIVE_HEALTHY (counted per answered project GET,
    /// never by wall time). Until it is ACTIVE_HEALTHY, api-keys calls for the project answer
    /// 404 {"message":"Not Found"}.
    ///
    /// A GET counts when it answers 200 with the status: a 403 (no project read), a 404 (a
    /// preview branch) or a fault does not move the sequence on; [`Simulator::advance_provisioning`]
    /// does. `(0, 0)` makes the project ACTIVE_HEALTHY at once.
    ///
    /// # Panics
    /// If the project is unknown.
    pub fn start_provisioning(
        &self,
        project_ref: &str,
        unknown_gets: usize,
        coming_up_gets: usize,
    ) {
        self.with_project_info(project_ref, |info| {
            info.start_provisioning(unknown_gets, coming_up_gets)
        });
    }

    /// Moves a provisioning project to its next status at once (a control for tests): UNKNOWN
    /// goes to COMING_UP (to ACTIVE_HEALTHY if the sequence has no COMING_UP GETs), COMING_UP to
    /// ACTIVE_HEALTHY. No-op for a project that is not provisioning.
    ///
    /// # Panics
    /// If the project is unknown.
    pub fn advance_provisioning(&self, project_ref: &str) {
        self.with_project_info(project_ref, |info| info.advance_provisioning());
    }

    /// A preview branch: the project GET answers 404 {"message":"Project not found"} while its
    /// api-keys endpoints work normally (as its status allows: a branch may provision too).
    ///
    /// # Panics
    /// If the project is unknown.
    pub fn set_preview_branch(&self, project_ref: &str, branch: bool) {
        self.with_project_info(project_ref, |info| info.preview_branch = branch);
    }

    /// Accepts `token` with these permissions (replacing earlier ones).
    pub fn add_token(&self, token: &str, permissions: Permissions) {
        self.app()
            .tokens
            .lock()
            .expect("tokens lock")
            .insert(token.to_owned(), permissions);
    }

    /// Revokes a token; it then gets 401.
    pub fn remove_token(&self, token: &str) {
        self.app().tokens.lock().expect("tokens lock").remove(token);
    }

    /// Creates a key as if outside Terraform; returns it with its full value.
    ///
    /// # Panics
    /// If the project is unknown, or the name is taken while `unique_names`.
    pub fn seed_key(&self, project_ref: &str, seed: KeySeed) -> ApiKey {
        assert!(
            seed.key_type == "secret" || seed.key_type == "publishable",
            "key type must be secret or publishable: {:?}",
            seed.key_type
        );
        let unique = self.app().config.unique_names;
        self.app()
            .store()
            .create(project_ref, seed, unique)
            .unwrap_or_else(|e| panic!("seed_key on {project_ref}: {e:?}"))
    }

    /// The project's keys as the server holds them: full values, no legacy
    /// keys, in list order (publishable, then secret). Empty if unknown.
    pub fn keys(&self, project_ref: &str) -> Vec<ApiKey> {
        self.app()
            .store()
            .project(project_ref)
            .map(|p| p.keys())
            .unwrap_or_default()
    }

    /// The legacy `anon` and `service_role` JWTs of a project.
    pub fn legacy_keys(&self, project_ref: &str) -> Vec<(String, String)> {
        self.app()
            .store()
            .project(project_ref)
            .map(|p| {
                p.legacy
                    .iter()
                    .map(|k| (k.name.to_owned(), k.api_key.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Deletes a key as if outside Terraform; `false` if it did not exist.
    pub fn delete_key_out_of_band(&self, project_ref: &str, id: &str) -> bool {
        self.app().store().delete(project_ref, id).is_ok()
    }

    /// Changes a key as if outside Terraform (bumps `updated_at`; ignores
    /// `unique_names`); `None` if it does not exist.
    pub fn update_key_out_of_band(
        &self,
        project_ref: &str,
        id: &str,
        patch: KeyPatch,
    ) -> Option<ApiKey> {
        self.app()
            .store()
            .update(project_ref, id, patch, false)
            .ok()
    }

    /// Every API request so far, in arrival order (`/_sim` helpers excluded).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.app().log.snapshot()
    }

    /// Resolves once at least `n` API requests have finished (answered, or
    /// given up on by a fault); use with [`Simulator::requests`].
    pub async fn wait_finished(&self, n: usize) {
        self.app().log.wait_finished(n).await;
    }

    /// Adds a fault rule; rules are tried in the order they were added.
    pub fn add_fault(&self, rule: FaultRule) {
        self.app().faults.add(rule, 0);
    }

    /// Adds a fault rule that lets the first `skip` matching requests pass:
    /// with `rule.times == 1` and `skip == n - 1` it hits the n-th one.
    pub fn add_fault_after(&self, rule: FaultRule, skip: usize) {
        self.app().faults.add(rule, skip);
    }

    pub fn clear_faults(&self) {
        self.app().faults.clear();
    }

    /// Holds matching requests until released (see [`Hold`]).
    pub fn hold(&self, matcher: RequestMatcher) -> Hold {
        self.app().holds.register(matcher)
    }

    /// Holds the answers of matching requests until released: each request is carried out
    /// first (a create commits its key), then its answer waits, as behind a slow network. A
    /// client that gives up waiting has still made its change.
    pub fn hold_answers(&self, matcher: RequestMatcher) -> Hold {
        self.app().answer_holds.register(matcher)
    }
}
