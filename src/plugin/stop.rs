//! The StopProvider contract: Terraform sends StopProvider on Ctrl-C and expects the provider to
//! cancel what is waiting while it keeps answering. Each call takes the current token; a stop
//! cancels it and installs a fresh one, so calls that start afterwards do not start out cancelled.

use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

#[derive(Default)]
pub struct StopSignal {
    current: Mutex<CancellationToken>,
}

impl StopSignal {
    /// The token for a call starting now.
    pub fn token(&self) -> CancellationToken {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Cancels every call started so far.
    pub fn stop(&self) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let stopped = std::mem::take(&mut *current);
        stopped.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::StopSignal;

    #[test]
    fn stop_cancels_earlier_tokens_but_not_later_ones() {
        let signal = StopSignal::default();
        let before = signal.token();
        signal.stop();
        let after = signal.token();
        assert!(before.is_cancelled());
        assert!(!after.is_cancelled());
    }
}
