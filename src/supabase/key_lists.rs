//! One list request per project answers every read of that project's keys in this process.
//!
//! Terraform refreshes each resource with its own call, and the API allows 120 requests per
//! minute per project and endpoint; a list costs the same for one key as for a thousand. So
//! reads share lists: concurrent readers wait on the same request, and later readers take its
//! answer. A write to a project (create, update, delete; whatever its outcome) starts a new
//! generation: readers after it fetch again, and a list that was in flight when the write
//! landed answers only the readers that were already waiting on it. Failures are shared with
//! those waiting but never kept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    /// A list requested after this call began, for lookups of keys that may have been made
    /// outside this process moments ago (an import); later readers share it.
    Fresh,
    /// Any list this process has fetched for the project, however many writes of ours came
    /// since: for checks that ignore the keys this process made (a name check before a create
    /// during an apply, which would otherwise list again after every create).
    Snapshot,
}

type Fetch = Arc<OnceCell<Result<KeyList, ApiError>>>;

/// What a reader does: take a list at hand, or wait on (or start) a fetch.
pub(crate) enum Lookup {
    Ready(KeyList),
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
    /// The newest answered list and its generation, kept across writes for [`Freshness::Snapshot`].
    newest: Option<(u64, KeyList)>,
}

impl ListCache {
    pub fn lookup(&self, project_ref: &str, freshness: Freshness) -> Lookup {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let project = projects.entry(project_ref.to_owned()).or_default();
        if freshness == Freshness::Fresh {
            project.start_generation();
        }
        if let Some((generation, list)) = &project.newest {
            if freshness == Freshness::Snapshot || *generation == project.generation {
                return Lookup::Ready(list.clone());
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
        result: &Result<KeyList, ApiError>,
    ) {
        let mut projects = self.projects.lock().unwrap_or_else(|e| e.into_inner());
        let Some(project) = projects.get_mut(project_ref) else {
            return;
        };
        match result {
            Ok(list) => {
                if project
                    .newest
                    .as_ref()
                    .is_none_or(|(g, _)| *g <= generation)
                {
                    project.newest = Some((generation, list.clone()));
                }
            }
            Err(_) => {
                if Arc::ptr_eq(&project.current, fetch) {
                    project.current = Fetch::default();
                }
            }
        }
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
            Lookup::Ready(_) => panic!("expected a fetch"),
        }
    }

    fn names(lookup: Lookup) -> Vec<String> {
        match lookup {
            Lookup::Ready(list) => list.iter().map(|k| k.id.clone()).collect(),
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
        cache.settle("p", g1, &f1, &Ok(list(&["a"])));
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
        cache.settle("p", g0, &before, &Ok(list(&["old"])));
        let (g1, after) = fetch_of(cache.lookup("p", Freshness::Latest));
        assert!(g1 > g0);
        assert!(!Arc::ptr_eq(&before, &after));
        // A snapshot reader may take it.
        assert_eq!(names(cache.lookup("p", Freshness::Snapshot)), ["old"]);
        cache.settle("p", g1, &after, &Ok(list(&["old", "new"])));
        assert_eq!(names(cache.lookup("p", Freshness::Latest)), ["old", "new"]);
        // An older list settling after a newer one never replaces it.
        cache.settle("p", g0, &before, &Ok(list(&["older"])));
        assert_eq!(
            names(cache.lookup("p", Freshness::Snapshot)),
            ["old", "new"]
        );
    }

    #[test]
    fn a_fresh_reader_fetches_and_later_readers_share_its_list() {
        let cache = ListCache::default();
        let (g0, first) = fetch_of(cache.lookup("p", Freshness::Latest));
        cache.settle("p", g0, &first, &Ok(list(&["a"])));
        let (g1, fresh) = fetch_of(cache.lookup("p", Freshness::Fresh));
        assert!(g1 > g0);
        cache.settle("p", g1, &fresh, &Ok(list(&["a", "b"])));
        assert_eq!(names(cache.lookup("p", Freshness::Latest)), ["a", "b"]);
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
