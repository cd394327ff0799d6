//! `scripts/install.sh` (make install) and `scripts/release.sh` (make release), checked the way
//! users meet them: the real `terraform init`, offline, with no dev_overrides, on every
//! Terraform the suite is given. Both scripts get the debug binary through `BINARY`, so nothing
//! is built here. "Offline" is enforced: every run points HTTP(S)_PROXY at a closed port.

mod support;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use support::release::{
    executable_name, expected_h1, pinned_config, repo, sha256_hex, OFFLINE, VERSION,
};
use support::terraform::{self, assert_success, text, Terraform, Workdir, SOURCE_ADDRESS};

const BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-supabase");
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Terraform's name for this platform (GOOS_GOARCH), worked out independently of the scripts.
fn os_arch() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "arm" => "arm",
        other => panic!("no Terraform name known for {other}"),
    };
    format!("{}_{arch}", std::env::consts::OS)
}

/// Runs a script from scripts/ with only PATH, HOME and `env`, under a hard timeout.
async fn run_script(script: &str, home: &Path, env: &[(&str, &str)]) -> Output {
    run_script_with(script, &[], home, env).await
}

/// [`run_script`] with arguments (`release.sh pack OS_ARCH BINARY`, `release.sh sign`).
async fn run_script_with(script: &str, args: &[&str], home: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::new(repo().join("scripts").join(script));
    command
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    match tokio::time::timeout(SCRIPT_TIMEOUT, command.output()).await {
        Ok(output) => output.expect("the script runs"),
        Err(_) => panic!("scripts/{script} did not finish within {SCRIPT_TIMEOUT:?}"),
    }
}

fn command_ok(program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let output = std::process::Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    assert_success(&output, &format!("{program} {}", args.join(" ")));
    output
}

/// `terraform init` offline, then the lock file names our provider at VERSION with `h1`, and
/// `terraform validate` starts the installed binary. Returns the lock file's hashes.
async fn init_and_validate(work: &Workdir, tf: &Terraform, h1: &str, from: &str) -> Vec<String> {
    let v = tf.version_string();
    // A resource, so `validate` has the provider check a resource body too.
    work.write(
        "main.tf",
        &pinned_config(
            r#"
resource "supabase_secret_api_key" "backend" {
  project_ref = "abcdefghijklmnopqrst"
  name        = "installed_key"
}
"#,
        ),
    );
    let init = work
        .run(tf, &["init", "-input=false", "-no-color"], OFFLINE)
        .await;
    assert_success(&init, &format!("terraform {v} init from {from}"));
    assert!(
        text(&init.stdout).contains(&format!("supabase-rs/supabase v{VERSION}")),
        "terraform {v}: init did not install v{VERSION}:\n{}",
        text(&init.stdout)
    );
    let lock = work
        .lock_file()
        .unwrap_or_else(|| panic!("terraform {v}: init from {from} wrote no .terraform.lock.hcl"));
    let block = lock
        .split(&format!("provider \"{SOURCE_ADDRESS}\" {{"))
        .nth(1)
        .unwrap_or_else(|| {
            panic!("terraform {v}: the lock file does not name {SOURCE_ADDRESS}:\n{lock}")
        });
    let block = &block[..block.find("\n}").unwrap_or(block.len())];
    let quoted = format!("\"{VERSION}\"");
    let pinned = block.lines().map(str::trim).any(|l| {
        l.starts_with("version")
            && l.trim_start_matches("version")
                .trim_start()
                .starts_with('=')
            && l.ends_with(&quoted)
    });
    assert!(
        pinned,
        "terraform {v}: lock file version is not {VERSION}:\n{lock}"
    );
    let hashes: Vec<String> = block
        .split('"')
        .filter(|s| s.starts_with("h1:") || s.starts_with("zh:"))
        .map(str::to_string)
        .collect();
    assert!(
        hashes.iter().any(|h| h == h1),
        "terraform {v}: the lock file does not hold {h1}, the hash of our binary:\n{lock}"
    );

    let validate = work.run(tf, &["validate", "-no-color"], OFFLINE).await;
    assert_success(
        &validate,
        &format!("terraform {v} validate after init from {from}"),
    );
    assert!(
        text(&validate.stdout).contains("The configuration is valid"),
        "terraform {v}: {}",
        text(&validate.stdout)
    );
    hashes
}

