//! The API an acceptance test runs against, behind one seam: the in-process simulator (the
//! default), or, in live mode (`make testacc`, `TESTACC_LIVE=1`), any Management API endpoint,
//! token and project ref.
//!
//! Live mode touches a project that holds keys this suite did not make (a real project always
//! has its default and legacy keys), so it keeps to what it made:
//! - every key it makes is named `tfacc_<run id>_<fixture tag>_...` ([`Live::name`]), and a
//!   configuration or seed with any other name is refused before Terraform runs;
//! - "the keys on the server" are the fixture's own keys ([`Live::keys`]); values are revealed
//!   only for those;
//! - seeding, reading and deleting keys "outside Terraform" goes through our own `Client`, so
//!   the harness is paced like the provider; the simulator's private `/_sim` routes are never
//!   used;
//! - when the fixture is dropped (the test ended, passed or failed) its keys are deleted by
//!   prefix through the API, never by a `terraform destroy`; a new key without the prefix fails
//!   the test and is left alone;
//! - the provider's requests are counted from its own DEBUG lines, each Terraform run writing
//!   its own `TF_LOG_PATH` ([`Live::log_path`]).
//!
//! Tests that need what only the simulator has (fault injection, holds, a second token or
//! project, malformed data, ...) or that would touch keys they did not make skip in live mode,
//! with a reason that names it ([`SimOnly`]).

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use supabase_simulator::{ApiKey, KeySeed, LoggedRequest};
use terraform_provider_supabase::secret::Secret;
use terraform_provider_supabase::supabase::{
    self as api, Client, ClientConfig, KeyType, KeyUpdate, NewKey,
};
use tokio_util::sync::CancellationToken;

use super::provider_log::{request_lines, split_log};

/// Set to `1` by `make testacc`: run the acceptance tests against a live endpoint.
pub const LIVE_ENV: &str = "TESTACC_LIVE";
/// Every key a live run makes starts with this.
pub const KEY_PREFIX: &str = "tfacc_";

/// Why a test cannot run in live mode: a control only the simulator has, or a step that would
/// touch keys the run did not make. The reason is recorded with the skip.
#[derive(Clone, Copy, Debug)]
pub enum SimOnly {
    /// Failing, delaying or dropping answers (`FaultRule`).
    FaultInjection,
    /// Holding a request until the test releases it.
    Holds,
    /// A second token, with other permissions than the run's.
    SecondToken,
    /// A second project.
    SecondProject,
    /// Switching the project's legacy keys (its PUT would switch a real project's off).
    LegacyToggle,
    /// Answers the real API never gives (malformed bodies or values).
    MalformedData,
    /// Accepting two keys of one type with one name.
    DuplicateNames,
    /// A rate limit other than the API's.
    RateLimit,
    /// Waiting for the simulator to have finished a request.
    RequestTiming,
    /// The simulator's own switches (HTTPS with a private CA, its configuration).
    Configuration,
    /// `terraform query` lists, and would import, every key of the project.
    QueriesEveryKey,
    /// Reads or reveals keys the test did not make (the project's legacy keys, say).
    OthersKeys,
    /// Needs an empty project, or every key of the project in its view.
    WholeProject,
    /// Setting a project's status (coming up, paused, a preview branch).
    ProjectStatus,
    /// The Windows provider under wine, whose HTTPS calls wine's crypt32 refuses.
    PlainHttp,
}

impl SimOnly {
    pub fn reason(self) -> &'static str {
        match self {
            SimOnly::FaultInjection => "needs the simulator's fault injection",
            SimOnly::Holds => "needs the simulator's holds on requests",
            SimOnly::SecondToken => "needs a second token with other permissions (simulator)",
            SimOnly::SecondProject => "needs a second project (simulator)",
            SimOnly::LegacyToggle => "needs the simulator's legacy-keys toggle",
            SimOnly::MalformedData => "needs malformed server data (simulator)",
            SimOnly::DuplicateNames => "needs the simulator's duplicate-names switch",
            SimOnly::RateLimit => "needs the simulator's rate-limit setting",
            SimOnly::RequestTiming => "needs the simulator's request-finished signal",
            SimOnly::Configuration => "needs a simulator configuration of its own",
            SimOnly::QueriesEveryKey => {
                "live runs never query: terraform query lists every key of the project"
            }
            SimOnly::OthersKeys => "live runs never read or reveal keys they did not make",
            SimOnly::WholeProject => "needs a project holding only its own keys (simulator)",
            SimOnly::ProjectStatus => "needs the simulator's project-status controls",
            SimOnly::PlainHttp => {
                "runs the Windows provider under wine, which cannot make HTTPS calls (wine's \
                 crypt32 refuses rustls-platform-verifier's chain engine): simulator over HTTP only"
            }
        }
    }
}

