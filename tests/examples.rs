//! The examples under `examples/` as the registry and users see them: every directory holding
//! `.tf` files passes `terraform validate` on every Terraform the suite is given that meets the
//! example's `required_version`, and uses only this provider and Terraform's built-ins (tests
//! never reach the internet, and an example must run as it is written). A directory that also
//! holds query files (`.tfquery.hcl`, the list resources' examples) passes
//! `terraform validate -query` instead, which reads them (plain validate skips them), on
//! Terraform 1.14 and later; older ones record a skip. Whole configurations in docs/guides that
//! use this provider alone, and the guides' query files, are validated the same way.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::terraform::{self, text, Workdir, SOURCE_ADDRESS};

/// Directories that must be found, so that a broken walk cannot pass by finding nothing.
const KNOWN_EXAMPLES: [&str; 9] = [
    "data-sources/supabase_api_keys",
    "ephemeral-resources/supabase_secret_api_key",
    "list-resources/supabase_publishable_api_key",
    "list-resources/supabase_secret_api_key",
    "provider",
    "quickstart",
    "resources/supabase_publishable_api_key",
    "resources/supabase_secret_api_key",
    "rotation",
];

/// Resource, data source and ephemeral types that Terraform itself provides.
const BUILT_IN_TYPES: [(&str, &str); 2] = [
    ("resource", "terraform_data"),
    ("data", "terraform_remote_state"),
];
const BUILT_IN_SOURCE: &str = "terraform.io/builtin/terraform";

/// Query files (`terraform query`, `terraform validate -query`) end with this.
const QUERY_SUFFIX: &str = ".tfquery.hcl";
/// The first Terraform with query files, list blocks and `terraform validate -query`.
const QUERY_VERSION: (u32, u32, u32) = (1, 14, 0);
/// The configuration a guide's query file is validated beside: the provider requirement.
const QUERY_HOST: &str = r#"terraform {
  required_version = ">= 1.14"
  required_providers {
    supabase = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}

provider "supabase" {}
"#;

fn examples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Every directory under `examples/` that holds `.tf` or `.tfquery.hcl` files, relative to
/// `examples/`.
fn example_dirs() -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|entry| entry.expect("directory entry").path())
            .collect();
        entries.sort();
        if entries
            .iter()
            .any(|p| p.is_file() && (is_tf(p) || is_query(p)))
        {
            found.push(dir.strip_prefix(root).expect("under root").to_path_buf());
        }
        for sub in entries.iter().filter(|p| p.is_dir()) {
            walk(root, sub, found);
        }
    }
    let root = examples_root();
    let mut found = Vec::new();
    walk(&root, &root, &mut found);
    found
}

fn is_tf(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "tf")
}

fn is_query(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(QUERY_SUFFIX))
}

fn is_query_name(name: &str) -> bool {
    name.ends_with(QUERY_SUFFIX)
}

/// (file name, contents) of the `.tf` files of one example directory.
fn tf_files(example: &Path) -> Vec<(String, String)> {
    files_where(example, is_tf)
}

/// (file name, contents) of the `.tf` and `.tfquery.hcl` files of one example directory: what
/// Terraform reads of it.
fn example_files(example: &Path) -> Vec<(String, String)> {
    files_where(example, |p| is_tf(p) || is_query(p))
}

fn files_where(example: &Path, wanted: impl Fn(&Path) -> bool) -> Vec<(String, String)> {
    let dir = examples_root().join(example);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && wanted(p))
        .map(|p| {
            let name = p
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let contents = std::fs::read_to_string(&p).expect("read example file");
            (name, contents)
        })
        .collect();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------------
