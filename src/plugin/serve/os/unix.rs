//! Unix: SIGINT is ignored (Terraform sends StopProvider on Ctrl-C) except in debug mode, where
//! it ends the server; SIGTERM ends it. A dead Terraform shows as a new parent (the orphan is
//! re-parented), checked every second.

use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

use crate::log_at;
use crate::plugin::log::Level;

/// How often the provider checks that Terraform is still its parent.
const PARENT_CHECK: Duration = Duration::from_secs(1);

pub fn watch_signals(debug: bool, shutdown: CancellationToken) -> Result<(), String> {
    let mut interrupt =
        signal(SignalKind::interrupt()).map_err(|e| format!("signal setup failed: {e}"))?;
    let mut terminate =
        signal(SignalKind::terminate()).map_err(|e| format!("signal setup failed: {e}"))?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = interrupt.recv() => {
                    if debug {
                        shutdown.cancel();
                        return;
                    }
                    log_at!(Level::Debug, "ignoring SIGINT: Terraform stops providers with StopProvider");
                }
                _ = terminate.recv() => {
                    shutdown.cancel();
                    return;
                }
            }
        }
    });
    Ok(())
}

pub fn watch_parent(shutdown: CancellationToken) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(PARENT_CHECK);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.cancelled() => return,
            }
            if std::os::unix::process::parent_id() != parent {
                log_at!(Level::Warn, "Terraform exited without Shutdown; stopping");
                shutdown.cancel();
                return;
            }
        }
    });
}