/// Where a live run goes, from the environment `make testacc` sets.
#[derive(Clone, Debug)]
pub struct LiveTarget {
    pub endpoint: String,
    pub token: String,
    pub project: String,
    /// A private CA for the endpoint (`SSL_CERT_FILE`), passed on to Terraform.
    pub cert_file: Option<String>,
    /// `tfacc_<run id>_`.
    pub run_prefix: String,
}

impl LiveTarget {
    /// The target when `TESTACC_LIVE=1`, else `None`. Panics with what is missing.
    pub fn from_env() -> Option<LiveTarget> {
        if std::env::var(LIVE_ENV).ok().as_deref() != Some("1") {
            return None;
        }
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let token = var("SUPABASE_ACCESS_TOKEN")
            .unwrap_or_else(|| panic!("{LIVE_ENV}=1 needs SUPABASE_ACCESS_TOKEN"));
        let project = var("SUPABASE_ACC_PROJECT_REF").unwrap_or_else(|| {
            panic!("{LIVE_ENV}=1 needs SUPABASE_ACC_PROJECT_REF (a scratch project's ref)")
        });
        let run_id = var("TESTACC_RUN_ID").unwrap_or_else(new_run_id);
        assert!(
            is_name_part(&run_id),
            "TESTACC_RUN_ID must be lowercase letters and digits, got {run_id:?}"
        );
        Some(LiveTarget {
            endpoint: var("SUPABASE_API_ENDPOINT")
                .unwrap_or_else(|| "https://api.supabase.com".into()),
            token,
            project,
            cert_file: var(api::CERT_FILE_ENV),
            run_prefix: format!("{KEY_PREFIX}{run_id}_"),
        })
    }
}

/// Whether the suite runs live (`TESTACC_LIVE=1`).
pub fn is_live() -> bool {
    std::env::var(LIVE_ENV).ok().as_deref() == Some("1")
}

/// `attribute = "literal"` of every line of an HCL body that has one.
fn string_attributes(body: &str) -> impl Iterator<Item = (&str, &str)> {
    body.lines().filter_map(|line| {
        let (attribute, value) = line.split_once('=')?;
        let literal = value.trim().strip_prefix('"')?;
        Some((attribute.trim(), literal.split('"').next().unwrap_or("")))
    })
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Whether the API could hold a key named `name` (4 to 64 of `[a-z0-9_]`, not starting with a
/// digit, not a legacy key's name).
fn is_key_name(name: &str) -> bool {
    (4..=64).contains(&name.len())
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !matches!(name, "anon" | "service_role")
}

fn is_name_part(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// 8 base-36 characters from the clock: a run id when `make testacc` gave none.
fn new_run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    base36(nanos as u64 ^ u64::from(std::process::id()), 8)
}

fn base36(mut n: u64, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out).expect("ascii")
}

/// One runtime for every live fixture's client, never dropped: a `reqwest` pool belongs to the
/// runtime that made its connections, and tests run on runtimes of their own.
fn harness_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("harness runtime")
    })
}

/// Runs `future` on the harness runtime and waits for it, from sync or async test code alike (a
/// scoped thread, so the future may borrow).
fn block_on<F: Future + Send>(future: F) -> F::Output
where
    F::Output: Send,
{
    let handle = harness_runtime().handle();
    std::thread::scope(|s| {
        s.spawn(|| handle.block_on(future))
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Requests this process's clients made, counted by the client's request hook.
static HARNESS_REQUESTS: AtomicU64 = AtomicU64::new(0);

fn count_harness_requests() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        api::set_request_hook(|_| {
            HARNESS_REQUESTS.fetch_add(1, Ordering::Relaxed);
        })
    });
}

/// A live endpoint as one fixture sees it.
pub struct Live {
    pub target: LiveTarget,
    client: Client,
    /// The harness's calls run to their end: never cancelled.
    cancel: CancellationToken,
    /// `tfacc_<run id>_<tag>_`: this fixture's keys.
    prefix: String,
    /// Ids of this fixture's keys, as seeded or read back.
    own_ids: Mutex<BTreeSet<String>>,
    /// The project's key ids when the fixture started (a new key without the prefix is a bug).
    before: BTreeSet<String>,
    /// Each Terraform run's log: a directory of its own, which outlives the work dir a test may
    /// replace.
    logs_dir: tempfile::TempDir,
    runs: AtomicUsize,
    /// Requests read from logs a test asked for itself (`TF_LOG_PATH` in its environment).
    test_logged: Mutex<Vec<LoggedRequest>>,
    harness_start: u64,
    seeded: AtomicUsize,
    deleted_out_of_band: AtomicUsize,
}

