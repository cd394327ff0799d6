//! `supabase-simulator`: serves the simulated api-keys endpoints on
//! 127.0.0.1 until SIGTERM or SIGINT. Prints exactly one line to stdout:
//! `listening on URL`.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use supabase_simulator::{KeySeed, Permissions, RateLimit, Simulator, SimulatorConfig};

const USAGE: &str = "\
usage: supabase-simulator [options]
  --port N              port on 127.0.0.1 (default 0: any free port)
  --https               serve HTTPS with a generated CA (see --ca-out)
  --ca-out PATH         write the CA certificate (PEM) to PATH
  --token VALUE         accept this bearer token with full permissions
                        (repeatable; env SIM_TOKEN adds one more)
  --project REF         add a project (repeatable)
  --rate-limit N/SECS   N requests per SECS-second window per token, project
                        and endpoint (default 120/60); 'off' disables
  --no-legacy           projects start with legacy keys disabled
  --allow-duplicate-names
                        accept two keys of one type with the same name
  --default-keys        each project starts with a `default` publishable and a
                        `default` secret key, as a real project does
Test helpers: GET /_sim/keys/{ref}, GET /_sim/requests";

struct Options {
    port: u16,
    config: SimulatorConfig,
    tokens: Vec<String>,
    projects: Vec<String>,
    ca_out: Option<String>,
    default_keys: bool,
}

fn parse_rate_limit(value: &str) -> Result<Option<RateLimit>, String> {
    if value == "off" {
        return Ok(None);
    }
    let (n, secs) = value
        .split_once('/')
        .ok_or_else(|| format!("--rate-limit expects N/SECS or off, got {value:?}"))?;
    let requests_per_window = n
        .parse()
        .map_err(|_| format!("--rate-limit: bad request count {n:?}"))?;
    let secs: f64 = secs
        .parse()
        .map_err(|_| format!("--rate-limit: bad window {secs:?}"))?;
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("--rate-limit: window must be positive, got {secs}"));
    }
    Ok(Some(RateLimit {
        requests_per_window,
        window: Duration::from_secs_f64(secs),
    }))
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        port: 0,
        config: SimulatorConfig::default(),
        tokens: Vec::new(),
        projects: Vec::new(),
        ca_out: None,
        default_keys: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                let v = value("--port")?;
                options.port = v.parse().map_err(|_| format!("--port: bad port {v:?}"))?;
            }
            "--https" => options.config.https = true,
            "--ca-out" => options.ca_out = Some(value("--ca-out")?),
            "--token" => options.tokens.push(value("--token")?),
            "--project" => {
                let v = value("--project")?;
                if !supabase_simulator::is_project_ref(&v) {
                    return Err(format!("--project: {v:?} is not 20 lowercase letters"));
                }
                options.projects.push(v);
            }
            "--rate-limit" => {
                options.config.rate_limit = parse_rate_limit(&value("--rate-limit")?)?
            }
            "--no-legacy" => options.config.legacy_keys = false,
            "--allow-duplicate-names" => options.config.unique_names = false,
            "--default-keys" => options.default_keys = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if let Ok(token) = std::env::var("SIM_TOKEN") {
        if !token.is_empty() {
            options.tokens.push(token);
        }
    }
    Ok(options)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("supabase-simulator: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let simulator = match Simulator::start_on_port(options.config, options.port).await {
        Ok(simulator) => simulator,
        Err(e) => {
            eprintln!("supabase-simulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    for token in &options.tokens {
        simulator.add_token(token, Permissions::all());
    }
    for project in &options.projects {
        simulator.add_project(project);
        if options.default_keys {
            simulator.seed_key(project, KeySeed::publishable("default"));
            simulator.seed_key(project, KeySeed::secret("default"));
        }
    }
    if let (Some(path), Some(pem)) = (&options.ca_out, simulator.ca_pem()) {
        if let Err(e) = std::fs::write(path, pem) {
            eprintln!("supabase-simulator: cannot write {path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on {}", simulator.base_url());
    let _ = stdout.flush();
    wait_for_signal().await;
    simulator.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags() {
        let o = parse(args(&[
            "--port",
            "8080",
            "--https",
            "--token",
            "a",
            "--token",
            "b",
            "--project",
            "abcdefghijklmnopqrst",
            "--rate-limit",
            "5/2",
            "--no-legacy",
            "--allow-duplicate-names",
            "--default-keys",
        ]))
        .unwrap();
        assert_eq!(o.port, 8080);
        assert!(o.config.https);
        assert!(o.tokens.starts_with(&["a".to_string(), "b".to_string()]));
        assert_eq!(o.projects, ["abcdefghijklmnopqrst"]);
        assert_eq!(
            o.config.rate_limit,
            Some(RateLimit {
                requests_per_window: 5,
                window: Duration::from_secs(2)
            })
        );
        assert!(!o.config.legacy_keys && !o.config.unique_names && o.default_keys);
    }

    #[test]
    fn rejects_bad_flags() {
        assert!(parse(args(&["--port"])).is_err());
        assert!(parse(args(&["--project", "short"])).is_err());
        assert!(parse(args(&["--rate-limit", "5"])).is_err());
        assert!(parse(args(&["--bogus"])).is_err());
        assert_eq!(parse_rate_limit("off"), Ok(None));
    }
}
