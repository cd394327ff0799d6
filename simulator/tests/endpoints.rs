//! Each api-keys endpoint, its success answer and its 400/404/409 answers.

mod common;

use common::*;
use http::Method;
use serde_json::{json, Value};
use supabase_simulator::{messages, KeySeed, SimulatorConfig, MASK_CHAR};

fn is_rfc3339_utc(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && s.ends_with('Z')
}

#[tokio::test]
async fn create_secret_answers_201_with_every_field() {
    let sim = start(no_rate_limit()).await;
    let reply = post(
        &sim,
        &keys_path(REF),
        r#"{"type":"secret","name":"ci_key","description":"CI deploy key"}"#,
    )
    .await;
    assert_eq!(reply.status, 201);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = reply.json();
    let object = body.as_object().unwrap();
    let mut fields: Vec<&str> = object.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "api_key",
            "description",
            "hash",
            "id",
            "inserted_at",
            "name",
            "prefix",
            "secret_jwt_template",
            "type",
            "updated_at"
        ]
    );
    assert_eq!(body["type"], "secret");
    assert_eq!(body["name"], "ci_key");
    assert_eq!(body["description"], "CI deploy key");
    assert_eq!(body["secret_jwt_template"], json!({"role": "service_role"}));
    assert!(is_rfc3339_utc(body["inserted_at"].as_str().unwrap()));
    assert_eq!(body["inserted_at"], body["updated_at"]);

    let truth = &sim.keys(REF)[0];
    assert_eq!(body["id"], truth.id.as_str());
    let id = truth.id.as_str();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4", "UUID v4");
    assert_eq!(truth.api_key.len(), 41);
    assert!(truth.api_key.starts_with("sb_secret_"));
    assert_eq!(truth.prefix.as_deref(), Some(&truth.api_key[..15]));
    assert_eq!(body["prefix"], truth.api_key[..15]);
    assert_eq!(body["hash"].as_str().unwrap().len(), 43);

    // Without reveal the secret is masked: prefix + 26 middle dots.
    let masked = body["api_key"].as_str().unwrap();
    assert_eq!(masked.chars().count(), 41);
    assert!(masked.starts_with(&truth.api_key[..15]));
    assert_eq!(masked.chars().filter(|c| *c == MASK_CHAR).count(), 26);
    assert!(masked.ends_with('\u{00B7}'));
}

#[tokio::test]
async fn create_with_reveal_returns_full_secret_and_publishable_is_never_masked() {
    let sim = start(no_rate_limit()).await;
    let secret = create(&sim, "secret", "revealed").await;
    let truth = sim.keys(REF);
    assert_eq!(secret["api_key"], truth[0].api_key.as_str());

    let reply = post(
        &sim,
        &keys_path(REF),
        r#"{"type":"publishable","name":"web_app"}"#,
    )
    .await;
    assert_eq!(reply.status, 201);
    let body = reply.json();
    let api_key = body["api_key"].as_str().unwrap();
    assert!(api_key.starts_with("sb_publishable_"));
    assert_eq!(api_key.len(), 46);
    assert_eq!(body["prefix"], &api_key[..20]);
    assert_eq!(body["secret_jwt_template"], Value::Null);
    assert_eq!(body["description"], Value::Null);
}

#[tokio::test]
async fn list_shows_legacy_then_publishable_then_secret() {
    let sim = start(no_rate_limit()).await;
    create(&sim, "secret", "default").await;
    create(&sim, "publishable", "default").await;
    let reply = get(&sim, &keys_path(REF)).await;
    assert_eq!(reply.status, 200);
    let list = reply.json();
    let list = list.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|k| k["type"].as_str().unwrap()).collect();
    assert_eq!(ids, ["legacy", "legacy", "publishable", "secret"]);

    for (entry, name) in list.iter().zip(["anon", "service_role"]) {
        assert_eq!(entry["id"], name);
        assert_eq!(entry["name"], name);
        assert_eq!(entry["description"], format!("Legacy {name} API key"));
        assert_eq!(entry["prefix"].as_str().unwrap().len(), 5);
        assert_eq!(entry["hash"].as_str().unwrap().len(), 43);
        assert!(entry["api_key"].as_str().unwrap().starts_with("eyJ"));
        let object = entry.as_object().unwrap();
        for absent in ["secret_jwt_template", "inserted_at", "updated_at"] {
            assert!(!object.contains_key(absent), "{absent} must be absent");
        }
    }
    let secret = list[3]["api_key"].as_str().unwrap();
    assert!(secret.contains(MASK_CHAR), "secret masked without reveal");
    let legacy = sim.legacy_keys(REF);
    assert_eq!(
        list[1]["api_key"],
        legacy[1].1.as_str(),
        "legacy never masked"
    );

    let revealed = get(&sim, &format!("{}?reveal=true", keys_path(REF)))
        .await
        .json();
    assert_eq!(revealed[3]["api_key"], sim.keys(REF)[1].api_key.as_str());
}

