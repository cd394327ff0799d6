//! Interrupts in the middle of an apply of 50 keys, with the real terraform CLI against the
//! simulator, on every Terraform the suite is given:
//!
//! - Ctrl-C (SIGINT to terraform's process group, as a terminal sends it) while the simulator
//!   has carried out creates but holds their answers, and one create waits out a long
//!   rate-limit backoff: Terraform stops gracefully within 10 s, StopProvider ends the backoff
//!   and the waits for answers at once, each create's last look adopts the key it made, so every
//!   key that landed is in state, no create is sent twice, and the next apply finishes the job.
//!   The same with three creates alone (the time to exit is printed).
//! - Ctrl-C while a plan waits on a list that does not answer: Terraform exits within 10 s.
//! - `kill -9` of the provider while creates are in flight: the keys those creates made on the
//!   server are orphans (not in state), and the next apply refuses, before any create, to adopt
//!   them, naming each with its id and the import command.
//!
//! Synchronisation is deterministic: the simulator's holds and request log, lines Terraform
//! prints, and process exit; every wait has a hard limit. Both tests need the simulator's holds:
//! in live mode each records a skip.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use http::Method;
use serde_json::Value as Json;
use supabase_simulator::{FaultAction, FaultRule, Hold, RequestMatcher, SimulatorConfig};
use support::acceptance::{folded, Fixture};
use support::backend::SimOnly;
use support::plugin;
use support::terraform::{self, text, HARD_TIMEOUT};
use support::wait;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::watch;
use tokio::task::JoinHandle;

const KEYS: usize = 50;
const PARALLELISM: usize = 10;
const TYPE: &str = "supabase_secret_api_key";
const POSTS: &str = "/v1/projects/*/api-keys";
/// What the simulator's 429 asks for; the client caps a server-requested wait at 60 s.
const RATE_LIMIT_RESET_SECS: &str = "600";
const CLIENT_MAX_SERVER_WAIT: Duration = Duration::from_secs(60);
/// After Ctrl-C, Terraform must be gone within this, whatever the provider was waiting for.
const STOP_LIMIT: Duration = Duration::from_secs(10);
/// The provider's line for a key adopted by a create whose answer never came.
const ADOPTED: &str = "the create's answer was lost; adopted the key it made";

const SIGINT: i32 = 2;
const SIGKILL: i32 = 9;

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Sends `sig` to a process (`target > 0`) or a process group (`target < 0`).
fn send_signal(target: i32, sig: i32) {
    // SAFETY: kill(2) takes plain integers and touches no memory of ours.
    let rc = unsafe { kill(target, sig) };
    assert_eq!(
        rc,
        0,
        "kill({target}, {sig}) failed: {}",
        std::io::Error::last_os_error()
    );
}

/// `count` keys in the fixture's project, named `fx.name(prefix)` and their index.
fn config(fx: &Fixture, prefix: &str, count: usize) -> String {
    let (project, prefix) = (fx.project(), fx.name(prefix));
    format!(
        r#"provider "supabase" {{}}

resource "{TYPE}" "k" {{
  count       = {count}
  project_ref = "{project}"
  name        = "{prefix}${{count.index}}"
}}
"#
    )
}

/// The simulator without its 120-requests-a-minute budget: a few runs over 50 keys would
/// exceed it and wait out the window, which is not what these tests are about.
fn no_rate_limit() -> SimulatorConfig {
    SimulatorConfig {
        rate_limit: None,
        ..Default::default()
    }
}

/// A terraform run started by the test itself, so that it can be signalled while it works. Its
/// environment is the one `Workdir::run` and `Fixture` give a run; it leads its own process
/// group (its provider processes join it), as a shell job does.
struct Running {
    pid: u32,
    child: tokio::process::Child,
    stdout: watch::Receiver<Vec<u8>>,
    stderr: watch::Receiver<Vec<u8>>,
    readers: Vec<JoinHandle<()>>,
    what: String,
}

struct Finished {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Collects a stream's bytes (whole, so no character is split between reads) as they come.
fn capture(
    stream: impl AsyncRead + Unpin + Send + 'static,
) -> (watch::Receiver<Vec<u8>>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(Vec::new());
    let task = tokio::spawn(async move {
        let mut stream = stream;
        let mut buf = vec![0u8; 8192];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => tx.send_modify(|bytes| bytes.extend_from_slice(&buf[..n])),
            }
        }
    });
    (rx, task)
}