// A small HCL reader: enough structure (blocks, labels, attributes and their value tokens) to
// find provider requirements, resource types and `provider` arguments. Expressions are kept as
// tokens, never evaluated.

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Open(char),
    Close(char),
    Eq,
    Newline,
    Other(char),
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        match c {
            '\n' => {
                toks.push(Tok::Newline);
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '#' => {
                while at(i).is_some_and(|c| c != '\n') {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('/') => {
                while at(i).is_some_and(|c| c != '\n') {
                    i += 1;
                }
            }
            '/' if at(i + 1) == Some('*') => {
                i += 2;
                while !(at(i) == Some('*') && at(i + 1) == Some('/')) {
                    if at(i).is_none() {
                        return Err("unterminated /* comment".into());
                    }
                    if at(i) == Some('\n') {
                        toks.push(Tok::Newline);
                    }
                    i += 1;
                }
                i += 2;
            }
            '"' => {
                let (value, next) = read_string(&chars, i)?;
                toks.push(Tok::Str(value));
                i = next;
            }
            '<' if at(i + 1) == Some('<') => {
                // A heredoc: <<EOF or <<-EOF, up to a line holding only the marker.
                let mut j = i + 2;
                if at(j) == Some('-') {
                    j += 1;
                }
                let start = j;
                while at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    j += 1;
                }
                let marker: String = chars[start..j].iter().collect();
                if marker.is_empty() {
                    return Err("a heredoc without a marker".into());
                }
                let rest: String = chars[j..].iter().collect();
                let mut body = String::new();
                let mut consumed = 0;
                let mut closed = false;
                for line in rest.split_inclusive('\n').skip(1) {
                    consumed += line.chars().count();
                    if line.trim() == marker {
                        closed = true;
                        break;
                    }
                    body.push_str(line);
                }
                if !closed {
                    return Err(format!("heredoc {marker} is not closed"));
                }
                let first_line = rest.chars().take_while(|&c| c != '\n').count() + 1;
                toks.push(Tok::Str(body));
                toks.push(Tok::Newline);
                i = j + first_line + consumed;
            }
            '{' | '[' | '(' => {
                toks.push(Tok::Open(c));
                i += 1;
            }
            '}' | ']' | ')' => {
                toks.push(Tok::Close(c));
                i += 1;
            }
            '=' if matches!(at(i + 1), Some('=') | Some('>')) => {
                toks.push(Tok::Other(c));
                i += 2;
            }
            '!' | '<' | '>' if at(i + 1) == Some('=') => {
                toks.push(Tok::Other(c));
                i += 2;
            }
            '=' => {
                toks.push(Tok::Eq);
                i += 1;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while at(i).is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                    i += 1;
                }
                toks.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            c => {
                toks.push(Tok::Other(c));
                i += 1;
            }
        }
    }
    Ok(toks)
}

