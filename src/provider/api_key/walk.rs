//! What one provider process saw of one Terraform walk, for the checks a single resource cannot
//! make alone: two resources planning one key name, and two resources holding one key.
//!
//! Terraform starts a provider process per walk (plan, apply, import) and configures it at the
//! start of each (a `--debug` process serves several commands, each configuring it again), so
//! [`super::super::data::ProviderData`] starts a new `Walk` at every configure. It never sees
//! resource addresses: a resource is told apart by the key it holds, or not at all (a new key).
//!
//! The walk is parallel, so each check is made at the later of the two calls that clash, which
//! sees the earlier one whatever the order: a plan sees every plan before it, and a plan of a
//! key comes after every read of it (Terraform refreshes, or imports then reads, before it plans).

use std::collections::{HashMap, HashSet};

/// Who plans to take a name: a new key, or an existing key (by id) renamed or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Taker {
    New,
    Rename(String),
    Replacement(String),
}

impl Taker {
    /// The key whose resource takes the name: one resource's rename and the create half of its
    /// replacement (Terraform plans both for a replacement that changes the name) are one taker.
    fn key(&self) -> Option<&str> {
        match self {
            Taker::New => None,
            Taker::Rename(id) | Taker::Replacement(id) => Some(id),
        }
    }

    fn is_same_resource(&self, other: &Taker) -> bool {
        self.key().is_some() && self.key() == other.key()
    }

    /// For a message: what the other resource does with the name.
    pub fn describe(&self) -> String {
        match self {
            Taker::New => "a new key".to_string(),
            Taker::Rename(id) => format!("the rename of key {id}"),
            Taker::Replacement(id) => format!("the key that replaces key {id}"),
        }
    }
}

/// A name within the API's uniqueness rule: key type, project, name.
pub type NameSlot = (String, String, String);

/// Why a key is held twice in one walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeldTwice {
    /// An import (block or `terraform import`) of a key another resource holds.
    Imported,
    /// Two resources in state hold it (an earlier `terraform import` to a second address).
    InState,
}

#[derive(Default)]
pub struct Walk {
    names: HashMap<NameSlot, Vec<Taker>>,
    /// Per key id: successful reads (refresh, or the read after an import).
    reads: HashMap<String, u32>,
    /// Per key id: plans of the object (not creates): one per resource holding it.
    plans: HashMap<String, u32>,
    imported: HashSet<String>,
    reported: HashSet<String>,
}

impl Walk {
    /// Records that `taker` plans `slot`; returns the other taker when another resource plans
    /// it already (and then records nothing: this plan fails).
    pub fn take_name(&mut self, slot: NameSlot, taker: Taker) -> Option<Taker> {
        let takers = self.names.entry(slot).or_default();
        if let Some(other) = takers.iter().find(|t| !t.is_same_resource(&taker)) {
            return Some(other.clone());
        }
        takers.push(taker);
        None
    }

    pub fn note_read(&mut self, id: &str) {
        *self.reads.entry(id.to_string()).or_default() += 1;
    }

    /// Records an import of `id`; returns whether a resource of this walk already holds it
    /// (read or planned it, or imported it too).
    pub fn note_import(&mut self, id: &str) -> bool {
        let held = self.reads.contains_key(id)
            || self.plans.contains_key(id)
            || self.imported.contains(id);
        if !held {
            self.imported.insert(id.to_string());
        }
        held
    }

    /// Records a plan of the object `id` (an update, a no-op or the first half of a
    /// replacement); returns why it is held twice, once per key, when two resources hold it.
    /// With a refresh each holder read it before planning; with `-refresh=false` only an
    /// imported object was read, and the second plan counts.
    pub fn note_planned(&mut self, id: &str) -> Option<HeldTwice> {
        let plans = {
            let plans = self.plans.entry(id.to_string()).or_default();
            *plans += 1;
            *plans
        };
        let holders = plans.max(self.reads.get(id).copied().unwrap_or(0));
        if holders < 2 || !self.reported.insert(id.to_string()) {
            return None;
        }
        Some(if self.imported.contains(id) {
            HeldTwice::Imported
        } else {
            HeldTwice::InState
        })
    }

    /// Whether a rename of the key `id` is planned in this walk.
    pub fn renames(&self, id: &str) -> bool {
        self.names
            .values()
            .flatten()
            .any(|t| matches!(t, Taker::Rename(k) if k == id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(name: &str) -> NameSlot {
        ("secret".into(), "p".into(), name.into())
    }

    #[test]
    fn two_new_keys_or_a_new_key_and_a_rename_clash_on_one_name() {
        let mut walk = Walk::default();
        assert_eq!(walk.take_name(slot("n"), Taker::New), None);
        assert_eq!(walk.take_name(slot("n"), Taker::New), Some(Taker::New));
        assert_eq!(
            walk.take_name(slot("n"), Taker::Rename("k".into())),
            Some(Taker::New)
        );
        assert_eq!(walk.take_name(slot("other"), Taker::New), None);
    }

    #[test]
    fn a_replacement_that_renames_is_one_taker() {
        let mut walk = Walk::default();
        assert_eq!(walk.take_name(slot("m"), Taker::Rename("k".into())), None);
        assert_eq!(
            walk.take_name(slot("m"), Taker::Replacement("k".into())),
            None
        );
        assert!(walk.renames("k"));
        assert_eq!(
            walk.take_name(slot("m"), Taker::Replacement("j".into())),
            Some(Taker::Rename("k".into()))
        );
    }

    #[test]
    fn a_key_held_twice_is_reported_once_whatever_the_order() {
        // The import and its read before the other resource's refresh and plan.
        let mut walk = Walk::default();
        assert!(!walk.note_import("k"));
        walk.note_read("k");
        assert_eq!(walk.note_planned("k"), None);
        walk.note_read("k");
        assert_eq!(walk.note_planned("k"), Some(HeldTwice::Imported));

        // The other resource read first: the import itself fails.
        let mut walk = Walk::default();
        walk.note_read("k");
        assert!(walk.note_import("k"));

        // Both read before either plans: only the first plan reports.
        let mut walk = Walk::default();
        walk.note_read("k");
        walk.note_read("k");
        assert_eq!(walk.note_planned("k"), Some(HeldTwice::InState));
        assert_eq!(walk.note_planned("k"), None);

        // -refresh=false: no reads; the second plan counts.
        let mut walk = Walk::default();
        assert_eq!(walk.note_planned("k"), None);
        assert_eq!(walk.note_planned("k"), Some(HeldTwice::InState));

        // One holder: read, planned (and a replacement's create half is no plan of it).
        let mut walk = Walk::default();
        walk.note_read("k");
        assert_eq!(walk.note_planned("k"), None);
    }
}
