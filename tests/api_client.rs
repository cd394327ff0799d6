//! The Management API client against the simulator: every operation, the errors, the
//! retries, reconciliation of ambiguous creates, reveal denials, cancellation and HTTPS
//! with a private CA.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use supabase_simulator::{
    messages, FaultAction, FaultRule, KeySeed, LoggedRequest, Permissions, RateLimit,
    RequestMatcher, RevealDenial, Simulator, SimulatorConfig,
};
use terraform_provider_supabase::secret::Secret;
use terraform_provider_supabase::supabase::{
    is_masked, set_request_hook, ApiError, Backoff, Client, ClientConfig, Deleted, ErrorKind,
    Exchange, Freshness, KeyType, KeyUpdate, NewKey, Outcome, Permission, RetryNotice, SecretValue,
    USER_AGENT,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

#[path = "support/wait.rs"]
mod wait;

const REF: &str = "abcdefghijklmnopqrst";
/// A safety net for waits on what the simulator logs.
const WAIT_LIMIT: Duration = Duration::from_secs(10);
const TOKEN: &str = "sbp_0123456789abcdef0123456789abcdef01234567";
const KEYS: &str = "/v1/projects/*/api-keys";
const KEY: &str = "/v1/projects/*/api-keys/*";

/// Short waits, so retries cost milliseconds.
const FAST: Backoff = Backoff {
    initial: Duration::from_millis(20),
    max: Duration::from_millis(100),
    max_server_wait: Duration::from_secs(2),
};

async fn simulator(config: SimulatorConfig) -> Simulator {
    let sim = Simulator::start(config).await.expect("simulator starts");
    sim.add_project(REF);
    sim.add_token(TOKEN, Permissions::all());
    sim
}

async fn default_simulator() -> Simulator {
    simulator(SimulatorConfig::default()).await
}

/// Where the tests' tokens come from, as a refused token's error names it.
const TOKEN_SOURCE: &str = "the test's TOKEN constant";

fn config(endpoint: &str, token: &str, timeout: Duration, retries: u32) -> ClientConfig {
    ClientConfig {
        endpoint: endpoint.parse().unwrap(),
        access_token: Secret::new(token),
        token_source: TOKEN_SOURCE.into(),
        request_timeout: timeout,
        max_retries: retries,
    }
}

fn client_with(sim: &Simulator, token: &str, timeout: Duration, retries: u32) -> Client {
    Client::new(config(&sim.base_url(), token, timeout, retries))
        .expect("client builds")
        .with_backoff(FAST)
}

fn client(sim: &Simulator) -> Client {
    client_with(sim, TOKEN, Duration::from_secs(10), 3)
}

fn new_key(name: &str, key_type: KeyType) -> NewKey {
    NewKey {
        name: name.to_owned(),
        key_type,
        description: Some("made by a test".to_owned()),
        secret_jwt_template: None,
    }
}

/// Creates the secret key `ci_key` in a task of its own, so the test can cancel it meanwhile.
fn spawn_create(
    api: Client,
    cancel: &CancellationToken,
) -> tokio::task::JoinHandle<Result<terraform_provider_supabase::supabase::Created, ApiError>> {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        api.create_key(
            &cancel,
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
    })
}

fn unclaimed(_: &str) -> bool {
    false
}

fn on(method: Method, path: &str) -> RequestMatcher {
    RequestMatcher::new(method, path)
}

/// `METHOD status` of each logged request, e.g. `POST 500`, `GET -` (no answer).
fn trace(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .map(|r| {
            let status = r.status.map_or("-".to_owned(), |s| s.to_string());
            format!("{} {status}", r.method)
        })
        .collect()
}

fn revealed(value: &SecretValue) -> &str {
    match value {
        SecretValue::Revealed(s) => s.expose(),
        other => panic!("expected a revealed secret, got {other:?}"),
    }
}

fn assert_clean(e: &ApiError) {
    assert!(!e.to_string().contains(TOKEN), "token in {e}");
    assert!(!format!("{e:?}").contains(TOKEN), "token in {e:?}");
}

