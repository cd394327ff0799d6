//! What the release tests of other platforms (release_linux_arm64, release_windows_amd64,
//! release_darwin) share: the zip under test, taken from the one release run of a CI run
//! (`TF_TEST_RELEASE_DIST`, the DIST_DIR of `make release`) or built with `scripts/release.sh`,
//! and the rule for missing tools: a local run records a skip naming the install command, a run
//! with `CI` set fails.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use super::release::{executable_name, expected_h1_as, pinned_config, repo, OFFLINE, VERSION};
use super::terraform::{self, assert_success, text, Terraform, Workdir, SOURCE_ADDRESS};

/// True when nothing is missing. Otherwise records a skip on every Terraform given, naming what
/// is missing (`what`, install command) and one command line that installs it all, and returns
/// false; with `CI` set, fails instead.
pub fn tools_ready(test: &str, missing: &[(String, String)]) -> bool {
    if missing.is_empty() {
        return true;
    }
    // One apt-get install for every Debian package, then the rest (rustup, make).
    let mut packages: Vec<&str> = Vec::new();
    let mut commands: Vec<String> = Vec::new();
    for (_, command) in missing {
        match command.strip_prefix("apt-get install ") {
            Some(listed) => {
                for package in listed.split_whitespace() {
                    if !packages.contains(&package) {
                        packages.push(package);
                    }
                }
            }
            None if !commands.contains(command) => commands.push(command.clone()),
            None => {}
        }
    }
    if !packages.is_empty() {
        commands.insert(0, format!("apt-get install {}", packages.join(" ")));
    }
    let reason = format!(
        "{test} needs {}; install with: {}",
        missing
            .iter()
            .map(|(what, _)| what.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        commands.join(" && ")
    );
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so a missing tool fails: {reason}");
    }
    for tf in terraform::given() {
        terraform::skip(&tf, &reason);
    }
    false
}

/// Whether `name` is a file in a directory of PATH.
pub fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// Whether the Rust standard library for `triple` is installed (`rustup target add`).
pub fn rust_target_installed(triple: &str) -> bool {
    let sysroot = std::process::Command::new(std::env::var("RUSTC").unwrap_or("rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| text(&o.stdout).trim().to_string())
        .unwrap_or_default();
    !sysroot.is_empty()
        && Path::new(&sysroot)
            .join("lib/rustlib")
            .join(triple)
            .join("lib")
            .is_dir()
}

/// The name of the binary in a platform's zip (`.exe` on Windows).
pub fn packaged_name(platform: &str) -> String {
    let suffix = if platform.starts_with("windows_") {
        ".exe"
    } else {
        ""
    };
    format!("{}{suffix}", executable_name())
}

/// The file name of a platform's zip.
pub fn zip_name(platform: &str) -> String {
    format!("terraform-provider-supabase_{VERSION}_{platform}.zip")
}

/// The zip of `platform` the CI run's one `make release` wrote into `TF_TEST_RELEASE_DIST`, if
/// it did.
pub fn released_zip(platform: &str) -> Option<PathBuf> {
    let dist = std::env::var_os("TF_TEST_RELEASE_DIST")?;
    let zip = Path::new(&dist).join(zip_name(platform));
    zip.is_file().then_some(zip)
}

/// Runs `scripts/release.sh` with `args` and `env` (signing variables of the caller's shell
/// removed), asserting success.
pub fn release_script(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let output = std::process::Command::new(repo().join("scripts/release.sh"))
        .args(args)
        .current_dir(repo())
        .env_remove("GPG_KEY_ID")
        .env_remove("BINARY")
        .env_remove("OS_ARCH")
        .env_remove("KEEP_DIST")
        .env_remove("PLATFORMS")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("scripts/release.sh runs");
    assert_success(&output, &format!("scripts/release.sh {}", args.join(" ")));
    output
}

/// `dist` holding the zip of `platform`: copied from [`released_zip`], else built by
/// `scripts/release.sh` (release profile, unsigned). Returns the zip's path.
pub fn zip_into(dist: &Path, platform: &str) -> PathBuf {
    let zip = dist.join(zip_name(platform));
    let started = std::time::Instant::now();
    match released_zip(platform) {
        Some(given) => {
            std::fs::create_dir_all(dist).unwrap();
            std::fs::copy(&given, &zip).unwrap_or_else(|e| panic!("copy {}: {e}", given.display()));
            eprintln!(
                "the {platform} zip is the release run's: {}",
                given.display()
            );
        }
        None => {
            release_script(
                &[],
                &[
                    ("DIST_DIR", dist.to_str().unwrap()),
                    ("PLATFORMS", platform),
                    ("UNSIGNED", "1"),
                ],
            );
            eprintln!(
                "the {platform} release build took {:.0?}",
                started.elapsed()
            );
        }
    }
    assert!(zip.is_file(), "{} is there", zip.display());
    zip
}

/// Packs the linux_amd64 `binary` (the suite's build) beside the zips in `dist`, writes one
/// SHA256SUMS over all of them (unsigned) and checks it with `sha256sum -c`.
pub fn pack_amd64_and_sum(dist: &Path, binary: &str) -> PathBuf {
    let dist_env = ("DIST_DIR", dist.to_str().unwrap());
    release_script(&["pack", "linux_amd64", binary], &[dist_env]);
    release_script(&["sign"], &[dist_env, ("UNSIGNED", "1")]);
    let sums = format!("terraform-provider-supabase_{VERSION}_SHA256SUMS");
    let checked = std::process::Command::new("sha256sum")
        .args(["-c", &sums])
        .current_dir(dist)
        .output()
        .expect("sha256sum runs");
    assert_success(&checked, "sha256sum -c");
    let listed = std::fs::read_to_string(dist.join(&sums)).unwrap();
    for entry in std::fs::read_dir(dist).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".zip") {
            assert!(listed.contains(&name), "SHA256SUMS lists {name}:\n{listed}");
        }
    }
    dist.join(zip_name("linux_amd64"))
}

