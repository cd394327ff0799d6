//! Three things a user meets through the real terraform CLI, on every Terraform the suite is
//! given where the feature exists:
//! - a bad provider setting from the environment (`SUPABASE_REQUEST_TIMEOUT`,
//!   `SUPABASE_MAX_RETRIES`, `SUPABASE_API_ENDPOINT`, an empty `SUPABASE_ACCESS_TOKEN`) fails the
//!   plan with an error that names the variable, its value (never a credential) and what a valid
//!   one is, before any request;
//! - `terraform query` (Terraform >= 1.14) whose list is cut by the list block's `limit` warns
//!   with the total and the number listed, and says which `limit` lists them all; and it
//!   needs the configuration's required variables, as the list resources' pages say;
//! - a `description` of `""` and none are one value: switching between them, either way, plans
//!   no change and sends nothing, while removing a real description shows as a change and clears
//!   it on the server.

mod support;

use serde_json::Value as Json;
use supabase_simulator::KeySeed;
use support::acceptance::{folded, resource, stderr, Fixture};
use support::backend::SimOnly;
use support::terraform::{self, text};

const PROVIDER_ADDR: &str = "provider[\"registry.terraform.io/supabase-rs/supabase\"]";

/// A provider block and one secret key, `name` in the fixture's project.
fn one_key(fx: &Fixture) -> String {
    format!(
        "provider \"supabase\" {{}}\n\nresource \"supabase_secret_api_key\" \"backend\" {{\n  \
         project_ref = \"{}\"\n  name        = \"{}\"\n}}\n",
        fx.project(),
        fx.name("env_checked_key")
    )
}

/// One bad environment variable and what its error must say.
struct BadVariable {
    variable: &'static str,
    value: &'static str,
    summary: &'static str,
    /// Pieces of the detail.
    says: Vec<&'static str>,
    /// What the output must not hold (a credential in the value).
    hides: Option<&'static str>,
}

fn bad_variables() -> Vec<BadVariable> {
    vec![
        BadVariable {
            variable: "SUPABASE_REQUEST_TIMEOUT",
            value: "30",
            summary: "Invalid request timeout in SUPABASE_REQUEST_TIMEOUT",
            says: vec![
                "The SUPABASE_REQUEST_TIMEOUT environment variable is \"30\", which is not a \
                 duration.",
                "The provider block sets no `request_timeout`",
                "Set SUPABASE_REQUEST_TIMEOUT to a positive duration of at most an hour, such as \
                 \"500ms\", \"30s\" or \"2m\", or unset it to use the default (30s).",
            ],
            hides: None,
        },
        BadVariable {
            variable: "SUPABASE_MAX_RETRIES",
            value: "many",
            summary: "Invalid retry count in SUPABASE_MAX_RETRIES",
            says: vec![
                "The SUPABASE_MAX_RETRIES environment variable is \"many\", which is not a retry \
                 count.",
                "The provider block sets no `max_retries`",
                "Set SUPABASE_MAX_RETRIES to a whole number from 0 to 20, or unset it to use the \
                 default (5).",
            ],
            hides: None,
        },
        BadVariable {
            variable: "SUPABASE_MAX_RETRIES",
            value: "21",
            summary: "Invalid retry count in SUPABASE_MAX_RETRIES",
            says: vec!["is \"21\", which is not a retry count", "from 0 to 20"],
            hides: None,
        },
        BadVariable {
            variable: "SUPABASE_API_ENDPOINT",
            value: "ftp://deploy:hunter2@api.example.com",
            summary: "Invalid Supabase API endpoint in SUPABASE_API_ENDPOINT",
            says: vec![
                "The SUPABASE_API_ENDPOINT environment variable is \"ftp://***@api.example.com\", \
                 which uses the scheme \"ftp\", not http or https.",
                "The provider block sets no `endpoint`",
                "an http(s) URL with a host and no query",
            ],
            hides: Some("hunter2"),
        },
        BadVariable {
            variable: "SUPABASE_ACCESS_TOKEN",
            value: "",
            summary: "Missing Supabase access token",
            says: vec!["set the SUPABASE_ACCESS_TOKEN environment variable (it is set, but empty)"],
            hides: None,
        },
    ]
}