impl Live {
    pub fn start(target: LiveTarget) -> Live {
        count_harness_requests();
        let endpoint = url::Url::parse(&target.endpoint)
            .unwrap_or_else(|e| panic!("SUPABASE_API_ENDPOINT {:?}: {e}", target.endpoint));
        let client = Client::new(ClientConfig {
            endpoint,
            access_token: Secret::new(target.token.clone()),
            token_source: "the SUPABASE_ACCESS_TOKEN environment variable".into(),
            request_timeout: Duration::from_secs(30),
            max_retries: 5,
        })
        .unwrap_or_else(|e| panic!("the live client: {e}"));
        static FIXTURES: AtomicU64 = AtomicU64::new(0);
        let tag = base36(
            u64::from(std::process::id()) * 1_000 + FIXTURES.fetch_add(1, Ordering::Relaxed),
            4,
        );
        let mut live = Live {
            prefix: format!("{}{tag}_", target.run_prefix),
            target,
            client,
            cancel: CancellationToken::new(),
            own_ids: Mutex::default(),
            before: BTreeSet::new(),
            logs_dir: tempfile::tempdir().expect("a logs dir"),
            runs: AtomicUsize::new(0),
            test_logged: Mutex::new(Vec::new()),
            harness_start: HARNESS_REQUESTS.load(Ordering::Relaxed),
            seeded: AtomicUsize::new(0),
            deleted_out_of_band: AtomicUsize::new(0),
        };
        live.before = live.list().into_iter().map(|k| k.id).collect();
        live
    }

    pub fn project(&self) -> &str {
        &self.target.project
    }

    /// `base` with this fixture's prefix, checked against the API's name rules.
    pub fn name(&self, base: &str) -> String {
        let name = format!("{}{base}", self.prefix);
        assert!(
            name.len() <= 64,
            "{name:?} is longer than the API's 64 characters: shorten {base:?}"
        );
        name
    }

    pub fn owns(&self, name: &str) -> bool {
        name.starts_with(&self.prefix)
    }

    /// Refuses a configuration that names a key without this fixture's prefix, or imports or
    /// reveals by id a key the fixture did not make, before Terraform could touch it.
    pub fn check_config(&self, body: &str) {
        for (attribute, literal) in string_attributes(body) {
            match attribute {
                // A name the API would refuse can name no key: validation tests keep theirs.
                "name" => assert!(
                    self.owns(literal) || !is_key_name(literal),
                    "live mode: the configuration names the key {literal:?}, which lacks this \
                     test's prefix {:?}: name keys with fx.name(...)\n{body}",
                    self.prefix
                ),
                "id" => self.check_key_reference(literal),
                _ => {}
            }
        }
    }

    /// Refuses an import ID or key id (`<ref>/<id or name>`, or a bare id) that names a key the
    /// fixture did not make. One the API would refuse (malformed, a legacy key's name) passes:
    /// the provider refuses it before looking anything up.
    pub fn check_key_reference(&self, reference: &str) {
        let key = reference.rsplit('/').next().unwrap_or(reference);
        let own = if is_uuid(key) {
            // Ids the fixture has seen as its own need no request (a list would also land among
            // the Terraform run's requests on the server).
            self.own_ids().contains(key)
                || self
                    .list()
                    .iter()
                    .any(|k| k.id == key && self.owns(&k.name))
        } else {
            self.owns(key) || !is_key_name(key)
        };
        assert!(
            own,
            "live mode: {reference:?} names a key this test did not make; live runs never import \
             or reveal one"
        );
    }

    /// Every key of the project, as the API lists them (values of secret keys masked).
    fn list(&self) -> Vec<api::ApiKey> {
        block_on(self.client.list_keys(&self.cancel, self.project()))
            .unwrap_or_else(|e| panic!("live: list the keys of {}: {e}", self.project()))
    }

