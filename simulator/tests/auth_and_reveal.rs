//! 401 and 403 answers, and the three reveal-denial modes.

mod common;

use common::*;
use http::Method;
use serde_json::{json, Value};
use supabase_simulator::{messages, KeySeed, Permissions, RevealDenial, MASK_CHAR};

const READER: &str = "reader";
const WRITER: &str = "writer";
const NOBODY: &str = "nobody";

#[tokio::test]
async fn missing_or_unknown_token_answers_401() {
    let sim = start(no_rate_limit()).await;
    let key = sim.seed_key(REF, KeySeed::secret("seeded"));
    let cases = [
        (Method::GET, keys_path(REF)),
        (Method::POST, keys_path(REF)),
        (Method::GET, key_path(REF, &key.id)),
        (Method::PATCH, key_path(REF, &key.id)),
        (Method::DELETE, key_path(REF, &key.id)),
        (Method::GET, format!("{}/legacy", keys_path(REF))),
        (
            Method::PUT,
            format!("{}/legacy?enabled=false", keys_path(REF)),
        ),
        // Authentication comes before path validation and project lookup.
        (Method::GET, keys_path("bad")),
        (Method::GET, keys_path(OTHER_REF)),
    ];
    for (method, path) in cases {
        for token in [None, Some("wrong")] {
            let reply = send(&sim, method.clone(), &path, token, Some("{}")).await;
            assert_eq!(reply.status, 401, "{method} {path}");
            assert_eq!(reply.json(), json!({"message": "Unauthorized"}));
        }
    }
    assert_eq!(sim.keys(REF).len(), 1, "nothing deleted");
    sim.remove_token(TOKEN);
    assert_eq!(get(&sim, &keys_path(REF)).await.status, 401);
}

