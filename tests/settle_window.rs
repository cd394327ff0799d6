//! The settle window: a create that failed after it was sent (here: it timed out, the simulator
//! holding it) is never sent again. The provider looks for its key with backoff until 3 x the
//! request timeout after the send (`request_timeout = "1s"`: a window of about 3 s), adopts it as
//! soon as it appears, and otherwise fails saying the key may still appear, which the next plan
//! then names with its import command. Through the real terraform CLI, on every Terraform the
//! suite is given, with the simulator refusing duplicate names and not:
//!
//! - the create is carried out inside the window: one key, in state with its secret, next plan
//!   empty;
//! - it is carried out after the window: one key, the documented error, no second POST, and the
//!   next plan names the key with its import command (the apply after it refuses the name);
//! - twenty keys at once, carried out inside the window: twenty keys, each in state once, and
//!   the list requests their looks cost (printed: they share one list per look);
//! - Ctrl-C during the window: Terraform stops at once, no second POST.
//!
//! Nothing waits on guessed timing: the creates are held on the server (their clients time
//! out), the tests wait for the provider's looks in the request log and release the creates
//! after the second look (the window still has well over a second to run), with bounded polls.
//! Every test needs the simulator's holds: in live mode each records a skip.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use supabase_simulator::{Hold, SimulatorConfig};
use support::acceptance::{folded, stderr, Fixture};
use support::backend::SimOnly;
use support::scale::{
    assert_server_matches_state, create, fixture_key_prefix, fixture_keys_config, settle,
    state_keys, LogSummary, Route,
};
use support::terraform::{self, assert_success, text, Terraform};
use support::wait;

/// The request timeout: the window is 3 x this from the send.
const TIMEOUT: &str = "1s";
/// How the error states that window.
const WINDOW: &str = "was listed within 3 s of sending it";
const APPLY: &[&str] = &[
    "apply",
    "-auto-approve",
    "-input=false",
    "-no-color",
    "-parallelism=20",
];
/// A bound on every wait for a log condition; none comes near it.
const LIMIT: Duration = Duration::from_secs(60);
const PREFIX: &str = "settle_key";

/// A simulator refusing duplicate names or not (`unique`), to hold creates on: `None` in live
/// mode (the skip recorded), where every test here returns at once.
async fn fixture(tf: &Terraform, unique: bool, keys: usize, timeout: &str) -> Option<Fixture> {
    let config = SimulatorConfig {
        unique_names: unique,
        ..Default::default()
    };
    let mut fx = Fixture::sim_only_with(tf, SimOnly::Holds, config).await?;
    fx.set_env("SUPABASE_REQUEST_TIMEOUT", timeout);
    fx.config(&fixture_keys_config(&fx, keys, PREFIX));
    Some(fx)
}

/// The name of the first key of the fixture's config.
fn first_name(fx: &Fixture) -> String {
    format!("{}0", fixture_key_prefix(fx, PREFIX))
}

fn count(fx: &Fixture, route: Route) -> usize {
    LogSummary::of(&fx.requests()).route(route).total
}

async fn wait_held(hold: &Hold, n: usize) {
    tokio::time::timeout(LIMIT, hold.wait_held(n))
        .await
        .unwrap_or_else(|_| panic!("{n} creates were not held within {LIMIT:?}"));
}

/// Once `keys` creates are held, waits until the provider has listed the keys twice more (its
/// first two looks: they happen one request timeout after the send, and a quarter to half a
/// second later), checks that no create was sent twice, and releases the creates, which the
/// server then carries out. Returns how many lists there were when the creates were held.
async fn release_after_two_looks(fx: &Fixture, hold: &Hold, keys: usize) -> usize {
    wait_held(hold, keys).await;
    let before = count(fx, Route::List);
    wait::until("the provider's first two looks", LIMIT, || {
        count(fx, Route::List) >= before + 2
    })
    .await;
    assert_eq!(count(fx, Route::Create), keys, "no create is sent twice");
    hold.release_all();
    before
}

fn what(tf: &Terraform, unique: bool, case: &str) -> String {
    format!(
        "terraform {}, unique names {}, {case}",
        tf.version_string(),
        if unique { "on" } else { "off" }
    )
}