/// Reads the quoted string that starts at `chars[start]`, keeping `${...}` and `%{...}` as
/// written. Returns the contents and the index after the closing quote.
fn read_string(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    let mut value = String::new();
    loop {
        match chars.get(i) {
            None | Some('\n') => return Err("unterminated string".into()),
            Some('"') => return Ok((value, i + 1)),
            Some('\\') => {
                value.extend(chars.get(i..i + 2).unwrap_or_default());
                i += 2;
            }
            Some(&c @ ('$' | '%')) if chars.get(i + 1) == Some(&'{') => {
                let mut depth = 0;
                value.push(c);
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated interpolation".into()),
                        Some('"') => {
                            let (inner, next) = read_string(chars, i)?;
                            value.push('"');
                            value.push_str(&inner);
                            value.push('"');
                            i = next;
                            continue;
                        }
                        Some(&c) => {
                            value.push(c);
                            i += 1;
                            if c == '{' {
                                depth += 1;
                            } else if c == '}' {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            Some(&c) => {
                value.push(c);
                i += 1;
            }
        }
    }
}

#[derive(Debug, Default)]
struct Body {
    attributes: Vec<(String, Vec<Tok>)>,
    blocks: Vec<Block>,
}

#[derive(Debug)]
struct Block {
    kind: String,
    labels: Vec<String>,
    body: Body,
}

impl Body {
    fn attribute(&self, name: &str) -> Option<&[Tok]> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    fn blocks<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

fn parse(src: &str) -> Result<Body, String> {
    let toks = tokenize(src)?;
    let mut pos = 0;
    let body = parse_body(&toks, &mut pos)?;
    match toks.get(pos) {
        None => Ok(body),
        Some(t) => Err(format!("unexpected {t:?} at the top level")),
    }
}

fn parse_body(toks: &[Tok], pos: &mut usize) -> Result<Body, String> {
    let mut body = Body::default();
    loop {
        while toks.get(*pos) == Some(&Tok::Newline) {
            *pos += 1;
        }
        let name = match toks.get(*pos) {
            None | Some(Tok::Close('}')) => return Ok(body),
            Some(Tok::Ident(name)) => name.clone(),
            Some(t) => return Err(format!("expected an attribute or a block, found {t:?}")),
        };
        *pos += 1;
        if toks.get(*pos) == Some(&Tok::Eq) {
            *pos += 1;
            let mut depth = 0usize;
            let mut value = Vec::new();
            while let Some(t) = toks.get(*pos) {
                match t {
                    Tok::Newline | Tok::Close('}') if depth == 0 => break,
                    Tok::Open(_) => depth += 1,
                    Tok::Close(_) => {
                        depth = depth
                            .checked_sub(1)
                            .ok_or_else(|| format!("unbalanced {t:?} in {name}"))?
                    }
                    _ => {}
                }
                value.push(t.clone());
                *pos += 1;
            }
            body.attributes.push((name, value));
            continue;
        }
        let mut labels = Vec::new();
        while let Some(Tok::Str(label) | Tok::Ident(label)) = toks.get(*pos) {
            labels.push(label.clone());
            *pos += 1;
        }
        if toks.get(*pos) != Some(&Tok::Open('{')) {
            return Err(format!(
                "expected `=` or `{{` after {name} {labels:?}, found {:?}",
                toks.get(*pos)
            ));
        }
        *pos += 1;
        let inner = parse_body(toks, pos)?;
        if toks.get(*pos) != Some(&Tok::Close('}')) {
            return Err(format!("block {name} {labels:?} is not closed"));
        }
        *pos += 1;
        body.blocks.push(Block {
            kind: name,
            labels,
            body: inner,
        });
    }
}

// ---------------------------------------------------------------------------------------------
// What an example may use.

fn normalize_source(source: &str) -> String {
    let lower = source.trim().to_ascii_lowercase();
    lower
        .strip_prefix("registry.terraform.io/")
        .map(str::to_owned)
        .unwrap_or(lower)
}

fn is_ours(source: &str) -> bool {
    normalize_source(source) == normalize_source(SOURCE_ADDRESS)
}

fn is_local_module(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// The `source` of a `required_providers` entry: `{ source = "..." ... }`. A bare version
/// string (`name = "~> 1.0"`) or an object without `source` means `hashicorp/<name>`.
fn requirement_source(local_name: &str, value: &[Tok]) -> String {
    value
        .windows(3)
        .find_map(|w| match w {
            [Tok::Ident(k), Tok::Eq, Tok::Str(source)] if k == "source" => Some(source.clone()),
            _ => None,
        })
        .unwrap_or_else(|| format!("hashicorp/{local_name}"))
}

/// The local provider name a `provider = name` or `provider = name.alias` argument names.
fn provider_argument(value: &[Tok]) -> Option<String> {
    match value.first() {
        Some(Tok::Ident(name)) => Some(name.clone()),
        _ => None,
    }
}

/// Everything one module (the `.tf` files of one directory) uses that is neither this provider
/// nor built into Terraform; empty when the module is clean.
fn foreign_uses(files: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut bodies = Vec::new();
    for (name, contents) in files {
        match parse(contents) {
            Ok(body) => bodies.push((name.as_str(), body)),
            Err(e) => problems.push(format!("{name}: cannot be read: {e}")),
        }
        // Every `source = "..."`, wherever it is.
        let toks = tokenize(contents).unwrap_or_default();
        for w in toks.windows(3) {
            if let [Tok::Ident(k), Tok::Eq, Tok::Str(source)] = w {
                let allowed = is_ours(source)
                    || normalize_source(source) == BUILT_IN_SOURCE
                    || is_local_module(source);
                if k == "source" && !allowed {
                    problems.push(format!(
                        "{name}: source = {source:?} is neither {SOURCE_ADDRESS} nor built in"
                    ));
                }
            }
        }
    }

    // Local provider names, from every required_providers block of the module.
    let mut local_names: BTreeMap<String, String> = BTreeMap::new();
    for (_, body) in &bodies {
        for terraform_block in body.blocks("terraform") {
            for required in terraform_block.body.blocks("required_providers") {
                for (local_name, value) in &required.body.attributes {
                    local_names.insert(local_name.clone(), requirement_source(local_name, value));
                }
            }
        }
    }
    for (local_name, source) in &local_names {
        if !is_ours(source) && normalize_source(source) != BUILT_IN_SOURCE {
            problems.push(format!(
                "required_providers maps {local_name} to {source}, which is not {SOURCE_ADDRESS}"
            ));
        }
    }
    let ours = |local_name: &str| local_names.get(local_name).is_some_and(|s| is_ours(s));

    for (file, body) in &bodies {
        for block in &body.blocks {
            match block.kind.as_str() {
                "resource" | "data" | "ephemeral" | "list" => {
                    let type_name = block.labels.first().map(String::as_str).unwrap_or("");
                    if BUILT_IN_TYPES.contains(&(block.kind.as_str(), type_name)) {
                        continue;
                    }
                    if !type_name.starts_with("supabase_") {
                        problems.push(format!(
                            "{file}: {} {type_name:?} comes from neither this provider nor \
                             Terraform",
                            block.kind
                        ));
                        continue;
                    }
                    let local_name = block
                        .body
                        .attribute("provider")
                        .and_then(provider_argument)
                        .unwrap_or_else(|| "supabase".to_string());
                    if !ours(&local_name) {
                        problems.push(format!(
                            "{file}: {} {type_name:?} uses the provider local name \
                             {local_name:?}, which required_providers does not map to \
                             {SOURCE_ADDRESS}",
                            block.kind
                        ));
                    }
                }
                "provider" => {
                    let local_name = block.labels.first().map(String::as_str).unwrap_or("");
                    if !ours(local_name) {
                        problems.push(format!(
                            "{file}: provider {local_name:?} is not mapped to {SOURCE_ADDRESS} \
                             in required_providers"
                        ));
                    }
                }
                "module" => {
                    let source = block.body.attribute("source");
                    if !matches!(source, Some([Tok::Str(s)]) if is_local_module(s)) {
                        problems.push(format!(
                            "{file}: module {:?} is not a local module (./ or ../)",
                            block.labels.first().map(String::as_str).unwrap_or("")
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    problems
}

/// The oldest Terraform an example admits: `required_version = ">= X.Y[.Z]"` in any of its
/// `terraform` blocks (the highest wins), or None when it states none. Any other constraint
/// form is an error: teach this test to read it before using it.
fn minimum_version(files: &[(String, String)]) -> Result<Option<(u32, u32, u32)>, String> {
    let mut minimum = None;
    for (name, contents) in files {
        let body = parse(contents).map_err(|e| format!("{name}: {e}"))?;
        for terraform_block in body.blocks("terraform") {
            let Some(value) = terraform_block.body.attribute("required_version") else {
                continue;
            };
            let [Tok::Str(constraint)] = value else {
                return Err(format!(
                    "{name}: required_version is not a plain string: {value:?}"
                ));
            };
            let version = parse_at_least(constraint).map_err(|e| format!("{name}: {e}"))?;
            minimum = minimum.max(Some(version));
        }
    }
    Ok(minimum)
}

fn parse_at_least(constraint: &str) -> Result<(u32, u32, u32), String> {
    let unsupported = || {
        format!("required_version {constraint:?}: only the form \">= X.Y\" or \">= X.Y.Z\" is read")
    };
    let version = constraint
        .trim()
        .strip_prefix(">=")
        .ok_or_else(unsupported)?
        .trim();
    let parts: Vec<u32> = version
        .split('.')
        .map(|p| p.parse::<u32>().map_err(|_| unsupported()))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [major, minor] => Ok((major, minor, 0)),
        [major, minor, patch] => Ok((major, minor, patch)),
        _ => Err(unsupported()),
    }
}

/// The diagnostics of `terraform validate -json` other than the warning every run with
/// dev_overrides gets: an example must validate without errors or warnings.
fn unexpected_diagnostics(report: &serde_json::Value) -> Vec<&serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|d| d["summary"] != "Provider development overrides are in effect")
                .collect()
        })
        .unwrap_or_default()
}

fn show_version((a, b, c): (u32, u32, u32)) -> String {
    format!("{a}.{b}.{c}")
}

// ---------------------------------------------------------------------------------------------

#[test]
fn every_known_example_is_found() {
    let found = example_dirs();
    for known in KNOWN_EXAMPLES {
        assert!(
            found.iter().any(|d| d == Path::new(known)),
            "examples/{known} was not found among {found:?}"
        );
    }
}

#[test]
fn examples_use_only_this_provider_and_terraform_built_ins() {
    let mut problems = Vec::new();
    for example in example_dirs() {
        for problem in foreign_uses(&example_files(&example)) {
            problems.push(format!("examples/{}: {problem}", example.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_example_states_a_required_version_this_test_can_read() {
    for example in example_dirs() {
        let minimum = minimum_version(&tf_files(&example))
            .unwrap_or_else(|e| panic!("examples/{}: {e}", example.display()));
        assert!(
            minimum.is_some(),
            "examples/{} has no required_version",
            example.display()
        );
    }
}

#[tokio::test]
async fn every_example_validates_on_every_terraform_it_admits() {
    let terraforms = terraform::all();
    let mut failures = Vec::new();
    let mut validated = 0;
    for example in example_dirs() {
        let label = format!("examples/{}", example.display());
        validated +=
            validate_everywhere(&label, &example_files(&example), &terraforms, &mut failures).await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(validated > 0, "no example was validated");
}

/// The guides' `terraform` code blocks that are whole configurations (they hold a
/// `required_providers` block) of this provider alone validate too; those that need another
/// provider (the official one, hashicorp/time) cannot be installed here and are only named.
/// A code block of `list` blocks is a query file: it is validated with
/// `terraform validate -query` beside [`QUERY_HOST`].
#[tokio::test]
async fn guide_configurations_of_this_provider_alone_validate() {
    let guides = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("guides");
    let Ok(entries) = std::fs::read_dir(&guides) else {
        eprintln!("no docs/guides: nothing to validate");
        return;
    };
    let mut pages: Vec<PathBuf> = entries
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let terraforms = terraform::all();
    let mut failures = Vec::new();
    let mut validated = 0;
    for page in pages {
        let markdown = std::fs::read_to_string(&page).expect("read guide");
        let name = page.file_name().expect("file name").to_string_lossy();
        for (index, block) in code_blocks(&markdown).into_iter().enumerate() {
            let label = format!("docs/guides/{name}, code block {}", index + 1);
            let Ok(body) = parse(&block) else {
                continue;
            };
            let whole = body
                .blocks("terraform")
                .any(|t| t.body.blocks("required_providers").next().is_some());
            let query = body.blocks("list").next().is_some();
            let files = if query {
                vec![
                    ("main.tf".to_string(), QUERY_HOST.to_string()),
                    (format!("guide{QUERY_SUFFIX}"), block),
                ]
            } else if whole {
                vec![("main.tf".to_string(), block)]
            } else {
                continue;
            };
            let foreign = foreign_uses(&files);
            if !foreign.is_empty() {
                eprintln!("not validating {label}: {}", foreign.join("; "));
                continue;
            }
            validated += validate_everywhere(&label, &files, &terraforms, &mut failures).await;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(validated > 0, "no guide configuration was validated");
}

/// The contents of the ```terraform and ```hcl fenced blocks of a Markdown page.
fn code_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        let fence = line.trim_start();
        match current.as_mut() {
            None if fence == "```terraform" || fence == "```hcl" => current = Some(String::new()),
            None => {}
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

/// `terraform validate` of `files` on every Terraform in `terraforms` that meets their
/// `required_version` (the others are recorded as skipped), each in a private work dir whose
/// CLI config overrides our source address: never `terraform init`. Files with query files
/// among them are validated with `-query`, on Terraform 1.14 and later only. Returns how many
/// runs passed; failures are appended to `failures`.
async fn validate_everywhere(
    label: &str,
    files: &[(String, String)],
    terraforms: &[terraform::Terraform],
    failures: &mut Vec<String>,
) -> usize {
    let minimum = minimum_version(files).unwrap_or_else(|e| panic!("{label}: {e}"));
    let query = files.iter().any(|(name, _)| is_query_name(name));
    let mut validated = 0;
    for tf in terraforms {
        if query && !tf.at_least(QUERY_VERSION) {
            terraform::skip(
                tf,
                &format!(
                    "{label} has a .tfquery.hcl file: terraform validate -query needs Terraform {}",
                    show_version(QUERY_VERSION)
                ),
            );
            continue;
        }
        if let Some(minimum) = minimum {
            if !tf.at_least(minimum) {
                terraform::skip(
                    tf,
                    &format!("{label} requires Terraform >= {}", show_version(minimum)),
                );
                continue;
            }
        }
        let work = Workdir::new();
        for (name, contents) in files {
            work.write(name, contents);
        }
        let mut args = vec!["validate", "-json", "-no-color"];
        if query {
            args.push("-query");
        }
        let output = work.run(tf, &args, &[]).await;
        let report: Option<serde_json::Value> = serde_json::from_slice(&output.stdout).ok();
        let clean = output.status.success()
            && report
                .as_ref()
                .is_some_and(|r| r["valid"] == true && unexpected_diagnostics(r).is_empty());
        if clean {
            validated += 1;
        } else {
            failures.push(format!(
                "{label} on Terraform {}: {}\nstdout:\n{}\nstderr:\n{}",
                tf.version_string(),
                output.status,
                text(&output.stdout),
                text(&output.stderr)
            ));
        }
    }
    validated
}

// The checks above must catch what they are for.

#[test]
fn the_reader_flags_other_providers_and_their_types() {
    let config = r#"
terraform {
  required_providers {
    supabase = { source = "registry.terraform.io/supabase-rs/supabase" }
    null     = { source = "hashicorp/null" }
    random   = "~> 3.0"
  }
}

resource "null_resource" "x" {}
resource "random_password" "p" { length = 16 }
data "http" "page" { url = "https://example.com" } # a comment with "quotes" { and braces
"#;
    let problems = foreign_uses(&[("main.tf".into(), config.into())]).join("\n");
    for expected in [
        "hashicorp/null",
        "random to hashicorp/random",
        "resource \"null_resource\"",
        "resource \"random_password\"",
        "data \"http\"",
    ] {
        assert!(
            problems.contains(expected),
            "{expected:?} not in:\n{problems}"
        );
    }
}

#[test]
fn the_reader_follows_provider_local_names() {
    // Ours under another local name, with the resource pointing at it: clean.
    let beside = r#"
terraform {
  required_providers {
    supabasekeys = {
      source = "registry.terraform.io/supabase-rs/supabase"
    }
  }
}
provider "supabasekeys" {}
resource "supabase_secret_api_key" "k" {
  provider    = supabasekeys
  project_ref = "abcdefghijklmnopqrst"
  name        = "key_${var.generation}_x"
  lifecycle { create_before_destroy = true }
}
resource "terraform_data" "t" { input = { a = "}" } }
"#;
    assert_eq!(
        foreign_uses(&[("main.tf".into(), beside.into())]),
        Vec::<String>::new()
    );

    // The same resource without `provider =` goes to the local name `supabase`, here the
    // official provider: both are flagged.
    let official = r#"
terraform {
  required_providers {
    supabase     = { source = "supabase/supabase" }
    supabasekeys = { source = "supabase-rs/supabase" }
  }
}
resource "supabase_secret_api_key" "k" {
  project_ref = "abcdefghijklmnopqrst"
  name        = "backend_key"
}
module "keys" { source = "supabase/keys/supabase" }
"#;
    let problems = foreign_uses(&[("main.tf".into(), official.into())]).join("\n");
    for expected in [
        "maps supabase to supabase/supabase",
        "local name \"supabase\"",
        "module \"keys\"",
    ] {
        assert!(
            problems.contains(expected),
            "{expected:?} not in:\n{problems}"
        );
    }
}

/// `terraform validate -query` reads a query file (plain validate would pass this one): a
/// malformed `project_ref` in a `list` block fails on every Terraform that has query files.
#[tokio::test]
async fn a_bad_query_file_fails_validation() {
    let terraforms = terraform::all();
    let files = [
        ("main.tf".to_string(), QUERY_HOST.to_string()),
        (
            format!("keys{QUERY_SUFFIX}"),
            "list \"supabase_secret_api_key\" \"all\" {\n  provider = supabase\n  config {\n    project_ref = \"aaaa\"\n  }\n}\n"
                .to_string(),
        ),
    ];
    assert!(
        foreign_uses(&files).is_empty(),
        "{:?}",
        foreign_uses(&files)
    );
    let mut failures = Vec::new();
    let validated = validate_everywhere(
        "keys.tfquery.hcl with project_ref \"aaaa\"",
        &files,
        &terraforms,
        &mut failures,
    )
    .await;
    assert_eq!(validated, 0, "{failures:#?}");
    let with_query = terraforms
        .iter()
        .filter(|tf| tf.at_least(QUERY_VERSION))
        .count();
    assert_eq!(failures.len(), with_query, "{failures:#?}");
    for failure in &failures {
        assert!(
            failure.contains("Invalid project reference") && failure.contains("keys.tfquery.hcl"),
            "{failure}"
        );
    }
}

#[test]
fn the_reader_checks_list_blocks_of_query_files() {
    let query = r#"
list "supabase_secret_api_key" "all" {
  provider = supabase
  config {
    project_ref = "abcdefghijklmnopqrst"
  }
}
list "aws_instance" "web" {
  provider = aws
  config {}
}
"#;
    let files = [
        ("main.tf".to_string(), QUERY_HOST.to_string()),
        (format!("keys{QUERY_SUFFIX}"), query.to_string()),
    ];
    let problems = foreign_uses(&files).join("\n");
    assert!(
        problems.contains("list \"aws_instance\"") && !problems.contains("supabase_secret_api_key"),
        "{problems}"
    );
    assert!(is_query(Path::new("examples/x/list-resource.tfquery.hcl")));
    assert!(!is_tf(Path::new("examples/x/list-resource.tfquery.hcl")));
}

#[test]
fn required_version_reads_only_the_at_least_form() {
    assert_eq!(parse_at_least(">= 1.0"), Ok((1, 0, 0)));
    assert_eq!(parse_at_least(">=1.5.2"), Ok((1, 5, 2)));
    assert!(parse_at_least("~> 1.0").is_err());
    assert!(parse_at_least(">= 1.0, < 2.0").is_err());
    let files = [
        (
            "a.tf".to_string(),
            "terraform {\n  required_version = \">= 1.0\"\n}\n".to_string(),
        ),
        (
            "b.tf".to_string(),
            "terraform {\n  required_version = \">= 1.7\"\n}\n".to_string(),
        ),
    ];
    assert_eq!(minimum_version(&files), Ok(Some((1, 7, 0))));
    assert_eq!(
        minimum_version(&[("c.tf".to_string(), "variable \"x\" {}\n".to_string())]),
        Ok(None)
    );
}