#[tokio::test]
async fn create_list_get_update_delete() {
    let sim = default_simulator().await;
    let api = client(&sim);
    let cancel = CancellationToken::new();

    let created = api
        .create_key(
            &cancel,
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap();
    assert!(!created.adopted);
    let stored = sim.keys(REF);
    assert_eq!(stored.len(), 1);
    assert_eq!(revealed(&created.secret), stored[0].api_key);
    assert_eq!(created.key.id, stored[0].id);
    assert_eq!(created.key.key_type, KeyType::Secret);
    assert_eq!(created.key.description.as_deref(), Some("made by a test"));
    assert!(created.key.inserted_at.is_some());
    let post = &sim.requests()[0];
    assert_eq!((post.method.as_str(), post.reveal), ("POST", true));

    let publishable = api
        .create_key(
            &cancel,
            REF,
            &new_key("web_key", KeyType::Publishable),
            &unclaimed,
        )
        .await
        .unwrap();
    assert!(revealed(&publishable.secret).starts_with("sb_publishable_"));

    let listed = api.list_keys(&cancel, REF).await.unwrap();
    let types: Vec<KeyType> = listed.iter().map(|k| k.key_type).collect();
    assert_eq!(
        types,
        [
            KeyType::Legacy,
            KeyType::Legacy,
            KeyType::Publishable,
            KeyType::Secret
        ]
    );
    let secret = listed.iter().find(|k| k.id == created.key.id).unwrap();
    assert!(secret.api_key.is_none(), "a masked value is not a secret");
    assert_eq!(secret.prefix, created.key.prefix);

    let plain = api
        .get_key(&cancel, REF, &created.key.id, false)
        .await
        .unwrap();
    assert!(plain.api_key.is_none());
    let full = api
        .get_key(&cancel, REF, &created.key.id, true)
        .await
        .unwrap();
    assert_eq!(full.api_key.unwrap().expose(), stored[0].api_key);

    let update = KeyUpdate {
        name: Some("ci_key_renamed".to_owned()),
        description: Some(Some("changed".to_owned())),
        secret_jwt_template: None,
    };
    let updated = api
        .update_key(&cancel, REF, &created.key.id, &update)
        .await
        .unwrap();
    assert_eq!(updated.name, "ci_key_renamed");
    assert_eq!(updated.description.as_deref(), Some("changed"));
    assert_eq!(sim.keys(REF)[1].name, "ci_key_renamed");

    let deleted = api.delete_key(&cancel, REF, &created.key.id).await.unwrap();
    assert_eq!(deleted, Deleted::Removed);
    let again = api.delete_key(&cancel, REF, &created.key.id).await.unwrap();
    assert_eq!(again, Deleted::AlreadyGone);
    let gone = api
        .get_key(&cancel, REF, &created.key.id, false)
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    assert_eq!(sim.keys(REF).len(), 1);
}

#[tokio::test]
async fn user_agent_and_bearer_token_are_sent() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buf).await.unwrap();
            assert!(n > 0, "client closed early");
            head.extend_from_slice(&buf[..n]);
        }
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n[]")
            .await
            .unwrap();
        String::from_utf8(head).unwrap().to_ascii_lowercase()
    });
    let api = Client::new(config(
        &format!("http://{addr}"),
        TOKEN,
        Duration::from_secs(10),
        0,
    ))
    .unwrap();
    let keys = api.list_keys(&CancellationToken::new(), REF).await.unwrap();
    assert!(keys.is_empty());
    let head = server.await.unwrap();
    assert!(
        head.starts_with(&format!("get /v1/projects/{REF}/api-keys http/1.1")),
        "{head}"
    );
    assert!(
        head.contains(&format!("user-agent: {}", USER_AGENT.to_ascii_lowercase())),
        "{head}"
    );
    assert!(head.contains(&format!(
        "authorization: bearer {}",
        TOKEN.to_ascii_lowercase()
    )));
    assert!(USER_AGENT.ends_with(env!("CARGO_PKG_VERSION")));
}

#[tokio::test]
async fn errors_say_what_to_do_and_are_not_retried() {
    let sim = default_simulator().await;
    sim.add_token("no_rights", Permissions::none());
    sim.add_token("read_only", Permissions::read_only());
    let cancel = CancellationToken::new();
    let api = client(&sim);

    let e = client_with(&sim, "sbp_unknown", Duration::from_secs(10), 3)
        .list_keys(&cancel, REF)
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Unauthorized, Some(401)));
    assert_eq!(e.server_message(), Some(messages::UNAUTHORIZED));
    assert!(
        e.to_string()
            .contains(&format!("Create a new access token (https://supabase.com/dashboard/account/tokens) and put it in {TOKEN_SOURCE}")),
        "{e}"
    );

    let e = client_with(&sim, "no_rights", Duration::from_secs(10), 3)
        .list_keys(&cancel, REF)
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Forbidden, Some(403)));
    assert_eq!(e.permissions(), [Permission::KeysRead]);
    assert!(e.to_string().contains("\"API Keys: Read\""), "{e}");

    let e = client_with(&sim, "read_only", Duration::from_secs(10), 3)
        .create_key(
            &cancel,
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert!(e.permissions().contains(&Permission::KeysWrite));
    assert!(e.to_string().contains("API Keys: Read-write"), "{e}");

    let e = api
        .list_keys(&cancel, "zzzzzzzzzzzzzzzzzzzz")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.to_string()
            .contains("project zzzzzzzzzzzzzzzzzzzz does not exist"),
        "{e}"
    );

    let missing = "22222222-2222-4222-8222-222222222222";
    let e = api.get_key(&cancel, REF, missing, true).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains(missing), "{e}");

    let e = api
        .create_key(&cancel, REF, &new_key("ab", KeyType::Secret), &unclaimed)
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::BadRequest, Some(400)));
    assert_eq!(e.server_message(), Some(messages::NAME_TOO_SHORT));
    assert!(e.to_string().contains(messages::NAME_TOO_SHORT), "{e}");

    let e = api.get_key(&cancel, REF, "anon", false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadRequest);
    assert!(e.to_string().contains(messages::INVALID_UUID), "{e}");

    api.create_key(
        &cancel,
        REF,
        &new_key("ci_key", KeyType::Secret),
        &unclaimed,
    )
    .await
    .unwrap();
    let e = api
        .create_key(
            &cancel,
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Conflict, Some(409)));

    // One request each: none of these is retried.
    assert_eq!(sim.requests().len(), 9, "{:?}", trace(&sim.requests()));
}

#[tokio::test]
async fn the_token_never_appears_in_an_error() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::always(
        on(Method::GET, KEYS),
        FaultAction::Status(503),
    ));
    let cancel = CancellationToken::new();
    for token in [TOKEN, "sbp_not_known_here"] {
        let e = client_with(&sim, token, Duration::from_secs(10), 1)
            .list_keys(&cancel, REF)
            .await
            .unwrap_err();
        assert!(!e.to_string().contains(token));
        assert!(!format!("{e:?}").contains(token));
    }
}

#[tokio::test]
async fn server_errors_are_retried() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::times(
        on(Method::GET, KEYS),
        2,
        FaultAction::Status(503),
    ));
    sim.add_fault(FaultRule::once(
        on(Method::GET, KEYS),
        FaultAction::Html(502),
    ));
    let keys = client(&sim)
        .list_keys(&CancellationToken::new(), REF)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "the legacy keys");
    assert_eq!(
        trace(&sim.requests()),
        ["GET 503", "GET 503", "GET 502", "GET 200"]
    );
}