/// The next plan names each key the server holds outside state with its import command; the
/// apply after it refuses the name before sending anything. Exactly `keys` keys remain.
async fn next_plan_names_the_orphans(fx: &Fixture, what: &str) {
    let orphans = fx.keys();
    let plan = fx.run(&["plan", "-input=false", "-no-color"]).await;
    let said = folded(&format!("{}{}", text(&plan.stdout), stderr(&plan)));
    for key in &orphans {
        let import = format!(
            "terraform import supabase_secret_api_key.<name> {}/{}",
            fx.project(),
            key.id
        );
        assert!(
            said.contains(&import),
            "{what}: the next plan does not name {} with {import:?}:\n{said}",
            key.name
        );
    }
    let posts = count(fx, Route::Create);
    let output = fx.run(APPLY).await;
    assert!(
        !output.status.success(),
        "{what}: an apply over the orphan succeeded"
    );
    assert_eq!(count(fx, Route::Create), posts, "{what}: nothing was sent");
    assert_eq!(fx.keys().len(), orphans.len(), "{what}");
}

fn assert_says(output: &std::process::Output, what: &str, needles: &[&str]) {
    let said = folded(&stderr(output));
    for needle in needles {
        assert!(
            said.contains(needle),
            "{what}: the error does not say {needle:?}:\n{}",
            stderr(output)
        );
    }
}

#[tokio::test]
async fn a_create_carried_out_inside_the_window_is_adopted() {
    for tf in terraform::all() {
        for unique in [true, false] {
            let what = what(&tf, unique, "carried out inside the window");
            let Some(fx) = fixture(&tf, unique, 1, TIMEOUT).await else {
                break;
            };
            let hold = fx.sim().hold(create());
            let started = Instant::now();
            let (output, _) = tokio::join!(fx.run(APPLY), release_after_two_looks(&fx, &hold, 1));
            assert_success(&output, &what);
            let took = started.elapsed();
            settle(&fx).await;
            assert_eq!(count(&fx, Route::Create), 1, "{what}");
            let state = fx.state().await;
            assert_eq!(assert_server_matches_state(&fx, &state, &what), 1);
            fx.assert_no_changes().await;
            println!("{what}: apply {:.1} s", took.as_secs_f64());
        }
    }
}

#[tokio::test]
async fn a_create_carried_out_after_the_window_is_not_sent_again_and_named_next() {
    for tf in terraform::all() {
        for unique in [true, false] {
            let what = what(&tf, unique, "carried out after the window");
            let Some(fx) = fixture(&tf, unique, 1, TIMEOUT).await else {
                break;
            };
            // Held until the apply has ended: the create lands after the window.
            let hold = fx.sim().hold(create());
            let started = Instant::now();
            let output = fx.run(APPLY).await;
            let took = started.elapsed();
            assert!(!output.status.success(), "{what}: the apply succeeded");
            assert_says(
                &output,
                &what,
                &[
                    "Could not create the secret API key",
                    "no complete answer within the request timeout of 1 s",
                    WINDOW,
                    "It was not sent again",
                    &format!("a key named \"{}\" may still appear", first_name(&fx)),
                    "the next plan names it with its import command",
                ],
            );
            assert_eq!(hold.held(), 1, "{what}: the create is still held");
            assert_eq!(count(&fx, Route::Create), 1, "{what}: no second POST");
            // The plan's list, the apply's, and the looks of the window (at least two).
            assert!(count(&fx, Route::List) >= 4, "{what}");
            assert!(
                took >= Duration::from_secs(3),
                "{what}: gave up after {took:?}, before the window ended"
            );
            hold.release_all();
            settle(&fx).await;
            assert_eq!(fx.keys().len(), 1, "{what}: exactly one key");
            assert!(state_keys(&fx.state().await).is_empty(), "{what}");
            next_plan_names_the_orphans(&fx, &what).await;
            println!("{what}: apply failed after {:.1} s", took.as_secs_f64());
        }
    }
}

