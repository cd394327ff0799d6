//! A project as `GET /v1/projects/{ref}` describes it: whether keys can be made in it now, must
//! wait, or never will. An api-keys 404 cannot tell a mistyped reference from a project that is
//! still coming up; the project's status can. The call needs a permission of its own (Project
//! Settings: Read), which a token scoped to API keys lacks, so callers ask only after an
//! api-keys call has failed, never on the everyday path.

use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::client::Client;
use super::errors::{ApiError, Operation};
use super::transport::{Failure, Request};

/// `status` of `V1ProjectWithDatabaseResponse`: the 15 values of the API's enum, and any other
/// value kept as sent (the API may add some).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProjectStatus {
    Inactive,
    ActiveHealthy,
    ActiveUnhealthy,
    ComingUp,
    /// A real state: a brand-new project reports it first.
    Unknown,
    GoingDown,
    InitFailed,
    Removed,
    Restoring,
    Upgrading,
    Pausing,
    RestoreFailed,
    Restarting,
    PauseFailed,
    Resizing,
    /// A value outside the enum.
    Other(String),
}

/// What a status means for creating a key in the project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// `ACTIVE_HEALTHY`: create now.
    Ready,
    /// Provisioning, busy, or a status outside the enum: wait for `ACTIVE_HEALTHY`.
    Waiting,
    /// Going away, paused, removed or failed: it will not become ready by waiting.
    Unusable,
}

const STATUSES: [(ProjectStatus, &str, &str); 15] = [
    (ProjectStatus::Inactive, "INACTIVE", "paused"),
    (ProjectStatus::ActiveHealthy, "ACTIVE_HEALTHY", "healthy"),
    (
        ProjectStatus::ActiveUnhealthy,
        "ACTIVE_UNHEALTHY",
        "unhealthy",
    ),
    (ProjectStatus::ComingUp, "COMING_UP", "coming up"),
    (ProjectStatus::Unknown, "UNKNOWN", "being set up"),
    (ProjectStatus::GoingDown, "GOING_DOWN", "going down"),
    (ProjectStatus::InitFailed, "INIT_FAILED", "failed to set up"),
    (ProjectStatus::Removed, "REMOVED", "removed"),
    (ProjectStatus::Restoring, "RESTORING", "being restored"),
    (ProjectStatus::Upgrading, "UPGRADING", "being upgraded"),
    (ProjectStatus::Pausing, "PAUSING", "being paused"),
    (
        ProjectStatus::RestoreFailed,
        "RESTORE_FAILED",
        "failed to restore",
    ),
    (ProjectStatus::Restarting, "RESTARTING", "restarting"),
    (
        ProjectStatus::PauseFailed,
        "PAUSE_FAILED",
        "failed to pause",
    ),
    (ProjectStatus::Resizing, "RESIZING", "being resized"),
];

impl ProjectStatus {
    pub fn parse(text: &str) -> ProjectStatus {
        STATUSES
            .iter()
            .find(|(_, wire, _)| *wire == text)
            .map_or_else(
                || ProjectStatus::Other(text.to_owned()),
                |(s, _, _)| s.clone(),
            )
    }

    /// The value as the API sends it.
    pub fn as_str(&self) -> &str {
        match self {
            ProjectStatus::Other(text) => text,
            known => STATUSES
                .iter()
                .find(|(s, _, _)| s == known)
                .map_or("", |(_, wire, _)| wire),
        }
    }

    /// In words, with the API's value: `paused (INACTIVE)`.
    pub fn describe(&self) -> String {
        let words = STATUSES
            .iter()
            .find(|(s, _, _)| s == self)
            .map_or("in a state this provider does not know", |(_, _, w)| w);
        format!("{words} ({})", self.as_str())
    }

    pub fn readiness(&self) -> Readiness {
        use ProjectStatus::*;
        match self {
            ActiveHealthy => Readiness::Ready,
            ComingUp | Unknown | Restoring | Restarting | Upgrading | Resizing
            | ActiveUnhealthy | Other(_) => Readiness::Waiting,
            Pausing | GoingDown | Inactive | Removed | InitFailed | PauseFailed | RestoreFailed => {
                Readiness::Unusable
            }
        }
    }
}

/// The parts of a project the provider uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub project_ref: String,
    pub name: String,
    pub status: ProjectStatus,
}

/// The fields read from the 200 body; the API sends nine, all required.
#[derive(Deserialize)]
struct ProjectBody {
    #[serde(rename = "ref")]
    project_ref: String,
    name: String,
    status: String,
}

impl Client {
    /// `GET /v1/projects/{ref}`. Needs "Project Settings: Read": without it the API answers 403
    /// ([`crate::supabase::ErrorKind::Forbidden`]). A 404 is a project this token cannot see,
    /// or a preview branch (which the api-keys endpoints serve all the same).
    pub async fn get_project(
        &self,
        cancel: &CancellationToken,
        project_ref: &str,
    ) -> Result<Project, ApiError> {
        let op = Operation::GetProject {
            project_ref: project_ref.to_owned(),
        };
        let url = self.project_url(project_ref);
        let answer = self
            .execute(cancel, &op, Request::get(url))
            .await
            .map_err(Failure::into_error)?;
        let body: ProjectBody = answer
            .body()
            .and_then(|b| serde_json::from_slice(b).map_err(|e| e.to_string()))
            .map_err(|why| ApiError::invalid_body(&op, answer.status, &why))?;
        Ok(Project {
            project_ref: body.project_ref,
            name: body.name,
            status: ProjectStatus::parse(&body.status),
        })
    }

    /// `{endpoint}/v1/projects/{ref}`, the reference escaped.
    fn project_url(&self, project_ref: &str) -> Url {
        let mut url = self.endpoint().clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["v1", "projects", project_ref]);
        }
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_of_the_enum_round_trips_and_others_are_kept() {
        for (status, wire, _) in STATUSES.iter() {
            assert_eq!(&ProjectStatus::parse(wire), status);
            assert_eq!(status.as_str(), *wire);
        }
        let other = ProjectStatus::parse("PAUSED");
        assert_eq!(other, ProjectStatus::Other("PAUSED".into()));
        assert_eq!(other.as_str(), "PAUSED");
        assert_eq!(other.readiness(), Readiness::Waiting);
        assert!(other.describe().contains("(PAUSED)"));
    }

    #[test]
    fn statuses_are_classed_as_the_reference_says() {
        let class = |wire: &str| ProjectStatus::parse(wire).readiness();
        assert_eq!(class("ACTIVE_HEALTHY"), Readiness::Ready);
        for wire in [
            "UNKNOWN",
            "COMING_UP",
            "RESTORING",
            "RESTARTING",
            "UPGRADING",
            "RESIZING",
            "ACTIVE_UNHEALTHY",
        ] {
            assert_eq!(class(wire), Readiness::Waiting, "{wire}");
        }
        for wire in [
            "PAUSING",
            "GOING_DOWN",
            "INACTIVE",
            "REMOVED",
            "INIT_FAILED",
            "PAUSE_FAILED",
            "RESTORE_FAILED",
        ] {
            assert_eq!(class(wire), Readiness::Unusable, "{wire}");
        }
        assert_eq!(ProjectStatus::Inactive.describe(), "paused (INACTIVE)");
    }
}
