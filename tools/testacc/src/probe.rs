//! `make probe-api`: asks the endpoint the questions the reference leaves open (what a duplicate
//! name, an unknown key, a repeated delete, an unknown or malformed project answer; the exact
//! timestamps; `description` absent or null; the rate-limit headers; optionally a reveal without
//! "API Key Secrets: Read" and a paused project) and writes a report: each finding as observed,
//! normalised so reports compare ([`crate::report`]), with the raw exchanges beside it (key
//! values never written).
//!
//! It uses plain HTTP calls, not our client, because the point is the unretouched answer. It
//! makes only keys named `tfacc_probe_<id>_...` and deletes all of them, also after a failure.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Map, Value};

use crate::report::{self, Names};
use crate::target::{Target, KEY_PREFIX};

/// One request and its answer.
struct Exchange {
    method: Method,
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

struct Probe {
    http: reqwest::Client,
    target: Target,
    names: Names,
    /// Every exchange, for the report's raw part.
    log: Vec<Value>,
}

pub async fn run(out: &str) -> Result<(), String> {
    let target = Target::from_env()?;
    let http = http_client(&target)?;
    let run_id = run_id();
    let names = Names {
        project: target.project.clone(),
        name_prefix: format!("{KEY_PREFIX}probe_{run_id}_"),
        unknown_ref: "zzzzzzzzzzzzzzzzzzzz".to_owned(),
        malformed_ref: "Not-A-Ref".to_owned(),
        unknown_id: "00000000-0000-4000-8000-0000000000aa".to_owned(),
        paused_ref: std::env::var("PROBE_PAUSED_REF")
            .ok()
            .filter(|v| !v.is_empty()),
    };
    let mut probe = Probe {
        http,
        target,
        names,
        log: Vec::new(),
    };
    let findings = probe.findings().await;
    let cleanup = probe.delete_own_keys().await;
    let report = json!({
        "report": "supabase-acc probe",
        "version": 1,
        "endpoint": probe.target.endpoint.origin().ascii_serialization(),
        "findings": findings?,
        "exchanges": probe.log,
    });
    cleanup?;
    let text = serde_json::to_string_pretty(&report).expect("a report serialises");
    std::fs::write(out, format!("{text}\n")).map_err(|e| format!("write {out}: {e}"))?;
    print!("{}", report::summary(&report));
    println!("report written to {out}");
    Ok(())
}

fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "{:06x}",
        (nanos as u64 ^ u64::from(std::process::id())) & 0xff_ffff
    )
}

