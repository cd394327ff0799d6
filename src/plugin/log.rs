//! Logging in the form Terraform reads from a provider's stderr: one hclog JSON object per line
//! (`@level`, `@message`, `@timestamp`, `@module`). The level comes from `TF_LOG_PROVIDER`, else
//! `TF_LOG`, read once; below it nothing is formatted. Secrets never reach a line: they travel
//! in [`crate::secret::Secret`], which prints as a redaction.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Off,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Off => "off",
        }
    }

    /// Terraform's spellings; `JSON` means trace, and an unknown word means trace too,
    /// as Terraform treats it.
    pub fn parse(text: &str) -> Option<Level> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(match text.to_ascii_uppercase().as_str() {
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" => Level::Warn,
            "ERROR" => Level::Error,
            "OFF" => Level::Off,
            _ => Level::Trace,
        })
    }
}

static THRESHOLD: OnceLock<Level> = OnceLock::new();

fn threshold() -> Level {
    *THRESHOLD.get_or_init(|| {
        let from = |name: &str| std::env::var(name).ok().and_then(|v| Level::parse(&v));
        from("TF_LOG_PROVIDER_SUPABASE")
            .or_else(|| from("TF_LOG_PROVIDER"))
            .or_else(|| from("TF_LOG"))
            .unwrap_or(Level::Off)
    })
}

pub fn enabled(level: Level) -> bool {
    level != Level::Off && level >= threshold()
}

/// Writes one line if `level` is enabled. `fields` become extra JSON keys.
pub fn emit(level: Level, message: &str, fields: &[(&str, &dyn std::fmt::Display)]) {
    if !enabled(level) {
        return;
    }
    let mut line = serde_json::Map::new();
    line.insert("@level".into(), level.name().into());
    line.insert("@message".into(), message.into());
    line.insert("@module".into(), "provider".into());
    line.insert("@timestamp".into(), timestamp(SystemTime::now()).into());
    for (key, value) in fields {
        line.insert((*key).to_string(), value.to_string().into());
    }
    let mut text = serde_json::Value::Object(line).to_string();
    text.push('\n');
    // One write per line, so concurrent calls never interleave inside a line.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

#[macro_export]
macro_rules! log_at {
    ($level:expr, $message:expr $(, $key:literal = $value:expr)* $(,)?) => {
        if $crate::plugin::log::enabled($level) {
            $crate::plugin::log::emit($level, &$message, &[$(($key, &$value)),*]);
        }
    };
}

/// hclog's timestamp layout, `2006-01-02T15:04:05.000000Z07:00`, in UTC.
fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_use_hclog_layout() {
        let at = UNIX_EPOCH + Duration::from_micros(1_764_181_067_123_456);
        assert_eq!(timestamp(at), "2025-11-26T18:17:47.123456Z");
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(&timestamp(leap)[..10], "2000-02-29");
    }

    #[test]
    fn levels_follow_terraform_spellings() {
        assert_eq!(Level::parse("debug"), Some(Level::Debug));
        assert_eq!(Level::parse("JSON"), Some(Level::Trace));
        assert_eq!(Level::parse(""), None);
        assert!(Level::Error > Level::Warn);
    }
}
