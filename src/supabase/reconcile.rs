//! Which existing key, if any, is the one an ambiguous create made.
//!
//! A create that failed after it was sent may have been carried out. Adopting the wrong
//! key would hand someone else's key to the caller (who might later delete it), so a key
//! is adopted only when it is the single one that fits: same name and type, not held by
//! another resource of this process, and inserted no earlier than the request (minus
//! [`CLOCK_SKEW`], the server's clock being another machine's).

use std::time::Duration;

use super::keys::{ApiKey, KeyType};
use super::time::parse_rfc3339_millis;

/// How far the server's clock may be behind ours.
pub const CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// The outcome of looking for our key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Exactly one key fits: its index in the list.
    Adopt(usize),
    /// Several keys fit: their ids.
    Several(Vec<String>),
    /// No key fits.
    NoMatch,
}

/// Looks for the key a create of `name`/`key_type` started at `started_ms` (Unix
/// milliseconds, our clock) could have made.
pub(crate) fn decide(
    keys: &[ApiKey],
    name: &str,
    key_type: KeyType,
    started_ms: i64,
    is_claimed: &(dyn Fn(&str) -> bool + Sync),
) -> Decision {
    let not_before = started_ms.saturating_sub(CLOCK_SKEW.as_millis() as i64);
    let fits: Vec<usize> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| k.name == name && k.key_type == key_type)
        // A key without a readable creation time cannot be shown to be new: leave it.
        .filter(|(_, k)| {
            k.inserted_at
                .as_deref()
                .and_then(parse_rfc3339_millis)
                .is_some_and(|t| t >= not_before)
        })
        .filter(|(_, k)| !is_claimed(&k.id))
        .map(|(i, _)| i)
        .collect();
    match fits.as_slice() {
        [] => Decision::NoMatch,
        [one] => Decision::Adopt(*one),
        many => Decision::Several(many.iter().map(|&i| keys[i].id.clone()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "2026-11-26T18:00:00.000Z";

    fn start_ms() -> i64 {
        parse_rfc3339_millis(START).unwrap()
    }

    fn key(id: &str, name: &str, key_type: KeyType, inserted_at: Option<&str>) -> ApiKey {
        ApiKey {
            inserted_at: inserted_at.map(str::to_owned),
            ..ApiKey::for_test(id, name, key_type)
        }
    }

    fn unclaimed(_: &str) -> bool {
        false
    }

    #[test]
    fn adopts_the_single_new_key_of_that_name_and_type() {
        let keys = vec![
            key("p", "ci_key", KeyType::Publishable, Some(START)),
            key("other", "other", KeyType::Secret, Some(START)),
            key(
                "mine",
                "ci_key",
                KeyType::Secret,
                Some("2026-11-26T18:00:01Z"),
            ),
        ];
        assert_eq!(
            decide(&keys, "ci_key", KeyType::Secret, start_ms(), &unclaimed),
            Decision::Adopt(2)
        );
    }

    #[test]
    fn allows_for_clock_skew_but_not_old_keys() {
        let keys = vec![key(
            "a",
            "ci_key",
            KeyType::Secret,
            Some("2026-11-26T17:56:00Z"),
        )];
        assert_eq!(
            decide(&keys, "ci_key", KeyType::Secret, start_ms(), &unclaimed),
            Decision::Adopt(0)
        );
        let old = vec![key(
            "a",
            "ci_key",
            KeyType::Secret,
            Some("2026-11-26T17:54:59Z"),
        )];
        assert_eq!(
            decide(&old, "ci_key", KeyType::Secret, start_ms(), &unclaimed),
            Decision::NoMatch
        );
    }

    #[test]
    fn never_adopts_a_key_without_a_readable_creation_time() {
        for inserted_at in [None, Some("yesterday")] {
            let keys = vec![key("a", "ci_key", KeyType::Secret, inserted_at)];
            assert_eq!(
                decide(&keys, "ci_key", KeyType::Secret, start_ms(), &unclaimed),
                Decision::NoMatch
            );
        }
    }

    #[test]
    fn skips_claimed_keys() {
        let keys = vec![
            key("held", "ci_key", KeyType::Secret, Some(START)),
            key("free", "ci_key", KeyType::Secret, Some(START)),
        ];
        let claimed = |id: &str| id == "held";
        assert_eq!(
            decide(&keys, "ci_key", KeyType::Secret, start_ms(), &claimed),
            Decision::Adopt(1)
        );
        let all = |_: &str| true;
        assert_eq!(
            decide(&keys, "ci_key", KeyType::Secret, start_ms(), &all),
            Decision::NoMatch
        );
    }

    #[test]
    fn several_fits_are_reported_by_id() {
        let keys = vec![
            key("a", "ci_key", KeyType::Secret, Some(START)),
            key("b", "ci_key", KeyType::Secret, Some(START)),
        ];
        assert_eq!(
            decide(&keys, "ci_key", KeyType::Secret, start_ms(), &unclaimed),
            Decision::Several(vec!["a".into(), "b".into()])
        );
        assert_eq!(
            decide(&[], "ci_key", KeyType::Secret, start_ms(), &unclaimed),
            Decision::NoMatch
        );
    }
}