#[tokio::test]
async fn list_without_legacy_keys() {
    let sim = start(SimulatorConfig {
        legacy_keys: false,
        rate_limit: None,
        ..SimulatorConfig::default()
    })
    .await;
    assert_eq!(get(&sim, &keys_path(REF)).await.json(), json!([]));
    let legacy = get(&sim, &format!("{}/legacy", keys_path(REF))).await;
    assert_eq!(legacy.json(), json!({"enabled": false}));
}

#[tokio::test]
async fn legacy_get_and_put() {
    let sim = start(no_rate_limit()).await;
    let path = format!("{}/legacy", keys_path(REF));
    assert_eq!(get(&sim, &path).await.json(), json!({"enabled": true}));
    let put = send(
        &sim,
        Method::PUT,
        &format!("{path}?enabled=false"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(put.status, 200);
    assert_eq!(put.json(), json!({"enabled": false}));
    assert_eq!(get(&sim, &path).await.json(), json!({"enabled": false}));
    assert_eq!(get(&sim, &keys_path(REF)).await.json(), json!([]));

    let missing = send(&sim, Method::PUT, &path, Some(TOKEN), None).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.message(), "enabled: Required");
    let bad = send(
        &sim,
        Method::PUT,
        &format!("{path}?enabled=yes"),
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.message().starts_with("enabled: "));
}

#[tokio::test]
async fn get_one_masks_unless_reveal() {
    let sim = start(no_rate_limit()).await;
    let seeded = sim.seed_key(
        REF,
        KeySeed::secret("outside").with_description("made by hand"),
    );
    let path = key_path(REF, &seeded.id);
    let plain = get(&sim, &path).await;
    assert_eq!(plain.status, 200);
    let body = plain.json();
    assert_eq!(body["name"], "outside");
    assert_eq!(body["description"], "made by hand");
    assert_eq!(
        body["api_key"],
        supabase_simulator::mask_secret(&seeded.api_key)
    );
    let revealed = get(&sim, &format!("{path}?reveal=true")).await.json();
    assert_eq!(revealed["api_key"], seeded.api_key.as_str());
    let explicit_false = get(&sim, &format!("{path}?reveal=false")).await.json();
    assert_eq!(explicit_false["api_key"], body["api_key"]);
}

#[tokio::test]
async fn patch_changes_name_description_template_only() {
    let sim = start(no_rate_limit()).await;
    let key = create(&sim, "secret", "before").await;
    let id = key["id"].as_str().unwrap();
    let reply = patch(
        &sim,
        &format!("{}?reveal=true", key_path(REF, id)),
        r#"{"name":"after","description":"rotated","secret_jwt_template":{"role":"custom"},"type":"publishable"}"#,
    )
    .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["name"], "after");
    assert_eq!(body["description"], "rotated");
    assert_eq!(body["secret_jwt_template"], json!({"role": "custom"}));
    assert_eq!(body["type"], "secret", "type is immutable");
    assert_eq!(body["api_key"], key["api_key"]);
    assert_eq!(body["inserted_at"], key["inserted_at"]);
    assert!(body["updated_at"].as_str().unwrap() > key["updated_at"].as_str().unwrap());

    let cleared = patch(&sim, &key_path(REF, id), r#"{"description":null}"#)
        .await
        .json();
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["name"], "after", "omitted fields unchanged");
    let empty = patch(&sim, &key_path(REF, id), "{}").await;
    assert_eq!(empty.status, 200);

    let bad = patch(&sim, &key_path(REF, id), r#"{"name":"Bad-Name"}"#).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.message(), messages::NAME_PATTERN);
    let not_json = patch(&sim, &key_path(REF, id), "nope").await;
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.message(), messages::INVALID_BODY);
}