#[tokio::test]
async fn a_rate_limited_request_waits_for_the_reset_then_succeeds() {
    let sim = default_simulator().await;
    // The simulator's 429 says `X-RateLimit-Reset: 1`.
    sim.add_fault(FaultRule::once(
        on(Method::PATCH, KEY),
        FaultAction::Status(429),
    ));
    let key = sim.seed_key(REF, KeySeed::secret("ci_key"));
    let waits = Arc::new(Mutex::new(Vec::<RetryNotice>::new()));
    let seen = Arc::clone(&waits);
    let api = client(&sim).with_retry_hook(move |n| seen.lock().unwrap().push(n.clone()));
    let started = Instant::now();
    let update = KeyUpdate {
        description: Some(Some("after the wait".to_owned())),
        ..KeyUpdate::default()
    };
    let updated = api
        .update_key(&CancellationToken::new(), REF, &key.id, &update)
        .await
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("after the wait"));
    assert!(started.elapsed() >= Duration::from_secs(1));
    let waits = waits.lock().unwrap();
    assert_eq!(waits.len(), 1);
    assert!(waits[0].delay >= Duration::from_secs(1), "{:?}", waits[0]);
    assert_eq!(waits[0].reason, "HTTP 429");
    assert_eq!(trace(&sim.requests()), ["PATCH 429", "PATCH 200"]);
}

#[tokio::test]
async fn a_create_is_resent_after_429() {
    let sim = default_simulator().await;
    let quick_reset = vec![("x-ratelimit-reset".to_owned(), "0".to_owned())];
    sim.add_fault(FaultRule::once(
        on(Method::POST, KEYS),
        FaultAction::StatusWithHeaders(429, quick_reset),
    ));
    let created = client(&sim)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap();
    assert!(!created.adopted);
    assert_eq!(sim.keys(REF).len(), 1);
    assert_eq!(trace(&sim.requests()), ["POST 429", "POST 201"]);
}

#[tokio::test]
async fn the_retry_budget_bounds_server_errors_and_rate_limits() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::always(
        on(Method::GET, KEYS),
        FaultAction::Status(503),
    ));
    let quick_reset = vec![("x-ratelimit-reset".to_owned(), "0".to_owned())];
    sim.add_fault(FaultRule::always(
        on(Method::DELETE, KEY),
        FaultAction::StatusWithHeaders(429, quick_reset),
    ));
    let api = client_with(&sim, TOKEN, Duration::from_secs(10), 2);
    let cancel = CancellationToken::new();

    let started = Instant::now();
    let e = api.list_keys(&cancel, REF).await.unwrap_err();
    // Two waits of at most FAST.max each, plus three quick answers.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        (e.kind(), e.status(), e.attempts()),
        (ErrorKind::Server, Some(503), 3)
    );
    assert!(e.to_string().contains("HTTP 503"), "{e}");
    assert!(e.to_string().contains("after 3 attempts"), "{e}");
    assert_eq!(sim.requests().len(), 3);

    let id = sim.seed_key(REF, KeySeed::secret("ci_key")).id;
    let e = api.delete_key(&cancel, REF, &id).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.attempts()),
        (ErrorKind::RateLimited, Some(429), 3)
    );
    assert!(e.to_string().contains("120 requests per minute"), "{e}");
    assert!(
        e.to_string().contains("Wait for the window to reset"),
        "{e}"
    );
    assert_eq!(sim.requests().len(), 6);
    assert_eq!(sim.keys(REF).len(), 1);
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::always(
        on(Method::GET, KEY),
        FaultAction::Latency(Duration::from_secs(2)),
    ));
    let id = sim.seed_key(REF, KeySeed::secret("ci_key")).id;
    let api = client_with(&sim, TOKEN, Duration::from_millis(300), 1);
    let started = Instant::now();
    let e = api
        .get_key(&CancellationToken::new(), REF, &id, true)
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Timeout, 2));
    assert!(e.status().is_none());
    assert!(e.to_string().contains("300 ms"), "{e}");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    assert_eq!(sim.requests().len(), 2);
}

#[tokio::test]
async fn a_delete_retried_after_it_went_through_is_already_gone() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::once(
        on(Method::DELETE, KEY),
        FaultAction::CommitThenStatus(503),
    ));
    let id = sim.seed_key(REF, KeySeed::secret("ci_key")).id;
    let deleted = client(&sim)
        .delete_key(&CancellationToken::new(), REF, &id)
        .await
        .unwrap();
    assert_eq!(deleted, Deleted::AlreadyGone);
    assert!(sim.keys(REF).is_empty());
    assert_eq!(trace(&sim.requests()), ["DELETE 503", "DELETE 404"]);
}

#[tokio::test]
async fn an_html_page_is_an_invalid_response_not_a_key() {
    let sim = default_simulator().await;
    // Once: a read is retried, and the next answer counts.
    sim.add_fault(FaultRule::once(
        on(Method::GET, KEYS),
        FaultAction::Html(200),
    ));
    client(&sim)
        .list_keys(&CancellationToken::new(), REF)
        .await
        .expect("the read is retried");
    assert_eq!(sim.requests().len(), 2);
    // Always: after the budget it is an invalid response, named as such.
    sim.add_fault(FaultRule::always(
        on(Method::GET, KEYS),
        FaultAction::Html(200),
    ));
    let e = client(&sim)
        .list_keys(&CancellationToken::new(), REF)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::InvalidResponse, Some(200))
    );
    assert!(e.to_string().contains("not valid JSON"), "{e}");
}

/// A create that fails after it was committed is not resent: the key is found by
/// listing, adopted, and its secret fetched with `GET {id}?reveal=true`.
async fn assert_reconciled(fault: FaultAction, first_status: &str) {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::once(on(Method::POST, KEYS), fault.clone()));
    let created = client(&sim)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
    assert!(created.adopted, "{fault:?}");
    let stored = sim.keys(REF);
    assert_eq!(stored.len(), 1, "{fault:?}: exactly one key");
    assert_eq!(created.key.id, stored[0].id);
    assert_eq!(revealed(&created.secret), stored[0].api_key);
    let log = sim.requests();
    assert_eq!(
        trace(&log),
        [
            format!("POST {first_status}"),
            "GET 200".into(),
            "GET 200".into()
        ],
        "{fault:?}"
    );
    assert!(!log[1].reveal, "the list is not revealed");
    assert!(log[2].path.ends_with(&stored[0].id) && log[2].reveal);
}