impl Running {
    fn spawn(fx: &Fixture, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut command = fx.command(args, env);
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command.spawn().expect("terraform starts");
        let pid = child.id().expect("a running child has a pid");
        let (stdout, out_task) = capture(child.stdout.take().expect("piped stdout"));
        let (stderr, err_task) = capture(child.stderr.take().expect("piped stderr"));
        Running {
            pid,
            child,
            stdout,
            stderr,
            readers: vec![out_task, err_task],
            what: format!("terraform {} {}", fx.tf.version_string(), args.join(" ")),
        }
    }

    /// Waits until terraform's stdout or stderr (`on_stderr`) holds `needle`.
    async fn wait_for_text(&self, on_stderr: bool, needle: &str, limit: Duration) -> String {
        let mut rx = if on_stderr {
            self.stderr.clone()
        } else {
            self.stdout.clone()
        };
        let found = tokio::time::timeout(limit, async {
            rx.wait_for(|bytes| text(bytes).contains(needle))
                .await
                .map(|bytes| text(&bytes))
        })
        .await;
        match found {
            Ok(Ok(text)) => text,
            Ok(Err(_)) => panic!(
                "{}: the stream ended without {needle:?}:\n{}",
                self.what,
                self.so_far()
            ),
            Err(_) => panic!(
                "{}: no {needle:?} within {limit:?}:\n{}",
                self.what,
                self.so_far()
            ),
        }
    }

    fn so_far(&self) -> String {
        format!(
            "stdout:\n{}\nstderr:\n{}",
            text(&self.stdout.borrow()),
            text(&self.stderr.borrow())
        )
    }

    /// Waits for terraform to exit, at most `limit`; panics (killing it) otherwise.
    async fn finish(mut self, limit: Duration, why: &str) -> Finished {
        let status = match tokio::time::timeout(limit, self.child.wait()).await {
            Ok(status) => status.expect("wait for terraform"),
            Err(_) => panic!(
                "{} did not exit within {limit:?} ({why}):\n{}",
                self.what,
                self.so_far()
            ),
        };
        for reader in std::mem::take(&mut self.readers) {
            // The pipes close when terraform and its plugins have exited.
            tokio::time::timeout(HARD_TIMEOUT, reader)
                .await
                .expect("terraform's output ends")
                .expect("output reader");
        }
        let left: Vec<_> = live_processes()
            .into_iter()
            .filter(|p| p.pgrp == self.pid)
            .collect();
        assert!(
            left.is_empty(),
            "{}: processes outlive terraform: {left:?}",
            self.what
        );
        Finished {
            status,
            stdout: text(&self.stdout.borrow()),
            stderr: text(&self.stderr.borrow()),
        }
    }
}

impl Drop for Running {
    /// A failed test leaves nothing behind: terraform and the providers it started share its
    /// process group (which keeps its id while any member lives, so this reaches no one else).
    fn drop(&mut self) {
        // SAFETY: as in `send_signal`. ESRCH (nobody left) is fine.
        unsafe { kill(-(self.pid as i32), SIGKILL) };
    }
}

/// A process as /proc/PID/stat describes it.
#[derive(Debug)]
struct Proc {
    pid: u32,
    /// The command name, which the kernel cuts to 15 bytes.
    comm: String,
    ppid: u32,
    pgrp: u32,
}

/// /proc/PID/stat, unless the process is gone or a zombie (exited, not yet reaped).
fn proc_stat(pid: u32) -> Option<Proc> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let mut rest = stat[close + 1..].split_whitespace();
    let state = rest.next()?;
    let ppid = rest.next()?.parse().ok()?;
    let pgrp = rest.next()?.parse().ok()?;
    (state != "Z").then(|| Proc {
        pid,
        comm: stat[open + 1..close].to_string(),
        ppid,
        pgrp,
    })
}

fn live_processes() -> Vec<Proc> {
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse().ok())
        .filter_map(proc_stat)
        .collect()
}

