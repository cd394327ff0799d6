//! What `GET /v1/projects/{ref}` knows of a project: its status, a provisioning sequence that
//! moves it on, the preview-branch switch, and the 9-field body (`V1ProjectWithDatabaseResponse`).

use serde::Serialize;

use crate::clock;
use crate::project_status::ProjectStatus;

/// Statuses still to report before a provisioning project is `ACTIVE_HEALTHY`. It moves on per
/// project GET answered with the status, never by wall time, so tests are deterministic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Provisioning {
    unknown_gets: usize,
    coming_up_gets: usize,
}

impl Provisioning {
    fn status(self) -> ProjectStatus {
        if self.unknown_gets > 0 {
            ProjectStatus::Unknown
        } else if self.coming_up_gets > 0 {
            ProjectStatus::ComingUp
        } else {
            ProjectStatus::ActiveHealthy
        }
    }

    /// One step: a GET answered, or the control.
    fn advance(&mut self, whole_phase: bool) {
        let phase = if self.unknown_gets > 0 {
            &mut self.unknown_gets
        } else {
            &mut self.coming_up_gets
        };
        *phase = if whole_phase {
            0
        } else {
            phase.saturating_sub(1)
        };
    }
}

#[derive(Debug)]
pub(crate) struct ProjectInfo {
    status: ProjectStatus,
    provisioning: Option<Provisioning>,
    /// A preview branch: the project GET does not know it, its api-keys work.
    pub preview_branch: bool,
    created_at: String,
}

impl ProjectInfo {
    /// A project as `add_project` makes it: ready.
    pub fn new() -> Self {
        ProjectInfo {
            status: ProjectStatus::ActiveHealthy,
            provisioning: None,
            preview_branch: false,
            created_at: clock::rfc3339(clock::now_millis()),
        }
    }

    pub fn status(&self) -> &ProjectStatus {
        &self.status
    }

    /// Sets the status; ends any provisioning sequence.
    pub fn set_status(&mut self, status: ProjectStatus) {
        self.provisioning = None;
        self.status = status;
    }

    pub fn start_provisioning(&mut self, unknown_gets: usize, coming_up_gets: usize) {
        self.set_provisioning(Provisioning {
            unknown_gets,
            coming_up_gets,
        });
    }

    /// The control: the next status of the sequence at once.
    pub fn advance_provisioning(&mut self) {
        self.step(true);
    }

    /// A project GET was answered with the status.
    pub fn count_get(&mut self) {
        self.step(false);
    }

    fn step(&mut self, whole_phase: bool) {
        if let Some(mut provisioning) = self.provisioning {
            provisioning.advance(whole_phase);
            self.set_provisioning(provisioning);
        }
    }

    fn set_provisioning(&mut self, provisioning: Provisioning) {
        self.status = provisioning.status();
        self.provisioning = (self.status != ProjectStatus::ActiveHealthy).then_some(provisioning);
    }

    /// The 200 body, in the key order of the real recording (`created_at` last).
    pub fn view<'a>(&'a self, project_ref: &'a str) -> ProjectView<'a> {
        ProjectView {
            id: project_ref,
            project_ref,
            organization_id: ORGANIZATION_SLUG,
            organization_slug: ORGANIZATION_SLUG,
            name: PROJECT_NAME,
            region: REGION,
            status: self.status.as_str(),
            database: DatabaseView {
                host: format!("db.{project_ref}.supabase.co"),
                version: "17.6.1.111",
                postgres_engine: "17",
                release_channel: "ga",
            },
            created_at: &self.created_at,
        }
    }
}

/// Every project's organisation: a slug, as the deprecated `organization_id` is too.
const ORGANIZATION_SLUG: &str = "simulated-organization";
const PROJECT_NAME: &str = "simulated project";
const REGION: &str = "us-east-1";

#[derive(Serialize)]
pub(crate) struct ProjectView<'a> {
    /// Deprecated in the spec; holds the ref.
    id: &'a str,
    #[serde(rename = "ref")]
    project_ref: &'a str,
    /// Deprecated in the spec; holds the slug.
    organization_id: &'a str,
    organization_slug: &'a str,
    name: &'a str,
    region: &'a str,
    status: &'a str,
    database: DatabaseView,
    created_at: &'a str,
}

#[derive(Serialize)]
struct DatabaseView {
    host: String,
    version: &'static str,
    postgres_engine: &'static str,
    release_channel: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(info: &mut ProjectInfo, gets: usize) -> Vec<String> {
        (0..gets)
            .map(|_| {
                let status = info.status().to_string();
                info.count_get();
                status
            })
            .collect()
    }

    #[test]
    fn provisioning_moves_on_per_get() {
        let mut info = ProjectInfo::new();
        info.start_provisioning(1, 2);
        assert_eq!(
            seen(&mut info, 5),
            [
                "UNKNOWN",
                "COMING_UP",
                "COMING_UP",
                "ACTIVE_HEALTHY",
                "ACTIVE_HEALTHY"
            ]
        );
        info.start_provisioning(0, 0);
        assert_eq!(info.status(), &ProjectStatus::ActiveHealthy);
    }

    #[test]
    fn the_control_skips_a_phase_and_a_set_status_ends_the_sequence() {
        let mut info = ProjectInfo::new();
        info.start_provisioning(5, 5);
        info.advance_provisioning();
        assert_eq!(info.status(), &ProjectStatus::ComingUp);
        info.advance_provisioning();
        assert_eq!(info.status(), &ProjectStatus::ActiveHealthy);
        info.advance_provisioning();
        assert_eq!(info.status(), &ProjectStatus::ActiveHealthy);

        info.start_provisioning(5, 0);
        info.advance_provisioning();
        assert_eq!(info.status(), &ProjectStatus::ActiveHealthy);

        info.start_provisioning(5, 5);
        info.set_status(ProjectStatus::Inactive);
        info.count_get();
        assert_eq!(info.status(), &ProjectStatus::Inactive);
    }
}
