//! Many keys in one configuration: a `count = N` config, what the server and the state hold
//! (checked against each other), the simulator's request log summed up per route, Terraform
//! runs whose first requests a hold gathers before any of them is answered, and a plain-text
//! table for the summaries tests print.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::process::Output;

use http::Method;
use serde_json::Value as Json;
use supabase_simulator::{FaultAction, Hold, LoggedRequest, RequestMatcher};

use super::acceptance::{Fixture, PROJECT};

/// The resource every many-key config declares: `supabase_secret_api_key.k[0..N]`.
pub const RESOURCE: &str = "supabase_secret_api_key.k";
/// The list and create route (`GET` lists, `POST` creates).
pub const KEYS_PATH: &str = "/v1/projects/*/api-keys";
/// One key's route (`GET ?reveal=true` after an adopted create, `PATCH`, `DELETE`).
pub const KEY_PATH: &str = "/v1/projects/*/api-keys/*";

/// `count` secret keys named `{prefix}_0` .. `{prefix}_{count-1}` in the simulator's
/// [`PROJECT`], with the provider block left to the environment (the fixture's token, endpoint
/// and settings). A test that may run live uses [`fixture_keys_config`].
pub fn keys_config(count: usize, prefix: &str) -> String {
    keys_config_in(PROJECT, count, prefix)
}

/// [`keys_config`] in the fixture's project, the keys named `{fx.name(base)}_0` ..
/// `{fx.name(base)}_{count-1}` (see [`fixture_key_prefix`]).
pub fn fixture_keys_config(fx: &Fixture, count: usize, base: &str) -> String {
    keys_config_in(fx.project(), count, &fx.name(base))
}

/// What the names of [`fixture_keys_config`]'s keys start with, before their index.
pub fn fixture_key_prefix(fx: &Fixture, base: &str) -> String {
    format!("{}_", fx.name(base))
}

fn keys_config_in(project: &str, count: usize, prefix: &str) -> String {
    format!(
        r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "k" {{
  count       = {count}
  project_ref = "{project}"
  name        = "{prefix}_${{count.index}}"
}}
"#
    )
}

pub fn list() -> RequestMatcher {
    RequestMatcher::new(Method::GET, KEYS_PATH)
}

pub fn create() -> RequestMatcher {
    RequestMatcher::new(Method::POST, KEYS_PATH)
}

pub fn reveal() -> RequestMatcher {
    RequestMatcher::new(Method::GET, KEY_PATH)
}

/// One `supabase_secret_api_key` instance of `terraform show -json`.
#[derive(Clone, Debug)]
pub struct StateKey {
    pub address: String,
    pub id: String,
    pub name: String,
    pub api_key: Option<String>,
}