    /// This fixture's keys, oldest first, each secret's value revealed (only ever for a key the
    /// fixture owns).
    pub fn keys(&self) -> Vec<ApiKey> {
        let mut own: Vec<api::ApiKey> = self
            .list()
            .into_iter()
            .filter(|k| self.owns(&k.name))
            .collect();
        own.sort_by(|a, b| a.inserted_at.cmp(&b.inserted_at));
        own.into_iter().map(|k| self.with_value(k)).collect()
    }

    fn own_ids(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.own_ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_value(&self, key: api::ApiKey) -> ApiKey {
        assert!(self.owns(&key.name), "live: never reveal {:?}", key.name);
        self.own_ids().insert(key.id.clone());
        let key = if key.api_key.is_some() {
            key
        } else {
            block_on(
                self.client
                    .get_key(&self.cancel, self.project(), &key.id, true),
            )
            .unwrap_or_else(|e| panic!("live: reveal {}: {e}", key.name))
        };
        simulator_view(key)
    }

    /// Makes a key "outside Terraform"; its name must carry this fixture's prefix.
    pub fn seed_key(&self, seed: KeySeed) -> ApiKey {
        assert!(
            self.owns(&seed.name),
            "live mode: seed {:?} lacks this test's prefix {:?}: name it with fx.name(...)",
            seed.name,
            self.prefix
        );
        let key_type = KeyType::parse(&seed.key_type).expect("secret or publishable");
        let new = NewKey {
            name: seed.name,
            key_type,
            description: seed.description,
            secret_jwt_template: seed.secret_jwt_template,
        };
        let created = block_on(
            self.client
                .create_key(&self.cancel, self.project(), &new, &|_| false),
        )
        .unwrap_or_else(|e| panic!("live: seed a key: {e}"));
        self.seeded.fetch_add(1, Ordering::Relaxed);
        let mut key = created.key;
        if let api::SecretValue::Revealed(value) = created.secret {
            key.api_key = Some(value);
        }
        self.with_value(key)
    }

    /// Renames or re-describes one of this fixture's keys "outside Terraform"; the new name must
    /// carry the prefix too.
    pub fn update_key_out_of_band(&self, id: &str, update: KeyUpdate) {
        let key = self.list().into_iter().find(|k| k.id == id);
        assert!(
            key.is_some_and(|k| self.owns(&k.name))
                && update.name.as_deref().is_none_or(|n| self.owns(n)),
            "live: never change a key this test did not make, nor give one another prefix"
        );
        block_on(
            self.client
                .update_key(&self.cancel, self.project(), id, &update),
        )
        .unwrap_or_else(|e| panic!("live: change a key: {e}"));
    }

    /// Deletes one of this fixture's keys "outside Terraform"; false if it was gone.
    pub fn delete_key_out_of_band(&self, id: &str) -> bool {
        let Some(key) = self.list().into_iter().find(|k| k.id == id) else {
            return false;
        };
        assert!(self.owns(&key.name), "live: never delete {:?}", key.name);
        let gone = self.delete(id) == api::Deleted::Removed;
        if gone {
            self.deleted_out_of_band.fetch_add(1, Ordering::Relaxed);
        }
        gone
    }

    fn delete(&self, id: &str) -> api::Deleted {
        block_on(self.client.delete_key(&self.cancel, self.project(), id))
            .unwrap_or_else(|e| panic!("live: delete a key: {e}"))
    }

    /// A fresh `TF_LOG_PATH` for the next Terraform run.
    pub fn log_path(&self) -> PathBuf {
        let n = self.runs.fetch_add(1, Ordering::Relaxed);
        self.logs_dir.path().join(format!("run-{n:04}.log"))
    }

    /// Reads the requests a run appended to a log the test chose itself (Terraform appends to
    /// an existing `TF_LOG_PATH`): what follows byte `from`.
    pub fn read_test_log(&self, path: &Path, from: u64) {
        let bytes = std::fs::read(path).unwrap_or_default();
        let text = String::from_utf8_lossy(bytes.get(from as usize..).unwrap_or_default());
        self.test_logged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(parse_requests(&text));
    }

    /// The log of each of this fixture's Terraform runs so far, oldest first.
    pub fn run_logs(&self) -> Vec<String> {
        let mut logs: Vec<PathBuf> = std::fs::read_dir(self.logs_dir.path())
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        logs.sort();
        logs.iter()
            .map(|path| std::fs::read_to_string(path).unwrap_or_default())
            .collect()
    }

    /// Every request the provider made in this fixture's Terraform runs, in order, read from
    /// its DEBUG lines.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let mut all: Vec<LoggedRequest> = self
            .run_logs()
            .iter()
            .flat_map(|log| parse_requests(log))
            .collect();
        all.extend(
            self.test_logged
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .cloned(),
        );
        for (seq, request) in all.iter_mut().enumerate() {
            request.seq = seq as u64 + 1;
        }
        all
    }