#[tokio::test]
async fn a_create_answered_500_after_commit_is_adopted() {
    assert_reconciled(FaultAction::CommitThenStatus(500), "500").await;
}

#[tokio::test]
async fn a_create_whose_connection_drops_after_commit_is_adopted() {
    assert_reconciled(FaultAction::CommitThenDrop, "-").await;
}

#[tokio::test]
async fn a_create_with_a_truncated_answer_is_adopted() {
    assert_reconciled(FaultAction::TruncatedBody, "201").await;
}

/// A short request timeout, so the settle window (3 x it) is short too.
const SHORT: Duration = Duration::from_millis(200);

/// The methods of the logged requests: a create that failed after it was sent is followed by
/// lists only, never by a second POST.
fn methods(requests: &[LoggedRequest]) -> Vec<String> {
    requests.iter().map(|r| r.method.to_string()).collect()
}

fn assert_waited_then_gave_up(sim: &Simulator, e: &ApiError, first: &str) {
    assert!(e.may_have_created(), "{e}");
    let text = e.to_string();
    for needle in [
        "no new key with this name and type was listed within 600 ms of sending it",
        "It was not sent again",
        "a key named \"ci_key\" may still appear",
        "the next plan names it with its import command",
    ] {
        assert!(text.contains(needle), "{needle:?} not in: {e}");
    }
    let log = sim.requests();
    assert_eq!(trace(&log[..1]), [first.to_owned()]);
    let lists = methods(&log[1..]);
    assert!(lists.len() >= 2, "it polled: {:?}", trace(&log));
    assert!(
        lists.iter().all(|m| m == "GET"),
        "no second POST: {:?}",
        trace(&log)
    );
}

#[tokio::test]
async fn a_create_reset_after_it_was_sent_is_never_sent_again() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::once(on(Method::POST, KEYS), FaultAction::Reset));
    let started = Instant::now();
    let e = client_with(&sim, TOKEN, SHORT, 3)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    // The window: 3 x 200 ms from the send, rounded up to 250 ms steps.
    assert!(started.elapsed() >= 3 * SHORT, "{:?}", started.elapsed());
    assert_eq!(e.kind(), ErrorKind::Connection);
    assert!(sim.keys(REF).is_empty());
    assert_waited_then_gave_up(&sim, &e, "POST -");
}

#[tokio::test]
async fn a_create_that_keeps_failing_is_sent_once() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::always(
        on(Method::POST, KEYS),
        FaultAction::Status(500),
    ));
    let e = client_with(&sim, TOKEN, SHORT, 3)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(500)));
    assert!(sim.keys(REF).is_empty());
    assert_waited_then_gave_up(&sim, &e, "POST 500");
}

/// The create is carried out while the client waits for it (its answer came too late): the key
/// is adopted on the next look, and the create was sent once.
#[tokio::test]
async fn a_create_carried_out_within_the_window_is_adopted() {
    let sim = default_simulator().await;
    let hold = sim.hold(on(Method::POST, KEYS));
    let api = client_with(&sim, TOKEN, SHORT, 3);
    let call = tokio::spawn(async move {
        api.create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
    });
    hold.wait_held(1).await;
    // The client timed out and looked, without finding the key, and looks again later.
    wait::until("a list request", WAIT_LIMIT, || {
        sim.requests().iter().any(|r| r.method == Method::GET)
    })
    .await;
    hold.release_all();
    let created = call.await.unwrap().expect("adopted");
    assert!(created.adopted);
    let stored = sim.keys(REF);
    assert_eq!(stored.len(), 1);
    assert_eq!(created.key.id, stored[0].id);
    assert_eq!(revealed(&created.secret), stored[0].api_key);
    let posts = sim
        .requests()
        .iter()
        .filter(|r| r.method == Method::POST)
        .count();
    assert_eq!(posts, 1);
}

/// Twenty creates failing at once share their polls: one list request per look, not twenty.
#[tokio::test]
async fn creates_waiting_at_once_share_their_lists() {
    const N: usize = 20;
    let sim = simulator(SimulatorConfig {
        rate_limit: None,
        ..SimulatorConfig::default()
    })
    .await;
    let hold = sim.hold(on(Method::POST, KEYS));
    let api = client_with(&sim, TOKEN, SHORT, 3);
    let calls: Vec<_> = (0..N)
        .map(|i| {
            let api = api.clone();
            tokio::spawn(async move {
                api.create_key(
                    &CancellationToken::new(),
                    REF,
                    &new_key(&format!("key_{i}"), KeyType::Secret),
                    &unclaimed,
                )
                .await
            })
        })
        .collect();
    hold.wait_held(N).await;
    let lists = || {
        sim.requests()
            .iter()
            .filter(|r| r.method == Method::GET && !r.path.contains("/api-keys/"))
            .count()
    };
    wait::until("two list requests", WAIT_LIMIT, || lists() >= 2).await;
    hold.release_all();
    // Each create was adopted, or answered in time (one sent late may still be within its
    // timeout when released); either way it was sent once, and made one key.
    for call in calls {
        call.await.unwrap().expect("created or adopted");
    }
    assert_eq!(sim.keys(REF).len(), N);
    let posts = sim
        .requests()
        .iter()
        .filter(|r| r.method == Method::POST)
        .count();
    assert_eq!(posts, N);
    let lists = lists();
    println!("{N} creates reconciled with {lists} list requests");
    // One per look: the window of 600 ms holds a handful of looks, whoever makes them.
    assert!(lists <= 6, "{lists} list requests for {N} creates");
}