/// One platform's package: its zip and the binary the zip holds.
pub struct Package<'a> {
    pub platform: &'a str,
    pub zip: &'a Path,
    pub binary: &'a Path,
}

/// Puts `packages` in a filesystem mirror (packed layout) and runs `terraform providers lock
/// -fs-mirror` with a `-platform` for each: it must accept every zip and record each package's
/// `h1:` and this version. Returns the work dir, whose CLI config installs from the mirror, and
/// the mirror, for a test that goes on (`terraform init`, say).
pub async fn lock_from_mirror(
    tf: &Terraform,
    packages: &[Package<'_>],
) -> (Workdir, tempfile::TempDir) {
    let v = tf.version_string();
    let mirror = tempfile::tempdir().expect("temp dir");
    let packed = mirror.path().join(SOURCE_ADDRESS);
    std::fs::create_dir_all(&packed).unwrap();
    for package in packages {
        std::fs::copy(package.zip, packed.join(zip_name(package.platform))).unwrap();
    }
    let work = Workdir::with_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{SOURCE_ADDRESS}\"]\n  }}\n}}\n",
        mirror.path().display()
    ));
    work.write("main.tf", &pinned_config(""));
    let mut args = vec![
        "providers".to_string(),
        "lock".to_string(),
        "-no-color".to_string(),
        format!("-fs-mirror={}", mirror.path().display()),
    ];
    args.extend(packages.iter().map(|p| format!("-platform={}", p.platform)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let locked = work.run(tf, &args, OFFLINE).await;
    assert_success(&locked, &format!("terraform {v} {}", args.join(" ")));
    let lock = work.lock_file().expect("a lock file");
    // A filesystem mirror gives `h1:` hashes (of each package's contents), one per platform.
    for package in packages {
        let h1 = expected_h1_as(package.binary, &packaged_name(package.platform));
        assert!(
            lock.contains(&h1),
            "terraform {v}: the lock file records the {} package as {h1}:\n{lock}",
            package.platform
        );
    }
    assert!(
        lock.contains(&format!("version     = \"{VERSION}\"")),
        "terraform {v}: the lock file records version {VERSION}:\n{lock}"
    );
    (work, mirror)
}

/// What the tests of one test binary share for a platform: a DIST_DIR holding its zip and the
/// linux_amd64 one (the suite's build) under one SHA256SUMS, and its zip unpacked. Made once per
/// test binary, in a temporary directory kept until the process exits.
pub struct PlatformRelease {
    pub root: PathBuf,
    pub zip: PathBuf,
    pub amd64_zip: PathBuf,
    /// The binary unpacked from `zip`.
    pub binary: PathBuf,
}

impl PlatformRelease {
    pub fn make(platform: &str, amd64_binary: &str) -> PlatformRelease {
        let root = tempfile::Builder::new()
            .prefix(&format!("{platform}-release"))
            .tempdir()
            .expect("temp dir")
            .keep();
        let dist = root.join("dist");
        let zip = zip_into(&dist, platform);
        let amd64_zip = pack_amd64_and_sum(&dist, amd64_binary);
        let unpacked = root.join(platform);
        super::release::unzip(&zip, &unpacked);
        let binary = unpacked.join(packaged_name(platform));
        assert!(binary.is_file(), "the zip holds {}", binary.display());
        PlatformRelease {
            root,
            zip,
            amd64_zip,
            binary,
        }
    }
}
