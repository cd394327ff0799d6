//! Running the real `terraform` CLI in tests: every Terraform the suite is given (the one on PATH
//! and `TF_TEST_TERRAFORM_EXTRA`, a colon-separated list of binaries), each run with a private
//! HOME, CLI config (dev_overrides pointing at our binary, unless the work dir was made with
//! [`Workdir::without_dev_overrides`] or [`Workdir::with_cli_config`]), data dir,
//! `-input=false`, `CHECKPOINT_DISABLE=1` and a hard timeout.
//!
//! With `TF_TEST_MANIFEST_DIR` set, every run and every [`skip`] is recorded there (see
//! [`record`]), so `scripts/check-matrix.py` can tell that each Terraform ran what it should.
//! A version with a list `tests/matrix-<version>.txt` runs only the tests listed ([`selected`]).
//! In live mode (`make testacc`) the one Terraform `TESTACC_TERRAFORM` names runs every test.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;
use std::time::Duration;

pub const SOURCE_ADDRESS: &str = "registry.terraform.io/supabase-rs/supabase";
/// A safety net, not a wait: a Terraform run that takes this long has hung.
pub const HARD_TIMEOUT: Duration = Duration::from_secs(180);

#[derive(Clone, Debug)]
pub struct Terraform {
    pub path: PathBuf,
    pub version: (u32, u32, u32),
}

impl Terraform {
    pub fn version_string(&self) -> String {
        let (a, b, c) = self.version;
        format!("{a}.{b}.{c}")
    }

    pub fn at_least(&self, version: (u32, u32, u32)) -> bool {
        self.version >= version
    }
}