#[tokio::test]
async fn delete_answers_the_deleted_key_then_404() {
    let sim = start(no_rate_limit()).await;
    let key = create(&sim, "secret", "doomed").await;
    let id = key["id"].as_str().unwrap();
    let path = format!(
        "{}?was_compromised=false&reason=rotating_key",
        key_path(REF, id)
    );
    let reply = delete(&sim, &path).await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["id"], id);
    assert!(body["api_key"].as_str().unwrap().contains(MASK_CHAR));
    assert!(sim.keys(REF).is_empty());

    let again = delete(&sim, &key_path(REF, id)).await;
    assert_eq!(again.status, 404);
    assert_eq!(again.message(), messages::KEY_NOT_FOUND);
    let gone = get(&sim, &key_path(REF, id)).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json(), json!({"message": messages::KEY_NOT_FOUND}));
    let patched = patch(&sim, &key_path(REF, id), "{}").await;
    assert_eq!(patched.status, 404);

    let bad_flag = delete(
        &sim,
        &format!("{}?was_compromised=maybe", key_path(REF, id)),
    )
    .await;
    assert_eq!(bad_flag.status, 400);
}

#[tokio::test]
async fn delete_with_reveal_shows_full_secret() {
    let sim = start(no_rate_limit()).await;
    let key = create(&sim, "secret", "doomed").await;
    let id = key["id"].as_str().unwrap();
    let body = delete(&sim, &format!("{}?reveal=true", key_path(REF, id)))
        .await
        .json();
    assert_eq!(body["api_key"], key["api_key"]);
}

#[tokio::test]
async fn out_of_band_changes_are_visible() {
    let sim = start(no_rate_limit()).await;
    let key = create(&sim, "publishable", "web_key").await;
    let id = key["id"].as_str().unwrap();
    let changed = sim
        .update_key_out_of_band(
            REF,
            id,
            supabase_simulator::KeyPatch {
                name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(changed.name, "renamed");
    assert_eq!(
        get(&sim, &key_path(REF, id)).await.json()["name"],
        "renamed"
    );
    assert!(sim.delete_key_out_of_band(REF, id));
    assert!(!sim.delete_key_out_of_band(REF, id));
    assert_eq!(get(&sim, &key_path(REF, id)).await.status, 404);
}

#[tokio::test]
async fn invalid_ids_and_refs_answer_400() {
    let sim = start(no_rate_limit()).await;
    for id in ["anon", "not-a-uuid", "22222222-2222-4222-8222-22222222222g"] {
        let reply = get(&sim, &key_path(REF, id)).await;
        assert_eq!(reply.status, 400, "{id}");
        assert_eq!(reply.json(), json!({"message": "id: Invalid UUID"}));
    }
    let reply = delete(&sim, &format!("{}/legacy", keys_path(REF))).await;
    assert_eq!(reply.status, 400);
    assert_eq!(reply.message(), messages::INVALID_UUID);

    for bad_ref in ["short", "ABCDEFGHIJKLMNOPQRST", "abcdefghijklmnopqrs1"] {
        let reply = get(&sim, &keys_path(bad_ref)).await;
        assert_eq!(reply.status, 400, "{bad_ref}");
        assert_eq!(reply.message(), messages::INVALID_REF);
    }
    let bad_reveal = get(&sim, &format!("{}?reveal=yes", keys_path(REF))).await;
    assert_eq!(bad_reveal.status, 400);
    assert!(bad_reveal.message().starts_with("reveal: "));
}

#[tokio::test]
async fn unknown_project_and_key_answer_404() {
    let sim = start(no_rate_limit()).await;
    let reply = get(&sim, &keys_path(OTHER_REF)).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.json(),
        json!({"message": messages::PROJECT_NOT_FOUND})
    );
    let post_other = post(
        &sim,
        &keys_path(OTHER_REF),
        r#"{"type":"secret","name":"abcd"}"#,
    )
    .await;
    assert_eq!(post_other.status, 404);
    let missing = get(&sim, &key_path(REF, "22222222-2222-4222-8222-222222222222")).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.message(), messages::KEY_NOT_FOUND);
    let no_route = get(&sim, "/v1/projects").await;
    assert_eq!(no_route.status, 404);
    assert_eq!(no_route.message(), "Cannot GET /v1/projects");
    sim.add_project(OTHER_REF);
    assert_eq!(get(&sim, &keys_path(OTHER_REF)).await.status, 200);
    assert!(sim.remove_project(OTHER_REF));
    assert_eq!(get(&sim, &keys_path(OTHER_REF)).await.status, 404);
}

