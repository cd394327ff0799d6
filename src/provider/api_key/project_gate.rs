//! What the project says when a list of its keys failed: whether to go on, wait, or fail now.
//!
//! A 404 from the api-keys endpoints cannot tell a mistyped reference from a project this
//! apply creates that is still coming up, so without more the plan could only warn and the
//! create retry for minutes. The project itself can tell (`GET /v1/projects/{ref}`), but it
//! costs a request and a permission many tokens lack, so it is asked only after a list answered
//! 404 or another 4xx that is not about the token (401, 403) or the rate (429): never on the
//! everyday path, where a plan stays one list per project. A plan asks each project at most
//! once ([`ProjectChecks`]); a create asks again, since the project may have moved on, and
//! then polls while it comes up.
//!
//! A preview branch answers 404 to the project GET while its keys are served all the same, so a
//! 404 is confirmed by a new list (requested after the project GET): 200 is a branch, 404 a
//! reference this token cannot see. A branch still coming up answers 404 to both and fails like
//! a typo; polling `GET /v1/branches/{ref}` would need yet another permission.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::plugin::diag::Diagnostics;
use crate::plugin::framework::CallContext;
use crate::plugin::value::path::AttributePath;
use crate::supabase::{
    ApiError, Client, ErrorKind, Freshness, KeyList, Permission, ProjectStatus, Readiness,
};

/// How often a create asks a project that is coming up whether it is ready (Supabase's
/// dashboard polls every 5 s too).
pub const PROJECT_POLL_INTERVAL: Duration = Duration::from_secs(5);

/// What the project said.
#[derive(Clone, Debug)]
pub(super) enum Verdict {
    /// `ACTIVE_HEALTHY`: its api-keys endpoints may lag briefly behind it.
    Ready,
    /// Provisioning, busy, or a status outside the enum.
    Waiting(ProjectStatus),
    /// Going away, paused, removed or failed.
    Unusable(ProjectStatus),
    /// The project GET and a new list both answered 404.
    NotVisible(ApiError),
    /// The project GET answered 404 and a new list 200: a preview branch, with these keys.
    Branch(KeyList),
    /// The token lacks Project Settings: Read.
    CannotAsk,
    /// The project GET failed otherwise (401, 429, 5xx, no connection): today's rules apply.
    Unknown,
}

/// Whether a failed list is one the project should explain.
pub(super) fn asks_project(error: &ApiError) -> bool {
    error
        .status()
        .is_some_and(|s| (400..500).contains(&s) && !matches!(s, 401 | 403 | 429))
}

/// Asks the project once, confirming a 404 with a new list.
pub(super) async fn ask(ctx: &CallContext, client: &Client, project_ref: &str) -> Verdict {
    let asked = Instant::now();
    match client.get_project(&ctx.stop, project_ref).await {
        Ok(project) => match project.status.readiness() {
            Readiness::Ready => Verdict::Ready,
            Readiness::Waiting => Verdict::Waiting(project.status),
            Readiness::Unusable => Verdict::Unusable(project.status),
        },
        Err(e) if e.kind() == ErrorKind::NotFound => {
            match client
                .project_keys(&ctx.stop, project_ref, Freshness::After(asked))
                .await
            {
                Ok(keys) => Verdict::Branch(keys),
                Err(list) if list.kind() == ErrorKind::NotFound => Verdict::NotVisible(list),
                Err(_) => Verdict::Unknown,
            }
        }
        Err(e) if e.kind() == ErrorKind::Forbidden => Verdict::CannotAsk,
        Err(_) => Verdict::Unknown,
    }
}