/// The pids of the live provider processes under terraform `root`: its descendants (Terraform
/// 1.0 runs itself under a panic-catching parent, so the provider is a grandchild there) named
/// `terraform-provider-supabase`.
fn provider_processes(root: u32) -> Vec<i32> {
    let procs = live_processes();
    let parent: BTreeMap<u32, u32> = procs.iter().map(|p| (p.pid, p.ppid)).collect();
    let descends = |mut pid: u32| loop {
        match parent.get(&pid) {
            Some(&ppid) if ppid == root => return true,
            Some(&ppid) if ppid > 1 => pid = ppid,
            _ => return false,
        }
    };
    procs
        .iter()
        .filter(|p| p.comm.starts_with("terraform-provi") && descends(p.pid))
        .map(|p| p.pid as i32)
        .collect()
}

/// Polls until the killed process is dead, so nothing it had in hand can still reach Terraform.
async fn wait_exited(pid: i32) {
    wait::until(
        &format!("process {pid} gone after SIGKILL"),
        HARD_TIMEOUT,
        || plugin::exited(pid as u32),
    )
    .await;
}

async fn limited<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(HARD_TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not happen within {HARD_TIMEOUT:?}"))
}

async fn wait_held(hold: &Hold, n: usize) {
    limited(&format!("{n} held creates"), hold.wait_held(n)).await;
}

/// Waits until every request the simulator has seen so far has finished.
async fn wait_all_finished(fx: &Fixture) {
    let seen = fx.requests().len();
    limited("the end of every request", fx.sim().wait_finished(seen)).await;
}

fn posts(fx: &Fixture) -> Vec<supabase_simulator::LoggedRequest> {
    fx.requests()
        .into_iter()
        .filter(|r| r.method == Method::POST)
        .collect()
}

/// A key in state: its name and captured secret.
#[derive(Debug)]
struct StateKey {
    index: usize,
    name: String,
    api_key: Json,
}

/// The keys in state by id.
async fn state_keys(fx: &Fixture) -> BTreeMap<String, StateKey> {
    let state = fx.state().await;
    let mut keys = BTreeMap::new();
    for r in state["values"]["root_module"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let values = &r["values"];
        let id = values["id"].as_str().expect("id in state").to_string();
        let key = StateKey {
            index: r["index"].as_u64().expect("count index") as usize,
            name: values["name"].as_str().expect("name").to_string(),
            api_key: values["api_key"].clone(),
        };
        assert!(
            keys.insert(id.clone(), key).is_none(),
            "{id} twice in state"
        );
    }
    keys
}

/// The server's keys by id: (name, secret).
fn server_keys(fx: &Fixture) -> BTreeMap<String, (String, String)> {
    fx.keys()
        .into_iter()
        .map(|k| (k.id, (k.name, k.api_key)))
        .collect()
}

/// Server and state agree: the same ids, and state holds each key's name and secret.
async fn assert_state_matches_server(fx: &Fixture, what: &str) -> usize {
    let state = state_keys(fx).await;
    let server = server_keys(fx);
    assert_eq!(
        state.keys().collect::<Vec<_>>(),
        server.keys().collect::<Vec<_>>(),
        "{what}: state and server hold different keys"
    );
    for (id, key) in &state {
        let (name, secret) = &server[id];
        assert_eq!(&key.name, name, "{what}: {id}");
        assert_eq!(key.api_key, Json::from(secret.as_str()), "{what}: {id}");
    }
    state.len()
}

/// The end state of every scenario: all 50 keys exactly once, in state with their secrets,
/// and nothing left to plan.
async fn assert_complete(fx: &Fixture, prefix: &str) {
    let server = server_keys(fx);
    let names: BTreeSet<&str> = server.values().map(|(n, _)| n.as_str()).collect();
    let prefix = fx.name(prefix);
    let want: BTreeSet<String> = (0..KEYS).map(|i| format!("{prefix}{i}")).collect();
    assert_eq!(server.len(), KEYS, "one key per resource, no duplicates");
    assert_eq!(
        names,
        want.iter().map(String::as_str).collect(),
        "every name once"
    );
    let in_state = assert_state_matches_server(fx, "after the re-apply").await;
    assert_eq!(in_state, KEYS);
    fx.assert_no_changes().await;
}

