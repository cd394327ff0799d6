//! The list resources `supabase_secret_api_key` and `supabase_publishable_api_key` through the
//! real terraform CLI (`terraform query`, Terraform >= 1.14; older versions record a skip): keys
//! made outside Terraform are listed (human, `-json` and `-generate-config-out` output), the
//! generated configuration, pruned of the keys already in state as the guide
//! `docs/guides/bring-existing-keys.md` says, imports exactly the others and changes nothing,
//! each secret is revealed once by the import and never by the query, and no output, generated
//! file or provider log holds a secret. Errors (an unknown project, a refused token, a malformed
//! ref) point at the `project_ref` line of the query file.

mod support;

use std::collections::BTreeSet;
use std::process::Output;
use std::time::Instant;

use http::Method;
use serde_json::{json, Value as Json};
use supabase_simulator::{ApiKey, KeySeed, LoggedRequest};
use support::acceptance::{actions, folded, resource, stderr, Fixture};
use support::backend::SimOnly;
use support::keys::{assert_holds_none, key_values, keys_path, list_requests, reveal_requests};
use support::scale::requests_since;
use support::terraform::{self, assert_success, text};

const QUERY_FILE: &str = "keys.tfquery.hcl";
const GENERATED: &str = "generated.tf";
const SECRET: &str = "supabase_secret_api_key";
const PUBLISHABLE: &str = "supabase_publishable_api_key";
/// A valid-looking project ref the simulator does not know.
const UNKNOWN_PROJECT: &str = "zyxwvutsrqponmlkjihg";
/// The lines of [`query_file`] that hold each block's `project_ref`.
const SECRET_REF_LINE: usize = 4;
const PUBLISHABLE_REF_LINE: usize = 11;

/// A `.tfquery.hcl` with a `list` block for each key type.
fn query_file(secret_ref: &str, publishable_ref: &str) -> String {
    let text = format!(
        r#"list "{SECRET}" "all" {{
  provider = supabase
  config {{
    project_ref = "{secret_ref}"
  }}
}}

list "{PUBLISHABLE}" "all" {{
  provider = supabase
  config {{
    project_ref = "{publishable_ref}"
  }}
}}
"#
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[SECRET_REF_LINE - 1].contains(secret_ref));
    assert!(lines[PUBLISHABLE_REF_LINE - 1].contains(publishable_ref));
    text
}

fn type_of(key: &ApiKey) -> &'static str {
    match key.key_type.as_str() {
        "secret" => SECRET,
        "publishable" => PUBLISHABLE,
        other => panic!("a {other} key"),
    }
}

/// What one run left behind: its output and the provider's DEBUG log.
struct Logged {
    output: Output,
    log: String,
}

impl Logged {
    fn stdout(&self) -> String {
        text(&self.output.stdout)
    }

    fn stderr(&self) -> String {
        stderr(&self.output)
    }
}

/// Runs `terraform ARGS` with `TF_LOG_PROVIDER=DEBUG` written to a log file of its own (as a
/// user asks for the provider's log), and collects the output and the log.
async fn run_logged(fx: &mut Fixture, label: &str, args: &[&str]) -> Logged {
    let path = fx.work.root().join(format!("{label}.log"));
    let _ = std::fs::remove_file(&path);
    fx.set_env("TF_LOG_PROVIDER", "DEBUG");
    fx.set_env("TF_LOG_PATH", path.to_str().expect("utf-8 path"));
    let output = fx.run(args).await;
    fx.set_env("TF_LOG_PROVIDER", "");
    fx.set_env("TF_LOG_PATH", "");
    let log = std::fs::read_to_string(&path).unwrap_or_default();
    Logged { output, log }
}