    /// Deletes what is left of this fixture's keys and records what the test cost. Returns the
    /// new keys that lack the prefix (which it leaves alone).
    fn clean_up(&self) -> Vec<String> {
        let keys = self.list();
        let mut swept = 0;
        for key in keys.iter().filter(|k| self.owns(&k.name)) {
            if self.delete(&key.id) == api::Deleted::Removed {
                swept += 1;
            }
        }
        let strangers: Vec<String> = keys
            .iter()
            .filter(|k| !self.before.contains(&k.id) && !k.name.starts_with(KEY_PREFIX))
            .map(|k| format!("{} ({})", k.name, k.id))
            .collect();
        self.record(swept, &strangers);
        strangers
    }

    fn record(&self, swept: usize, strangers: &[String]) {
        let Some(dir) = std::env::var_os("TF_TEST_MANIFEST_DIR") else {
            return;
        };
        let requests = self.requests();
        let ok = |method: &str| {
            requests
                .iter()
                .filter(|r| r.method == method && r.status.is_some_and(|s| s < 300))
                .count()
        };
        let line = serde_json::json!({
            "crate": env!("CARGO_CRATE_NAME"),
            "test": std::thread::current().name().unwrap_or(""),
            "provider_requests": requests.len(),
            "provider_created": ok("POST"),
            "provider_deleted": ok("DELETE"),
            "harness_requests": HARNESS_REQUESTS.load(Ordering::Relaxed) - self.harness_start,
            "harness_created": self.seeded.load(Ordering::Relaxed),
            "harness_deleted": self.deleted_out_of_band.load(Ordering::Relaxed) + swept,
            "swept": swept,
            "strangers": strangers,
        });
        // A directory of its own: the matrix check reads every `*.jsonl` beside it.
        let dir = PathBuf::from(dir).join("live");
        std::fs::create_dir_all(&dir).expect("create the live records' dir");
        let path = dir.join(format!(
            "{}-{}.jsonl",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let mut text = line.to_string();
        text.push('\n');
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        file.write_all(text.as_bytes()).expect("append live record");
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // A panic while the test is already panicking would abort the whole test binary: then
        // the failure to clean up is only said (`make sweep` deletes what is left).
        if std::thread::panicking() {
            let cleaned =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.clean_up()));
            if cleaned.is_err() {
                eprintln!(
                    "live mode: could not delete this test's keys {}*: run make sweep",
                    self.prefix
                );
            }
            return;
        }
        let strangers = self.clean_up();
        if !strangers.is_empty() {
            panic!(
                "live mode: this test made keys without the prefix {KEY_PREFIX:?} (left alone, \
                 delete them by hand): {strangers:?}"
            );
        }
    }
}

/// A key as the live API listed it, in the simulator's shape that the tests read.
fn simulator_view(key: api::ApiKey) -> ApiKey {
    ApiKey {
        id: key.id,
        name: key.name,
        key_type: key.key_type.as_str().to_owned(),
        api_key: key
            .api_key
            .map(|v| v.expose().to_owned())
            .unwrap_or_default(),
        prefix: key.prefix,
        hash: key.hash,
        description: key.description,
        secret_jwt_template: key.secret_jwt_template,
        inserted_at: key.inserted_at.unwrap_or_default(),
        updated_at: key.updated_at.unwrap_or_default(),
    }
}

/// The provider's request lines of one log, as the simulator would have logged them.
pub fn parse_requests(log: &str) -> Vec<LoggedRequest> {
    let (provider, _) = split_log(log);
    let now = std::time::Instant::now();
    request_lines(&provider)
        .into_iter()
        .filter_map(|(_, fields)| {
            let method = fields.get("method")?.parse::<http::Method>().ok()?;
            let target = fields.get("path")?;
            let (path, query) = match target.split_once('?') {
                Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
                None => (target.clone(), None),
            };
            let reveal = query
                .as_deref()
                .is_some_and(|q| q.split('&').any(|p| p == "reveal=true"));
            Some(LoggedRequest {
                seq: 0,
                method,
                path,
                query,
                status: fields.get("status").and_then(|s| s.parse().ok()),
                reveal,
                started: now,
                finished: Some(now),
                fault: None,
            })
        })
        .collect()
}
