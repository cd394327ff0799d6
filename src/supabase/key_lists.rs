//! One list request per project answers every read of that project's keys in this process.
//!
//! Terraform refreshes each resource with its own call, and the API allows 120 requests per
//! minute per project and endpoint; a list costs the same for one key as for a thousand. So
//! reads share lists: concurrent readers wait on the same request, and later readers take its
//! answer. A write to a project (create, update, delete; whatever its outcome) starts a new
//! generation: readers after it fetch again, and a list that was in flight when the write
//! landed answers only the readers that were already waiting on it. Failures are shared with
//! those waiting but never kept.
//!
//! A create that failed after it was sent polls the list for the key it may have made (see
//! `create.rs`): each poll wants a list requested after the one it saw last
//! ([`Freshness::After`]), and takes one another poll of the project started since, so any
//! number of creates waiting at once share one list request per poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::OnceCell;

use super::errors::ApiError;
use super::keys::ApiKey;

/// A project's keys as one list answer held them.
pub type KeyList = Arc<[ApiKey]>;

/// How current a list must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Not older than this process's last write to the project: for refreshes, which must see
    /// our own writes and must not miss a deletion made before the read began.
    Latest,
    /// Any list this process has fetched for the project, however many writes of ours came
    /// since: for checks that ignore the keys this process made (a name check before a create
    /// during an apply, which would otherwise list again after every create).
    Snapshot,
    /// A list whose request was sent after this instant: for a create's polls for the key it
    /// may have made, which each want news, yet take any list of the project started since
    /// (another create's poll, a refresh), so creates waiting at once share their lists; and
    /// for an import, which must see a key made outside this process before it began.
    After(Instant),
}

/// One list request, shared by every reader waiting on it.
#[derive(Default)]
pub(crate) struct FetchCell {
    /// When the request was started (the latest start, should a first starter give up).
    started: Mutex<Option<Instant>>,
    pub(crate) cell: OnceCell<Result<(Instant, KeyList), ApiError>>,
}

impl FetchCell {
    /// Notes that the request starts now; returns that instant.
    fn start(&self) -> Instant {
        let now = Instant::now();
        *self.started.lock().unwrap_or_else(|e| e.into_inner()) = Some(now);
        now
    }

