//! Faults: 20 secret keys (`count = 20`, one config) applied while the simulator injects one
//! kind of fault, on every Terraform the suite is given. For each kind:
//!
//! - (a) transient: no request meets the fault more than three times (`max_retries = 3`), and
//!   the apply succeeds with exactly the retries the request log shows; except that a create
//!   which failed after it was sent is never sent again: it is looked for until its settle
//!   window (3 x the request timeout from the send) has passed and adopted if it appears (the
//!   API carried it out), else it fails saying the key may still appear, and the re-apply
//!   (the fault cleared) creates it;
//! - (b) outlasting: the fault stays (`max_retries = 2`); the apply fails within the budget,
//!   with an error that names the fault and says what to do;
//! - (c) the server then holds no duplicate, and exactly the keys the state holds;
//! - (d) each of them in state with its secret;
//! - (e) once the fault clears (after (b): and a re-apply has created the rest), a plan is
//!   empty.
//!
//! Fault counts never depend on timing. Lists are one per provider process (every key's check
//! shares it, see `src/supabase/key_lists.rs`), so list faults are counted per request: the
//! plan's one list meets them and retries. Terraform runs `-parallelism=10` operations at once
//! and each waits for its request's answer, so a *wave* of ten faults on the create route hits
//! each of the ten creates in flight once: a hold gathers the route's first ten requests before
//! any is answered (so all ten are first attempts of different keys), and while those ten wait
//! to retry no other operation can start, so the route's next ten requests are their retries.
//! The request log is read once every request in it has finished. The looks of creates waiting
//! at once share list requests (one list per look, whoever makes it), so their count is bounded,
//! not exact. Only the latency case leans on time, with half a second or more to spare: a held
//! request's timeout would run, so its first wave is not gathered (a retry comes at least
//! 0.75 s after its first attempt); a create slowed by [`SETTLING_CREATE`] is carried out inside
//! its settle window, one slowed by [`SLOW_CREATE`] after it.
//!
//! Every test prints its rows of the summary table (`cargo test --test faults -- --nocapture`).
//! Every test needs the simulator's fault injection: in live mode each records a skip.

mod support;

use std::time::{Duration, Instant};

use supabase_simulator::{FaultAction, FaultRule, SimulatorConfig};
use support::acceptance::{folded, stderr, Fixture};
use support::backend::SimOnly;
use support::scale::{
    assert_server_matches_state, create, fixture_key_prefix, fixture_keys_config, join_all, list,
    requests_since, reveal, run_gathering, settle, state_keys, LogSummary, Route, Table, RESOURCE,
};
use support::terraform::{self, assert_success, Terraform};

const KEYS: usize = 20;
/// The keys are named `fx.name(BASE)` and their index.
const BASE: &str = "fault_key";
/// Terraform's default, spelled out: a wave is this many requests.
const PARALLELISM: usize = 10;
const APPLY: &[&str] = &[
    "apply",
    "-auto-approve",
    "-input=false",
    "-no-color",
    "-parallelism=10",
];
/// The keys an outlasting create fault lets through before it starts.
const KEPT: usize = 5;
/// How many list requests a transient list fault meets: the plan's one list, retried until its
/// last attempt, which succeeds (two faults; one for latency, as a request's timed-out attempts
/// may spend two request timeouts in all).
fn list_faults(action: &FaultAction) -> usize {
    list_attempts(action) - 1
}

/// The attempts of a list that meets `action` every time, with `SUPABASE_MAX_RETRIES=2`: three,
/// but two for latency (its two request timeouts are spent then).
fn list_attempts(action: &FaultAction) -> usize {
    match action {
        FaultAction::Latency(_) => 2,
        _ => 3,
    }
}
/// One list per `terraform apply`'s provider process: the plan's and the apply's.
const LISTS_PER_APPLY: usize = 2;
/// Short enough that latency faults cost little; everything else is answered far sooner.
const TIMEOUT: &str = "500ms";
/// Longer than the request timeout: a listed request times out every time.
const SLOW_LIST: Duration = Duration::from_millis(1500);
/// Longer than a create's settle window (3 x the 500 ms timeout from the send, its end rounded
/// up to the next 250 ms: under 2 s), so the provider gives up before the slow create's key
/// appears; it is never sent again, and the key lands after the apply failed.
const SLOW_CREATE: Duration = Duration::from_millis(3500);
/// Longer than the request timeout, and half a second inside the settle window: the create
/// times out, and its key appears while the provider still looks for it.
const SETTLING_CREATE: Duration = Duration::from_millis(1000);
/// How the error states the settle window of a 500 ms request timeout.
const GAVE_UP: &str = "no new key with this name and type was listed within 1500 ms of sending it";