/// Asserts that `requests` (one query command's) are one list of `project`'s keys, nothing else.
fn assert_one_list(requests: &[LoggedRequest], project: &str, what: &str) {
    let sent: Vec<String> = requests
        .iter()
        .map(|r| {
            format!(
                "{} {}?{}",
                r.method,
                r.path,
                r.query.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        sent,
        [format!("GET {}?", keys_path(project))],
        "{what}: one list request for both list blocks, no reveal"
    );
    assert!(reveal_requests(requests).is_empty(), "{what}: {sent:?}");
}

/// `(address, identity, name)` of each result line of `terraform query`'s human output:
/// `list.TYPE.NAME   id=...,project_ref=...   display name`.
fn result_lines(stdout: &str) -> BTreeSet<(String, String, String)> {
    stdout
        .lines()
        .filter(|line| line.starts_with("list."))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 3, "a result line of three fields: {line:?}");
            (
                fields[0].to_string(),
                fields[1].to_string(),
                fields[2].to_string(),
            )
        })
        .collect()
}

fn expected_lines(keys: &[ApiKey], project: &str) -> BTreeSet<(String, String, String)> {
    keys.iter()
        .map(|k| {
            (
                format!("list.{}.all", type_of(k)),
                format!("id={},project_ref={project}", k.id),
                k.name.clone(),
            )
        })
        .collect()
}

/// A top-level block of a generated file: its header line and whole text.
#[derive(Clone, Debug)]
struct GeneratedBlock {
    header: String,
    text: String,
}

impl GeneratedBlock {
    /// `TYPE.LABEL` of a `resource` block.
    fn resource_address(&self) -> Option<String> {
        let rest = self.header.strip_prefix("resource ")?;
        let labels: Vec<&str> = rest
            .split('"')
            .filter(|s| !s.trim().is_empty() && s.trim() != "{")
            .collect();
        match labels.as_slice() {
            [type_name, label] => Some(format!("{type_name}.{label}")),
            _ => panic!("a resource header of two labels: {:?}", self.header),
        }
    }

    /// The string value of the attribute `name` (the first line that sets it).
    fn string_attribute(&self, name: &str) -> Option<String> {
        self.text.lines().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == name).then(|| value.trim().trim_matches('"').to_string())
        })
    }

    fn is_import(&self) -> bool {
        self.header.starts_with("import ")
    }
}

/// The top-level blocks of a file `-generate-config-out` wrote (each starts at column 0 and
/// ends with a line `}`); comments and blank lines between them are dropped.
fn generated_blocks(text: &str) -> Vec<GeneratedBlock> {
    let mut blocks = Vec::new();
    let mut current: Option<GeneratedBlock> = None;
    for line in text.lines() {
        match current.as_mut() {
            None if line.starts_with("resource ") || line.starts_with("import ") => {
                current = Some(GeneratedBlock {
                    header: line.to_string(),
                    text: format!("{line}\n"),
                });
            }
            None => assert!(
                line.trim().is_empty() || line.starts_with('#'),
                "unexpected line between blocks: {line:?}\n{text}"
            ),
            Some(block) => {
                block.text.push_str(line);
                block.text.push('\n');
                if line == "}" {
                    blocks.extend(current.take());
                }
            }
        }
    }
    assert!(current.is_none(), "an unclosed block:\n{text}");
    blocks
}

/// Pairs of strings: (import `to`, identity id) or (resource address, name).
type Pairs = Vec<(String, String)>;

/// (import `to`, identity id) of each import block, whose identity is in `project`, and
/// (address, name) of each resource block.
fn generated_pairs(blocks: &[GeneratedBlock], project: &str) -> (Pairs, Pairs) {
    let imports = blocks
        .iter()
        .filter(|b| b.is_import())
        .map(|b| {
            let to = b.string_attribute("to").expect("import to");
            let project_ref = b
                .string_attribute("project_ref")
                .expect("identity project_ref");
            assert_eq!(project_ref, project, "{}", b.text);
            assert!(b.text.contains("identity = {"), "{}", b.text);
            (to, b.string_attribute("id").expect("identity id"))
        })
        .collect();
    let resources = blocks
        .iter()
        .filter(|b| !b.is_import())
        .map(|b| {
            (
                b.resource_address().expect("a resource block"),
                b.string_attribute("name").expect("name"),
            )
        })
        .collect();
    (imports, resources)
}

