//! An endpoint that accepts connections and never answers, on every Terraform the suite is
//! given: `terraform plan` fails within a bound of the request timeout, not after every attempt
//! has timed out. A request's timed-out attempts may spend two request timeouts in all, so the
//! plan's one list is tried twice; the error says there was no answer, from which URL, and which
//! setting lengthens the wait; and each retry logs a WARN line with the URL, so `TF_LOG=WARN`
//! shows why a plan is stuck.
//!
//! The listener is local, so this runs the same in live mode: it needs no simulator control
//! and touches no project.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::acceptance::{folded, stderr, Fixture};
use support::terraform;
use tokio::net::{TcpListener, TcpStream};

/// Low, so the test is quick; the bound asserted is three of these.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);

/// A TCP listener that accepts every connection, keeps it open and never answers. Records when
/// each connection came.
struct Silent {
    url: String,
    accepted: Arc<Mutex<Vec<Instant>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Silent {
    async fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let accepted = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&accepted);
        let task = tokio::spawn(async move {
            let mut open: Vec<TcpStream> = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                seen.lock().unwrap().push(Instant::now());
                open.push(stream);
            }
        });
        Silent {
            url,
            accepted,
            task,
        }
    }

    fn accepted(&self) -> Vec<Instant> {
        self.accepted.lock().unwrap().clone()
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn a_plan_against_an_endpoint_that_never_answers_fails_within_two_request_timeouts() {
    for tf in terraform::all() {
        let version = tf.version_string();
        let silent = Silent::start().await;
        let mut fx = Fixture::new(&tf).await;
        fx.set_env("SUPABASE_API_ENDPOINT", &silent.url);
        fx.set_env(
            "SUPABASE_REQUEST_TIMEOUT",
            &format!("{}s", REQUEST_TIMEOUT.as_secs()),
        );
        // Brings the provider's WARN lines into terraform's stderr.
        fx.set_env("TF_LOG_PROVIDER", "WARN");
        let (project, name) = (fx.project().to_owned(), fx.name("silent"));
        fx.config(&format!(
            r#"provider "supabase" {{}}

resource "supabase_secret_api_key" "k" {{
  project_ref = "{project}"
  name        = "{name}"
}}
"#
        ));
        let output = fx.run(&["plan", "-input=false", "-no-color"]).await;
        let ended = Instant::now();
        let text = stderr(&output);
        let said = folded(&text);
        assert!(!output.status.success(), "{version}: the plan passed");

        let accepted = silent.accepted();
        assert_eq!(
            accepted.len(),
            2,
            "{version}: one list, tried twice (two request timeouts):\n{text}"
        );
        let took = ended.duration_since(accepted[0]);
        assert!(
            took < REQUEST_TIMEOUT * 3,
            "{version}: {took:?} from the first connection to the end of the plan"
        );

        let url = format!("{}/v1/projects/{project}/api-keys", silent.url);
        for expected in [
            "Could not check the project's API keys",
            &format!("no complete answer within the request timeout of 2 s from {url}"),
            "to wait longer, raise `request_timeout` in the provider block (or the \
             SUPABASE_REQUEST_TIMEOUT environment variable)",
            "(gave up after 2 attempts)",
        ] {
            assert!(
                said.contains(expected),
                "{version}: no {expected:?} in:\n{text}"
            );
        }
        eprintln!("terraform {version}: the plan failed {took:?} after its first connection");
        // Live runs send the provider's log to TF_LOG_PATH, not to terraform's stderr.
        if fx.is_live() {
            continue;
        }
        let retries: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("retrying a Management API request"))
            .collect();
        assert_eq!(retries.len(), 1, "{version}:\n{text}");
        for field in [
            "[WARN]",
            &format!("url={url}"),
            "attempt=1",
            "reason=\"timed out\"",
        ] {
            assert!(
                retries[0].contains(field),
                "{version}: no {field} in the retry line: {}",
                retries[0]
            );
        }
    }
}