/// What a fault on a create makes the provider do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnCreate {
    /// Sent again as it is: the fault (a 429) says nothing was done.
    Retried,
    /// The create failed after it was sent and was not carried out: the looks until the settle
    /// window passed find nothing, it is never sent again, and the create fails.
    GivenUp,
    /// The create was carried out but its answer lost: one look finds the key, and a
    /// `GET {id}?reveal=true` adopts it with its secret.
    Adopted,
    /// The create timed out and is carried out inside its settle window: a later look finds
    /// the key, and it is adopted.
    Settled,
    /// The create timed out and is carried out after its settle window: it fails, never sent
    /// again, and its key lands on the server afterwards (outlasting only).
    Late,
}

/// The transient half of a fault: rule counts are whole waves.
struct Transient {
    /// [`list_faults`] faults on the list route (the plan's one list for every key's check).
    list: Option<FaultAction>,
    /// Rules on the create route, tried in order: (action, requests).
    create: Vec<(FaultAction, usize)>,
    on_create: OnCreate,
    /// Gather the create route's first wave with a hold. Not with latency: a held request's
    /// timeout runs, and the waves there are far apart anyway (a retry comes >= 0.75 s later).
    gather: bool,
}

fn no_rate_limit() -> SimulatorConfig {
    SimulatorConfig {
        rate_limit: None,
        ..Default::default()
    }
}

/// A simulator without its rate limit, for injecting faults: `None` in live mode (the skip
/// recorded), where every test here returns at once.
async fn fixture(tf: &Terraform, max_retries: &str) -> Option<Fixture> {
    let mut fx = Fixture::sim_only_with(tf, SimOnly::FaultInjection, no_rate_limit()).await?;
    fx.set_env("SUPABASE_MAX_RETRIES", max_retries);
    fx.set_env("SUPABASE_REQUEST_TIMEOUT", TIMEOUT);
    fx.config(&fixture_keys_config(&fx, KEYS, BASE));
    Some(fx)
}

/// One line of the summary table.
struct Row {
    terraform: String,
    fault: &'static str,
    transient: String,
    retries: String,
    outlasting: String,
    duplicates: usize,
    keys: String,
}

fn print_table(rows: &[Row]) {
    if rows.is_empty() {
        // Live mode: every row was skipped.
        return;
    }
    let mut table = Table::new(&[
        "terraform",
        "fault",
        "transient result",
        "retries seen",
        "outlasting result",
        "duplicates",
        "keys in state",
    ]);
    for row in rows {
        table.row(vec![
            row.terraform.clone(),
            row.fault.to_string(),
            row.transient.clone(),
            row.retries.clone(),
            row.outlasting.clone(),
            row.duplicates.to_string(),
            row.keys.clone(),
        ]);
    }
    println!("\n{}", table.render());
}

/// The server's secret keys whose name occurs more than once (0 after every check below,
/// which asserts it).
fn duplicates(fx: &Fixture) -> usize {
    let keys = fx.keys();
    let mut names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    before - names.len()
}

fn assert_mentions(output: &std::process::Output, what: &str, expected: &[&str]) {
    let text = folded(&stderr(output));
    for needle in expected {
        assert!(
            text.contains(needle),
            "{what}: the error does not say {needle:?}:\n{}",
            stderr(output)
        );
    }
}