#[tokio::test]
async fn a_bad_setting_from_the_environment_names_the_variable_and_a_valid_value() {
    for tf in terraform::all() {
        let version = tf.version_string();
        for case in bad_variables() {
            let what = format!("terraform {version}, {}={:?}", case.variable, case.value);
            let mut fx = Fixture::new(&tf).await;
            let token = fx.token();
            fx.config(&one_key(&fx));
            fx.set_env(case.variable, case.value);

            // `terraform validate` checks the configuration alone, which is valid: the
            // environment is read when the provider is configured, for a plan.
            fx.ok(&["validate", "-no-color"]).await;

            let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
            assert!(!output.status.success(), "{what}: plan succeeded");
            let shown = folded(&stderr(&output));
            let mut expected = vec![
                format!("Error: {}", case.summary),
                // The provider block is where Terraform shows a provider's error; the message
                // says that the value came from the environment, not from it.
                format!("with {PROVIDER_ADDR},"),
            ];
            expected.extend(case.says.iter().map(|s| folded(s)));
            for expect in &expected {
                assert!(
                    shown.contains(expect.as_str()),
                    "{what}: no {expect:?} in {shown}"
                );
            }
            let everything = format!("{}{}", text(&output.stdout), stderr(&output));
            for secret in case.hides.into_iter().chain([token.as_str()]) {
                assert!(
                    !everything.contains(secret),
                    "{what}: the output holds a secret"
                );
            }
            assert!(
                fx.requests().is_empty(),
                "{what}: requests were made: {:?}",
                fx.requests()
            );
        }
    }
}

const SECRET: &str = "supabase_secret_api_key";
const PUBLISHABLE: &str = "supabase_publishable_api_key";

/// A `list` block of `type_name` in `project`, with `limit = N` when given.
fn list_block(type_name: &str, project: &str, limit: Option<usize>) -> String {
    let limit = limit.map_or(String::new(), |n| format!("  limit    = {n}\n"));
    format!(
        "list \"{type_name}\" \"all\" {{\n  provider = supabase\n{limit}  config {{\n    \
         project_ref = \"{project}\"\n  }}\n}}\n"
    )
}

/// How many result lines of `list.TYPE.all` the human output of `terraform query` has.
fn listed(stdout: &str, type_name: &str) -> usize {
    let prefix = format!("list.{type_name}.all ");
    stdout.lines().filter(|l| l.starts_with(&prefix)).count()
}