#[tokio::test]
async fn make_install_is_found_by_terraform_init_with_no_cli_config_offline() {
    let h1 = expected_h1(Path::new(BINARY));
    for tf in terraform::all() {
        let work = Workdir::without_dev_overrides();
        let installed = run_script("install.sh", &work.home(), &[("BINARY", BINARY)]).await;
        assert_success(&installed, "scripts/install.sh");
        let target = work
            .home()
            .join(".terraform.d/plugins")
            .join(SOURCE_ADDRESS)
            .join(VERSION)
            .join(os_arch())
            .join(executable_name());
        assert!(
            text(&installed.stdout).contains(target.to_str().unwrap()),
            "install.sh names where it installed:\n{}",
            text(&installed.stdout)
        );
        let meta = std::fs::metadata(&target)
            .unwrap_or_else(|e| panic!("{} is not installed: {e}", target.display()));
        assert!(
            std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0,
            "the installed binary is executable"
        );
        assert_eq!(
            std::fs::read(&target).unwrap(),
            std::fs::read(BINARY).unwrap(),
            "a copy of BINARY"
        );
        init_and_validate(&work, &tf, &h1, "the implied local mirror").await;
    }
}

/// A GnuPG home with one throwaway signing key; its gpg-agent is stopped on drop.
struct Gnupg {
    home: tempfile::TempDir,
    fingerprint: String,
}

impl Gnupg {
    fn new() -> Gnupg {
        // Under /tmp: gpg-agent's socket path must stay short.
        let home = tempfile::Builder::new()
            .prefix("gpg")
            .tempdir_in("/tmp")
            .expect("temp GNUPGHOME");
        let env = [("GNUPGHOME", home.path().to_str().unwrap())];
        command_ok(
            "gpg",
            &[
                "--batch",
                "--passphrase",
                "",
                "--quick-gen-key",
                "Release Test <release-test@example.invalid>",
                "rsa2048",
                "sign",
                "1d",
            ],
            home.path(),
            &env,
        );
        let listed = command_ok(
            "gpg",
            &["--batch", "--with-colons", "--list-secret-keys"],
            home.path(),
            &env,
        );
        let fingerprint = text(&listed.stdout)
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .expect("the new key's fingerprint")
            .to_string();
        Gnupg { home, fingerprint }
    }

    fn path(&self) -> &str {
        self.home.path().to_str().unwrap()
    }
}

impl Drop for Gnupg {
    fn drop(&mut self) {
        let _ = std::process::Command::new("gpgconf")
            .args(["--kill", "gpg-agent"])
            .env("GNUPGHOME", self.home.path())
            .output();
    }
}