/// (a), (c), (d), (e) for a transient fault. Returns (result, retries seen, keys in state);
/// `None` in live mode.
async fn transient(
    tf: &Terraform,
    fault: &str,
    spec: &Transient,
) -> Option<(String, String, usize)> {
    let fx = fixture(tf, "3").await?;
    let list_faults = spec.list.as_ref().map_or(0, list_faults);
    if let Some(action) = &spec.list {
        fx.sim()
            .add_fault(FaultRule::times(list(), list_faults, action.clone()));
    }
    for (action, times) in &spec.create {
        fx.sim()
            .add_fault(FaultRule::times(create(), *times, action.clone()));
    }
    let create_hold = fx.sim().hold(create());
    let mut gathered = Vec::new();
    if spec.gather && !spec.create.is_empty() {
        gathered.push((&create_hold, PARALLELISM));
    } else {
        create_hold.release_all();
    }
    let started = Instant::now();
    let output = run_gathering(&fx, APPLY, &gathered, &|_| {}).await;
    let took = started.elapsed();
    let what = format!("terraform {} {fault}, transient", tf.version_string());
    if spec.on_create != OnCreate::GivenUp || spec.create.is_empty() {
        assert_success(&output, &what);
    } else {
        assert!(!output.status.success(), "{what}: the apply succeeded");
    }
    settle(&fx).await;

    let log = LogSummary::of(&fx.requests());
    let create_faults: usize = spec.create.iter().map(|(_, n)| n).sum();
    let (resent, reads, failed) = match spec.on_create {
        OnCreate::Retried => (create_faults, 0, 0),
        OnCreate::GivenUp => (0, 0, create_faults),
        OnCreate::Adopted | OnCreate::Settled => (0, create_faults, 0),
        OnCreate::Late => unreachable!("a create carried out late fails: outlasting only"),
    };
    let (lists, creates, read) = (
        log.route(Route::List),
        log.route(Route::Create),
        log.route(Route::Read),
    );
    let brief = log.brief();
    assert_eq!(lists.faulted, list_faults, "{what}: faulted lists: {brief}");
    assert_eq!(
        creates.faulted, create_faults,
        "{what}: faulted creates: {brief}"
    );
    // One list per process serves every key's check; every faulted list is retried once. The
    // creates that failed after they were sent look for their keys, sharing their lists.
    let looks = lists.total - LISTS_PER_APPLY - list_faults;
    if resent == create_faults {
        assert_eq!(looks, 0, "{what}: lists: {brief}");
    } else {
        assert!(
            (1..=create_faults).contains(&looks),
            "{what}: {looks} looks for {create_faults} creates: {brief}"
        );
    }
    assert_eq!(creates.total, KEYS + resent, "{what}: creates: {brief}");
    assert_eq!(read.total, reads, "{what}: reveals: {brief}");
    assert!(
        read.total == 0 || read.succeeded() == read.total,
        "{what}: {brief}"
    );
    assert_eq!(log.route(Route::Delete).total, 0, "{what}: {brief}");

    let state = fx.state().await;
    let held = assert_server_matches_state(&fx, &state, &what);
    assert_eq!(held, KEYS - failed, "{what}: keys in state");
    assert_eq!(duplicates(&fx), 0);
    fx.sim().clear_faults();
    if failed > 0 {
        // Each create that failed after it was sent said so, and nothing else failed; with the
        // fault gone, the re-apply creates the keys.
        assert_mentions(
            &output,
            &what,
            &[GAVE_UP, "It was not sent again", "may still appear"],
        );
        let said = stderr(&output)
            .matches("Could not create the secret API key")
            .count();
        assert_eq!(said, failed, "{what}");
        let again = fx.run(APPLY).await;
        assert_success(&again, &what);
        let state = fx.state().await;
        assert_eq!(assert_server_matches_state(&fx, &state, &what), KEYS);
        assert_eq!(
            log.route(Route::Create).total + failed,
            LogSummary::of(&fx.requests()).route(Route::Create).total,
            "{what}: the re-apply sends the failed creates once each"
        );
    }
    fx.assert_no_changes().await;

    let mut retries = Vec::new();
    if list_faults > 0 {
        retries.push(format!("list {list_faults} faulted/{list_faults} retried"));
    }
    if create_faults > 0 {
        retries.push(match spec.on_create {
            OnCreate::Retried => format!("create {create_faults} faulted/{resent} retried"),
            OnCreate::GivenUp => format!(
                "create {create_faults} faulted/{looks} shared looks/0 resent/{failed} failed, \
                 re-applied"
            ),
            OnCreate::Adopted | OnCreate::Settled => {
                format!("create {create_faults} faulted/{looks} shared looks/{reads} adopted")
            }
            OnCreate::Late => unreachable!(),
        });
    }
    let result = if failed > 0 {
        format!(
            "{failed} creates fail in {:.1} s, never resent; re-apply ok",
            took.as_secs_f64()
        )
    } else {
        format!("ok in {:.1} s", took.as_secs_f64())
    };
    Some((result, retries.join("; "), held))
}

