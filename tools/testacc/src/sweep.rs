//! `make sweep`: deletes the keys a live run left behind (a run killed midway, a failed
//! cleanup). Only keys whose names start with the prefix (`tfacc_`) are touched, and only those
//! older than `SWEEP_MIN_AGE` (default 1 hour), so a run in progress is never swept. Each key is
//! printed before it is deleted; `DRY_RUN=1` only prints.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use terraform_provider_supabase::supabase::{parse_rfc3339_millis, ApiKey, Deleted};
use tokio_util::sync::CancellationToken;

use crate::target::{Target, KEY_PREFIX};

pub async fn run() -> Result<(), String> {
    let target = Target::from_env()?;
    let prefix = std::env::var("SWEEP_PREFIX").unwrap_or_else(|_| KEY_PREFIX.to_owned());
    if !prefix.starts_with(KEY_PREFIX) {
        return Err(format!(
            "SWEEP_PREFIX must start with {KEY_PREFIX:?}: the sweeper never touches other keys"
        ));
    }
    let min_age = match std::env::var("SWEEP_MIN_AGE") {
        Ok(text) if !text.is_empty() => parse_age(&text)?,
        _ => Duration::from_secs(3600),
    };
    let dry_run = std::env::var("DRY_RUN").is_ok_and(|v| !v.is_empty() && v != "0");
    let client = target.client()?;
    let cancel = CancellationToken::new();
    let keys = client
        .list_keys(&cancel, &target.project)
        .await
        .map_err(|e| e.to_string())?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as i64;
    let (mut swept, mut young) = (0, 0);
    println!(
        "{} keys of project {} whose names start with {prefix:?} and that are older than {}:",
        if dry_run {
            "Would delete the"
        } else {
            "Deleting the"
        },
        target.project,
        show_age(min_age)
    );
    for key in keys.iter().filter(|k| k.name.starts_with(&prefix)) {
        if !old_enough(key, now_ms, min_age) {
            young += 1;
            continue;
        }
        println!("  {}", describe(key));
        if dry_run {
            swept += 1;
            continue;
        }
        match client.delete_key(&cancel, &target.project, &key.id).await {
            Ok(Deleted::Removed) => swept += 1,
            Ok(Deleted::AlreadyGone) => println!("    (already gone)"),
            Err(e) => return Err(format!("deleting {}: {e}", key.name)),
        }
    }
    let verb = if dry_run {
        "would be deleted"
    } else {
        "deleted"
    };
    println!(
        "{swept} {verb}; {young} younger than {} left alone",
        show_age(min_age)
    );
    Ok(())
}

fn describe(key: &ApiKey) -> String {
    format!(
        "{} ({} key {}, made {})",
        key.name,
        key.key_type.as_str(),
        key.id,
        key.inserted_at.as_deref().unwrap_or("at an unknown time")
    )
}

/// A key of unknown age is swept only when every age is (`SWEEP_MIN_AGE=0`).
fn old_enough(key: &ApiKey, now_ms: i64, min_age: Duration) -> bool {
    if min_age.is_zero() {
        return true;
    }
    key.inserted_at
        .as_deref()
        .and_then(parse_rfc3339_millis)
        .is_some_and(|made| now_ms - made >= min_age.as_millis() as i64)
}

/// `0`, `90s`, `30m`, `1h`, `2d`, or plain seconds.
fn parse_age(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |at| text.split_at(at));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("SWEEP_MIN_AGE {text:?}: expected e.g. 0, 90s, 30m, 1h or 2d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("SWEEP_MIN_AGE {text:?}: unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(n * seconds))
}

fn show_age(age: Duration) -> String {
    match age.as_secs() {
        0 => "0 s (any age)".into(),
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_a_person_writes_them() {
        assert_eq!(parse_age("0"), Ok(Duration::ZERO));
        assert_eq!(parse_age("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_age("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_age("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_age("1 hour").is_err());
        assert!(parse_age("soon").is_err());
    }
}
