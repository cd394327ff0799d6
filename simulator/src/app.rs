//! The shared state of one simulator instance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use crate::config::{Permissions, SimulatorConfig};
use crate::faults::Faults;
use crate::hold::Holds;
use crate::log::RequestLog;
use crate::rate_limit::RateLimiter;
use crate::state::Store;

pub(crate) struct App {
    pub config: SimulatorConfig,
    pub store: Mutex<Store>,
    pub tokens: Mutex<HashMap<String, Permissions>>,
    pub limiter: RateLimiter,
    pub log: RequestLog,
    pub faults: Faults,
    pub holds: Arc<Holds>,
    /// Holds on answers: the request has been carried out (a create committed), and its answer
    /// waits until released.
    pub answer_holds: Arc<Holds>,
    shutdown: watch::Receiver<bool>,
}

impl App {
    pub fn new(config: SimulatorConfig, shutdown: watch::Receiver<bool>) -> Self {
        App {
            limiter: RateLimiter::new(config.rate_limit),
            config,
            store: Mutex::new(Store::default()),
            tokens: Mutex::new(HashMap::new()),
            log: RequestLog::new(),
            faults: Faults::default(),
            holds: Arc::default(),
            answer_holds: Arc::default(),
            shutdown,
        }
    }

    /// Resolves once the simulator is shutting down.
    pub async fn stopped(&self) {
        let mut shutdown = self.shutdown.clone();
        let _ = shutdown.wait_for(|stopping| *stopping).await;
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().expect("store lock")
    }

    pub fn permissions(&self, token: &str) -> Option<Permissions> {
        self.tokens.lock().expect("tokens lock").get(token).copied()
    }
}