/// Ctrl-C while ten creates are in flight: nine carried out by the simulator with their answers
/// held, one waiting out a 429 whose X-RateLimit-Reset asks for 600 s (the client waits the 60 s
/// it caps that at). Terraform must take its graceful path and exit within [`STOP_LIMIT`]:
/// StopProvider ends the backoff and the waits for answers at once, each held create's last
/// look adopts its key, so all nine are in state; nothing is sent twice, and a re-apply creates
/// exactly the rest.
#[tokio::test]
async fn ctrl_c_mid_apply_stops_at_once_and_keeps_every_key_that_landed() {
    const PREFIX: &str = "interrupt_key_";
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only_with(&tf, SimOnly::Holds, no_rate_limit()).await else {
            continue;
        };
        fx.config(&config(&fx, PREFIX, KEYS));
        let hold = fx
            .sim()
            .hold_answers(RequestMatcher::new(Method::POST, POSTS));
        // The tenth create takes the 429 (fault rules come before the answer hold), once the
        // nine before it have been carried out: their answers, held, tell the pacer nothing.
        fx.sim().add_fault_after(
            FaultRule::once(
                RequestMatcher::new(Method::POST, POSTS),
                FaultAction::StatusWithHeaders(
                    429,
                    vec![(
                        "x-ratelimit-reset".to_string(),
                        RATE_LIMIT_RESET_SECS.to_string(),
                    )],
                ),
            ),
            PARALLELISM - 1,
        );
        let started = Instant::now();
        let run = Running::spawn(
            &fx,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                &format!("-parallelism={PARALLELISM}"),
            ],
            // Brings the provider's StopProvider, retry and adoption lines into its stderr.
            &[("TF_LOG_PROVIDER", "INFO")],
        );

        wait_held(&hold, PARALLELISM - 1).await;
        let log = run
            .wait_for_text(true, "retrying a Management API request", HARD_TIMEOUT)
            .await;
        let wait_ms = retry_wait_ms(&log);
        assert!(
            wait_ms >= CLIENT_MAX_SERVER_WAIT.as_millis() as u64,
            "{version}: the create should wait out the rate limit, but waits {wait_ms} ms"
        );
        let sent = posts(&fx);
        assert_eq!(sent.len(), PARALLELISM, "{version}: {sent:?}");
        assert_eq!(
            sent.iter().filter(|r| r.status == Some(429)).count(),
            1,
            "{version}: {sent:?}"
        );
        assert_eq!(fx.keys().len(), PARALLELISM - 1, "{version}: committed");

        let out = interrupt(run, &version).await;
        let stderr = folded(&out.stderr);
        assert!(
            stderr.contains("the operation was cancelled"),
            "{version}: the rate-limited create should end as cancelled:\n{}",
            out.stderr
        );
        assert_eq!(
            out.stderr.matches(ADOPTED).count(),
            PARALLELISM - 1,
            "{version}: each held create adopts its key:\n{}",
            out.stderr
        );
        // Nothing was sent again: the rate-limited create was not resent, nor a held one.
        assert_eq!(posts(&fx).len(), PARALLELISM, "{version}");
        hold.release_all();
        let saved = assert_state_matches_server(&fx, "after Ctrl-C").await;
        assert_eq!(
            saved,
            PARALLELISM - 1,
            "{version}: every key that landed is in state"
        );
        let interrupted_run = started.elapsed();

        wait_all_finished(&fx).await;
        let before = posts(&fx).len();
        fx.apply().await;
        assert_eq!(
            posts(&fx).len() - before,
            KEYS - saved,
            "{version}: the re-apply creates exactly the missing keys"
        );
        assert_complete(&fx, PREFIX).await;
        eprintln!(
            "terraform {version}: interrupted apply {interrupted_run:?}, whole scenario {:?}",
            started.elapsed()
        );
    }
}

/// Ctrl-C as a terminal sends it (to the whole process group, the provider included, which must
/// ignore it and wait for StopProvider); Terraform must stop gracefully within [`STOP_LIMIT`].
async fn interrupt(run: Running, version: &str) -> Finished {
    let interrupted = Instant::now();
    send_signal(-(run.pid as i32), SIGINT);
    let out = run.finish(STOP_LIMIT, "after Ctrl-C").await;
    let stop_took = interrupted.elapsed();
    let stdout = folded(&out.stdout);
    assert!(
        stdout.contains("Interrupt received") && stdout.contains("Stopping operation"),
        "{version}: no graceful stop:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        !folded(&out.stderr).contains("Two interrupts received"),
        "{version}: {}",
        out.stderr
    );
    eprintln!("terraform {version}: exited {stop_took:?} after Ctrl-C");
    out
}