#[tokio::test]
async fn several_candidates_are_not_guessed_between() {
    let sim = simulator(SimulatorConfig {
        unique_names: false,
        ..SimulatorConfig::default()
    })
    .await;
    let other = sim.seed_key(REF, KeySeed::secret("ci_key"));
    sim.add_fault(FaultRule::once(
        on(Method::POST, KEYS),
        FaultAction::CommitThenStatus(502),
    ));
    let e = client(&sim)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Ambiguous);
    let stored: Vec<String> = sim.keys(REF).into_iter().map(|k| k.id).collect();
    assert_eq!(stored.len(), 2);
    assert!(stored.contains(&other.id));
    assert_eq!(e.candidates(), stored.as_slice());
    for id in &stored {
        assert!(e.to_string().contains(id.as_str()), "{e}");
    }
    assert_eq!(trace(&sim.requests()), ["POST 502", "GET 200"]);
}

#[tokio::test]
async fn a_key_held_by_another_resource_is_not_adopted() {
    let sim = simulator(SimulatorConfig {
        unique_names: false,
        ..SimulatorConfig::default()
    })
    .await;
    let held = sim.seed_key(REF, KeySeed::secret("ci_key"));
    sim.add_fault(FaultRule::once(
        on(Method::POST, KEYS),
        FaultAction::CommitThenStatus(500),
    ));
    let held_id = held.id.clone();
    let is_claimed = move |id: &str| id == held_id;
    let created = client(&sim)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &is_claimed,
        )
        .await
        .unwrap();
    assert!(created.adopted);
    assert_ne!(created.key.id, held.id);
    assert_eq!(sim.keys(REF).len(), 2);
}

#[tokio::test]
async fn a_claimed_key_is_not_adopted_and_the_create_not_resent() {
    let sim = simulator(SimulatorConfig {
        unique_names: false,
        ..SimulatorConfig::default()
    })
    .await;
    // The only key of that name and type is held by another resource, and our create was
    // reset without effect: it is not taken, and the create is not sent again.
    let held = sim.seed_key(REF, KeySeed::secret("ci_key"));
    sim.add_fault(FaultRule::once(on(Method::POST, KEYS), FaultAction::Reset));
    let is_claimed = |id: &str| id == held.id;
    let e = client_with(&sim, TOKEN, SHORT, 3)
        .create_key(
            &CancellationToken::new(),
            REF,
            &new_key("ci_key", KeyType::Secret),
            &is_claimed,
        )
        .await
        .unwrap_err();
    assert_eq!(sim.keys(REF).len(), 1);
    assert_waited_then_gave_up(&sim, &e, "POST -");
}

#[tokio::test]
async fn reveal_denials_come_back_as_distinct_outcomes() {
    let sim = default_simulator().await;
    let cancel = CancellationToken::new();
    let timeout = Duration::from_secs(10);
    for (token, denial) in [
        ("masked", RevealDenial::Masked),
        ("null", RevealDenial::Null),
        ("forbidden", RevealDenial::Forbidden),
    ] {
        sim.add_token(token, Permissions::without_secret_read(denial));
    }
    let key = |name: &str| new_key(name, KeyType::Secret);

    let masked = client_with(&sim, "masked", timeout, 3)
        .create_key(&cancel, REF, &key("masked_key"), &unclaimed)
        .await
        .unwrap();
    assert!(matches!(masked.secret, SecretValue::Masked), "{masked:?}");
    assert!(masked.key.api_key.is_none());

    let null = client_with(&sim, "null", timeout, 3)
        .create_key(&cancel, REF, &key("null_key"), &unclaimed)
        .await
        .unwrap();
    assert!(matches!(null.secret, SecretValue::Missing), "{null:?}");

    let e = client_with(&sim, "forbidden", timeout, 3)
        .create_key(&cancel, REF, &key("forbidden_key"), &unclaimed)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Forbidden);
    assert!(e.permissions().contains(&Permission::KeySecretsRead));
    assert!(e.to_string().contains("API Key Secrets: Read"), "{e}");
    assert!(
        e.to_string().contains("api_gateway_keys_secret_read"),
        "{e}"
    );
    assert_clean(&e);

    // Two keys were made (the caller deletes them); the refused create made none.
    let names: Vec<String> = sim.keys(REF).into_iter().map(|k| k.name).collect();
    assert_eq!(names, ["masked_key", "null_key"]);
    assert!(sim.keys(REF).iter().all(|k| !is_masked(&k.api_key)));

    // Adopting with such a token: the reveal is masked too.
    sim.add_fault(FaultRule::once(
        on(Method::POST, KEYS),
        FaultAction::CommitThenStatus(500),
    ));
    let adopted = client_with(&sim, "masked", timeout, 3)
        .create_key(&cancel, REF, &key("adopted_key"), &unclaimed)
        .await
        .unwrap();
    assert!(adopted.adopted);
    assert!(matches!(adopted.secret, SecretValue::Masked), "{adopted:?}");
}

#[tokio::test]
async fn cancelling_during_a_backoff_stops_promptly_and_sends_nothing_more() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::always(
        on(Method::GET, KEYS),
        FaultAction::Status(503),
    ));
    let (waiting_tx, mut waiting) = tokio::sync::mpsc::unbounded_channel();
    let api = client(&sim)
        .with_backoff(Backoff {
            initial: Duration::from_secs(3600),
            max: Duration::from_secs(3600),
            max_server_wait: Duration::from_secs(3600),
        })
        .with_retry_hook(move |n| {
            let _ = waiting_tx.send(n.delay);
        });
    let cancel = CancellationToken::new();
    let call = tokio::spawn({
        let cancel = cancel.clone();
        async move { api.list_keys(&cancel, REF).await }
    });
    let delay = waiting.recv().await.expect("the client waits");
    assert!(delay >= Duration::from_secs(1800));
    let cancelled_at = Instant::now();
    cancel.cancel();
    let e = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .expect("returns promptly")
        .unwrap()
        .unwrap_err();
    assert!(cancelled_at.elapsed() < Duration::from_secs(2));
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Cancelled, 1));
    assert_eq!(trace(&sim.requests()), ["GET 503"]);
}