/// The addresses that manage the key `id` in state, found as the guide says:
/// `terraform state list -id=<id>` (empty for a key that no resource manages yet).
async fn state_addresses_of(fx: &Fixture, id: &str) -> Vec<String> {
    let listed = fx.ok(&["state", "list", &format!("-id={id}")]).await;
    text(&listed.stdout)
        .lines()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect()
}

/// What no run may print or log: a panic, a plugin that crashed or exited with an error.
fn assert_no_crash(what: &str, output: &str) {
    for sign in [
        "panic",
        "Plugin did not respond",
        "failed to respond",
        "exit status",
    ] {
        assert!(
            !output.to_lowercase().contains(&sign.to_lowercase()),
            "{what}: {sign:?} in:\n{output}"
        );
    }
}

#[tokio::test]
async fn query_lists_every_key_and_the_pruned_generated_configuration_imports_the_others() {
    for tf in terraform::with_query() {
        let started = Instant::now();
        let version = tf.version_string();
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::QueriesEveryKey).await else {
            continue;
        };
        let project = fx.project().to_string();

        // Three secret keys and a publishable key made in the dashboard, one secret key that
        // this configuration manages already.
        fx.seed_key(KeySeed::secret(&fx.name("alpha_key")).with_description("Backend service"));
        let mut bravo = KeySeed::secret(&fx.name("bravo_key"));
        bravo.secret_jwt_template = Some(json!({"role": "service_role", "tier": "gold"}));
        fx.seed_key(bravo);
        fx.seed_key(KeySeed::secret(&fx.name("charlie_key")));
        fx.seed_key(KeySeed::publishable(&fx.name("web_key")).with_description("Web app"));
        fx.config(&format!(
            r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "managed" {{
  project_ref = "{project}"
  name        = "{managed}"
}}
"#,
            managed = fx.name("managed_key"),
        ));
        fx.apply().await;
        let keys = fx.keys();
        assert_eq!(keys.len(), 5, "{version}: {keys:#?}");
        let managed = keys
            .iter()
            .find(|k| k.name == fx.name("managed_key"))
            .expect("the managed key")
            .clone();
        let unmanaged: Vec<ApiKey> = keys
            .iter()
            .filter(|k| k.id != managed.id)
            .cloned()
            .collect();
        // Every value the project holds, the legacy keys' too (a simulator-only test).
        let values = key_values(fx.sim(), &project);
        fx.write(QUERY_FILE, &query_file(&project, &project));
        let expected = expected_lines(&keys, &project);

        // `terraform query`: one line per key, the managed one too; one list request.
        let since = fx.requests().len();
        let query = run_logged(&mut fx, "query", &["query", "-no-color"]).await;
        assert_success(&query.output, &format!("terraform {version} query"));
        eprintln!("terraform {version} query:\n{}", query.stdout());
        assert_eq!(result_lines(&query.stdout()), expected, "{version}");
        assert_one_list(&requests_since(&fx, since), &project, "terraform query");
        // The log was written, and shows the list request.
        assert!(
            query.log.contains("Management API request")
                && query.log.contains(&keys_path(&project)),
            "{version}: the provider's DEBUG log lacks the list request:\n{}",
            query.log
        );

        // `terraform query -json`: a list_resource_found message per key.
        let since = fx.requests().len();
        let json_query = run_logged(&mut fx, "query-json", &["query", "-json"]).await;
        assert_success(
            &json_query.output,
            &format!("terraform {version} query -json"),
        );
        let messages: Vec<Json> = json_query
            .stdout()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        let found: BTreeSet<(String, String, String)> = messages
            .iter()
            .filter(|m| m["type"] == "list_resource_found")
            .map(|m| {
                let found = &m["list_resource_found"];
                assert_eq!(found["identity"]["project_ref"], project.as_str(), "{m}");
                (
                    found["address"].as_str().expect("address").to_string(),
                    format!(
                        "id={},project_ref={project}",
                        found["identity"]["id"].as_str().expect("id")
                    ),
                    found["display_name"]
                        .as_str()
                        .expect("display_name")
                        .to_string(),
                )
            })
            .collect();
        assert_eq!(found, expected, "{version}");
        let totals: BTreeSet<(String, u64)> = messages
            .iter()
            .filter(|m| m["type"] == "list_complete")
            .map(|m| {
                let complete = &m["list_complete"];
                (
                    complete["resource_type"]
                        .as_str()
                        .expect("type")
                        .to_string(),
                    complete["total"].as_u64().expect("total"),
                )
            })
            .collect();
        assert_eq!(
            totals,
            BTreeSet::from([(PUBLISHABLE.to_string(), 1), (SECRET.to_string(), 4)]),
            "{version}"
        );
        assert_one_list(
            &requests_since(&fx, since),
            &project,
            "terraform query -json",
        );

        // `terraform query -generate-config-out`: the same lines, and an import block and a
        // resource block per key, the managed one included.
        let since = fx.requests().len();
        let generate = run_logged(
            &mut fx,
            "query-generate",
            &[
                "query",
                "-no-color",
                &format!("-generate-config-out={GENERATED}"),
            ],
        )
        .await;
        assert_success(
            &generate.output,
            &format!("terraform {version} query -generate-config-out"),
        );
        assert_eq!(result_lines(&generate.stdout()), expected, "{version}");
        assert_one_list(
            &requests_since(&fx, since),
            &project,
            "terraform query -generate-config-out",
        );
        let generated_path = fx.work.config_dir().join(GENERATED);
        let generated = std::fs::read_to_string(&generated_path).expect("the generated file");
        eprintln!("terraform {version} generated {GENERATED}:\n{generated}");
        let blocks = generated_blocks(&generated);
        let (imports, resources) = generated_pairs(&blocks, &project);
        assert_eq!(imports.len(), keys.len(), "{version}:\n{generated}");
        assert_eq!(resources.len(), keys.len(), "{version}:\n{generated}");
        for key in &keys {
            let to = imports
                .iter()
                .filter(|(_, id)| *id == key.id)
                .map(|(to, _)| to.clone())
                .collect::<Vec<_>>();
            let [to] = to.as_slice() else {
                panic!("{version}: one import block for {}:\n{generated}", key.name);
            };
            assert!(to.starts_with(&format!("{}.", type_of(key))), "{to}");
            let names: Vec<&String> = resources
                .iter()
                .filter(|(address, _)| address == to)
                .map(|(_, name)| name)
                .collect();
            assert_eq!(names, [&key.name], "{version}: {to}:\n{generated}");
        }
        assert!(
            folded(&generated).contains("tier = \"gold\""),
            "{version}: bravo_key's template:\n{generated}"
        );

        // Nothing shown, written or logged holds a secret.
        for (what, said) in [
            (
                "terraform query",
                format!("{}\n{}", query.stdout(), query.stderr()),
            ),
            ("terraform query's provider log", query.log.clone()),
            ("terraform query -json", json_query.stdout()),
            (
                "terraform query -json's provider log",
                json_query.log.clone(),
            ),
            (
                "terraform query -generate-config-out",
                format!("{}\n{}", generate.stdout(), generate.stderr()),
            ),
            (
                "terraform query -generate-config-out's provider log",
                generate.log.clone(),
            ),
            ("the generated file", generated.clone()),
        ] {
            assert_holds_none(&said, &values, &format!("{version}: {what}"));
            assert_no_crash(&format!("{version}: {what}"), &said);
        }

        // Prune: the keys already in state (here the managed one) lose their blocks.
        let mut in_state = BTreeSet::new();
        for (_, id) in &imports {
            let addresses = state_addresses_of(&fx, id).await;
            if *id == managed.id {
                assert_eq!(addresses, ["supabase_secret_api_key.managed"], "{version}");
            } else {
                assert!(addresses.is_empty(), "{version}: {id}: {addresses:?}");
            }
            if !addresses.is_empty() {
                in_state.insert(id.clone());
            }
        }
        let pruned_addresses: BTreeSet<&String> = imports
            .iter()
            .filter(|(_, id)| in_state.contains(id))
            .map(|(to, _)| to)
            .collect();
        let kept: Vec<&GeneratedBlock> = blocks
            .iter()
            .filter(|b| {
                let address = if b.is_import() {
                    b.string_attribute("to")
                } else {
                    b.resource_address()
                };
                !pruned_addresses.contains(&address.expect("an address"))
            })
            .collect();
        assert_eq!(kept.len(), 2 * unmanaged.len(), "{version}");
        let pruned: String = kept.iter().map(|b| format!("{}\n", b.text)).collect();
        std::fs::write(&generated_path, &pruned).expect("write the pruned file");

        // The plan imports exactly the unmanaged keys and changes nothing.
        let since = fx.requests().len();
        let shown = fx.plan_shown(&[]).await;
        assert!(
            folded(&shown.human)
                .contains("Plan: 4 to import, 0 to add, 0 to change, 0 to destroy."),
            "{version}:\n{}",
            shown.human
        );
        eprintln!(
            "terraform {version} plan after pruning: {}",
            shown
                .human
                .lines()
                .find(|l| l.starts_with("Plan:"))
                .unwrap_or("")
        );
        let importing: BTreeSet<String> = shown.json["resource_changes"]
            .as_array()
            .expect("resource_changes")
            .iter()
            .filter(|rc| !rc["change"]["importing"].is_null())
            .map(|rc| {
                let identity = &rc["change"]["importing"]["identity"];
                assert_eq!(identity["project_ref"], project.as_str(), "{rc:#}");
                identity["id"].as_str().expect("identity id").to_string()
            })
            .collect();
        let unmanaged_ids: BTreeSet<String> = unmanaged.iter().map(|k| k.id.clone()).collect();
        assert_eq!(importing, unmanaged_ids, "{version}");
        for (address, acts) in actions(&shown.json) {
            assert_eq!(acts, ["no-op"], "{version}: {address}");
        }
        // The keys existed before the plan began, so the refresh and the four imports (and the
        // reads after them) share one list.
        let requests = requests_since(&fx, since);
        assert_eq!(
            list_requests(&requests, &project),
            1,
            "{version}: {requests:#?}"
        );

        // The apply imports them; each secret is revealed once, by its import.
        fx.ok(&["apply", "-input=false", "-no-color", "tfplan"])
            .await;
        let state = fx.state().await;
        for key in &unmanaged {
            let to = &imports
                .iter()
                .find(|(_, id)| *id == key.id)
                .expect("an import")
                .0;
            let values = &resource(&state, to)["values"];
            assert_eq!(values["id"], key.id, "{version}: {to}");
            assert_eq!(values["name"], key.name, "{version}: {to}");
            assert_eq!(values["api_key"], key.api_key, "{version}: {to}");
        }
        let mut revealed = reveal_requests(&requests_since(&fx, since));
        revealed.sort();
        let mut expected_reveals: Vec<String> = unmanaged
            .iter()
            .filter(|k| k.key_type == "secret")
            .map(|k| format!("GET {}/{}?reveal=true", keys_path(&project), k.id))
            .collect();
        expected_reveals.sort();
        assert_eq!(
            revealed, expected_reveals,
            "{version}: one reveal per imported secret"
        );
        fx.assert_no_changes().await;
        assert_eq!(fx.keys(), keys, "{version}: nothing changed on the server");
        let writes = fx
            .requests()
            .iter()
            .filter(|r| r.method != Method::GET)
            .count();
        assert_eq!(writes, 1, "{version}: only the managed key's create");
        let log: Vec<String> = fx
            .requests()
            .iter()
            .map(|r| {
                format!(
                    "  {} {} {}{} -> {}",
                    r.seq,
                    r.method,
                    r.path,
                    r.query
                        .as_ref()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default(),
                    r.status.map_or("-".to_string(), |s| s.to_string())
                )
            })
            .collect();
        eprintln!(
            "terraform {version}: list-resource workflow took {:.1?}; the API saw:\n{}",
            started.elapsed(),
            log.join("\n")
        );
    }
}