/// (b) on the list route: every list meets the fault, so the plan fails before any create is
/// sent. A failed list is shared by the checks that waited on it, and the next check lists
/// again: each list within `max_retries + 1 = 3` attempts (exactly 3 when the fault is one a
/// GET retries). Nothing is created.
async fn list_outage(
    fx: &Fixture,
    fault: &str,
    action: FaultAction,
    retried: bool,
    expected: &[&str],
) -> String {
    let what = format!(
        "terraform {} {fault}, lists outlasting",
        fx.tf.version_string()
    );
    let mark = fx.requests().len();
    let attempts = if retried { list_attempts(&action) } else { 1 };
    fx.sim().add_fault(FaultRule::always(list(), action));
    let output = fx.run(APPLY).await;
    assert!(!output.status.success(), "{what}: the apply succeeded");
    assert_mentions(&output, &what, expected);
    assert_mentions(&output, &what, &["Could not check the project's API keys"]);
    if retried {
        let gave_up = format!("(gave up after {attempts} attempts)");
        assert_mentions(&output, &what, &[&gave_up]);
    }
    settle(fx).await;
    fx.sim().clear_faults();
    let log = LogSummary::of(&requests_since(fx, mark));
    let lists = log.route(Route::List);
    let brief = log.brief();
    assert_eq!(lists.faulted, lists.total, "{what}: {brief}");
    let reported = stderr(&output)
        .matches("Could not check the project's API keys")
        .count();
    assert!(reported > 0, "{what}");
    // At most one list (of up to 3 attempts) per failed check, as checks share them.
    assert!(
        (1..=3 * reported).contains(&lists.total),
        "{what}: {reported} checks failed: {brief}"
    );
    assert_eq!(
        lists.total % attempts,
        0,
        "{what}: {attempts} attempts per list: {brief}"
    );
    assert_eq!(log.route(Route::Create).total, 0, "{what}: {brief}");
    let state = fx.state().await;
    assert_eq!(assert_server_matches_state(fx, &state, &what), 0);
    format!(
        "plan fails: {reported} checks, {} list requests",
        lists.total
    )
}

/// (b) on the create route: the first [`KEPT`] creates pass, every later one meets the fault
/// on every attempt and fails: a 429 after `max_retries + 1 = 3` attempts, a create that
/// failed after it was sent after 1 (and the looks of its settle window, shared). Returns the
/// result and how many keys the failed creates left on the server after all (only
/// [`OnCreate::Late`]: each slow request is carried out after the provider gave up).
async fn create_outage(
    fx: &Fixture,
    fault: &str,
    action: FaultAction,
    on: OnCreate,
    expected: &[&str],
) -> (String, usize) {
    let what = format!(
        "terraform {} {fault}, creates outlasting",
        fx.tf.version_string()
    );
    assert_ne!(on, OnCreate::Adopted, "a create carried out does not fail");
    let mark = fx.requests().len();
    fx.sim()
        .add_fault_after(FaultRule::always(create(), action), KEPT);
    let output = fx.run(APPLY).await;
    assert!(!output.status.success(), "{what}: the apply succeeded");
    assert_mentions(&output, &what, expected);
    settle(fx).await;
    fx.sim().clear_faults();
    let log = LogSummary::of(&requests_since(fx, mark));
    let creates = log.route(Route::Create);
    let brief = log.brief();
    let per_create = if on == OnCreate::Retried { 3 } else { 1 };
    let failed = stderr(&output)
        .matches("Could not create the secret API key")
        .count();
    assert!(failed > 0, "{what}");
    assert_eq!(
        creates.total,
        KEPT + failed * per_create,
        "{what}: {per_create} sends per failed create: {brief}"
    );
    assert_eq!(creates.faulted, failed * per_create, "{what}: {brief}");
    if on != OnCreate::Retried {
        let looks = log.route(Route::List).total - LISTS_PER_APPLY;
        assert!(
            looks >= 1 && looks < 5 * failed,
            "{what}: {looks} looks (shared) for {failed} failed creates: {brief}"
        );
    }
    let state = fx.state().await;
    let held = state_keys(&state).len();
    assert_eq!(held, KEPT, "{what}: keys in state");
    let orphans = if on == OnCreate::Late {
        // Each failed create's request was carried out once the provider had given up.
        failed
    } else {
        assert_eq!(assert_server_matches_state(fx, &state, &what), KEPT);
        0
    };
    assert_eq!(duplicates(fx), 0, "{what}");
    assert_eq!(fx.keys().len(), KEPT + orphans, "{what}");
    let left = if orphans > 0 {
        format!(", {orphans} left on the server")
    } else {
        String::new()
    };
    (
        format!("{failed} creates fail after {per_create} send(s) each{left}"),
        orphans,
    )
}

