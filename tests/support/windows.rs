//! Windows programs under wine: the real Windows Terraform 1.15.5 that
//! `scripts/install-windows-terraform.sh` (`make terraform-windows`) installs into
//! `.cache/windows`, and any other Windows program (the provider built for
//! `x86_64-pc-windows-gnu`) in the same wine prefix.
//!
//! Everything goes through the script `.cache/windows/wine` the install writes: it sets the
//! prefix's environment (also in `.cache/windows/env`) and, when no wine session is running,
//! starts one with its stdio on /dev/null. Running `wine` directly instead would leave wineserver
//! and wine's system processes holding the first program's stdout and stderr, and
//! `Command::output()` would wait for them, not for the program. The session (wineserver,
//! services.exe, ...) outlives the last program by 30 s, then exits on its own.
//!
//! Unix paths work as arguments (`-chdir=/tmp/...`, `TF_CLI_CONFIG_FILE=/tmp/...`): wine maps `/`
//! to drive Z:, and the working directory is there too.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Terraform version the install provides.
pub const TERRAFORM_VERSION: &str = "1.15.5";
/// The Rust target a Windows build of the provider needs.
pub const RUST_TARGET: &str = "x86_64-pc-windows-gnu";

/// Where the install puts everything: `.cache/windows` under the repo.
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/windows")
}

/// The wrapper running Windows Terraform 1.15.5 under wine, if installed: a `terraform` command
/// as far as a test can tell (`terraform::Workdir::command` and its `env_clear()` included; the
/// wrapper sets wine's environment itself), whose `version` says `on windows_amd64`.
pub fn terraform() -> Option<PathBuf> {
    let wrapper = cache_dir().join(TERRAFORM_VERSION).join("terraform");
    (wrapper.is_file() && cache_dir().join("wine").is_file()).then_some(wrapper)
}

/// A command running the Windows program `program` (a Unix path to an .exe) under wine, in the
/// prefix Windows Terraform uses, with the session caveat above handled; add arguments and
/// environment as for any command (`env_clear()` too). Panics if the install is missing: check
/// [`missing_tools`] first. `tokio::process::Command::from` makes it an async one.
pub fn wine_command(program: &Path) -> Command {
    let wine = cache_dir().join("wine");
    assert!(
        wine.is_file(),
        "{} is missing: run `make terraform-windows`",
        wine.display()
    );
    let mut command = Command::new(wine);
    command.arg(program);
    command
}

/// What is missing to build the provider for Windows and run it, and Windows Terraform, under
/// wine, each with the command that installs it (empty when nothing is).
pub fn missing_tools() -> Vec<(String, String)> {
    let mut missing = Vec::new();
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        missing.push((
            "a Linux x86_64 machine (wine runs windows_amd64 programs there)".to_string(),
            "run it on Linux x86_64".to_string(),
        ));
        return missing;
    }
    let apt = "apt-get install wine wine64 gcc-mingw-w64-x86-64".to_string();
    let wine = Path::new("/usr/lib/wine/wine64").is_file() || on_path("wine64") || on_path("wine");
    if !wine {
        missing.push(("wine64".to_string(), apt.clone()));
    }
    if !on_path("x86_64-w64-mingw32-gcc") {
        missing.push(("x86_64-w64-mingw32-gcc".to_string(), apt));
    }
    if terraform().is_none() {
        missing.push((
            format!("Windows Terraform {TERRAFORM_VERSION} under wine (.cache/windows)"),
            "make terraform-windows".to_string(),
        ));
    }
    let sysroot = Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    if !Path::new(&sysroot)
        .join("lib/rustlib")
        .join(RUST_TARGET)
        .join("lib")
        .is_dir()
    {
        missing.push((
            format!("the Rust target {RUST_TARGET}"),
            format!("rustup target add {RUST_TARGET}"),
        ));
    }
    missing
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}