fn release_files(dist: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dist)
        .expect("dist exists")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_signed_release_verifies_and_its_zip_inits_from_a_filesystem_mirror() {
    let gpg = Gnupg::new();
    let scratch = tempfile::tempdir().expect("temp dir");
    let dist = scratch.path().join("dist");
    let packed = run_script_with(
        "release.sh",
        &["pack", &os_arch(), BINARY],
        scratch.path(),
        &[("DIST_DIR", dist.to_str().unwrap())],
    )
    .await;
    assert_success(&packed, "scripts/release.sh pack");
    let released = run_script_with(
        "release.sh",
        &["sign"],
        scratch.path(),
        &[
            ("DIST_DIR", dist.to_str().unwrap()),
            ("GNUPGHOME", gpg.path()),
            ("GPG_KEY_ID", &gpg.fingerprint),
        ],
    )
    .await;
    assert_success(&released, "scripts/release.sh sign");

    let prefix = format!("terraform-provider-supabase_{VERSION}");
    let zip = format!("{prefix}_{}.zip", os_arch());
    let manifest = format!("{prefix}_manifest.json");
    let sums = format!("{prefix}_SHA256SUMS");
    let sig = format!("{sums}.sig");
    let mut expected = vec![zip.clone(), manifest.clone(), sums.clone(), sig.clone()];
    expected.sort();
    assert_eq!(release_files(&dist), expected);

    let manifest_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dist.join(&manifest)).unwrap()).expect("JSON");
    assert_eq!(
        manifest_json,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // SHA256SUMS lists exactly the zip and the manifest, and they check.
    let sums_text = std::fs::read_to_string(dist.join(&sums)).unwrap();
    let mut listed: Vec<&str> = sums_text
        .lines()
        .map(|l| l.split_whitespace().nth(1).expect("<sha256>  <file>"))
        .collect();
    listed.sort();
    let mut want = vec![zip.as_str(), manifest.as_str()];
    want.sort();
    assert_eq!(listed, want, "{sums_text}");
    command_ok("sha256sum", &["-c", &sums], &dist, &[]);

    // A detached binary signature (registries take no armour) by the key we gave.
    let signature = std::fs::read(dist.join(&sig)).unwrap();
    assert!(
        !signature.starts_with(b"-----BEGIN"),
        "binary, not armoured"
    );
    let verified = command_ok(
        "gpg",
        &["--batch", "--status-fd", "1", "--verify", &sig, &sums],
        &dist,
        &[("GNUPGHOME", gpg.path())],
    );
    assert!(
        text(&verified.stdout).contains(&format!("[GNUPG:] VALIDSIG {}", gpg.fingerprint)),
        "{}",
        text(&verified.stdout)
    );

    // The zip holds the binary, executable, under the name Terraform expects.
    let listing = command_ok("unzip", &["-Z", &zip], &dist, &[]);
    let entries: Vec<String> = text(&listing.stdout)
        .lines()
        .filter(|l| l.starts_with('-'))
        .map(str::to_string)
        .collect();
    assert_eq!(entries.len(), 1, "{}", text(&listing.stdout));
    assert!(entries[0].starts_with("-rwxr-xr-x"), "{}", entries[0]);
    assert!(entries[0].ends_with(&format!(" {}", executable_name())));

    // Served as-is from a filesystem mirror in the packed layout.
    let mirror = scratch.path().join("mirror");
    let packed = mirror.join(SOURCE_ADDRESS);
    std::fs::create_dir_all(&packed).unwrap();
    std::fs::copy(dist.join(&zip), packed.join(&zip)).unwrap();
    let cli_config = format!(
        r#"provider_installation {{
  filesystem_mirror {{
    path    = "{}"
    include = ["{SOURCE_ADDRESS}"]
  }}
}}
"#,
        mirror.display()
    );
    let h1 = expected_h1(Path::new(BINARY));
    let zip_sha = sha256_hex(&dist.join(&zip));
    for tf in terraform::all() {
        let work = Workdir::with_cli_config(&cli_config);
        let hashes = init_and_validate(&work, &tf, &h1, "the packed release zip").await;
        for hash in hashes.iter().filter(|h| h.starts_with("zh:")) {
            assert_eq!(
                hash,
                &format!("zh:{zip_sha}"),
                "terraform {}: a zh: hash is the zip's sha256",
                tf.version_string()
            );
        }
    }
}