/// (b) for a create whose answer is lost, with the look-up failing too: ten creates are
/// gathered, then every list starts to meet `list_action` and the creates are let through
/// to meet `create_action` (they are carried out). Every create fails saying its key may
/// exist: the other keys' checks pass on the list the apply took before the fault (a name
/// check ignores keys this process made), so their creates are carried out and fail alike.
/// Returns the result and the keys left on the server, which the re-apply's plan names.
async fn lost_create_outage(
    fx: &Fixture,
    fault: &str,
    create_action: FaultAction,
    list_action: FaultAction,
    expected: &[&str],
) -> (String, usize) {
    let what = format!(
        "terraform {} {fault}, look-ups outlasting",
        fx.tf.version_string()
    );
    let mark = fx.requests().len();
    fx.sim()
        .add_fault(FaultRule::always(create(), create_action));
    let hold = fx.sim().hold(create());
    let output = run_gathering(fx, APPLY, &[(&hold, PARALLELISM)], &|_| {
        fx.sim()
            .add_fault(FaultRule::always(list(), list_action.clone()))
    })
    .await;
    assert!(!output.status.success(), "{what}: the apply succeeded");
    assert_mentions(&output, &what, expected);
    settle(fx).await;
    fx.sim().clear_faults();
    let log = LogSummary::of(&requests_since(fx, mark));
    let brief = log.brief();
    let creates = log.route(Route::Create);
    assert_eq!(creates.total, KEYS, "{what}: {brief}");
    assert_eq!(creates.faulted, KEYS, "{what}: {brief}");
    let state = fx.state().await;
    assert!(state_keys(&state).is_empty(), "{what}: keys in state");
    let left = fx.keys();
    assert_eq!(left.len(), KEYS, "{what}: every create was carried out");
    assert_eq!(duplicates(fx), 0, "{what}");
    let text = folded(&stderr(&output));
    for key in &left {
        assert!(
            text.contains(&format!("a key named \"{}\" may exist now", key.name)),
            "{what}: the error does not say that {} may exist:\n{}",
            key.name,
            stderr(&output)
        );
    }
    (
        format!("{} creates fail naming the key that may exist", left.len()),
        left.len(),
    )
}

/// After (b): the fault clears; a re-apply creates the keys still missing. Keys a failed
/// apply left on the server without state (`orphans`) make the re-apply's plan fail, naming
/// each with the import command; they are imported as the error says, and applied again.
/// Then (c), (d) and (e) hold.
async fn recover(fx: &Fixture, fault: &str, orphans: usize) -> String {
    let what = format!("terraform {} {fault}, re-apply", fx.tf.version_string());
    fx.sim().clear_faults();
    let state = fx.state().await;
    let held: Vec<String> = state_keys(&state).into_iter().map(|k| k.id).collect();
    let left: Vec<_> = fx
        .keys()
        .into_iter()
        .filter(|k| !held.contains(&k.id))
        .collect();
    assert_eq!(
        left.len(),
        orphans,
        "{what}: keys on the server without state"
    );
    let mut imported = 0;
    let project = fx.project();
    let name_prefix = fixture_key_prefix(fx, BASE);
    if !left.is_empty() {
        let output = fx.run(APPLY).await;
        assert!(
            !output.status.success(),
            "{what}: the orphans went unnoticed"
        );
        // Each orphan is named as an error, or as a warning (on stdout) when its create was
        // planned before this process had refreshed anything (see check_name_is_free); the
        // plan fails either way and nothing is sent.
        let text = folded(&format!(
            "{}{}",
            terraform::text(&output.stdout),
            stderr(&output)
        ));
        for key in &left {
            assert!(
                text.contains(&format!(
                    "terraform import supabase_secret_api_key.<name> {project}/{}",
                    key.id
                )),
                "{what}: no import command for {} ({}):\n{}",
                key.name,
                key.id,
                stderr(&output)
            );
            let index = key
                .name
                .strip_prefix(&name_prefix)
                .expect("a key of this config");
            let address = format!("{RESOURCE}[{index}]");
            let id = format!("{project}/{}", key.id);
            fx.ok(&["import", "-input=false", "-no-color", &address, &id])
                .await;
            imported += 1;
        }
    }
    let output = fx.run(APPLY).await;
    assert_success(&output, &what);
    let state = fx.state().await;
    assert_eq!(assert_server_matches_state(fx, &state, &what), KEYS);
    assert_eq!(duplicates(fx), 0);
    fx.assert_no_changes().await;
    if imported > 0 {
        format!("{imported} imported, then {KEYS}")
    } else {
        format!("{KEYS}")
    }
}

/// A fault that a GET retries and a create retries or resends: (a) two waves on the list and
/// `create_waves` on the create; (b) every list (the plan fails), then every create after the
/// first [`KEPT`]; then the re-apply.
struct Retried<'a> {
    fault: &'static str,
    list: FaultAction,
    create: FaultAction,
    /// The create fault of (a), when it differs from (b)'s.
    transient_create: Option<FaultAction>,
    on_create: OnCreate,
    create_waves: usize,
    gather: bool,
    list_expected: &'a [&'a str],
    create_expected: &'a [&'a str],
}

async fn retried_fault(case: Retried<'_>) {
    let terraforms = terraform::all();
    let rows = join_all(terraforms.iter().map(|tf| retried_row(tf, &case)).collect()).await;
    print_table(&rows.into_iter().flatten().collect::<Vec<_>>());
}