fn http_client(target: &Target) -> Result<reqwest::Client, String> {
    let builder = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("supabase-acc-probe");
    let builder = match std::env::var_os("SSL_CERT_FILE") {
        Some(path) if target.endpoint.scheme() == "https" => {
            let pem = std::fs::read(&path)
                .map_err(|e| format!("SSL_CERT_FILE {}: {e}", path.to_string_lossy()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("SSL_CERT_FILE: {e}"))?;
            builder.tls_certs_merge(certs)
        }
        _ => builder,
    };
    builder.build().map_err(|e| format!("HTTP client: {e}"))
}

impl Probe {
    async fn findings(&mut self) -> Result<Value, String> {
        let mut f = Map::new();
        let keys = self.keys_path(&self.names.project.clone());

        // The exact timestamps and `description` absent or null, from two creates.
        let absent = self
            .call(Method::POST, &keys, Some(self.new_key("absent", None)))
            .await?;
        let null = self
            .call(
                Method::POST,
                &keys,
                Some(self.new_key("null", Some(Value::Null))),
            )
            .await?;
        f.insert(
            "description_on_create".into(),
            json!({
                "question": "What does a create answer for `description` when it is absent, and when it is null?",
                "observed": {
                    "absent": self.field_or_status(&absent, "description"),
                    "null": self.field_or_status(&null, "description"),
                },
            }),
        );
        f.insert(
            "timestamps".into(),
            json!({
                "question": "The exact format of inserted_at and updated_at.",
                "observed": {
                    "inserted_at": self.norm(&absent.body["inserted_at"]),
                    "updated_at": self.norm(&absent.body["updated_at"]),
                },
                "raw": {
                    "inserted_at": absent.body["inserted_at"],
                    "updated_at": absent.body["updated_at"],
                },
            }),
        );
        f.insert(
            "rate_limit_headers".into(),
            json!({
                "question": "Which rate-limit headers an answer carries, and the limit.",
                "observed": rate_limit_headers(&absent),
            }),
        );

        // Two secret keys with one name.
        let twin = self
            .call(Method::POST, &keys, Some(self.new_key("twin", None)))
            .await?;
        let twin2 = self
            .call(Method::POST, &keys, Some(self.new_key("twin", None)))
            .await?;
        f.insert(
            "duplicate_secret_name".into(),
            json!({
                "question": "May two secret keys of one project share a name?",
                "observed": {"first": twin.status, "second": self.answer(&twin2)},
            }),
        );

        // An unknown key id, and a delete repeated.
        let unknown = format!("{keys}/{}", self.names.unknown_id);
        for (name, method, body) in [
            ("unknown_key_get", Method::GET, None),
            (
                "unknown_key_patch",
                Method::PATCH,
                Some(json!({"description": "probe"})),
            ),
            ("unknown_key_delete", Method::DELETE, None),
        ] {
            let answer = self.call(method.clone(), &unknown, body).await?;
            f.insert(
                name.into(),
                json!({
                    "question": format!("What does {method} of an unknown key id answer?"),
                    "observed": self.answer(&answer),
                }),
            );
        }
        if let Some(id) = absent.body["id"].as_str() {
            let path = format!("{keys}/{id}");
            let first = self.call(Method::DELETE, &path, None).await?;
            let second = self.call(Method::DELETE, &path, None).await?;
            f.insert(
                "delete_repeated".into(),
                json!({
                    "question": "What does a second DELETE of one key answer?",
                    "observed": {"first": first.status, "second": self.answer(&second)},
                }),
            );
        }

        // Projects: unknown, malformed, the test project, and optionally a paused one.
        for (name, project) in [
            ("list_unknown_project", self.names.unknown_ref.clone()),
            ("list_malformed_project", self.names.malformed_ref.clone()),
        ] {
            let path = self.keys_path(&project);
            let answer = self.call(Method::GET, &path, None).await?;
            f.insert(
                name.into(),
                json!({
                    "question": format!("What does the api-keys list of the ref {project:?} answer?"),
                    "observed": self.answer(&answer),
                }),
            );
        }
        let project = self.get_project(&self.names.project.clone()).await?;
        f.insert(
            "project_get".into(),
            finding(
                "What does GET /v1/projects/{ref} answer for the test project?",
                project_shape(&project, &self.names),
            ),
        );
        let unknown_project = self.get_project(&self.names.unknown_ref.clone()).await?;
        f.insert(
            "project_get_unknown".into(),
            finding(
                "What does GET /v1/projects/{ref} answer for a ref no project has?",
                self.answer(&unknown_project),
            ),
        );
        f.insert("paused_project".into(), self.paused_project().await?);
        f.insert(
            "reveal_without_secret_read".into(),
            self.reveal_without_secret_read(twin.body["id"].as_str())
                .await?,
        );
        Ok(Value::Object(f))
    }

    async fn paused_project(&mut self) -> Result<Value, String> {
        let question = "What do the project GET and the api-keys list answer for a paused project?";
        let Some(paused) = self.names.paused_ref.clone() else {
            return Ok(json!({"question": question, "skipped": "PROBE_PAUSED_REF is not set"}));
        };
        let project = self.get_project(&paused).await?;
        let list = self
            .call(Method::GET, &self.keys_path(&paused), None)
            .await?;
        Ok(json!({
            "question": question,
            "observed": {
                "project_get": project_shape(&project, &self.names),
                "list": self.answer(&list),
            },
        }))
    }

    async fn reveal_without_secret_read(&mut self, id: Option<&str>) -> Result<Value, String> {
        let question = "What does a reveal answer to a token without API Key Secrets: Read?";
        let token = std::env::var("PROBE_SECOND_TOKEN")
            .ok()
            .filter(|v| !v.is_empty());
        let (Some(token), Some(id)) = (token, id) else {
            return Ok(json!({"question": question, "skipped": "PROBE_SECOND_TOKEN is not set"}));
        };
        let path = format!(
            "{}/{id}?reveal=true",
            self.keys_path(&self.names.project.clone())
        );
        let answer = self.call_as(&token, Method::GET, &path, None).await?;
        let observed = if answer.status == 200 {
            json!({"status": 200, "api_key": self.norm(&answer.body["api_key"])})
        } else {
            self.answer(&answer)
        };
        Ok(json!({"question": question, "observed": observed}))
    }

    async fn get_project(&mut self, project: &str) -> Result<Exchange, String> {
        self.call(Method::GET, &format!("/v1/projects/{project}"), None)
            .await
    }

    fn keys_path(&self, project: &str) -> String {
        format!("/v1/projects/{project}/api-keys")
    }

    fn new_key(&self, suffix: &str, description: Option<Value>) -> Value {
        let mut body =
            json!({"type": "secret", "name": format!("{}{suffix}", self.names.name_prefix)});
        if let Some(description) = description {
            body["description"] = description;
        }
        body
    }

    /// `{status, body}`, normalised.
    fn answer(&self, exchange: &Exchange) -> Value {
        json!({"status": exchange.status, "body": self.norm(&exchange.body)})
    }

    fn field_or_status(&self, exchange: &Exchange, field: &str) -> Value {
        if (200..300).contains(&exchange.status) {
            let value = exchange.body.get(field).cloned();
            value.map_or(json!("<absent>"), |v| self.norm(&v))
        } else {
            self.answer(exchange)
        }
    }

    fn norm(&self, value: &Value) -> Value {
        report::normalise(value, &self.names)
    }

    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Exchange, String> {
        let token = self.target.token.expose().to_owned();
        self.call_as(&token, method, path, body).await
    }

    /// One request, waiting out a 429 (up to three times) as the documentation says.
    async fn call_as(
        &mut self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Exchange, String> {
        let url = self
            .target
            .endpoint
            .join(path)
            .map_err(|e| format!("{path}: {e}"))?;
        for _ in 0..4 {
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token);
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string());
            }
            let answer = request
                .send()
                .await
                .map_err(|e| format!("{method} {path}: {e}"))?;
            let status = answer.status().as_u16();
            let headers: Vec<(String, String)> = answer
                .headers()
                .iter()
                .filter(|(name, _)| {
                    name.as_str().starts_with("x-ratelimit")
                        || matches!(name.as_str(), "retry-after" | "content-type")
                })
                .map(|(name, value)| {
                    (
                        name.as_str().to_owned(),
                        value.to_str().unwrap_or("").to_owned(),
                    )
                })
                .collect();
            let text = answer
                .text()
                .await
                .map_err(|e| format!("{method} {path}: {e}"))?;
            let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
            let exchange = Exchange {
                method: method.clone(),
                path: path.to_owned(),
                status,
                headers,
                body,
            };
            self.log.push(self.logged(&exchange));
            if status != 429 {
                return Ok(exchange);
            }
            let wait = header(&exchange, "x-ratelimit-reset")
                .or_else(|| header(&exchange, "retry-after"))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(60)
                .min(120);
            eprintln!("rate limited: waiting {wait} s");
            tokio::time::sleep(Duration::from_secs(wait)).await;
        }
        Err(format!(
            "{method} {path}: still 429 after waiting three times"
        ))
    }

    /// An exchange as the report keeps it: key values replaced, never the token.
    fn logged(&self, exchange: &Exchange) -> Value {
        json!({
            "request": format!("{} {}", exchange.method, exchange.path),
            "status": exchange.status,
            "headers": exchange
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), Value::String(v.clone())))
                .collect::<Map<String, Value>>(),
            "body": report::redact_values(&exchange.body),
        })
    }

    /// Deletes every key this probe made, whatever happened before.
    async fn delete_own_keys(&mut self) -> Result<(), String> {
        let keys = self.keys_path(&self.names.project.clone());
        let list = self.call(Method::GET, &keys, None).await?;
        let own: Vec<String> = list
            .body
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter(|k| {
                        k["name"]
                            .as_str()
                            .is_some_and(|n| n.starts_with(&self.names.name_prefix))
                    })
                    .filter_map(|k| k["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for id in own {
            let answer = self
                .call(Method::DELETE, &format!("{keys}/{id}"), None)
                .await?;
            if !(200..300).contains(&answer.status) && answer.status != 404 {
                return Err(format!(
                    "could not delete the probe's key {id} ({}): delete it with make sweep",
                    answer.status
                ));
            }
        }
        Ok(())
    }
}

/// A finding: the question and what was observed.
fn finding(question: &str, observed: Value) -> Value {
    json!({"question": question, "observed": observed})
}

fn header<'a>(exchange: &'a Exchange, name: &str) -> Option<&'a str> {
    exchange
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn rate_limit_headers(exchange: &Exchange) -> Value {
    let mut names: Vec<&str> = exchange
        .headers
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.starts_with("x-ratelimit") || *n == "retry-after")
        .collect();
    names.sort_unstable();
    json!({"names": names, "limit": header(exchange, "x-ratelimit-limit")})
}

/// A project answer as it compares: the status, the body's field names and `status` value.
fn project_shape(exchange: &Exchange, names: &Names) -> Value {
    match exchange.body.as_object() {
        Some(fields) if exchange.status == 200 => {
            let mut names: Vec<&String> = fields.keys().collect();
            names.sort();
            json!({
                "status": 200,
                "fields": names,
                "project_status": fields.get("status"),
            })
        }
        _ => json!({
            "status": exchange.status,
            "body": report::normalise(&exchange.body, names),
        }),
    }
}