#[tokio::test]
async fn query_errors_point_at_the_project_ref_line() {
    for tf in terraform::with_query() {
        let version = tf.version_string();
        let Some(mut fx) = Fixture::sim_only(&tf, SimOnly::QueriesEveryKey).await else {
            continue;
        };
        let project = fx.project().to_string();
        let token = fx.token();
        let key = fx.seed_key(KeySeed::secret(&fx.name("alpha_key")));
        fx.config("provider \"supabase\" {}\n");
        let at_line = |line: usize, project_ref: &str| {
            format!(
                "on {QUERY_FILE} line {line}, in list \"{}\" \"all\": {line}: project_ref = \"{project_ref}\"",
                if line == SECRET_REF_LINE { SECRET } else { PUBLISHABLE }
            )
        };

        // An unknown project: "Project not found" on its block's project_ref line; the other
        // block still lists.
        fx.work
            .write(QUERY_FILE, &query_file(UNKNOWN_PROJECT, &project));
        let output = fx.run(&["query", "-no-color"]).await;
        let shown = folded(&format!("{}\n{}", text(&output.stdout), stderr(&output)));
        assert!(!output.status.success(), "{version}: {shown}");
        for expect in [
            "Error: Project not found".to_string(),
            format!("with list.{SECRET}.all"),
            at_line(SECRET_REF_LINE, UNKNOWN_PROJECT),
            format!("project {UNKNOWN_PROJECT} does not exist"),
        ] {
            assert!(
                shown.contains(&expect),
                "{version}: no {expect:?} in {shown}"
            );
        }
        assert_no_crash(&version, &shown);

        // A refused token: the error names the token problem, on the project_ref line.
        fx.write(QUERY_FILE, &query_file(&project, &project));
        let refused = "sbp_wrong_0000000000000000000000000000000000000000";
        fx.set_env("SUPABASE_ACCESS_TOKEN", refused);
        let output = fx.run(&["query", "-no-color"]).await;
        let shown = folded(&format!("{}\n{}", text(&output.stdout), stderr(&output)));
        assert!(!output.status.success(), "{version}: {shown}");
        for expect in [
            "Error: Could not list the project's API keys".to_string(),
            "the access token was refused".to_string(),
            "HTTP 401".to_string(),
            at_line(SECRET_REF_LINE, &project),
            at_line(PUBLISHABLE_REF_LINE, &project),
        ] {
            assert!(
                shown.contains(&expect),
                "{version}: no {expect:?} in {shown}"
            );
        }
        assert!(
            !shown.contains(&refused[4..]),
            "{version}: the token is echoed"
        );
        assert_no_crash(&version, &shown);
        fx.set_env("SUPABASE_ACCESS_TOKEN", &token);

        // A malformed ref: `terraform validate -query` flags it on its line (plain
        // `terraform validate` does not read query files), and `terraform query` sends nothing.
        fx.write(QUERY_FILE, &query_file("aaaa", &project));
        let since = fx.requests().len();
        let plain = fx.run(&["validate", "-no-color"]).await;
        assert_success(&plain, &format!("terraform {version} validate"));
        for args in [
            &["validate", "-query", "-no-color"][..],
            &["query", "-no-color"][..],
        ] {
            let output = fx.run(args).await;
            let shown = folded(&format!("{}\n{}", text(&output.stdout), stderr(&output)));
            assert!(!output.status.success(), "{version} {args:?}: {shown}");
            for expect in [
                "Error: Invalid project reference".to_string(),
                at_line(SECRET_REF_LINE, "aaaa"),
                "exactly 20 lowercase letters".to_string(),
            ] {
                assert!(
                    shown.contains(&expect),
                    "{version} {args:?}: no {expect:?} in {shown}"
                );
            }
            assert_no_crash(&format!("{version} {args:?}"), &shown);
        }
        assert!(
            requests_since(&fx, since).is_empty(),
            "{version}: a malformed ref reached the API: {:#?}",
            requests_since(&fx, since)
        );

        assert!(reveal_requests(&fx.requests()).is_empty(), "{version}");
        assert_eq!(fx.keys(), vec![key], "{version}: nothing changed");
    }
}