#[tokio::test]
async fn read_and_write_permissions_answer_403() {
    let sim = start(no_rate_limit()).await;
    sim.add_token(
        READER,
        Permissions {
            read: true,
            write: false,
            secret_read: Ok(()),
            project_read: true,
        },
    );
    sim.add_token(
        WRITER,
        Permissions {
            read: false,
            write: true,
            secret_read: Ok(()),
            project_read: true,
        },
    );
    sim.add_token(NOBODY, Permissions::none());
    let key = sim.seed_key(REF, KeySeed::secret("seeded"));
    let legacy = format!("{}/legacy", keys_path(REF));
    let reads = [
        (Method::GET, keys_path(REF)),
        (Method::GET, key_path(REF, &key.id)),
        (Method::GET, legacy.clone()),
    ];
    let writes = [
        (
            Method::POST,
            keys_path(REF),
            r#"{"type":"secret","name":"abcd"}"#,
        ),
        (Method::PATCH, key_path(REF, &key.id), r#"{"name":"efgh"}"#),
        (Method::DELETE, key_path(REF, &key.id), ""),
        (Method::PUT, format!("{legacy}?enabled=false"), ""),
    ];
    for (method, path) in &reads {
        let ok = send(&sim, method.clone(), path, Some(READER), None).await;
        assert_eq!(ok.status, 200, "{method} {path}");
        for token in [WRITER, NOBODY] {
            let denied = send(&sim, method.clone(), path, Some(token), None).await;
            assert_eq!(denied.status, 403, "{token} {method} {path}");
            assert_eq!(denied.json(), json!({"message": messages::FORBIDDEN}));
        }
    }
    for (method, path, body) in &writes {
        for token in [READER, NOBODY] {
            let denied = send(&sim, method.clone(), path, Some(token), Some(body)).await;
            assert_eq!(denied.status, 403, "{token} {method} {path}");
            assert_eq!(denied.message(), messages::FORBIDDEN);
        }
    }
    assert_eq!(
        sim.keys(REF),
        vec![key.clone()],
        "denied writes change nothing"
    );
    for (method, path, body) in &writes {
        let ok = send(&sim, method.clone(), path, Some(WRITER), Some(body)).await;
        assert!(
            matches!(ok.status, 200 | 201),
            "{method} {path}: {}",
            ok.status
        );
    }
}

async fn start_with_denial(denial: RevealDenial) -> supabase_simulator::Simulator {
    let sim = start(no_rate_limit()).await;
    sim.add_token(READER, Permissions::without_secret_read(denial));
    sim
}

#[tokio::test]
async fn reveal_forbidden_mode_refuses_before_changing_anything() {
    let sim = start_with_denial(RevealDenial::Forbidden).await;
    let key = sim.seed_key(REF, KeySeed::secret("seeded"));
    let reveal = |p: String| format!("{p}?reveal=true");
    for (method, path, body) in [
        (Method::GET, reveal(keys_path(REF)), None),
        (Method::GET, reveal(key_path(REF, &key.id)), None),
        (
            Method::POST,
            reveal(keys_path(REF)),
            Some(r#"{"type":"publishable","name":"pub_key"}"#),
        ),
        (
            Method::PATCH,
            reveal(key_path(REF, &key.id)),
            Some(r#"{"name":"renamed"}"#),
        ),
        (Method::DELETE, reveal(key_path(REF, &key.id)), None),
    ] {
        let reply = send(&sim, method.clone(), &path, Some(READER), body).await;
        assert_eq!(reply.status, 403, "{method} {path}");
        assert_eq!(reply.message(), messages::FORBIDDEN);
    }
    assert_eq!(sim.keys(REF), vec![key.clone()]);

    // Without reveal the same token works and sees the mask.
    let plain = send(
        &sim,
        Method::GET,
        &key_path(REF, &key.id),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(plain.status, 200);
    assert!(plain.json()["api_key"]
        .as_str()
        .unwrap()
        .contains(MASK_CHAR));
}

#[tokio::test]
async fn reveal_masked_mode_answers_masked_secrets() {
    let sim = start_with_denial(RevealDenial::Masked).await;
    let secret = sim.seed_key(REF, KeySeed::secret("seeded"));
    let publishable = sim.seed_key(REF, KeySeed::publishable("pub_key"));
    let reply = send(
        &sim,
        Method::GET,
        &format!("{}?reveal=true", keys_path(REF)),
        Some(READER),
        None,
    )
    .await;
    assert_eq!(reply.status, 200);
    let list = reply.json();
    assert_eq!(list[2]["api_key"], publishable.api_key.as_str());
    assert_eq!(
        list[3]["api_key"],
        supabase_simulator::mask_secret(&secret.api_key)
    );
    let created = send(
        &sim,
        Method::POST,
        &format!("{}?reveal=true", keys_path(REF)),
        Some(READER),
        Some(r#"{"type":"secret","name":"new_one"}"#),
    )
    .await;
    assert_eq!(created.status, 201);
    assert!(created.json()["api_key"]
        .as_str()
        .unwrap()
        .contains(MASK_CHAR));
}

#[tokio::test]
async fn reveal_null_mode_answers_null_secrets() {
    let sim = start_with_denial(RevealDenial::Null).await;
    let secret = sim.seed_key(REF, KeySeed::secret("seeded"));
    let publishable = sim.seed_key(REF, KeySeed::publishable("pub_key"));
    let path = format!("{}?reveal=true", key_path(REF, &secret.id));
    let reply = send(&sim, Method::GET, &path, Some(READER), None).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["api_key"], Value::Null);
    assert!(body.as_object().unwrap().contains_key("api_key"));
    assert_eq!(body["prefix"], secret.api_key[..15]);
    let pub_path = format!("{}?reveal=true", key_path(REF, &publishable.id));
    let pub_reply = send(&sim, Method::GET, &pub_path, Some(READER), None).await;
    assert_eq!(pub_reply.json()["api_key"], publishable.api_key.as_str());
    // Without reveal: the usual mask.
    let plain = send(
        &sim,
        Method::GET,
        &key_path(REF, &secret.id),
        Some(READER),
        None,
    )
    .await;
    assert!(plain.json()["api_key"]
        .as_str()
        .unwrap()
        .contains(MASK_CHAR));
}