#[tokio::test]
async fn release_without_a_key_explains_how_to_sign_and_fails_unless_unsigned() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dist = scratch.path().join("dist");
    // release.sh packs any executable; a small one keeps this quick.
    let binary = scratch.path().join("provider");
    std::fs::write(&binary, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let binary = binary.to_str().unwrap();
    let dist_env = ("DIST_DIR", dist.to_str().unwrap());

    // A cargo that records being asked to build: the build mode must refuse before it.
    let cargo_log = scratch.path().join("cargo-called");
    let cargo = scratch.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexit 101\n",
            cargo_log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cargo, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cargo_env = ("CARGO", cargo.to_str().unwrap());
    for (args, what) in [(&[][..], "build"), (&["sign"][..], "sign")] {
        let refused =
            run_script_with("release.sh", args, scratch.path(), &[dist_env, cargo_env]).await;
        assert!(
            !refused.status.success(),
            "{what}: no key, no UNSIGNED=1: must fail"
        );
        let why = text(&refused.stderr);
        for hint in ["GPG_KEY_ID=", "UNSIGNED=1", "GNUPGHOME"] {
            assert!(
                why.contains(hint),
                "{what}: the refusal mentions {hint}:\n{why}"
            );
        }
        assert!(
            !dist.exists(),
            "{what}: nothing is written before the signing check"
        );
        assert!(
            !cargo_log.exists(),
            "{what}: nothing is built before the signing check"
        );
    }

    // The variables of the one-platform script are refused with what replaces them.
    for old in ["BINARY", "OS_ARCH", "KEEP_DIST"] {
        let refused = run_script(
            "release.sh",
            scratch.path(),
            &[(old, binary), dist_env, ("UNSIGNED", "1")],
        )
        .await;
        assert!(!refused.status.success(), "{old} is refused");
        let why = text(&refused.stderr);
        assert!(
            why.contains(&format!("{old} is no longer read"))
                && why.contains("release.sh pack <os_arch> <binary>")
                && why.contains("release.sh sign"),
            "{why}"
        );
        assert!(!dist.exists(), "{old}: nothing written");
    }

    let mut sums = Vec::new();
    for _ in 0..2 {
        let packed = run_script_with(
            "release.sh",
            &["pack", "linux_arm64", binary],
            scratch.path(),
            &[dist_env],
        )
        .await;
        assert_success(&packed, "scripts/release.sh pack");
        let unsigned = run_script_with(
            "release.sh",
            &["sign"],
            scratch.path(),
            &[dist_env, ("UNSIGNED", "1")],
        )
        .await;
        assert_success(&unsigned, "UNSIGNED=1 scripts/release.sh sign");
        let files = release_files(&dist);
        assert_eq!(
            files.len(),
            3,
            "zip, manifest, SHA256SUMS, no .sig: {files:?}"
        );
        assert!(!files.iter().any(|f| f.ends_with(".sig")));
        sums.push(
            std::fs::read_to_string(
                dist.join(format!("terraform-provider-supabase_{VERSION}_SHA256SUMS")),
            )
            .unwrap(),
        );
    }
    assert_eq!(sums[0], sums[1], "the same binary gives the same release");
}

/// A copy of the repository without target/, .cache/, .git/ and dist/, in `to`.
fn copy_of_repo(to: &Path) {
    for entry in std::fs::read_dir(repo()).expect("read the repo") {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["target", ".cache", ".git", "dist"]
            .iter()
            .any(|skip| name == *skip)
        {
            continue;
        }
        command_ok(
            "cp",
            &[
                "-a",
                entry.path().to_str().unwrap(),
                to.join(&name).to_str().unwrap(),
            ],
            Path::new("/"),
            &[],
        );
    }
}