/// One Terraform's row; `None` in live mode.
async fn retried_row(tf: &Terraform, case: &Retried<'_>) -> Option<Row> {
    let fault = case.fault;
    let spec = Transient {
        list: Some(case.list.clone()),
        create: vec![(
            case.transient_create.clone().unwrap_or(case.create.clone()),
            case.create_waves * PARALLELISM,
        )],
        on_create: case.on_create,
        gather: case.gather,
    };
    let (result, retries, keys) = transient(tf, fault, &spec).await?;

    let fx = fixture(tf, "2").await?;
    let lists = list_outage(&fx, fault, case.list.clone(), true, case.list_expected).await;
    let outlasting = match case.on_create {
        OnCreate::Settled => OnCreate::Late,
        on => on,
    };
    let (creates, orphans) = create_outage(
        &fx,
        fault,
        case.create.clone(),
        outlasting,
        case.create_expected,
    )
    .await;
    let recovered = recover(&fx, fault, orphans).await;
    Some(Row {
        terraform: tf.version_string(),
        fault,
        transient: result,
        retries,
        outlasting: format!("{lists}; {creates}"),
        duplicates: duplicates(&fx),
        keys: format!("{keys}; {KEPT} -> {recovered}"),
    })
}

#[tokio::test]
async fn a_429_storm_waits_out_the_rate_limit() {
    let rate_limited = [
        "HTTP 429",
        "the window resets in 1 s",
        "Wait for the window to reset and retry, or run fewer operations in parallel",
        "(gave up after 3 attempts)",
    ];
    retried_fault(Retried {
        fault: "429 storm",
        list: FaultAction::Status(429),
        create: FaultAction::Status(429),
        transient_create: None,
        on_create: OnCreate::Retried,
        create_waves: 2,
        gather: true,
        list_expected: &rate_limited,
        create_expected: &rate_limited,
    })
    .await;
}

async fn status_fault(fault: &'static str, status: u16) {
    let failed = format!("the Management API failed with HTTP {status}");
    let advice = "retry later, and check https://status.supabase.com if it persists";
    retried_fault(Retried {
        fault,
        list: FaultAction::Status(status),
        create: FaultAction::Status(status),
        transient_create: None,
        on_create: OnCreate::GivenUp,
        create_waves: 1,
        gather: true,
        list_expected: &[&failed, advice, "(gave up after 3 attempts)"],
        create_expected: &[&failed, advice, GAVE_UP, "It was not sent again"],
    })
    .await;
}

#[tokio::test]
async fn a_500_is_retried_and_a_create_is_never_resent() {
    status_fault("500", 500).await;
}

#[tokio::test]
async fn a_502_is_retried_and_a_create_is_never_resent() {
    status_fault("502", 502).await;
}

#[tokio::test]
async fn a_503_is_retried_and_a_create_is_never_resent() {
    status_fault("503", 503).await;
}

/// A slow list times out and is retried. A create that times out but is carried out inside
/// its settle window is found and adopted; one carried out after it is never sent again (no
/// key is doubled, whether or not the API refuses a duplicate name): the create fails saying
/// the key may still appear, it lands after the apply, and the re-apply's plan names each such
/// key with its import command.
#[tokio::test]
async fn latency_beyond_the_timeout_is_retried_and_a_slow_create_is_never_doubled() {
    let timed_out = [
        "no complete answer within the request timeout of 500 ms",
        "to wait longer, raise `request_timeout` in the provider block (or the \
         SUPABASE_REQUEST_TIMEOUT environment variable)",
    ];
    retried_fault(Retried {
        fault: "latency > timeout",
        list: FaultAction::Latency(SLOW_LIST),
        create: FaultAction::Latency(SLOW_CREATE),
        transient_create: Some(FaultAction::Latency(SETTLING_CREATE)),
        on_create: OnCreate::Settled,
        create_waves: 1,
        gather: false,
        // Two timed-out attempts spend a request's two request timeouts.
        list_expected: &[timed_out[0], timed_out[1], "(gave up after 2 attempts)"],
        create_expected: &[timed_out[0], timed_out[1], GAVE_UP, "It was not sent again"],
    })
    .await;
}

#[tokio::test]
async fn connection_resets_are_retried_and_a_create_is_never_resent() {
    let broken = [
        "the connection failed before a complete answer arrived",
        "check the network and any proxy, then retry",
    ];
    retried_fault(Retried {
        fault: "connection reset",
        list: FaultAction::Reset,
        create: FaultAction::Reset,
        transient_create: None,
        on_create: OnCreate::GivenUp,
        create_waves: 1,
        gather: true,
        list_expected: &[broken[0], broken[1], "(gave up after 3 attempts)"],
        create_expected: &[broken[0], broken[1], GAVE_UP, "It was not sent again"],
    })
    .await;
}