#[tokio::test]
async fn cancelling_during_reconciliation_says_a_key_may_exist() {
    let sim = default_simulator().await;
    sim.add_fault(FaultRule::once(on(Method::POST, KEYS), FaultAction::Reset));
    let (waiting_tx, mut waiting) = tokio::sync::mpsc::unbounded_channel();
    let api = client(&sim)
        .with_backoff(Backoff {
            initial: Duration::from_secs(3600),
            max: Duration::from_secs(3600),
            max_server_wait: Duration::from_secs(3600),
        })
        .with_retry_hook(move |n| {
            let _ = waiting_tx.send(n.delay);
        });
    let cancel = CancellationToken::new();
    let call = spawn_create(api, &cancel);
    // The first look found nothing; the client waits before looking again.
    waiting.recv().await.expect("the client waits");
    cancel.cancel();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(e.may_have_created());
    assert!(e.to_string().contains("may still appear"), "{e}");
    assert!(e.to_string().contains("It was not sent again"), "{e}");
    assert_eq!(trace(&sim.requests()), ["POST -", "GET 200"]);
}

#[tokio::test]
async fn nothing_is_sent_once_cancelled() {
    let sim = default_simulator().await;
    let api = client(&sim);
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = api.list_keys(&cancel, REF).await.unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Cancelled, 0));
    let e = api
        .create_key(
            &cancel,
            REF,
            &new_key("ci_key", KeyType::Secret),
            &unclaimed,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(sim.requests().is_empty());
}

/// A create carried out by the API whose answer is held: cancelling stops the wait for the
/// answer, and the last look finds the key and reads its secret, so the create returns it,
/// adopted, without sending it again.
#[tokio::test]
async fn a_create_cancelled_while_its_answer_is_awaited_adopts_the_key_that_landed() {
    let sim = default_simulator().await;
    let hold = sim.hold_answers(on(Method::POST, KEYS));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    let call = spawn_create(api, &cancel);
    hold.wait_held(1).await;
    cancel.cancel();
    let created = call.await.unwrap().expect("the key that landed is adopted");
    let server = sim.keys(REF);
    assert_eq!(server.len(), 1);
    assert_eq!(created.key.id, server[0].id);
    assert!(created.adopted);
    assert_eq!(revealed(&created.secret), server[0].api_key);
    // The create's answer is still held (not awaited); a list, then the reveal.
    assert_eq!(trace(&sim.requests()), ["POST -", "GET 200", "GET 200"]);
    hold.release_all();
}

/// A create cancelled before its request is carried out: the last look finds no key, and the
/// create fails as cancelled, saying a key may still appear; it is not sent again.
#[tokio::test]
async fn a_create_cancelled_before_it_lands_says_its_key_may_still_appear() {
    let sim = default_simulator().await;
    let hold = sim.hold(on(Method::POST, KEYS));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    let call = spawn_create(api, &cancel);
    hold.wait_held(1).await;
    cancel.cancel();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Cancelled);
    assert!(e.may_have_created(), "{e}");
    assert!(e.to_string().contains("may still appear"), "{e}");
    assert_eq!(trace(&sim.requests()), ["POST -", "GET 200"]);
    hold.release_all();
}

/// A read waiting on an answer is abandoned at once when cancelled.
#[tokio::test]
async fn a_read_in_flight_is_abandoned_when_cancelled() {
    let sim = default_simulator().await;
    let hold = sim.hold(on(Method::GET, KEYS));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    let call = tokio::spawn({
        let cancel = cancel.clone();
        async move { api.list_keys(&cancel, REF).await }
    });
    hold.wait_held(1).await;
    cancel.cancel();
    let e = call.await.unwrap().unwrap_err();
    assert_eq!((e.kind(), e.attempts()), (ErrorKind::Cancelled, 1));
    hold.release_all();
}

/// Run in a child process by `https_trusts_a_private_ca_from_ssl_cert_file`, so the
/// environment it reads (`SSL_CERT_FILE`) is its own; a no-op otherwise.
#[tokio::test]
async fn https_child_process() {
    let Ok(endpoint) = std::env::var("API_CLIENT_TEST_HTTPS_ENDPOINT") else {
        return;
    };
    let api = Client::new(config(&endpoint, TOKEN, Duration::from_secs(10), 2))
        .expect("client builds")
        .with_backoff(FAST);
    let result = api.list_keys(&CancellationToken::new(), REF).await;
    match std::env::var("API_CLIENT_TEST_EXPECT").as_deref() {
        Ok("trusted") => assert_eq!(result.unwrap().len(), 2),
        Ok("untrusted") => {
            let e = result.unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
            assert_eq!(e.attempts(), 1, "a certificate failure is not retried: {e}");
            assert!(e.to_string().contains("SSL_CERT_FILE"), "{e}");
        }
        other => panic!("API_CLIENT_TEST_EXPECT = {other:?}"),
    }
}