#[tokio::test]
async fn twenty_creates_in_the_window_share_their_lists() {
    const KEYS: usize = 20;
    for tf in terraform::all() {
        for unique in [true, false] {
            let what = what(&tf, unique, "twenty keys");
            let Some(fx) = fixture(&tf, unique, KEYS, TIMEOUT).await else {
                break;
            };
            let hold = fx.sim().hold(create());
            let started = Instant::now();
            let (output, before) =
                tokio::join!(fx.run(APPLY), release_after_two_looks(&fx, &hold, KEYS));
            assert_success(&output, &what);
            let took = started.elapsed();
            settle(&fx).await;
            let lists = count(&fx, Route::List);
            let looks = lists - before;
            assert_eq!(count(&fx, Route::Create), KEYS, "{what}: one POST per key");
            let state = fx.state().await;
            assert_eq!(assert_server_matches_state(&fx, &state, &what), KEYS);
            // Twenty creates waiting at once look with one list request per look, not twenty:
            // the two looks before the release, the one that finds the keys, and a spare.
            assert!(
                looks <= 4,
                "{what}: {looks} list requests while twenty creates waited"
            );
            fx.assert_no_changes().await;
            println!(
                "{what}: {KEYS} keys, {lists} list requests in the apply ({looks} while the \
                 creates waited), apply {:.1} s",
                took.as_secs_f64()
            );
        }
    }
}

const SIGINT: i32 = 2;
const SIGKILL: i32 = 9;

extern "C" {
    fn kill(pid: i32, sig: i32) -> i32;
}

/// Kills what is left of a process group when dropped (a failed test leaves nothing behind).
struct Group(i32);

impl Drop for Group {
    fn drop(&mut self) {
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe { kill(-self.0, SIGKILL) };
    }
}

/// Ctrl-C (SIGINT to terraform's process group, as a terminal sends it) while the provider
/// waits for a create's key: Terraform's StopProvider ends the wait at once, with the error that
/// says the key may still appear; no second POST is ever sent. A request timeout of 2 s makes
/// the window 6 s, so the wait would still have at least 4 s to run at the interrupt.
#[tokio::test]
async fn ctrl_c_ends_the_wait_at_once_and_sends_nothing_more() {
    for tf in terraform::all() {
        for unique in [true, false] {
            let what = what(&tf, unique, "Ctrl-C in the window");
            let Some(fx) = fixture(&tf, unique, 1, "2s").await else {
                break;
            };
            let hold = fx.sim().hold(create());
            let mut command = fx.command(APPLY, &[]);
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .process_group(0);
            let child = command.spawn().expect("terraform starts");
            let pid = child.id().expect("a running child has a pid") as i32;
            let _group = Group(pid);
            let finished = tokio::spawn(child.wait_with_output());

            wait_held(&hold, 1).await;
            let before = count(&fx, Route::List);
            // The create timed out, and the first look found nothing.
            wait::until("the provider's first look", LIMIT, || {
                count(&fx, Route::List) > before
            })
            .await;
            let interrupted = Instant::now();
            // SAFETY: as in `Group::drop`.
            assert_eq!(unsafe { kill(-pid, SIGINT) }, 0, "{what}: SIGINT");
            let output = tokio::time::timeout(LIMIT, finished)
                .await
                .unwrap_or_else(|_| panic!("{what}: terraform did not exit"))
                .expect("join")
                .expect("terraform output");
            let stop = interrupted.elapsed();
            assert!(!output.status.success(), "{what}");
            assert!(
                stop < Duration::from_secs(3),
                "{what}: stopping took {stop:?}; the window had at least 4 s left"
            );
            assert_says(
                &output,
                &what,
                &[
                    "cancelled while waiting for the key of a create request that failed after \
                     it was sent (timed out)",
                    "It was not sent again",
                    &format!("a key named \"{}\" may still appear", first_name(&fx)),
                    "the next plan names it with its import command",
                ],
            );
            assert_eq!(hold.held(), 1, "{what}: the create is still held");
            assert_eq!(count(&fx, Route::Create), 1, "{what}: no second POST");
            hold.release_all();
            settle(&fx).await;
            assert_eq!(count(&fx, Route::Create), 1, "{what}: no second POST");
            assert_eq!(fx.keys().len(), 1, "{what}: exactly one key");
            next_plan_names_the_orphans(&fx, &what).await;
            println!("{what}: stopped {:.2} s after Ctrl-C", stop.as_secs_f64());
        }
    }
}