/// A proxy's error page (HTML with a 502) on lists; a login page (HTML with a 200) on
/// creates, which cannot tell whether the create was carried out.
#[tokio::test]
async fn html_pages_are_retried_or_looked_into_and_named() {
    retried_fault(Retried {
        fault: "HTML body",
        list: FaultAction::Html(502),
        create: FaultAction::Html(200),
        transient_create: None,
        on_create: OnCreate::GivenUp,
        create_waves: 1,
        gather: true,
        list_expected: &[
            "the Management API failed with HTTP 502, content type text/html",
            "retry later",
            "(gave up after 3 attempts)",
        ],
        create_expected: &[
            "the answer (HTTP 200) is not a valid Management API response",
            "check that the endpoint is the Management API (not a proxy or login page)",
            GAVE_UP,
        ],
    })
    .await;
}

/// Truncated answers to creates (the key was made): each is adopted after one look. Every
/// list truncated: the plan fails naming the bad answer. Creates truncated and then every
/// look-up too: each create fails naming the key that may exist, and the re-apply's plan
/// names each one with its import command.
#[tokio::test]
async fn truncated_create_answers_are_adopted_and_truncated_lists_named() {
    let terraforms = terraform::all();
    let rows = join_all(terraforms.iter().map(truncated_row).collect()).await;
    print_table(&rows.into_iter().flatten().collect::<Vec<_>>());
}

/// One Terraform's row; `None` in live mode.
async fn truncated_row(tf: &Terraform) -> Option<Row> {
    let fault = "truncated body";
    let spec = Transient {
        list: None,
        create: vec![(FaultAction::TruncatedBody, 2 * PARALLELISM)],
        on_create: OnCreate::Adopted,
        gather: true,
    };
    let (result, retries, keys) = transient(tf, fault, &spec).await?;

    let fx = fixture(tf, "2").await?;
    let invalid = [
        "the answer (HTTP 200) is not a valid Management API response",
        "not valid JSON",
    ];
    let lists = list_outage(&fx, fault, FaultAction::TruncatedBody, false, &invalid).await;
    let (lost, orphans) = lost_create_outage(
        &fx,
        fault,
        FaultAction::TruncatedBody,
        FaultAction::TruncatedBody,
        &[
            invalid[0],
            invalid[1],
            "listing the keys to find out failed too",
        ],
    )
    .await;
    let recovered = recover(&fx, fault, orphans).await;
    Some(Row {
        terraform: tf.version_string(),
        fault,
        transient: result,
        retries,
        outlasting: format!("{lists}; {lost}"),
        duplicates: duplicates(&fx),
        keys: format!("{keys}; 0 -> {recovered}"),
    })
}

/// A truncated list answer is a GET's answer like a 502 page is: trying again is safe and
/// likely to work. The client retries a GET on 429, 5xx and broken connections, but not when
/// a 2xx body does not decode, so one truncated list fails the plan.
#[tokio::test]
async fn a_truncated_list_answer_is_retried() {
    for tf in terraform::all() {
        let spec = Transient {
            list: Some(FaultAction::TruncatedBody),
            create: Vec::new(),
            on_create: OnCreate::Retried,
            gather: true,
        };
        let Some((result, retries, keys)) = transient(&tf, "truncated list", &spec).await else {
            continue;
        };
        println!("{}: {result}, {retries}, {keys} keys", tf.version_string());
    }
}

/// Every create is carried out and its answer lost (the connection dropped, or a 502): each
/// key is found by one look at the list and adopted, never created twice. Outlasting: the
/// look-up fails too (each create fails naming the key that may exist, and those keys are
/// imported as the re-apply's plan says), or reading the adopted key's secret fails (the key
/// is deleted again).
#[tokio::test]
async fn a_create_whose_answer_is_lost_is_adopted_never_doubled() {
    let terraforms = terraform::all();
    let rows = join_all(terraforms.iter().map(lost_answer_row).collect()).await;
    print_table(&rows.into_iter().flatten().collect::<Vec<_>>());
}