fn probe(path: &Path) -> Option<Terraform> {
    let output = std::process::Command::new(path)
        .arg("version")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let word = text.split_whitespace().find(|w| w.starts_with('v'))?;
    let mut parts = word[1..].split('.').map(|p| p.parse::<u32>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    Some(Terraform {
        path: path.to_path_buf(),
        version,
    })
}

/// Every Terraform >= 1.0 the suite was given that runs the current test, each version once,
/// oldest first. With `CI` set, a binary named in `TF_TEST_TERRAFORM_EXTRA` that does not run
/// fails the suite instead of being skipped. A version with a list `tests/matrix-<version>.txt`
/// runs only the tests listed there (see [`selected`]).
pub fn all() -> Vec<Terraform> {
    let mut found = given();
    found.retain(|tf| selected(tf, &current_test()));
    assert!(
        !found.is_empty(),
        "no Terraform given runs {}: every version's list leaves it out",
        current_test()
    );
    found
}

/// Every Terraform >= 1.0 the suite was given, each version once (the first binary found for
/// it), oldest first.
pub fn given() -> Vec<Terraform> {
    if super::backend::is_live() {
        return vec![live_terraform()];
    }
    let mut found = Vec::new();
    if let Some(path) = which("terraform") {
        if let Some(tf) = probe(&path) {
            found.push(tf);
        }
    }
    for extra in std::env::var("TF_TEST_TERRAFORM_EXTRA")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
    {
        match probe(Path::new(extra)) {
            Some(tf) => found.push(tf),
            None if std::env::var_os("CI").is_some() => {
                panic!("TF_TEST_TERRAFORM_EXTRA names {extra}, which does not run")
            }
            None => eprintln!("skipping {extra}: it does not run"),
        }
    }
    found.retain(|tf| tf.version >= (1, 0, 0));
    let mut seen = BTreeSet::new();
    found.retain(|tf| seen.insert(tf.version));
    found.sort_by_key(|tf| tf.version);
    assert!(
        !found.is_empty(),
        "no Terraform >= 1.0 found: put terraform on PATH or set TF_TEST_TERRAFORM_EXTRA"
    );
    found
}

/// In live mode (`make testacc`), the one Terraform `TESTACC_TERRAFORM` names.
fn live_terraform() -> Terraform {
    let path = std::env::var_os("TESTACC_TERRAFORM")
        .expect("live mode needs TESTACC_TERRAFORM (make testacc sets it)");
    probe(Path::new(&path)).unwrap_or_else(|| panic!("TESTACC_TERRAFORM={path:?} does not run"))
}

/// The newest Terraform given (whether or not its list selects the current test).
pub fn newest() -> Terraform {
    given().pop().expect("a Terraform")
}

/// Whether `tf` runs `test` (`<crate>::<name>`): every version does, except one with a
/// committed list `tests/matrix-<version>.txt`, which runs exactly the tests it names (one
/// `<crate>::<name>` a line; `#` starts a comment). Such a version is a spot check of the
/// features it introduced; `scripts/check-matrix.py` fails if a listed test did not run on it.
pub fn selected(tf: &Terraform, test: &str) -> bool {
    if super::backend::is_live() {
        return true;
    }
    let list = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(format!("matrix-{}.txt", tf.version_string()));
    match std::fs::read_to_string(&list) {
        Ok(text) => text
            .lines()
            .map(|line| line.split('#').next().unwrap_or("").trim())
            .any(|line| line.split_whitespace().next() == Some(test)),
        Err(_) => true,
    }
}

/// `<test crate>::<test name>`, as the manifest and the matrix lists name the running test.
pub fn current_test() -> String {
    format!("{}::{}", env!("CARGO_CRATE_NAME"), test_name())
}

/// Why a Terraform older than 1.14 skips a test of list resources.
pub const QUERY_NEEDS: &str = "terraform query and list resources need Terraform 1.14";

/// The Terraforms of the current test ([`all`]) that have `terraform query`; a skip is
/// recorded for the others.
pub fn with_query() -> Vec<Terraform> {
    all()
        .into_iter()
        .filter(|tf| {
            let ok = tf.at_least((1, 14, 0));
            if !ok {
                skip(tf, QUERY_NEEDS);
            }
            ok
        })
        .collect()
}

/// The Terraform on PATH, if it runs (any version).
pub fn on_path() -> Option<Terraform> {
    which("terraform").and_then(|path| probe(&path))
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// A private directory for one configuration, with its own HOME and CLI config.
pub struct Workdir {
    root: tempfile::TempDir,
}

impl Workdir {
    /// A work dir whose CLI config points `SOURCE_ADDRESS` at the provider binary under test.
    pub fn new() -> Workdir {
        let work = Workdir::bare();
        let plugins = work.root().join("plugins");
        std::fs::create_dir_all(&plugins).expect("mkdir");
        // dev_overrides takes a directory and picks the first file named after the provider;
        // a directory of its own keeps cargo's side files out of the way.
        std::os::unix::fs::symlink(
            env!("CARGO_BIN_EXE_terraform-provider-supabase"),
            plugins.join("terraform-provider-supabase"),
        )
        .expect("symlink provider");
        work.write_cli_config(&format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE_ADDRESS}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            plugins.display()
        ));
        work
    }

    /// Adds a dev_override for `address` beside the ones the work dir has (made with
    /// [`Workdir::new`]): `binary` linked as `terraform-provider-<type>` into a directory of its
    /// own, since dev_overrides picks the first file of that name in the directory it names.
    pub fn add_dev_override(&self, address: &str, binary: &Path) {
        let type_name = address.rsplit('/').next().expect("a source address");
        let dir = self
            .root()
            .join("overrides")
            .join(address.replace('/', "_"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::os::unix::fs::symlink(binary, dir.join(format!("terraform-provider-{type_name}")))
            .expect("symlink provider");
        let path = self.root().join("terraformrc");
        let config = std::fs::read_to_string(&path).expect("read cli config");
        let block = "  dev_overrides {\n";
        assert!(config.contains(block), "no dev_overrides in:\n{config}");
        let line = format!("    \"{address}\" = \"{}\"\n", dir.display());
        self.write_cli_config(&config.replacen(block, &format!("{block}{line}"), 1));
    }

    /// A work dir without dev_overrides: its CLI config is empty, so Terraform installs
    /// providers the way a user's does by default, from the implied local mirror
    /// `HOME/.terraform.d/plugins` (see [`Workdir::home`]), else from the registry.
    pub fn without_dev_overrides() -> Workdir {
        Workdir::with_cli_config("")
    }

    /// A work dir whose CLI config points this provider's dev_overrides at `dir`, which holds a
    /// build of it (another platform's, or a wrapper that runs one).
    pub fn with_dev_override_dir(dir: &Path) -> Workdir {
        Workdir::with_cli_config(&format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE_ADDRESS}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            dir.display()
        ))
    }

    /// A work dir whose CLI config file holds exactly `cli_config`.
    pub fn with_cli_config(cli_config: &str) -> Workdir {
        let work = Workdir::bare();
        work.write_cli_config(cli_config);
        work
    }

    fn bare() -> Workdir {
        let root = tempfile::tempdir().expect("temp dir");
        for dir in ["home", "config", "data"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        Workdir { root }
    }

    fn write_cli_config(&self, contents: &str) {
        std::fs::write(self.root().join("terraformrc"), contents).expect("write cli config");
    }

    /// The work dir's own directory (HOME, config, data dir and CLI config live under it).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The HOME every run of this work dir gets.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// The dependency lock file `terraform init` wrote in the config dir, if any.
    pub fn lock_file(&self) -> Option<String> {
        std::fs::read_to_string(self.config_dir().join(".terraform.lock.hcl")).ok()
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.path().join("config")
    }

    pub fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.config_dir().join(name), contents).expect("write config file");
    }

    /// `terraform ARGS` in the config dir with a clean environment plus `env`, stdin closed and
    /// killed on drop; [`Workdir::run`] runs it, a test that must signal Terraform spawns it.
    pub fn command(
        &self,
        tf: &Terraform,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> tokio::process::Command {
        record(tf, "ran", None);
        let mut command = tokio::process::Command::new(&tf.path);
        command
            .args(args)
            .current_dir(self.config_dir())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.root.path().join("home"))
            .env("TF_CLI_CONFIG_FILE", self.root.path().join("terraformrc"))
            .env("TF_DATA_DIR", self.root.path().join("data"))
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// Runs `terraform ARGS` in the config dir with a clean environment plus `env`.
    pub async fn run(&self, tf: &Terraform, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(tf, args, env);
        match tokio::time::timeout(HARD_TIMEOUT, command.output()).await {
            Ok(output) => output.expect("terraform runs"),
            Err(_) => panic!(
                "terraform {} {args:?} did not finish within {HARD_TIMEOUT:?}",
                tf.version_string()
            ),
        }
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Panics with both streams unless the run succeeded.
pub fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Records that the current test skips `tf` (for `scripts/check-matrix.py`) and says why on
/// stderr. `reason` should name what the test needs, e.g. "terraform_data needs Terraform 1.4".
pub fn skip(tf: &Terraform, reason: &str) {
    eprintln!(
        "skipping {} on Terraform {}: {reason}",
        test_name(),
        tf.version_string()
    );
    record(tf, "skipped", Some(reason));
}

/// The running test, as libtest names it (it runs each test on a thread named after it; with
/// `--test-threads=1` too).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed thread>")
        .to_string()
}

/// With `TF_TEST_MANIFEST_DIR` set, appends one JSON line to
/// `$TF_TEST_MANIFEST_DIR/<test crate>-<pid>.jsonl`:
/// `{"crate":..,"test":..,"terraform":"1.0.3","status":"ran"|"skipped","reason":..}`.
/// A run is recorded once per (test, Terraform); every skip is recorded. Each line is one
/// `write` to a file opened with O_APPEND, so tests running in parallel never interleave.
fn record(tf: &Terraform, status: &str, reason: Option<&str>) {
    static SEEN: Mutex<BTreeSet<(String, String)>> = Mutex::new(BTreeSet::new());
    let Some(dir) = std::env::var_os("TF_TEST_MANIFEST_DIR") else {
        return;
    };
    let test = test_name();
    let version = tf.version_string();
    if status == "ran" {
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.insert((test.clone(), version.clone())) {
            return;
        }
    }
    let mut line = serde_json::json!({
        "crate": env!("CARGO_CRATE_NAME"),
        "test": test,
        "terraform": version,
        "status": status,
    });
    if let Some(reason) = reason {
        line["reason"] = reason.into();
    }
    let mut bytes = line.to_string().into_bytes();
    bytes.push(b'\n');
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create TF_TEST_MANIFEST_DIR");
    let path = dir.join(format!(
        "{}-{}.jsonl",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let written = file
        .write(&bytes)
        .unwrap_or_else(|e| panic!("append to {}: {e}", path.display()));
    assert_eq!(written, bytes.len(), "short append to {}", path.display());
}
