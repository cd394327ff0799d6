//! A project's status (the 15 values of `V1ProjectWithDatabaseResponse.status`, plus any other
//! string) and what the api-keys endpoints answer for a project in it.
//!
//! The reference does not know what the api-keys endpoints answer for a project that is not
//! `ACTIVE_HEALTHY` (§6.7 point 4); the probe can settle it (`PROBE_PAUSED_REF`). The
//! simulator's choice, by the class a provider acts on (§6.3):
//!
//! | Status | api-keys answer | Why |
//! |---|---|---|
//! | `ACTIVE_HEALTHY` | as today | ready |
//! | `UNKNOWN`, `COMING_UP` (provisioning) | 404 `{"message":"Not Found"}` | the body seen for a project `link` could not use (§6.5); the case a 404 alone cannot tell from a typo |
//! | `RESTORING`, `RESTARTING`, `UPGRADING`, `RESIZING`, `ACTIVE_UNHEALTHY` (busy) | 404 `{"message":"Not Found"}` | a provider waits on these as on provisioning, so they answer alike; `ACTIVE_UNHEALTHY` too, or a provider would never see it (the list would succeed) |
//! | any value outside the enum | 404 `{"message":"Not Found"}` | a provider treats it as busy |
//! | `PAUSING`, `GOING_DOWN`, `INACTIVE`, `REMOVED`, `INIT_FAILED`, `PAUSE_FAILED`, `RESTORE_FAILED` (going away, paused, removed, failed) | 400 `{"message":"Project is not active"}` | a different answer, so a provider's path for "any other 4xx" is exercised; it must ask the project which state it is in |
//!
//! So there are two refusals: every status a provider waits on answers like provisioning, and
//! every status it stops on answers like a paused project.

use http::StatusCode;

use crate::messages;

/// A project's status as `GET /v1/projects/{ref}` reports it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProjectStatus {
    Inactive,
    ActiveHealthy,
    ActiveUnhealthy,
    ComingUp,
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
    /// a value outside the enum, sent as is
    Other(String),
}

impl ProjectStatus {
    /// The 15 values of the spec's enum, in spec order.
    pub const ENUM: [ProjectStatus; 15] = [
        ProjectStatus::Inactive,
        ProjectStatus::ActiveHealthy,
        ProjectStatus::ActiveUnhealthy,
        ProjectStatus::ComingUp,
        ProjectStatus::Unknown,
        ProjectStatus::GoingDown,
        ProjectStatus::InitFailed,
        ProjectStatus::Removed,
        ProjectStatus::Restoring,
        ProjectStatus::Upgrading,
        ProjectStatus::Pausing,
        ProjectStatus::RestoreFailed,
        ProjectStatus::Restarting,
        ProjectStatus::PauseFailed,
        ProjectStatus::Resizing,
    ];

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            ProjectStatus::Inactive => "INACTIVE",
            ProjectStatus::ActiveHealthy => "ACTIVE_HEALTHY",
            ProjectStatus::ActiveUnhealthy => "ACTIVE_UNHEALTHY",
            ProjectStatus::ComingUp => "COMING_UP",
            ProjectStatus::Unknown => "UNKNOWN",
            ProjectStatus::GoingDown => "GOING_DOWN",
            ProjectStatus::InitFailed => "INIT_FAILED",
            ProjectStatus::Removed => "REMOVED",
            ProjectStatus::Restoring => "RESTORING",
            ProjectStatus::Upgrading => "UPGRADING",
            ProjectStatus::Pausing => "PAUSING",
            ProjectStatus::RestoreFailed => "RESTORE_FAILED",
            ProjectStatus::Restarting => "RESTARTING",
            ProjectStatus::PauseFailed => "PAUSE_FAILED",
            ProjectStatus::Resizing => "RESIZING",
            ProjectStatus::Other(value) => value,
        }
    }

    /// The status a wire value names: one of [`ProjectStatus::ENUM`], else `Other`.
    pub fn from_wire(value: &str) -> ProjectStatus {
        Self::ENUM
            .into_iter()
            .find(|s| s.as_str() == value)
            .unwrap_or_else(|| ProjectStatus::Other(value.to_owned()))
    }

    /// What the api-keys endpoints answer instead of carrying out the request (the module
    /// table); `None` when they work as usual.
    pub(crate) fn keys_refusal(&self) -> Option<(StatusCode, &'static str)> {
        match self {
            ProjectStatus::ActiveHealthy => None,
            ProjectStatus::Pausing
            | ProjectStatus::GoingDown
            | ProjectStatus::Inactive
            | ProjectStatus::Removed
            | ProjectStatus::InitFailed
            | ProjectStatus::PauseFailed
            | ProjectStatus::RestoreFailed => {
                Some((StatusCode::BAD_REQUEST, messages::PROJECT_NOT_ACTIVE))
            }
            _ => Some((StatusCode::NOT_FOUND, messages::NOT_FOUND)),
        }
    }
}

impl std::fmt::Display for ProjectStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_round_trip_and_others_stay_as_sent() {
        for status in ProjectStatus::ENUM {
            assert_eq!(ProjectStatus::from_wire(status.as_str()), status);
        }
        let paused = ProjectStatus::from_wire("PAUSED");
        assert_eq!(paused, ProjectStatus::Other("PAUSED".into()));
        assert_eq!(paused.as_str(), "PAUSED");
    }

    #[test]
    fn only_a_healthy_project_serves_its_keys() {
        let refusals: Vec<(&str, Option<u16>)> = ProjectStatus::ENUM
            .iter()
            .map(|s| (s.as_str(), s.keys_refusal().map(|(code, _)| code.as_u16())))
            .collect();
        assert_eq!(
            refusals,
            [
                ("INACTIVE", Some(400)),
                ("ACTIVE_HEALTHY", None),
                ("ACTIVE_UNHEALTHY", Some(404)),
                ("COMING_UP", Some(404)),
                ("UNKNOWN", Some(404)),
                ("GOING_DOWN", Some(400)),
                ("INIT_FAILED", Some(400)),
                ("REMOVED", Some(400)),
                ("RESTORING", Some(404)),
                ("UPGRADING", Some(404)),
                ("PAUSING", Some(400)),
                ("RESTORE_FAILED", Some(400)),
                ("RESTARTING", Some(404)),
                ("PAUSE_FAILED", Some(400)),
                ("RESIZING", Some(404)),
            ]
        );
        let other = ProjectStatus::Other("PAUSED".into()).keys_refusal();
        assert_eq!(other.map(|(code, _)| code.as_u16()), Some(404));
    }
}