#[tokio::test]
async fn a_query_cut_by_its_limit_warns_with_the_total_and_the_limit_to_set() {
    for tf in terraform::with_query() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::QueriesEveryKey).await else {
            continue;
        };
        let project = fx.project().to_string();
        // 101 secret keys, one more than Terraform's default limit; 3 publishable keys.
        for n in 0..101 {
            fx.seed_key(KeySeed::secret(&format!("secret_key_{n:03}")));
        }
        for n in 0..3 {
            fx.seed_key(KeySeed::publishable(&format!("web_key_{n}")));
        }
        fx.config("provider \"supabase\" {}\n");

        // The secret list at the default limit (100), the publishable one at 2.
        fx.write(
            "keys.tfquery.hcl",
            &format!(
                "{}\n{}",
                list_block(SECRET, &project, None),
                list_block(PUBLISHABLE, &project, Some(2))
            ),
        );
        let query = fx.ok(&["query", "-no-color"]).await;
        let stdout = text(&query.stdout);
        let shown = folded(&format!("{stdout}\n{}", stderr(&query)));
        assert_eq!(listed(&stdout, SECRET), 100, "{version}: {stdout}");
        assert_eq!(listed(&stdout, PUBLISHABLE), 2, "{version}: {stdout}");
        for expect in [
            "Warning: Only 100 of 101 secret API keys listed".to_string(),
            format!("Project {project} has 101 secret API keys"),
            "set `limit = 101` or more in the list \"supabase_secret_api_key\" block".to_string(),
            "Warning: Only 2 of 3 publishable API keys listed".to_string(),
            "set `limit = 3` or more in the list \"supabase_publishable_api_key\" block"
                .to_string(),
        ] {
            assert!(
                shown.contains(&expect),
                "{version}: no {expect:?} in {shown}"
            );
        }

        // `-json`: the warnings are diagnostics; the results stop at the limits.
        let json = fx.ok(&["query", "-json"]).await;
        let messages: Vec<Json> = text(&json.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let warnings: Vec<&str> = messages
            .iter()
            .filter(|m| m["type"] == "diagnostic" && m["diagnostic"]["severity"] == "warning")
            .filter_map(|m| m["diagnostic"]["summary"].as_str())
            .filter(|s| s.starts_with("Only "))
            .collect();
        assert_eq!(
            warnings.len(),
            2,
            "{version}: {warnings:?} in {}",
            text(&json.stdout)
        );
        let found = messages
            .iter()
            .filter(|m| m["type"] == "list_resource_found")
            .count();
        assert_eq!(found, 102, "{version}");

        // `-generate-config-out` says so too, and writes blocks only for the keys listed.
        let generate = fx
            .ok(&["query", "-no-color", "-generate-config-out=generated.tf"])
            .await;
        assert!(
            folded(&text(&generate.stdout)).contains("Only 100 of 101 secret API keys listed"),
            "{version}: {}",
            text(&generate.stdout)
        );
        let generated = std::fs::read_to_string(fx.work.config_dir().join("generated.tf"))
            .expect("generated.tf");
        let imports = generated
            .lines()
            .filter(|l| l.starts_with("import {"))
            .count();
        assert_eq!(imports, 102, "{version}: {generated}");

        // Limits that cover every key: no warning.
        fx.write(
            "keys.tfquery.hcl",
            &format!(
                "{}\n{}",
                list_block(SECRET, &project, Some(101)),
                list_block(PUBLISHABLE, &project, Some(3))
            ),
        );
        let all = fx.ok(&["query", "-no-color"]).await;
        let stdout = text(&all.stdout);
        assert_eq!(listed(&stdout, SECRET), 101, "{version}");
        assert_eq!(listed(&stdout, PUBLISHABLE), 3, "{version}");
        assert!(!stdout.contains("Warning: Only"), "{version}: {stdout}");
    }
}

#[tokio::test]
async fn a_query_needs_the_required_variables_as_a_plan_does() {
    for tf in terraform::with_query() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only(&tf, SimOnly::QueriesEveryKey).await else {
            continue;
        };
        let project = fx.project().to_string();
        fx.seed_key(KeySeed::secret("dashboard_key"));
        // `project_ref` is used by the list block; `environment` by nothing the query reads.
        fx.config(
            "provider \"supabase\" {}\n\nvariable \"project_ref\" {\n  type = string\n}\n\n\
             variable \"environment\" {\n  type = string\n}\n",
        );
        fx.write(
            "keys.tfquery.hcl",
            &list_block(SECRET, &project, None)
                .replace(&format!("\"{project}\""), "var.project_ref"),
        );
        let var = format!("-var=project_ref={project}");

        // As the list resources' pages say: without a value for each, the query stops, the
        // unused one included.
        for args in [vec!["query", "-no-color"], vec!["query", "-no-color", &var]] {
            let output = fx.run(&args).await;
            assert!(!output.status.success(), "{version} {args:?}: query ran");
            let said = folded(&format!("{}{}", text(&output.stdout), stderr(&output)));
            assert!(
                said.contains("No value for required variable")
                    && said.contains("variable \"environment\""),
                "{version} {args:?}: {said}"
            );
        }
        assert!(fx.requests().is_empty(), "{version}: {:?}", fx.requests());

        // With -var and a terraform.tfvars file, the key is listed.
        fx.write("terraform.tfvars", "environment = \"production\"\n");
        let query = fx.ok(&["query", "-no-color", &var]).await;
        assert_eq!(listed(&text(&query.stdout), SECRET), 1, "{version}");
    }
}