/// Every `supabase_secret_api_key` instance in the state.
pub fn state_keys(state: &Json) -> Vec<StateKey> {
    state["values"]["root_module"]["resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .filter(|r| r["type"] == "supabase_secret_api_key")
                .map(|r| {
                    let text = |name: &str| r["values"][name].as_str().map(str::to_owned);
                    StateKey {
                        address: r["address"].as_str().unwrap_or_default().to_owned(),
                        id: text("id").unwrap_or_default(),
                        name: text("name").unwrap_or_default(),
                        api_key: text("api_key"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that the server holds no duplicate (every secret key name once) and holds exactly
/// the keys the state holds, each with the secret the state captured. Returns how many. The
/// server's keys are [`Fixture::keys`]: on the simulator every key of the project, live the
/// test's own.
pub fn assert_server_matches_state(fx: &Fixture, state: &Json, what: &str) -> usize {
    let version = fx.tf.version_string();
    let server: Vec<_> = fx
        .keys()
        .into_iter()
        .filter(|k| k.key_type == "secret")
        .collect();
    let mut names = BTreeSet::new();
    let twins: Vec<&str> = server
        .iter()
        .filter(|k| !names.insert(k.name.as_str()))
        .map(|k| k.name.as_str())
        .collect();
    assert!(
        twins.is_empty(),
        "terraform {version}, {what}: the server holds duplicates of {twins:?}"
    );
    let held = state_keys(state);
    let server_ids: BTreeSet<&str> = server.iter().map(|k| k.id.as_str()).collect();
    let state_ids: BTreeSet<&str> = held.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        held.len(),
        state_ids.len(),
        "terraform {version}, {what}: two state entries share an id"
    );
    let orphans: Vec<_> = server_ids.difference(&state_ids).collect();
    let ghosts: Vec<_> = state_ids.difference(&server_ids).collect();
    assert!(
        orphans.is_empty() && ghosts.is_empty(),
        "terraform {version}, {what}: keys on the server but not in state: {orphans:?}; \
         in state but not on the server: {ghosts:?}"
    );
    for key in &held {
        let on_server = server
            .iter()
            .find(|k| k.id == key.id)
            .expect("matched above");
        assert_eq!(
            key.name, on_server.name,
            "terraform {version}, {what}: {} has another name in state",
            key.address
        );
        assert_eq!(
            key.api_key.as_deref(),
            Some(on_server.api_key.as_str()),
            "terraform {version}, {what}: {} ({}) does not hold the key's secret",
            key.address,
            key.id
        );
    }
    held.len()
}

/// Which API route a logged request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    /// `GET .../api-keys`
    List,
    /// `POST .../api-keys`
    Create,
    /// `GET .../api-keys/{id}` (with `reveal=true` after an adopted create, or an import)
    Read,
    /// `PATCH .../api-keys/{id}`
    Update,
    /// `DELETE .../api-keys/{id}`
    Delete,
    /// `GET /v1/projects/{ref}`: asked only when a list of the project's keys failed.
    Project,
    Other,
}

pub fn route(request: &LoggedRequest) -> Route {
    let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    let by_id = match segments.as_slice() {
        ["v1", "projects", _] if request.method == Method::GET => return Route::Project,
        ["v1", "projects", _, "api-keys"] => false,
        ["v1", "projects", _, "api-keys", id] if *id != "legacy" => true,
        _ => return Route::Other,
    };
    match (&request.method, by_id) {
        (m, false) if m == Method::GET => Route::List,
        (m, false) if m == Method::POST => Route::Create,
        (m, true) if m == Method::GET => Route::Read,
        (m, true) if m == Method::PATCH => Route::Update,
        (m, true) if m == Method::DELETE => Route::Delete,
        _ => Route::Other,
    }
}

/// Counts of one route's requests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RouteCounts {
    pub total: usize,
    /// Requests a fault rule applied to.
    pub faulted: usize,
    /// By answered status; `None` for no answer (dropped or reset).
    pub statuses: BTreeMap<Option<u16>, usize>,
}

impl RouteCounts {
    pub fn status(&self, status: u16) -> usize {
        self.statuses.get(&Some(status)).copied().unwrap_or(0)
    }

    pub fn unanswered(&self) -> usize {
        self.statuses.get(&None).copied().unwrap_or(0)
    }

    /// Requests answered with a 2xx status.
    pub fn succeeded(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(s, _)| s.is_some_and(|s| (200..300).contains(&s)))
            .map(|(_, n)| n)
            .sum()
    }
}

/// The request log summed up per route.
#[derive(Clone, Debug, Default)]
pub struct LogSummary {
    pub routes: BTreeMap<Route, RouteCounts>,
    /// How many requests each fault action applied to (by its `Debug` form).
    pub faults: BTreeMap<String, usize>,
}

impl LogSummary {
    pub fn of(requests: &[LoggedRequest]) -> LogSummary {
        let mut summary = LogSummary::default();
        for request in requests {
            let counts = summary.routes.entry(route(request)).or_default();
            counts.total += 1;
            *counts.statuses.entry(request.status).or_default() += 1;
            if let Some(fault) = &request.fault {
                counts.faulted += 1;
                *summary.faults.entry(fault_name(fault)).or_default() += 1;
            }
        }
        summary
    }

    pub fn route(&self, route: Route) -> RouteCounts {
        self.routes.get(&route).cloned().unwrap_or_default()
    }

    /// Every status 429 answer, on any route.
    pub fn rate_limited(&self) -> usize {
        self.routes.values().map(|c| c.status(429)).sum()
    }

    /// `List 44 (20 faulted), Create 30 (10 faulted), ...`
    pub fn brief(&self) -> String {
        self.routes
            .iter()
            .map(|(route, c)| {
                let statuses: Vec<String> = c
                    .statuses
                    .iter()
                    .map(|(s, n)| match s {
                        Some(s) => format!("{s}x{n}"),
                        None => format!("none x{n}"),
                    })
                    .collect();
                format!(
                    "{route:?} {} ({} faulted; {})",
                    c.total,
                    c.faulted,
                    statuses.join(" ")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A fault action without its parameters' noise: `Status(503)`, `Latency(1s)`, `Reset`.
pub fn fault_name(action: &FaultAction) -> String {
    match action {
        FaultAction::Latency(d) => format!("Latency({d:?})"),
        FaultAction::StatusWithHeaders(code, _) => format!("StatusWithHeaders({code})"),
        other => format!("{other:?}"),
    }
}

/// The log ([`Fixture::requests`]) from request number `from` (a `requests().len()` taken
/// earlier) on.
pub fn requests_since(fx: &Fixture, from: usize) -> Vec<LoggedRequest> {
    fx.requests().into_iter().skip(from).collect()
}

/// Resolves once every request logged so far has finished (answered, or given up on): a
/// request whose client gave up (a timeout) may still be running on the server. Simulator
/// only (its request-finished signal): for fixtures made with `Fixture::sim_only`.
pub async fn settle(fx: &Fixture) {
    let logged = fx.sim().requests().len();
    fx.sim().wait_finished(logged).await;
}

/// Runs `terraform ARGS` while each hold, in order, waits for its count of requests, then
/// calls `gathered(i)` (to change fault rules while they wait, say) and opens hold `i`, so
/// that count of requests (first attempts, when Terraform runs that many operations at once)
/// reaches the fault rules together. Panics if Terraform ends before every hold gathered its
/// requests. Every hold is open when this returns.
pub async fn run_gathering(
    fx: &Fixture,
    args: &[&str],
    holds: &[(&Hold, usize)],
    gathered: &dyn Fn(usize),
) -> Output {
    let run = fx.run(args);
    tokio::pin!(run);
    let opened = std::cell::Cell::new(0);
    let open = async {
        for (i, (hold, n)) in holds.iter().enumerate() {
            hold.wait_held(*n).await;
            gathered(i);
            hold.release_all();
            opened.set(i + 1);
        }
    };
    tokio::pin!(open);
    let mut open_done = holds.is_empty();
    let output = loop {
        tokio::select! {
            output = &mut run => break output,
            () = &mut open, if !open_done => open_done = true,
        }
    };
    for (hold, _) in holds {
        hold.release_all();
    }
    assert_eq!(
        opened.get(),
        holds.len(),
        "terraform {} {args:?} ended before every hold gathered its requests \
         (waiting now: {:?}):\n{}",
        fx.tf.version_string(),
        holds.iter().map(|(h, _)| h.held()).collect::<Vec<_>>(),
        super::terraform::text(&output.stderr)
    );
    output
}

/// A plain-text table, printed with aligned columns.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.headers.len(), "one cell per column");
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([self.headers[i].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let mut out = String::from("|");
            for (cell, width) in cells.iter().zip(&widths) {
                let pad = width - cell.chars().count();
                let _ = write!(out, " {cell}{} |", " ".repeat(pad));
            }
            out
        };
        let mut out = line(&self.headers);
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&line(&rule).replace(' ', "-"));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

/// Runs the futures concurrently on the current task (so on the test's own thread, which
/// [`super::terraform::skip`] and the run manifest name the test by) and returns their outputs
/// in order. For one scenario per Terraform: most of a scenario's time is spent waiting out
/// retry backoffs.
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

/// One retry the provider logged ("retrying a Management API request", at WARN: run
/// Terraform with `TF_LOG_PROVIDER=WARN`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNotice {
    /// The attempt that had failed (1-based).
    pub attempt: u32,
    pub max_attempts: u32,
    /// Why, e.g. `HTTP 429`.
    pub reason: String,
}

/// The retries the provider logged in a Terraform run's stderr.
pub fn retry_notices(stderr: &str) -> Vec<RetryNotice> {
    fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let start = line.find(&format!(" {name}="))? + name.len() + 2;
        let rest = &line[start..];
        match rest.strip_prefix('"') {
            Some(quoted) => quoted.split('"').next(),
            None => rest.split_whitespace().next(),
        }
    }
    stderr
        .lines()
        .filter(|line| line.contains("retrying a Management API request"))
        .filter_map(|line| {
            Some(RetryNotice {
                attempt: field(line, "attempt")?.parse().ok()?,
                max_attempts: field(line, "max_attempts")?.parse().ok()?,
                reason: field(line, "reason")?.to_owned(),
            })
        })
        .collect()
}