/// One plan's answers, per project, and which projects' missing permission was told.
#[derive(Default)]
pub struct ProjectChecks {
    asked: Mutex<HashMap<String, Arc<OnceCell<Verdict>>>>,
    told: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

impl ProjectChecks {
    /// Forgets what an earlier walk was told.
    pub fn clear(&self) {
        self.asked.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.told.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// The project's verdict, asked by the first caller; the others wait for it.
    pub(super) async fn verdict(
        &self,
        ctx: &CallContext,
        client: &Client,
        project_ref: &str,
    ) -> Verdict {
        let cell = self
            .asked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(project_ref.to_owned())
            .or_default()
            .clone();
        cell.get_or_init(|| ask(ctx, client, project_ref))
            .await
            .clone()
    }

    /// Warns, once per project in this process, that the token cannot read the project.
    pub(super) fn warn_cannot_ask(&self, project_ref: &str, diags: &mut Diagnostics) {
        let told = self
            .told
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(project_ref.to_owned())
            .or_default()
            .clone();
        if told.swap(true, Ordering::SeqCst) {
            return;
        }
        let p = Permission::ProjectRead;
        diags.attribute_warning(
            project_ref_path(),
            "Cannot read the project's status",
            format!(
                "The token cannot read project {project_ref} (it lacks \"{}\": permission {}, \
                 OAuth scope {}), so the provider cannot tell a mistyped project reference from \
                 a project that is still coming up: it waits for the project's API keys up to \
                 the usual bound instead of failing at once. Grant that permission to the token \
                 to turn such a wait into an immediate, clear error.",
                p.label(),
                p.fga_name(),
                p.oauth_scope()
            ),
        );
    }
}

pub(super) fn project_ref_path() -> AttributePath {
    AttributePath::root().attribute("project_ref")
}

/// The error for a project that will not become ready by waiting.
pub(super) fn unusable(diags: &mut Diagnostics, project_ref: &str, status: &ProjectStatus) {
    let what_to_do = match status {
        ProjectStatus::Inactive | ProjectStatus::Pausing => {
            "Restore (unpause) it in the Supabase dashboard, then apply again"
        }
        ProjectStatus::InitFailed | ProjectStatus::RestoreFailed | ProjectStatus::PauseFailed => {
            "See the project in the Supabase dashboard, or contact Supabase support; once it is \
             healthy, apply again"
        }
        _ => {
            "A project that is going away or removed cannot get new keys: point `project_ref` \
              at another project"
        }
    };
    diags.attribute_error(
        project_ref_path(),
        format!("Project is {}", status.describe()),
        format!(
            "Project {project_ref} is {}, so no API key can be created in it. {what_to_do}.",
            status.describe()
        ),
    );
}

/// The error for a reference no project of this token has.
pub(super) fn not_visible(diags: &mut Diagnostics, project_ref: &str, error: &ApiError) {
    diags.attribute_error(
        project_ref_path(),
        "Project not found",
        format!(
            "No project with the reference {project_ref} is visible to this token ({error}). \
             Check the reference: the 20 lowercase letters in the project's dashboard URL \
             (https://supabase.com/dashboard/project/<ref>), and that the token's account or \
             organization can see it. A project created in the same configuration must be \
             referenced by its attribute (for example `supabase_project.this.id`), not written \
             out, so that the key waits for it."
        ),
    );
}

/// At create, when the plan could not list the project's keys or the create met a 4xx: asks the
/// project and, while it is coming up, asks again every [`PROJECT_POLL_INTERVAL`] until it is
/// ready, for at most `bound`. Returns whether the create may go on, and whether it waited (the
/// plan could not check the name while the project was down, so the caller checks it again);
/// `None` after an error on `project_ref`.
pub(super) async fn await_ready(
    ctx: &CallContext,
    client: &Client,
    checks: &ProjectChecks,
    project_ref: &str,
    bound: Duration,
    diags: &mut Diagnostics,
) -> Option<bool> {
    let started = Instant::now();
    let mut waited = false;
    loop {
        let status = match ask(ctx, client, project_ref).await {
            Verdict::Ready | Verdict::Branch(_) | Verdict::Unknown => return Some(waited),
            Verdict::CannotAsk => {
                checks.warn_cannot_ask(project_ref, diags);
                return Some(waited);
            }
            Verdict::Unusable(status) => {
                unusable(diags, project_ref, &status);
                return None;
            }
            Verdict::NotVisible(error) => {
                not_visible(diags, project_ref, &error);
                return None;
            }
            Verdict::Waiting(status) => status,
        };
        if let ProjectStatus::Other(value) = &status {
            crate::log_at!(
                crate::plugin::log::Level::Warn,
                "the project reports a status this provider does not know; waiting as for a busy project",
                "project" = project_ref,
                "status" = value,
            );
        }
        crate::log_at!(
            crate::plugin::log::Level::Info,
            "waiting for the project to be ready",
            "project" = project_ref,
            "status" = status.as_str(),
        );
        if started.elapsed() + PROJECT_POLL_INTERVAL > bound {
            diags.attribute_error(
                project_ref_path(),
                "Project not ready",
                format!(
                    "Project {project_ref} is still {} after {} s, so the API key was not \
                     created. Check the project in the Supabase dashboard, then apply again.",
                    status.describe(),
                    bound.as_secs()
                ),
            );
            return None;
        }
        tokio::select! {
            () = tokio::time::sleep(PROJECT_POLL_INTERVAL) => {}
            () = ctx.stop.cancelled() => {
                diags.attribute_error(
                    project_ref_path(),
                    "Project not ready",
                    format!(
                        "Terraform stopped the provider while project {project_ref} was {}; \
                         the API key was not created.",
                        status.describe()
                    ),
                );
                return None;
            }
        }
        waited = true;
    }
}