/// Two secret keys, `empty` with `description = ""` and `none` without one, or the other way
/// round when `swapped`.
fn two_keys(fx: &Fixture, swapped: bool) -> String {
    let (empty, none) = if swapped {
        ("", "  description = \"\"\n")
    } else {
        ("  description = \"\"\n", "")
    };
    format!(
        "provider \"supabase\" {{}}\n\nresource \"supabase_secret_api_key\" \"empty\" {{\n  \
         project_ref = \"{project}\"\n  name        = \"{a}\"\n{empty}}}\n\nresource \
         \"supabase_secret_api_key\" \"none\" {{\n  project_ref = \"{project}\"\n  name        \
         = \"{b}\"\n{none}}}\n",
        project = fx.project(),
        a = fx.name("empty_description_key"),
        b = fx.name("no_description_key"),
    )
}

/// Every key on the server has no description (null: the API never gets `""`), and every key in
/// state holds `""`.
async fn assert_no_description(fx: &Fixture, addresses: &[&str], what: &str) {
    for key in fx.keys() {
        assert_eq!(key.description, None, "{what}: {key:?}");
    }
    let state = fx.state().await;
    for address in addresses {
        assert_eq!(
            resource(&state, address)["values"]["description"],
            "",
            "{what}: {address}"
        );
    }
}

/// A plan after an apply that must be empty, as a person reads it: "No changes.".
async fn assert_plans_nothing(fx: &Fixture, what: &str) {
    let shown = fx.plan_shown(&[]).await;
    assert!(
        shown.human.contains("No changes."),
        "{what}: expected no changes:\n{}",
        shown.human
    );
}

#[tokio::test]
async fn an_empty_description_and_none_are_one_value_either_way() {
    let addresses = [
        "supabase_secret_api_key.empty",
        "supabase_secret_api_key.none",
    ];
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;

        // Created with "" and without a description: both have none.
        fx.config(&two_keys(&fx, false));
        fx.apply().await;
        assert_eq!(fx.keys().len(), 2, "{version}");
        assert_no_description(&fx, &addresses, &format!("{version}, created")).await;

        // "" -> unset and unset -> "": no change planned, no request that changes anything.
        let writes = || fx.count("PATCH") + fx.count("POST") + fx.count("DELETE");
        let before = writes();
        fx.config(&two_keys(&fx, true));
        assert_plans_nothing(&fx, &format!("{version}, swapped")).await;
        fx.config(&two_keys(&fx, false));
        assert_plans_nothing(&fx, &format!("{version}, swapped back")).await;
        assert_eq!(writes(), before, "{version}: a write was sent");
    }
}

#[tokio::test]
async fn removing_a_description_shows_the_change_and_clears_it() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let fx = Fixture::new(&tf).await;
        let address = "supabase_secret_api_key.backend";
        let with = |extra: &str| {
            format!(
                "provider \"supabase\" {{}}\n\nresource \"supabase_secret_api_key\" \"backend\" \
                 {{\n  project_ref = \"{}\"\n  name        = \"{}\"\n{extra}}}\n",
                fx.project(),
                fx.name("described_key")
            )
        };
        fx.config(&with("  description = \"Backend service\"\n"));
        fx.apply().await;

        // Unset: the plan shows the description going, and the apply clears it.
        fx.config(&with(""));
        let (shown, _) = fx.apply_planned().await;
        let human = folded(&shown.human);
        for expect in [
            "Plan: 0 to add, 1 to change, 0 to destroy.",
            "- description = \"Backend service\" -> null",
        ] {
            assert!(
                human.contains(expect),
                "{version}: no {expect:?} in:\n{}",
                shown.human
            );
        }
        assert_plans_nothing(&fx, &format!("{version}, cleared")).await;
        assert_no_description(&fx, &[address], &format!("{version}, cleared")).await;

        // Then "" is the same: nothing to do.
        fx.config(&with("  description = \"\"\n"));
        assert_plans_nothing(&fx, &format!("{version}, empty")).await;
        assert_eq!(fx.count("PATCH"), 1, "{version}: one update, the removal");
    }
}