    fn started(&self) -> Option<Instant> {
        *self.started.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Fetch = Arc<FetchCell>;

/// What a reader does: take a list at hand, or wait on (or start) a fetch.
pub(crate) enum Lookup {
    Ready(Instant, KeyList),
    Fetch { generation: u64, fetch: Fetch },
}

#[derive(Default)]
pub(crate) struct ListCache {
    projects: Mutex<HashMap<String, Project>>,
}

#[derive(Default)]
struct Project {
    /// Bumped by every write.
    generation: u64,
    /// The fetch that serves readers of this generation.
    current: Fetch,
    /// The newest answered list, its generation and when it was requested, kept across writes
    /// for [`Freshness::Snapshot`] and [`Freshness::After`].
    newest: Option<(u64, Instant, KeyList)>,
    /// The fetch started last, whatever its generation, with when and its generation: a reader
    /// of [`Freshness::After`] may wait on it even after a write has started a generation.
    last_started: Option<(Instant, u64, Fetch)>,
}

impl ListCache {
    pub fn lookup(&self, project_ref: &str, freshness: Freshness) -> Lookup {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let project = projects.entry(project_ref.to_owned()).or_default();
        if let Freshness::After(after) = freshness {
            if let Some((_, at, list)) = &project.newest {
                if *at > after {
                    return Lookup::Ready(*at, list.clone());
                }
            }
            // A fetch started after `after` serves, of whatever generation.
            if let Some((at, generation, fetch)) = &project.last_started {
                if *at > after {
                    return Lookup::Fetch {
                        generation: *generation,
                        fetch: fetch.clone(),
                    };
                }
            }
            // Else the fetch at hand, if it is yet to start.
            if project.current.started().is_some_and(|at| at <= after) {
                project.start_generation();
            }
            return Lookup::Fetch {
                generation: project.generation,
                fetch: project.current.clone(),
            };
        }
        if let Some((generation, at, list)) = &project.newest {
            if freshness == Freshness::Snapshot || *generation == project.generation {
                return Lookup::Ready(*at, list.clone());
            }
        }
        Lookup::Fetch {
            generation: project.generation,
            fetch: project.current.clone(),
        }
    }

    /// Records how `fetch` (of `generation`) ended: a list is kept if no newer one is; a
    /// failure is dropped, so the next reader tries again.
    pub fn settle(
        &self,
        project_ref: &str,
        generation: u64,
        fetch: &Fetch,
        result: &Result<(Instant, KeyList), ApiError>,
    ) {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let Some(project) = projects.get_mut(project_ref) else {
            return;
        };
        match result {
            Ok((at, list)) => {
                if project
                    .newest
                    .as_ref()
                    .is_none_or(|(g, _, _)| *g <= generation)
                {
                    project.newest = Some((generation, *at, list.clone()));
                }
            }
            Err(_) => {
                if Arc::ptr_eq(&project.current, fetch) {
                    project.current = Fetch::default();
                }
                if project
                    .last_started
                    .as_ref()
                    .is_some_and(|(_, _, f)| Arc::ptr_eq(f, fetch))
                {
                    project.last_started = None;
                }
            }
        }
    }

    /// `fetch` (of `generation`) starts its request now; returns that instant.
    pub fn started(&self, project_ref: &str, generation: u64, fetch: &Fetch) -> Instant {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let at = fetch.start();
        let project = projects.entry(project_ref.to_owned()).or_default();
        project.last_started = Some((at, generation, fetch.clone()));
        at
    }

    /// A write to the project was made (or may have been): lists from before it are stale.
    pub fn invalidate(&self, project_ref: &str) {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        projects
            .entry(project_ref.to_owned())
            .or_default()
            .start_generation();
    }
}

impl Project {
    fn start_generation(&mut self) {
        self.generation += 1;
        self.current = Fetch::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supabase::errors::{ErrorKind, Operation};
    use crate::supabase::keys::KeyType;

    fn list(ids: &[&str]) -> KeyList {
        ids.iter()
            .map(|id| ApiKey::for_test(id, id, KeyType::Secret))
            .collect()
    }

    fn fetch_of(lookup: Lookup) -> (u64, Fetch) {
        match lookup {
            Lookup::Fetch { generation, fetch } => (generation, fetch),
            Lookup::Ready(..) => panic!("expected a fetch"),
        }
    }

    fn names(lookup: Lookup) -> Vec<String> {
        match lookup {
            Lookup::Ready(_, list) => list.iter().map(|k| k.id.clone()).collect(),
            Lookup::Fetch { .. } => panic!("expected a list at hand"),
        }
    }

    #[test]
    fn readers_share_one_fetch_and_then_its_answer() {
        let cache = ListCache::default();
        let (g1, f1) = fetch_of(cache.lookup("p", Freshness::Latest));
        let (g2, f2) = fetch_of(cache.lookup("p", Freshness::Latest));
        assert_eq!(g1, g2);
        assert!(
            Arc::ptr_eq(&f1, &f2),
            "concurrent readers wait on the same request"
        );
        cache.settle("p", g1, &f1, &Ok((Instant::now(), list(&["a"]))));
        assert_eq!(names(cache.lookup("p", Freshness::Latest)), ["a"]);
        // Projects do not share.
        let (_, other) = fetch_of(cache.lookup("q", Freshness::Latest));
        assert!(!Arc::ptr_eq(&f1, &other));
    }

    #[test]
    fn a_write_makes_the_next_reader_fetch_and_discards_a_list_in_flight() {
        let cache = ListCache::default();
        let (g0, before) = fetch_of(cache.lookup("p", Freshness::Latest));
        cache.invalidate("p");
        // The list that was in flight when the write landed answers late: it serves
        // nobody who asks after the write.
        cache.settle("p", g0, &before, &Ok((Instant::now(), list(&["old"]))));
        let (g1, after) = fetch_of(cache.lookup("p", Freshness::Latest));
        assert!(g1 > g0);
        assert!(!Arc::ptr_eq(&before, &after));
        // A snapshot reader may take it.
        assert_eq!(names(cache.lookup("p", Freshness::Snapshot)), ["old"]);
        cache.settle(
            "p",
            g1,
            &after,
            &Ok((Instant::now(), list(&["old", "new"]))),
        );
        assert_eq!(names(cache.lookup("p", Freshness::Latest)), ["old", "new"]);
        // An older list settling after a newer one never replaces it.
        cache.settle("p", g0, &before, &Ok((Instant::now(), list(&["older"]))));
        assert_eq!(
            names(cache.lookup("p", Freshness::Snapshot)),
            ["old", "new"]
        );
    }

    #[test]
    fn a_list_from_before_an_instant_is_fetched_again_and_then_serves_later_reads() {
        let cache = ListCache::default();
        let (g0, first) = fetch_of(cache.lookup("p", Freshness::Latest));
        let at = cache.started("p", g0, &first);
        cache.settle("p", g0, &first, &Ok((at, list(&["a"]))));
        // A key was made outside this process; then two lookups want a list from after that.
        let made = Instant::now();
        let (g1, fetch) = fetch_of(cache.lookup("p", Freshness::After(made)));
        assert!(g1 > g0, "the list at hand is from before");
        let (_, other) = fetch_of(cache.lookup("p", Freshness::After(made)));
        assert!(Arc::ptr_eq(&fetch, &other), "one request for both");
        let at = cache.started("p", g1, &fetch);
        cache.settle("p", g1, &fetch, &Ok((at, list(&["a", "b"]))));
        assert_eq!(names(cache.lookup("p", Freshness::After(made))), ["a", "b"]);
        assert_eq!(names(cache.lookup("p", Freshness::Latest)), ["a", "b"]);
    }

    #[test]
    fn polls_after_an_instant_share_any_list_started_since() {
        let cache = ListCache::default();
        let seen = Instant::now();
        // Nothing started yet: the fetch at hand will start after `seen`, and is shared.
        let (g0, first) = fetch_of(cache.lookup("p", Freshness::After(seen)));
        let (_, same) = fetch_of(cache.lookup("p", Freshness::After(seen)));
        assert!(Arc::ptr_eq(&first, &same));
        let started = cache.started("p", g0, &first);
        // In flight, started after `seen`: shared.
        let (_, joined) = fetch_of(cache.lookup("p", Freshness::After(seen)));
        assert!(Arc::ptr_eq(&first, &joined));
        // Started before what this poll saw last: a new request.
        let (g1, newer) = fetch_of(cache.lookup("p", Freshness::After(started)));
        assert!(g1 > g0 && !Arc::ptr_eq(&first, &newer));
        cache.settle("p", g0, &first, &Ok((started, list(&["a"]))));
        // Answered, and requested after `seen`: at hand for every poll that saw less.
        assert_eq!(names(cache.lookup("p", Freshness::After(seen))), ["a"]);
        let at = cache.started("p", g1, &newer);
        cache.settle("p", g1, &newer, &Ok((at, list(&["a", "b"]))));
        assert_eq!(
            names(cache.lookup("p", Freshness::After(started))),
            ["a", "b"]
        );
        let (_, next) = fetch_of(cache.lookup("p", Freshness::After(at)));
        assert!(!Arc::ptr_eq(&newer, &next));
    }

    #[test]
    fn a_failure_is_not_kept() {
        let cache = ListCache::default();
        let (g, failed) = fetch_of(cache.lookup("p", Freshness::Snapshot));
        let error = ApiError::new(
            ErrorKind::Server,
            &Operation::List {
                project_ref: "p".into(),
            },
            "boom",
        );
        cache.settle("p", g, &failed, &Err(error));
        let (g2, next) = fetch_of(cache.lookup("p", Freshness::Latest));
        assert_eq!(g, g2);
        assert!(!Arc::ptr_eq(&failed, &next), "the next reader asks again");
    }
}