#[tokio::test]
async fn https_trusts_a_private_ca_from_ssl_cert_file() {
    let sim = simulator(SimulatorConfig {
        https: true,
        ..SimulatorConfig::default()
    })
    .await;
    assert!(sim.base_url().starts_with("https://"));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem().expect("a CA in HTTPS mode")).unwrap();

    let run = |expect: &str, cert_file: Option<&std::path::Path>| {
        let mut child = tokio::process::Command::new(std::env::current_exe().unwrap());
        child
            .args([
                "--exact",
                "https_child_process",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("API_CLIENT_TEST_HTTPS_ENDPOINT", sim.base_url())
            .env("API_CLIENT_TEST_EXPECT", expect)
            .env_remove("SSL_CERT_DIR")
            .env_remove("SSL_CERT_FILE");
        if let Some(path) = cert_file {
            child.env("SSL_CERT_FILE", path);
        }
        child.output()
    };
    let trusted = run("trusted", Some(&ca)).await.unwrap();
    assert!(
        trusted.status.success(),
        "{}{}",
        String::from_utf8_lossy(&trusted.stdout),
        String::from_utf8_lossy(&trusted.stderr)
    );
    assert!(String::from_utf8_lossy(&trusted.stdout).contains("1 passed"));
    assert_eq!(trace(&sim.requests()), ["GET 200"]);

    let untrusted = run("untrusted", None).await.unwrap();
    assert!(
        untrusted.status.success(),
        "{}{}",
        String::from_utf8_lossy(&untrusted.stdout),
        String::from_utf8_lossy(&untrusted.stderr)
    );
    assert_eq!(
        sim.requests().len(),
        1,
        "the untrusted client got no request through"
    );
}

/// A local port nobody listens on (it was bound a moment ago, then let go).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An endpoint nobody listens on: the error names the URL the client tried, never the token.
#[tokio::test]
async fn a_connection_error_names_the_url_it_tried() {
    let port = closed_port();
    let api = Client::new(config(
        &format!("http://127.0.0.1:{port}"),
        TOKEN,
        Duration::from_secs(5),
        1,
    ))
    .unwrap()
    .with_backoff(FAST);
    let cancel = CancellationToken::new();
    let e = api.list_keys(&cancel, REF).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    assert_eq!(e.attempts(), 2, "{e}");
    let text = e.to_string();
    assert!(
        text.contains(&format!(
            "could not connect to http://127.0.0.1:{port}/v1/projects/{REF}/api-keys ("
        )),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
}

/// The request hook is told every attempt, once it has ended: what was asked (method, path and
/// query), how it ended (the status, or the transport failure), how long it took, which attempt
/// it was, and the rate-limit headers; never the token. Requests to one project of its own are
/// watched, as the hook is the process's.
#[tokio::test]
async fn the_request_hook_is_told_every_attempt() {
    const WATCHED: &str = "hookedprojectrefhere";
    let seen: Arc<Mutex<Vec<Exchange>>> = Arc::default();
    let record = Arc::clone(&seen);
    set_request_hook(move |exchange| {
        if exchange.target.contains(WATCHED) {
            record.lock().unwrap().push(exchange.clone());
        }
    });
    let sim = simulator(SimulatorConfig {
        rate_limit: Some(RateLimit::default()),
        ..SimulatorConfig::default()
    })
    .await;
    sim.add_project(WATCHED);
    sim.add_fault(FaultRule::times(
        on(Method::GET, KEYS),
        1,
        FaultAction::Status(503),
    ));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    api.list_keys(&cancel, WATCHED).await.unwrap();
    api.create_key(
        &cancel,
        WATCHED,
        &new_key("hooked_key", KeyType::Secret),
        &unclaimed,
    )
    .await
    .unwrap();
    let unreachable = Client::new(config(
        &format!("http://127.0.0.1:{}", closed_port()),
        TOKEN,
        Duration::from_secs(5),
        0,
    ))
    .unwrap();
    unreachable.list_keys(&cancel, WATCHED).await.unwrap_err();

    let seen = seen.lock().unwrap().clone();
    let list = format!("/v1/projects/{WATCHED}/api-keys");
    let told: Vec<(&str, &str, Option<u16>, u32, u32)> = seen
        .iter()
        .map(|e| {
            let status = match e.outcome {
                Outcome::Status(status) => Some(status),
                Outcome::Failed { .. } => None,
            };
            let attempt = (e.attempt, e.max_attempts);
            (
                e.method.as_str(),
                e.target.as_str(),
                status,
                attempt.0,
                attempt.1,
            )
        })
        .collect();
    let create = format!("{list}?reveal=true");
    assert_eq!(
        told,
        [
            ("GET", list.as_str(), Some(503), 1, 4),
            ("GET", list.as_str(), Some(200), 2, 4),
            ("POST", create.as_str(), Some(201), 1, 4),
            ("GET", list.as_str(), None, 1, 1),
        ]
    );
    for answered in &seen[..3] {
        assert_eq!(answered.rate_limit.limit.as_deref(), Some("120"));
        assert!(answered.rate_limit.remaining.is_some() && answered.rate_limit.reset.is_some());
        assert!(answered.elapsed < Duration::from_secs(5));
    }
    let Outcome::Failed { kind, cause } = &seen[3].outcome else {
        panic!("{:?}", seen[3])
    };
    assert_eq!(*kind, "connect");
    assert!(!cause.is_empty());
    assert_eq!(seen[3].rate_limit, Default::default());
    assert!(!format!("{seen:?}").contains(TOKEN));
}

/// The resource layer runs these calls in spawned tasks.
#[test]
fn the_calls_are_send() {
    fn assert_send<T: Send>(_: T) {}
    let api = Client::new(config(
        "http://127.0.0.1:9",
        TOKEN,
        Duration::from_secs(1),
        0,
    ))
    .unwrap();
    let cancel = CancellationToken::new();
    let key = new_key("ci_key", KeyType::Secret);
    assert_send(api.create_key(&cancel, REF, &key, &unclaimed));
    assert_send(api.list_keys(&cancel, REF));
    assert_send(api.get_key(&cancel, REF, "id", true));
    assert_send(api.update_key(&cancel, REF, "id", &KeyUpdate::default()));
    assert_send(api.delete_key(&cancel, REF, "id"));
    assert_send(api.clone());
}

/// The ids `project_keys` gave.
fn ids(list: &[terraform_provider_supabase::supabase::ApiKey]) -> Vec<String> {
    let mut ids: Vec<String> = list.iter().map(|k| k.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn reads_share_one_list_and_see_the_clients_own_writes() {
    let sim = default_simulator().await;
    let key = sim.seed_key(REF, KeySeed::secret("ci_key"));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    // Twenty readers at once: the first one's list is held in the server while the others
    // arrive, and all of them are answered by it.
    let hold = sim.hold(on(Method::GET, KEYS));
    let readers: Vec<_> = (0..20)
        .map(|_| {
            let api = api.clone();
            let cancel = cancel.clone();
            tokio::spawn(async move { api.project_keys(&cancel, REF, Freshness::Latest).await })
        })
        .collect();
    hold.wait_held(1).await;
    tokio::task::yield_now().await;
    hold.release_all();
    for reader in readers {
        let list = reader.await.unwrap().unwrap();
        assert!(list.iter().any(|k| k.id == key.id));
    }
    assert_eq!(trace(&sim.requests()), ["GET 200"]);
    // Later readers take the answer at hand.
    api.project_keys(&cancel, REF, Freshness::Latest)
        .await
        .unwrap();
    assert_eq!(sim.requests().len(), 1);

    // After a write, the next reader lists again and sees it; a snapshot reader does not ask.
    let update = KeyUpdate {
        description: Some(Some("changed".to_owned())),
        ..KeyUpdate::default()
    };
    api.update_key(&cancel, REF, &key.id, &update)
        .await
        .unwrap();
    let snapshot = api
        .project_keys(&cancel, REF, Freshness::Snapshot)
        .await
        .unwrap();
    let before = snapshot.iter().find(|k| k.id == key.id).unwrap();
    assert_eq!(before.description, key.description);
    let latest = api
        .project_keys(&cancel, REF, Freshness::Latest)
        .await
        .unwrap();
    let changed = latest.iter().find(|k| k.id == key.id).unwrap();
    assert_eq!(changed.description.as_deref(), Some("changed"));
    assert_eq!(trace(&sim.requests()), ["GET 200", "PATCH 200", "GET 200"]);
}

#[tokio::test]
async fn a_list_in_flight_when_a_write_lands_serves_no_later_reader() {
    let sim = default_simulator().await;
    let doomed = sim.seed_key(REF, KeySeed::secret("doomed"));
    let kept = sim.seed_key(REF, KeySeed::secret("kept"));
    let api = client(&sim);
    let cancel = CancellationToken::new();
    let hold = sim.hold(on(Method::GET, KEYS));
    let early = tokio::spawn({
        let (api, cancel) = (api.clone(), cancel.clone());
        async move { api.project_keys(&cancel, REF, Freshness::Latest).await }
    });
    hold.wait_held(1).await;
    // The delete lands while that list waits in the server.
    let deleted = api.delete_key(&cancel, REF, &doomed.id).await.unwrap();
    assert_eq!(deleted, Deleted::Removed);
    hold.release_all();
    let early = early.await.unwrap().unwrap();
    assert!(early.iter().any(|k| k.id == kept.id));
    // A reader after the delete does not take that list: it asks again.
    let later = api
        .project_keys(&cancel, REF, Freshness::Latest)
        .await
        .unwrap();
    assert!(!ids(&later).contains(&doomed.id));
    assert_eq!(
        trace(&sim.requests()),
        ["GET 200", "DELETE 200", "GET 200"],
        "the log is in arrival order"
    );
}

#[tokio::test]
async fn a_failed_list_is_shared_by_those_waiting_and_then_tried_again() {
    let sim = default_simulator().await;
    sim.seed_key(REF, KeySeed::secret("ci_key"));
    sim.add_fault(FaultRule::once(
        on(Method::GET, KEYS),
        FaultAction::Status(503),
    ));
    let api = client_with(&sim, TOKEN, Duration::from_secs(10), 0);
    let cancel = CancellationToken::new();
    let hold = sim.hold(on(Method::GET, KEYS));
    let readers: Vec<_> = (0..5)
        .map(|_| {
            let (api, cancel) = (api.clone(), cancel.clone());
            tokio::spawn(async move { api.project_keys(&cancel, REF, Freshness::Latest).await })
        })
        .collect();
    hold.wait_held(1).await;
    tokio::task::yield_now().await;
    hold.release_all();
    for reader in readers {
        let e = reader.await.unwrap().unwrap_err();
        assert_eq!(e.status(), Some(503));
    }
    let list = api
        .project_keys(&cancel, REF, Freshness::Latest)
        .await
        .unwrap();
    assert_eq!(list.len(), 1 + 2, "the secret key and the two legacy keys");
    assert_eq!(trace(&sim.requests()), ["GET 503", "GET 200"]);
}

#[tokio::test]
async fn requests_are_paced_by_the_rate_limit_headers_so_none_is_refused() {
    let window = Duration::from_secs(1);
    let sim = simulator(SimulatorConfig {
        rate_limit: Some(RateLimit {
            requests_per_window: 5,
            window,
        }),
        ..SimulatorConfig::default()
    })
    .await;
    let paced = Arc::new(Mutex::new(Vec::<Option<Duration>>::new()));
    let seen = Arc::clone(&paced);
    let api = client(&sim).with_pacing_hook(move |_, left| seen.lock().unwrap().push(left));
    let cancel = CancellationToken::new();
    let create = |i: usize| {
        let (api, cancel) = (api.clone(), cancel.clone());
        async move {
            api.create_key(
                &cancel,
                REF,
                &new_key(&format!("paced_{i}"), KeyType::Secret),
                &unclaimed,
            )
            .await
        }
    };
    let started = Instant::now();
    // One create tells the window's budget; then eleven at once against five per window
    // (more than a window allows): three windows in all.
    create(0).await.unwrap();
    let creates: Vec<_> = (1..12).map(|i| tokio::spawn(create(i))).collect();
    for create in creates {
        create.await.unwrap().unwrap();
    }
    let statuses = trace(&sim.requests());
    assert_eq!(statuses, vec!["POST 201"; 12], "no 429 was needed");
    assert!(started.elapsed() >= window * 2, "{:?}", started.elapsed());
    assert!(
        paced.lock().unwrap().len() >= 7,
        "the requests beyond the first window were held back: {:?}",
        paced.lock().unwrap()
    );
    // Only a request that was held back is told as a wait (the first one never is), with
    // at most a window left.
    let waits = paced.lock().unwrap().clone();
    assert!(
        waits.len() < 12 && waits.iter().flatten().all(|w| *w <= window),
        "{waits:?}"
    );
    assert_eq!(sim.keys(REF).len(), 12);
}