/// Three creates that the API has carried out, whose answers are held (as behind a slow
/// network): after Ctrl-C Terraform exits within [`STOP_LIMIT`], and all three keys are in
/// state with their secrets, each created once; the next plan is empty.
#[tokio::test]
async fn ctrl_c_while_three_committed_creates_await_their_answers_keeps_all_three() {
    const PREFIX: &str = "held_answer_";
    const HELD: usize = 3;
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only_with(&tf, SimOnly::Holds, no_rate_limit()).await else {
            continue;
        };
        fx.config(&config(&fx, PREFIX, HELD));
        let hold = fx
            .sim()
            .hold_answers(RequestMatcher::new(Method::POST, POSTS));
        let run = Running::spawn(
            &fx,
            &["apply", "-auto-approve", "-input=false", "-no-color"],
            &[("TF_LOG_PROVIDER", "INFO")],
        );
        wait_held(&hold, HELD).await;
        assert_eq!(fx.keys().len(), HELD, "{version}: committed");
        let out = interrupt(run, &version).await;
        assert_eq!(
            out.stderr.matches(ADOPTED).count(),
            HELD,
            "{version}:\n{}",
            out.stderr
        );
        hold.release_all();
        assert_eq!(posts(&fx).len(), HELD, "{version}: each create sent once");
        assert_eq!(
            assert_state_matches_server(&fx, "after Ctrl-C").await,
            HELD,
            "{version}"
        );
        wait_all_finished(&fx).await;
        fx.assert_no_changes().await;
    }
}

/// Ctrl-C while a plan waits on a list that does not answer: the read is abandoned, and
/// Terraform exits within [`STOP_LIMIT`] (not after the request timeout).
#[tokio::test]
async fn ctrl_c_while_a_plan_waits_on_a_list_exits_at_once() {
    const PREFIX: &str = "held_list_";
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only_with(&tf, SimOnly::Holds, no_rate_limit()).await else {
            continue;
        };
        // One key: a plan of several may start some of their checks only after the stop (on a
        // busy machine Terraform 1.0 did), and a call that starts after StopProvider is not
        // cancelled; its list would wait on the hold.
        fx.config(&config(&fx, PREFIX, 1));
        let hold = fx.sim().hold(RequestMatcher::new(Method::GET, POSTS));
        let run = Running::spawn(&fx, &["plan", "-input=false", "-no-color"], &[]);
        wait_held(&hold, 1).await;
        interrupt(run, &version).await;
        hold.release_all();
        assert!(fx.keys().is_empty(), "{version}: a plan creates nothing");
    }
}

/// `wait_ms=N` of the provider's retry line (hclog fields as Terraform prints them).
fn retry_wait_ms(log: &str) -> u64 {
    let line = log
        .lines()
        .find(|l| l.contains("retrying a Management API request"))
        .expect("retry line");
    let at = line
        .find("wait_ms=")
        .unwrap_or_else(|| panic!("no wait_ms in {line}"));
    line[at + "wait_ms=".len()..]
        .trim_start_matches('"')
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no wait_ms in {line}"))
}