/// `make install` and `make release` in a copy of the tree whose build fails: cargo's `build`
/// prints cargo's error and exits 101 at once (a stub in CARGO; every other cargo command, such
/// as the `cargo metadata` that finds target/, is the real one), and src/lib.rs does not parse
/// either, and target/ holds an old build. Both commands must fail, say cargo's error, install nothing and write nothing into
/// dist/. (The build used to run inside `$(...)`, where `set -e` does not reach: install
/// printed "installed ..." over an old binary and exited 0.)
#[tokio::test]
async fn a_failed_build_fails_make_install_and_make_release_and_writes_nothing() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let tree = scratch.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    copy_of_repo(&tree);
    let lib = tree.join("src/lib.rs");
    let mut broken = std::fs::read_to_string(&lib).unwrap();
    broken.push_str("\nfn this_does_not_parse( {\n");
    std::fs::write(&lib, broken).unwrap();

    let builds = scratch.path().join("builds");
    let stub = scratch.path().join("cargo");
    let real_cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nif [ \"$1\" = build ]; then\n  echo \"$@\" >> '{}'\n  echo 'error: could not compile `terraform-provider-supabase` (lib) due to 1 previous error' >&2\n  exit 101\nfi\nexec '{real_cargo}' \"$@\"\n",
            builds.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();

    let home = scratch.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // The real cargo behind the stub needs the toolchain, which HOME no longer leads to.
    let real_home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_string());
    let rustup_home =
        std::env::var("RUSTUP_HOME").unwrap_or_else(|_| format!("{real_home}/.rustup"));
    let cargo_home = std::env::var("CARGO_HOME").unwrap_or_else(|_| format!("{real_home}/.cargo"));
    let target_dir = scratch.path().join("target");
    // An old build where cargo puts a new one: what the broken scripts used to install and pack.
    for dir in ["release", "x86_64-unknown-linux-gnu/release"] {
        let stale = target_dir.join(dir).join("terraform-provider-supabase");
        std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
        std::fs::write(&stale, "#!/bin/sh\necho an old build\n").unwrap();
        std::fs::set_permissions(&stale, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let plugins = home.join(".terraform.d/plugins");
    let dist = tree.join("dist");

    for (goal, extra) in [
        ("install", &[][..]),
        (
            "release",
            &[("UNSIGNED", "1"), ("PLATFORMS", "linux_amd64")][..],
        ),
    ] {
        let _ = std::fs::remove_file(&builds);
        let mut command = tokio::process::Command::new("make");
        command
            .args(["--no-print-directory", "-C", tree.to_str().unwrap(), goal])
            .arg(format!("CARGO={}", stub.display()))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("RUSTUP_HOME", &rustup_home)
            .env("CARGO_HOME", &cargo_home)
            .env("CARGO_TARGET_DIR", &target_dir)
            .envs(extra.iter().copied())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(SCRIPT_TIMEOUT, command.output())
            .await
            .unwrap_or_else(|_| panic!("make {goal} did not finish within {SCRIPT_TIMEOUT:?}"))
            .expect("make runs");
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        let said = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
        assert!(
            builds.exists(),
            "make {goal} never asked cargo to build, so this proves nothing:\n{said}"
        );
        assert!(
            !output.status.success(),
            "make {goal} succeeded although the build failed:\n{said}"
        );
        assert!(
            stderr.contains("error: could not compile"),
            "make {goal} shows cargo's error:\n{said}"
        );
        assert!(
            !stdout.lines().any(|l| l.starts_with("installed "))
                && !stdout.contains("release 0.")
                && !stdout.contains(&format!("release {VERSION}")),
            "make {goal} claims a result:\n{said}"
        );
        assert!(
            !plugins.exists(),
            "make {goal} installed something into {}:\n{said}",
            plugins.display()
        );
        assert!(
            !dist.exists(),
            "make {goal} wrote {}:\n{said}",
            dist.display()
        );
    }
}

/// `make release` checks what every platform needs before it builds anything, and names the
/// command that installs each missing piece: here a Rust toolchain without any cross standard
/// library (a `rustc` whose sysroot is empty), no arm64 cross linker, no mingw and no Zig.
#[tokio::test]
async fn make_release_checks_every_platforms_prerequisites_before_building() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let dist = scratch.path().join("dist");
    let sysroot = scratch.path().join("sysroot");
    std::fs::create_dir_all(sysroot.join("lib/rustlib")).unwrap();
    let rustc = scratch.path().join("rustc");
    std::fs::write(&rustc, format!("#!/bin/sh\necho '{}'\n", sysroot.display())).unwrap();
    let zig = scratch.path().join("no-zig");
    let cargo_log = scratch.path().join("cargo-called");
    let cargo = scratch.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexit 101\n",
            cargo_log.display()
        ),
    )
    .unwrap();
    for file in [&rustc, &cargo] {
        std::fs::set_permissions(file, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }
    let refused = run_script(
        "release.sh",
        scratch.path(),
        &[
            ("DIST_DIR", dist.to_str().unwrap()),
            ("UNSIGNED", "1"),
            (
                "PLATFORMS",
                "linux_amd64 linux_arm64 darwin_arm64 windows_amd64",
            ),
            ("RUSTC", rustc.to_str().unwrap()),
            ("CARGO", cargo.to_str().unwrap()),
            (
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER",
                "no-such-aarch64-linux-gnu-gcc",
            ),
            (
                "CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER",
                "no-such-x86_64-w64-mingw32-gcc",
            ),
            ("AR_x86_64_pc_windows_gnu", "no-such-x86_64-w64-mingw32-ar"),
            ("DARWIN_ZIG_DIR", zig.to_str().unwrap()),
        ],
    )
    .await;
    assert!(!refused.status.success(), "missing prerequisites must fail");
    let why = text(&refused.stderr);
    for hint in [
        "rustup target add aarch64-unknown-linux-gnu",
        "apt-get install gcc-aarch64-linux-gnu",
        "rustup target add aarch64-apple-darwin",
        &format!("scripts/install-zig.sh {}", zig.display()),
        "rustup target add x86_64-pc-windows-gnu",
        "apt-get install gcc-mingw-w64-x86-64",
    ] {
        assert!(why.contains(hint), "the refusal says {hint:?}:\n{why}");
    }
    assert!(
        !cargo_log.exists(),
        "nothing is built before the check:\n{why}"
    );
    assert!(!dist.exists(), "nothing is written");
}