/// One Terraform's row; `None` in live mode.
async fn lost_answer_row(tf: &Terraform) -> Option<Row> {
    let fault = "commit, answer lost";
    let spec = Transient {
        list: None,
        create: vec![
            (FaultAction::CommitThenDrop, PARALLELISM),
            (FaultAction::CommitThenStatus(502), PARALLELISM),
        ],
        on_create: OnCreate::Adopted,
        gather: true,
    };
    let (result, retries, keys) = transient(tf, fault, &spec).await?;

    let fx = fixture(tf, "2").await?;
    let (lost, orphans) = lost_create_outage(
        &fx,
        fault,
        FaultAction::CommitThenDrop,
        FaultAction::Status(500),
        &[
            "the create request failed after it was sent (the connection failed), so it may \
             have made a key; listing the keys to find out failed too",
            "the Management API failed with HTTP 500",
            "(gave up after 3 attempts)",
        ],
    )
    .await;
    let recovered = recover(&fx, fault, orphans).await;

    let fx2 = fixture(tf, "2").await?;
    let unread = unreadable_secret_outage(&fx2, fault).await;
    let recovered2 = recover(&fx2, fault, 0).await;
    Some(Row {
        terraform: tf.version_string(),
        fault,
        transient: result,
        retries,
        outlasting: format!("{lost}; {unread}"),
        duplicates: duplicates(&fx) + duplicates(&fx2),
        keys: format!("{keys}; 0 -> {recovered}; 0 -> {recovered2}"),
    })
}

/// (b) for a create whose answer is lost when reading the adopted key's secret fails on every
/// attempt: the key is deleted again, nothing is left behind, and the error names the fault.
async fn unreadable_secret_outage(fx: &Fixture, fault: &str) -> String {
    let what = format!(
        "terraform {} {fault}, secret reads outlasting",
        fx.tf.version_string()
    );
    fx.sim()
        .add_fault(FaultRule::always(create(), FaultAction::CommitThenDrop));
    fx.sim()
        .add_fault(FaultRule::always(reveal(), FaultAction::Status(500)));
    let output = fx.run(APPLY).await;
    assert!(!output.status.success(), "{what}: the apply succeeded");
    assert_mentions(
        &output,
        &what,
        &[
            "reading its value failed",
            "the Management API failed with HTTP 500",
            "(gave up after 3 attempts)",
            "The new key was deleted again; nothing was left behind.",
        ],
    );
    settle(fx).await;
    fx.sim().clear_faults();
    let log = LogSummary::of(&fx.requests());
    let brief = log.brief();
    let creates = log.route(Route::Create).total;
    assert!(creates > 0, "{what}: {brief}");
    assert_eq!(log.route(Route::Read).total, 3 * creates, "{what}: {brief}");
    assert_eq!(
        log.route(Route::Read).faulted,
        3 * creates,
        "{what}: {brief}"
    );
    assert_eq!(log.route(Route::Delete).total, creates, "{what}: {brief}");
    let state = fx.state().await;
    assert_eq!(assert_server_matches_state(fx, &state, &what), 0);
    format!("{creates} secret reads fail x 3 attempts, keys deleted again")
}

/// Reading an adopted key's secret failed on a server error, not on a permission: the error
/// should say so, not send the user to grant "API Key Secrets: Read".
#[tokio::test]
async fn a_secret_read_failing_on_a_server_error_is_not_blamed_on_the_token() {
    for tf in terraform::all() {
        let Some(fx) = fixture(&tf, "2").await else {
            continue;
        };
        fx.sim()
            .add_fault(FaultRule::always(create(), FaultAction::CommitThenDrop));
        fx.sim()
            .add_fault(FaultRule::always(reveal(), FaultAction::Status(500)));
        let output = fx.run(APPLY).await;
        assert!(!output.status.success());
        let text = folded(&stderr(&output));
        assert!(text.contains("HTTP 500"), "{text}");
        for blame in [
            "The access token cannot read API key secrets",
            "Give the access token the \"API Key Secrets: Read\" permission",
        ] {
            assert!(!text.contains(blame), "blames the token: {text}");
        }
    }
}

/// A create whose two sends both timed out may still be carried out by the server (it keeps
/// working after the client gives up). The error should say the key may appear, not that none
/// was created: here each such create's first request is carried out 3.5 s after it was sent.
#[tokio::test]
async fn a_create_that_timed_out_is_never_said_to_have_made_no_key() {
    for tf in terraform::all() {
        let Some(fx) = fixture(&tf, "2").await else {
            continue;
        };
        fx.sim().add_fault(FaultRule::always(
            create(),
            FaultAction::Latency(SLOW_CREATE),
        ));
        let output = fx.run(APPLY).await;
        assert!(!output.status.success());
        settle(&fx).await;
        assert!(!fx.keys().is_empty(), "the server made keys");
        let text = folded(&stderr(&output));
        assert!(
            !text.contains("so none was created"),
            "the error says no key was made, yet {} exist: {text}",
            fx.keys().len()
        );
    }
}