#[tokio::test]
async fn create_validation_messages() {
    let sim = start(no_rate_limit()).await;
    let cases: &[(&str, &str)] = &[
        (r#"{"name":"abcd"}"#, "type: Required"),
        (
            r#"{"type":"legacy","name":"abcd"}"#,
            "type: Invalid enum value. Expected 'publishable' | 'secret', received 'legacy'",
        ),
        (r#"{"type":"secret"}"#, "name: Required"),
        (
            r#"{"type":"secret","name":"Upper"}"#,
            messages::NAME_PATTERN,
        ),
        (r#"{"type":"secret","name":"1abc"}"#, messages::NAME_PATTERN),
        (r#"{"type":"secret","name":"a-bc"}"#, messages::NAME_PATTERN),
        (
            r#"{"type":"secret","name":"abc"}"#,
            messages::NAME_TOO_SHORT,
        ),
        (
            r#"{"type":"secret","name":"anon"}"#,
            messages::NAME_RESERVED,
        ),
        (
            r#"{"type":"secret","name":"service_role"}"#,
            messages::NAME_RESERVED,
        ),
        (
            r#"{"type":"secret","name":"abcd","description":1}"#,
            "description: Expected string, received number",
        ),
        (
            r#"{"type":"secret","name":"abcd","secret_jwt_template":[]}"#,
            "secret_jwt_template: Expected object, received array",
        ),
        ("", messages::INVALID_BODY),
        ("{", messages::INVALID_BODY),
    ];
    for (body, message) in cases {
        let reply = post(&sim, &keys_path(REF), body).await;
        assert_eq!(reply.status, 400, "{body}");
        assert_eq!(reply.message(), *message, "{body}");
    }
    let long = format!(r#"{{"type":"secret","name":"{}"}}"#, "a".repeat(65));
    let reply = post(&sim, &keys_path(REF), &long).await;
    assert_eq!(reply.message(), messages::NAME_TOO_LONG);
    let max = format!(r#"{{"type":"secret","name":"{}"}}"#, "a".repeat(64));
    assert_eq!(post(&sim, &keys_path(REF), &max).await.status, 201);
    assert_eq!(sim.keys(REF).len(), 1, "failed creates change nothing");
}

#[tokio::test]
async fn names_are_unique_per_type_when_enabled() {
    let sim = start(no_rate_limit()).await;
    create(&sim, "secret", "shared").await;
    create(&sim, "publishable", "shared").await;
    let dup = post(
        &sim,
        &keys_path(REF),
        r#"{"type":"secret","name":"shared"}"#,
    )
    .await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.message(), messages::NAME_TAKEN);

    let other = create(&sim, "secret", "other").await;
    let rename = patch(
        &sim,
        &key_path(REF, other["id"].as_str().unwrap()),
        r#"{"name":"shared"}"#,
    )
    .await;
    assert_eq!(rename.status, 409);
    let same = patch(
        &sim,
        &key_path(REF, other["id"].as_str().unwrap()),
        r#"{"name":"other"}"#,
    )
    .await;
    assert_eq!(same.status, 200, "keeping one's own name is fine");
}

#[tokio::test]
async fn duplicate_names_allowed_when_switched_off() {
    let sim = start(SimulatorConfig {
        unique_names: false,
        rate_limit: None,
        ..SimulatorConfig::default()
    })
    .await;
    create(&sim, "secret", "twin").await;
    create(&sim, "secret", "twin").await;
    assert_eq!(sim.keys(REF).len(), 2);
}

#[tokio::test]
async fn request_log_records_everything_but_tokens() {
    let sim = start(no_rate_limit()).await;
    create(&sim, "secret", "logged").await;
    get(&sim, &keys_path(REF)).await;
    send(&sim, Method::GET, &keys_path(REF), None, None).await;
    let log = sim.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(log[0].method, Method::POST);
    assert_eq!(log[0].path, keys_path(REF));
    assert_eq!(log[0].query.as_deref(), Some("reveal=true"));
    assert!(log[0].reveal);
    assert_eq!(log[0].status, Some(201));
    assert!(!log[1].reveal);
    assert_eq!(log[2].status, Some(401));
    for entry in &log {
        let finished = entry.finished.expect("finished");
        assert!(finished >= entry.started);
        assert!(!format!("{entry:?}").contains(TOKEN));
    }
    assert!(log[1].started >= log[0].finished.unwrap());
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_server() {
    let sim = start(no_rate_limit()).await;
    let clone = sim.clone();
    let addr = sim.local_addr();
    drop(sim);
    assert_eq!(
        get(&clone, &keys_path(REF)).await.status,
        200,
        "a clone keeps it up"
    );
    drop(clone);
    // The accept loop ends on its next turn; no sleeping, just yielding.
    for _ in 0..10_000 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("still accepting connections after the last handle was dropped");
}
