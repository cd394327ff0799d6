//! Holding requests inside the server until the test releases them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use http::Method;
use tokio::sync::{watch, Semaphore};

use crate::faults::RequestMatcher;

pub(crate) struct HoldInner {
    matcher: RequestMatcher,
    gate: Semaphore,
    held: watch::Sender<usize>,
    open: AtomicBool,
}

impl HoldInner {
    fn open(&self) {
        self.open.store(true, Ordering::SeqCst);
        self.gate.close();
    }
}

/// All registered holds, in registration order.
#[derive(Default)]
pub(crate) struct Holds {
    list: Mutex<Vec<Arc<HoldInner>>>,
}

struct HeldGuard<'a>(&'a HoldInner);

impl Drop for HeldGuard<'_> {
    fn drop(&mut self) {
        self.0.held.send_modify(|c| *c -= 1);
    }
}

impl Holds {
    pub fn register(self: &Arc<Self>, matcher: RequestMatcher) -> Hold {
        let inner = Arc::new(HoldInner {
            matcher,
            gate: Semaphore::new(0),
            held: watch::Sender::new(0),
            open: AtomicBool::new(false),
        });
        self.list
            .lock()
            .expect("holds lock")
            .push(Arc::clone(&inner));
        Hold {
            inner,
            holds: Arc::clone(self),
        }
    }

    /// Waits while the first closed hold matching this request is closed.
    pub async fn pass(&self, method: &Method, path: &str) {
        let hold = self
            .list
            .lock()
            .expect("holds lock")
            .iter()
            .find(|h| !h.open.load(Ordering::SeqCst) && h.matcher.matches(method, path))
            .cloned();
        let Some(hold) = hold else { return };
        hold.held.send_modify(|c| *c += 1);
        let guard = HeldGuard(&hold);
        if let Ok(permit) = hold.gate.acquire().await {
            permit.forget();
        }
        drop(guard);
    }
}

/// A hold on matching requests: they wait inside the server until released,
/// either before anything else (fault rules, rate limiting, authentication:
/// `Simulator::hold`) or after the request was carried out, before its answer
/// (`Simulator::hold_answers`). Dropping the hold releases everything and
/// removes it.
pub struct Hold {
    inner: Arc<HoldInner>,
    holds: Arc<Holds>,
}

impl Hold {
    /// Resolves once at least `n` requests are waiting on this hold.
    pub async fn wait_held(&self, n: usize) {
        let mut rx = self.inner.held.subscribe();
        // The sender lives in `self.inner`, so this only ends by the predicate.
        let _ = rx.wait_for(|c| *c >= n).await;
    }

    /// How many requests are waiting on this hold now.
    pub fn held(&self) -> usize {
        *self.inner.held.borrow()
    }

    /// Lets one request through: a waiting one, or else the next to match.
    pub fn release_one(&self) {
        self.inner.gate.add_permits(1);
    }

    /// Lets the requests waiting now through; later ones are still held.
    pub fn release_held(&self) {
        self.inner.gate.add_permits(self.held());
    }

    /// Opens the hold: everything waiting, and every later request, passes.
    pub fn release_all(&self) {
        self.inner.open();
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.inner.open();
        self.holds
            .list
            .lock()
            .expect("holds lock")
            .retain(|h| !Arc::ptr_eq(h, &self.inner));
    }
}
