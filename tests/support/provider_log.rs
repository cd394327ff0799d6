//! The provider's log as Terraform writes it to `TF_LOG_PATH`: its entries split from Terraform
//! core's, and its `Management API request` lines read back into fields. Secret-hygiene tests
//! read what a log holds; live-mode fixtures count the requests the provider made from it.

#![allow(dead_code)]

use std::collections::BTreeMap;

/// What Terraform prints before the fields of each of the provider's request lines.
pub const REQUEST_LINE: &str = "provider.terraform-provider-supabase: Management API request: ";

/// Whether a log line starts an entry (`2026-11-26T19:53:07.422Z [LEVEL] ...`); other lines
/// continue the entry above (multi-line values such as a panic's).
pub fn starts_entry(line: &str) -> bool {
    line.get(..4)
        .is_some_and(|year| year.bytes().all(|b| b.is_ascii_digit()))
        && line.get(10..11) == Some("T")
}

/// The log's lines split into the provider's (relayed by Terraform from its stderr) and
/// Terraform core's, each entry's continuation lines going with it.
pub fn split_log(log: &str) -> (Vec<&str>, Vec<&str>) {
    let (mut provider, mut core) = (Vec::new(), Vec::new());
    let mut in_provider = false;
    for line in log.lines() {
        if starts_entry(line) {
            in_provider = line.contains("provider.terraform-provider-supabase")
                || line.contains("@module=provider");
        }
        if in_provider {
            provider.push(line);
        } else {
            core.push(line);
        }
    }
    (provider, core)
}

/// The provider's request lines (`Management API request: key=value ...`, as Terraform prints
/// the hclog fields), each with its level and fields.
pub fn request_lines(provider: &[&str]) -> Vec<(String, BTreeMap<String, String>)> {
    provider
        .iter()
        .filter_map(|line| {
            let at = line.find(REQUEST_LINE)?;
            let level = line[..at]
                .split(['[', ']'])
                .nth(1)
                .unwrap_or_default()
                .to_string();
            Some((level, fields(&line[at + REQUEST_LINE.len()..])))
        })
        .collect()
}

/// `key=value key="quoted value"` into a map (Terraform quotes values with spaces, Go-style).
pub fn fields(text: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let mut rest = text.trim_start();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].to_string();
        rest = &rest[eq + 1..];
        let value = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            rest = &quoted[end..];
            value
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            let value = rest[..end].to_string();
            rest = &rest[end..];
            value
        };
        fields.insert(key, value);
        rest = rest.trim_start();
    }
    fields
}
