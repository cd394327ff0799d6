//! Probe reports: normalising what an endpoint answered so that two reports compare (ids, refs,
//! key names and values, timestamps vary from run to run; statuses, messages and shapes do not),
//! comparing one report's findings against another's, and the readable summary.

use serde_json::{Map, Value};

/// What varies between probe runs, to be replaced by placeholders.
pub struct Names {
    pub project: String,
    pub name_prefix: String,
    pub unknown_ref: String,
    pub malformed_ref: String,
    pub unknown_id: String,
    pub paused_ref: Option<String>,
}

/// `value` with every run-specific part replaced: ids by `<uuid>`, refs and names by their
/// role, key values by their kind, timestamps by their shape (digits as `9`), `hash` and
/// `prefix` by their field name.
pub fn normalise(value: &Value, names: &Names) -> Value {
    match value {
        Value::String(text) => Value::String(normalise_text(text, names)),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalise(v, names)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("hash" | "prefix", Value::String(_)) => Value::String(format!("<{k}>")),
                        _ => normalise(v, names),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn normalise_text(text: &str, names: &Names) -> String {
    if let Some(kind) = key_value_kind(text) {
        return kind.to_owned();
    }
    if is_timestamp(text) {
        let shape: String = text
            .chars()
            .map(|c| if c.is_ascii_digit() { '9' } else { c })
            .collect();
        return format!("<timestamp {shape}>");
    }
    let mut out = text.to_owned();
    let mut roles: Vec<(&str, &str)> = vec![
        (names.unknown_id.as_str(), "<unknown id>"),
        (names.project.as_str(), "<project ref>"),
        (names.unknown_ref.as_str(), "<unknown ref>"),
        (names.malformed_ref.as_str(), "<malformed ref>"),
    ];
    if let Some(paused) = &names.paused_ref {
        roles.push((paused.as_str(), "<paused ref>"));
    }
    for (value, role) in roles {
        out = out.replace(value, role);
    }
    replace_prefixed_words(&replace_uuids(&out), &names.name_prefix)
}

/// Replaces each word starting with the probe's name prefix by `<probe key name>`.
fn replace_prefixed_words(text: &str, prefix: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        out.push_str(&rest[..at]);
        let word_end = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(rest.len(), |n| at + n);
        out.push_str("<probe key name>");
        rest = &rest[word_end..];
    }
    out.push_str(rest);
    out
}

fn replace_uuids(text: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        if i + 36 <= text.len() && is_uuid(&text[i..i + 36]) {
            out.push_str("<uuid>");
            i += 36;
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

fn is_timestamp(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 19
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b' ')
        && b[13] == b':'
}

/// What kind of key value `text` is, if it is one.
fn key_value_kind(text: &str) -> Option<&'static str> {
    if text.starts_with("sb_secret_") {
        Some(if text.contains('\u{b7}') {
            "<masked secret key>"
        } else {
            "<secret key>"
        })
    } else if text.starts_with("sb_publishable_") {
        Some("<publishable key>")
    } else if text.starts_with("eyJ") && text.matches('.').count() == 2 {
        Some("<jwt>")
    } else {
        None
    }
}

/// `value` with every key value replaced by its kind: what the report keeps of raw bodies.
pub fn redact_values(value: &Value) -> Value {
    match value {
        Value::String(text) => Value::String(key_value_kind(text).unwrap_or(text).to_owned()),
        Value::Array(items) => Value::Array(items.iter().map(redact_values).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), redact_values(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn findings(report: &Value) -> Result<&Map<String, Value>, String> {
    report["findings"]
        .as_object()
        .ok_or_else(|| "not a probe report: it has no findings".to_owned())
}

/// The findings on which `observed` differs from `expected`, one line each. A finding either
/// report skipped (no token or ref given for it) is not compared.
pub fn compare(expected: &Value, observed: &Value) -> Result<Vec<String>, String> {
    let (expected, observed) = (findings(expected)?, findings(observed)?);
    let mut differences = Vec::new();
    let mut names: Vec<&String> = expected.keys().chain(observed.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (e, o) = (&expected.get(name), &observed.get(name));
        match (e, o) {
            (Some(e), Some(o)) if e.get("skipped").is_some() || o.get("skipped").is_some() => {}
            (Some(e), Some(o)) if e["observed"] == o["observed"] => {}
            (Some(e), Some(o)) => differences.push(format!(
                "{name}: expected {}, observed {}",
                e["observed"], o["observed"]
            )),
            (Some(_), None) => differences.push(format!("{name}: not in the observed report")),
            (None, _) => differences.push(format!("{name}: not in the expected report")),
        }
    }
    Ok(differences)
}

pub fn compare_files(expected: &str, observed: &str) -> Result<(), String> {
    let read = |path: &str| -> Result<Value, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("read {path}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
    };
    let differences = compare(&read(expected)?, &read(observed)?)?;
    if differences.is_empty() {
        println!("{observed} agrees with {expected} on every finding both made");
        return Ok(());
    }
    for line in &differences {
        println!("{line}");
    }
    Err(format!(
        "{observed} differs from {expected} on {} finding(s)",
        differences.len()
    ))
}

/// One readable line per finding.
pub fn summary(report: &Value) -> String {
    let mut out = format!("Probe of {}:\n", report["endpoint"]);
    if let Ok(findings) = findings(report) {
        for (name, finding) in findings {
            let answer = finding
                .get("skipped")
                .map(|why| format!("skipped ({})", why.as_str().unwrap_or("")))
                .unwrap_or_else(|| finding["observed"].to_string());
            out.push_str(&format!("- {name}: {answer}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names() -> Names {
        Names {
            project: "abcdefghijklmnopqrst".into(),
            name_prefix: "tfacc_probe_1a2b3c_".into(),
            unknown_ref: "zzzzzzzzzzzzzzzzzzzz".into(),
            malformed_ref: "Not-A-Ref".into(),
            unknown_id: "00000000-0000-4000-8000-0000000000aa".into(),
            paused_ref: None,
        }
    }

    #[test]
    fn what_varies_between_runs_is_normalised_and_what_does_not_is_kept() {
        let body = json!({
            "id": "5f0c3a8e-1b2c-4d3e-8f90-0123456789ab",
            "name": "tfacc_probe_1a2b3c_twin",
            "api_key": "sb_secret_abcde\u{b7}\u{b7}\u{b7}",
            "hash": "xyz",
            "inserted_at": "2026-12-07T19:01:02.123456Z",
            "message": "Project abcdefghijklmnopqrst has no key 00000000-0000-4000-8000-0000000000aa",
        });
        assert_eq!(
            normalise(&body, &names()),
            json!({
                "id": "<uuid>",
                "name": "<probe key name>",
                "api_key": "<masked secret key>",
                "hash": "<hash>",
                "inserted_at": "<timestamp 9999-99-99T99:99:99.999999Z>",
                "message": "Project <project ref> has no key <unknown id>",
            })
        );
    }

    #[test]
    fn reports_differ_only_on_findings_both_made() {
        let a = json!({"findings": {
            "x": {"observed": {"status": 404}},
            "y": {"skipped": "no token"},
        }});
        let b = json!({"findings": {
            "x": {"observed": {"status": 409}},
            "y": {"observed": 1},
        }});
        assert_eq!(compare(&a, &a).unwrap(), Vec::<String>::new());
        let differences = compare(&a, &b).unwrap();
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].starts_with("x: "), "{differences:?}");
    }
}
