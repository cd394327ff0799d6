//! `supabase-acc`: the maintainers' tools for running against a real Management API.
//!
//! - `sweep` (`make sweep`): deletes the keys live acceptance runs left behind, by name prefix.
//! - `probe` (`make probe-api`): asks the endpoint what the reference leaves open and writes a
//!   report; `compare` holds one report's findings against another's (the simulator against a
//!   committed real report).
//!
//! Both reach the endpoint named by the environment `make testacc` uses ([`target`]), and touch
//! only keys whose names start with `tfacc_`.

mod probe;
mod report;
mod sweep;
mod target;

use std::process::ExitCode;

const USAGE: &str = "\
usage: supabase-acc sweep            delete tfacc_ keys older than SWEEP_MIN_AGE (DRY_RUN=1: list)
       supabase-acc probe OUT.json   probe the endpoint, write the report, print its summary
       supabase-acc compare EXPECTED.json OBSERVED.json
                                     the findings of OBSERVED that differ from EXPECTED's
environment: SUPABASE_ACCESS_TOKEN, SUPABASE_ACC_PROJECT_REF (required),
             SUPABASE_API_ENDPOINT (default https://api.supabase.com), SSL_CERT_FILE;
             sweep: SWEEP_MIN_AGE (default 1h), SWEEP_PREFIX (default tfacc_), DRY_RUN;
             probe: PROBE_SECOND_TOKEN (lacks API Key Secrets: Read), PROBE_PAUSED_REF";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["sweep"] => sweep::run().await,
        ["probe", out] => probe::run(out).await,
        ["compare", expected, observed] => report::compare_files(expected, observed),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(format!("unexpected arguments {args:?}\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("supabase-acc: {message}");
            ExitCode::FAILURE
        }
    }
}