/// `kill -9` of the provider while ten creates are held on the server (after ten others have
/// finished): the server commits the held ones, whose answers nobody reads. At most those
/// (<= parallelism) are orphans; the next apply fails at plan, before any create, naming each
/// orphan with its id and the import command. Importing some and deleting the others out of
/// band leads to a clean apply and an empty plan.
#[tokio::test]
async fn a_killed_provider_leaves_at_most_the_creates_in_flight_and_never_adopts_them() {
    const PREFIX: &str = "killed_key_";
    for tf in terraform::all() {
        let version = tf.version_string();
        let Some(fx) = Fixture::sim_only_with(&tf, SimOnly::Holds, no_rate_limit()).await else {
            continue;
        };
        fx.config(&config(&fx, PREFIX, KEYS));
        let hold = fx.sim().hold(RequestMatcher::new(Method::POST, POSTS));
        let started = Instant::now();
        let run = Running::spawn(
            &fx,
            &[
                "apply",
                "-auto-approve",
                "-input=false",
                "-no-color",
                &format!("-parallelism={PARALLELISM}"),
            ],
            &[],
        );

        // A first batch completes, so state has keys; the second is in flight at the kill.
        wait_held(&hold, PARALLELISM).await;
        let finished = fx
            .requests()
            .iter()
            .filter(|r| r.finished.is_some())
            .count();
        hold.release_held();
        // The held count drops only as the released requests move on: wait for their answers.
        limited(
            "the first batch of creates",
            fx.sim().wait_finished(finished + PARALLELISM),
        )
        .await;
        wait_held(&hold, PARALLELISM).await;
        assert_eq!(posts(&fx).len(), 2 * PARALLELISM, "{version}");
        let providers = provider_processes(run.pid);
        assert!(
            !providers.is_empty(),
            "{version}: no provider process under terraform {}",
            run.pid
        );
        for pid in &providers {
            send_signal(*pid, SIGKILL);
        }
        for pid in &providers {
            wait_exited(*pid).await;
        }
        // The server carries out what it was sent; nobody is left to read the answers.
        hold.release_all();
        let out = run
            .finish(HARD_TIMEOUT, "after its provider was killed")
            .await;
        assert!(
            !out.status.success(),
            "{version}: the apply succeeded without its provider:\n{}",
            out.stdout
        );
        wait_all_finished(&fx).await;
        let statuses: Vec<Option<u16>> = posts(&fx).iter().map(|r| r.status).collect();
        assert!(
            statuses.iter().all(|s| *s == Some(201)),
            "{version}: {statuses:?}"
        );
        let killed_run = started.elapsed();

        let state = state_keys(&fx).await;
        let server = server_keys(&fx);
        assert!(
            state.keys().all(|id| server.contains_key(id)),
            "{version}: state holds a key the server does not"
        );
        for (id, key) in &state {
            assert_eq!(key.api_key, Json::from(server[id].1.as_str()), "{version}");
        }
        let orphans: BTreeMap<&String, &String> = server
            .iter()
            .filter(|(id, _)| !state.contains_key(*id))
            .map(|(id, (name, _))| (id, name))
            .collect();
        assert!(
            !orphans.is_empty() && orphans.len() <= PARALLELISM,
            "{version}: {} orphans: {orphans:?}",
            orphans.len()
        );

        // The next apply must not adopt them: it fails before any create, naming each.
        let before = posts(&fx).len();
        let output = fx
            .run(&["apply", "-auto-approve", "-input=false", "-no-color"])
            .await;
        assert!(
            !output.status.success(),
            "{version}: the apply adopted or duplicated orphans:\n{}",
            text(&output.stdout)
        );
        assert_eq!(
            posts(&fx).len(),
            before,
            "{version}: a create was sent though orphans hold names"
        );
        // Each orphan is named as an error, or as a warning (on stdout) when its create was
        // planned before this process had refreshed anything; the apply fails either way.
        let said = folded(&format!("{}{}", text(&output.stdout), text(&output.stderr)));
        assert!(said.contains("already exists"), "{version}: {said}");
        for (id, name) in &orphans {
            for needle in [
                format!("\"{name}\""),
                format!("(id {id})"),
                format!("terraform import {TYPE}.<name> {}/{id}", fx.project()),
            ] {
                assert!(
                    said.contains(&needle),
                    "{version}: {needle:?} missing:\n{said}"
                );
            }
        }

        // Import two, delete the others out of band; then the apply completes the set.
        let name_prefix = fx.name(PREFIX);
        let mut imported = BTreeMap::new();
        for (i, (id, name)) in orphans.iter().enumerate() {
            if i < 2 {
                let index: usize = name[name_prefix.len()..].parse().expect("index in name");
                fx.ok(&[
                    "import",
                    "-input=false",
                    "-no-color",
                    &format!("{TYPE}.k[{index}]"),
                    &format!("{}/{id}", fx.project()),
                ])
                .await;
                imported.insert((*id).clone(), index);
            } else {
                assert!(fx.delete_key_out_of_band(id));
            }
        }
        fx.apply().await;
        let state = state_keys(&fx).await;
        for (id, index) in &imported {
            assert_eq!(
                state.get(id).map(|k| k.index),
                Some(*index),
                "{version}: imported key kept"
            );
        }
        assert_complete(&fx, PREFIX).await;
        eprintln!(
            "terraform {version}: killed apply {killed_run:?}, {} orphans, whole scenario {:?}",
            orphans.len(),
            started.elapsed()
        );
    }
}
