//! The linux_arm64 release, tested for real on this x86_64 machine: `scripts/release.sh` builds
//! it (`--target aarch64-unknown-linux-gnu`, Debian's cross gcc as linker and C compiler), and
//! the binary unzipped from `dist/..._linux_arm64.zip` runs under Debian's qemu-user. A wrapper
//! `exec`s `qemu-aarch64`, so the process Terraform starts is the provider itself: Terraform's
//! signals and the provider's watch on its parent reach it as on an arm64 machine.
//!
//! What runs that way: the start-up contract (mTLS with Terraform's certificate, any other
//! client refused, SIGTERM stops it, a dead parent stops it), and the secret key's
//! create/refresh/update/import/destroy with the real terraform CLI (the newest Terraform given,
//! one version by design: these tests check the binary, not Terraform; see
//! tests/matrix-one-version.txt). And `terraform providers lock -fs-mirror` accepts the arm64
//! zip while `terraform init` installs the amd64 one from the same mirror.
//!
//! Needs `gcc-aarch64-linux-gnu` and `qemu-user` (Debian) and the Rust target
//! `aarch64-unknown-linux-gnu`; without them each test records a skip naming the install command,
//! unless `CI` is set, where a missing tool fails. With `TF_TEST_RELEASE_DIST` (the DIST_DIR of
//! CI's one `make release`) holding a `..._linux_arm64.zip`, that zip is tested instead of
//! building one (then only qemu-user and the arm64 C library are needed).

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use support::acceptance::Fixture;
use support::cross::{
    self, on_path, released_zip, rust_target_installed, Package, PlatformRelease,
};
use support::key_resource::{self as steps, KeyResource};
use support::plugin::{self, ClientCert, Plugin};
use support::release::{OFFLINE, VERSION};
use support::rpc::get_metadata;
use support::terraform::{self, assert_success, text, Workdir};

/// The amd64 binary the suite built (debug), packed beside the arm64 one.
const AMD64_BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-supabase");
const TRIPLE: &str = "aarch64-unknown-linux-gnu";
const PLATFORM: &str = "linux_arm64";
/// Debian's arm64 C library, which qemu-aarch64 loads the binary's interpreter from.
const SYSROOT: &str = "/usr/aarch64-linux-gnu";
const KEY: KeyResource = KeyResource::SECRET;
/// Emulation is slower than the native binary: a safety net for exits, not a wait.
const EXIT_WITHIN: Duration = Duration::from_secs(10);

/// What is missing to build and emulate linux_arm64 here, each with its install command.
fn missing_tools() -> Vec<(String, String)> {
    let mut missing = Vec::new();
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        missing.push((
            "a Linux x86_64 machine (this test emulates arm64 there)".to_string(),
            "run it on Linux x86_64".to_string(),
        ));
        return missing;
    }
    let apt = |tool: &str, package: &str, missing: &mut Vec<(String, String)>| {
        missing.push((tool.to_string(), format!("apt-get install {package}")));
    };
    if !on_path("qemu-aarch64") {
        apt("qemu-aarch64", "qemu-user", &mut missing);
    }
    if !Path::new(SYSROOT)
        .join("lib/ld-linux-aarch64.so.1")
        .exists()
    {
        apt(
            &format!("the arm64 C library in {SYSROOT}"),
            "gcc-aarch64-linux-gnu",
            &mut missing,
        );
    }
    if released_zip(PLATFORM).is_some() {
        return missing;
    }
    for tool in ["aarch64-linux-gnu-gcc", "aarch64-linux-gnu-ar"] {
        if !on_path(tool) {
            apt(tool, "gcc-aarch64-linux-gnu", &mut missing);
        }
    }
    if !rust_target_installed(TRIPLE) {
        missing.push((
            format!("the Rust target {TRIPLE}"),
            format!("rustup target add {TRIPLE}"),
        ));
    }
    missing
}

fn tools_ready() -> bool {
    cross::tools_ready("the linux_arm64 release test", &missing_tools())
}

/// The release the tests share: DIST_DIR with the linux_arm64 zip (built by release.sh), the
/// linux_amd64 zip (release.sh pack of the suite's binary) and one SHA256SUMS over both and the
/// manifest; the arm64 binary unzipped, and a wrapper that runs it under qemu.
#[allow(dead_code)]
struct Release {
    arm64_zip: PathBuf,
    amd64_zip: PathBuf,
    /// A directory holding only the wrapper `terraform-provider-supabase` (for dev_overrides).
    plugin_dir: PathBuf,
    wrapper: PathBuf,
    /// The unzipped arm64 binary.
    binary: PathBuf,
    /// One line per start of the wrapper.
    starts: PathBuf,
}

fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let made = PlatformRelease::make(PLATFORM, AMD64_BINARY);
        let (root, binary) = (made.root, made.binary);
        let (arm64_zip, amd64_zip) = (made.zip, made.amd64_zip);
        let elf = std::fs::read(&binary).expect("the zip holds the binary");
        assert_eq!(&elf[..4], b"\x7fELF", "an ELF file");
        assert_eq!(elf[4], 2, "64-bit");
        assert_eq!(
            u16::from_le_bytes([elf[18], elf[19]]),
            0xb7,
            "e_machine is EM_AARCH64"
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&binary).unwrap().permissions(),
        );
        assert!(mode & 0o111 != 0, "unzipped executable: {mode:o}");

        let plugin_dir = root.join("plugins");
        std::fs::create_dir_all(&plugin_dir).unwrap();
        let wrapper = plugin_dir.join("terraform-provider-supabase");
        let starts = root.join("starts");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\n# The arm64 provider under emulation, as the process its starter sees.\n\
                 echo \"$$\" >> '{}'\nexec qemu-aarch64 -L {SYSROOT} '{}' \"$@\"\n",
                starts.display(),
                binary.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&wrapper, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        Release {
            arm64_zip,
            amd64_zip,
            plugin_dir,
            wrapper,
            binary,
            starts,
        }
    })
}

fn starts(release: &Release) -> usize {
    std::fs::read_to_string(&release.starts)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// The process `pid` runs (its /proc cmdline, NUL-separated, as words).
fn cmdline(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|bytes| {
            bytes
                .split(|b| *b == 0)
                .filter(|w| !w.is_empty())
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_arm64_zip_under_qemu_serves_terraforms_certificate_only_and_stops_on_sigterm() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let started = Instant::now();
    let cert = ClientCert::terraform_like();
    let command = Plugin::command_for(release.wrapper.to_str().unwrap(), Some(&cert));
    let mut plugin = Plugin::spawn(command, Some(cert)).await;
    eprintln!(
        "the emulated provider shook hands after {:.0?}",
        started.elapsed()
    );

    // The process started is the emulated provider itself: the wrapper exec'd qemu.
    let words = cmdline(plugin.pid());
    assert!(
        words.first().is_some_and(|w| w.ends_with("qemu-aarch64"))
            && words.iter().any(|w| w == release.binary.to_str().unwrap()),
        "pid {} runs {words:?}, not qemu-aarch64 with the unzipped binary",
        plugin.pid()
    );
    assert_eq!(
        plugin.handshake.network, "unix",
        "{}",
        plugin.handshake.line
    );
    let socket_dir = plugin.socket_dir().expect("unix socket");
    assert!(
        plugin.handshake.cert_der.is_some(),
        "AutoMTLS: a server certificate"
    );

    // Terraform's certificate is served.
    let mut client = plugin.provider().await;
    let metadata = get_metadata(&mut client).await;
    let capabilities = metadata
        .server_capabilities
        .expect("GetMetadata has server_capabilities");
    assert!(capabilities.plan_destroy && capabilities.get_provider_schema_optional);
    let resources: Vec<&str> = metadata
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    assert!(
        resources.contains(&"supabase_secret_api_key"),
        "{resources:?}"
    );

    // Anyone else is refused, and the refusals do not disturb the server.
    plugin.assert_refuses_others().await;
    get_metadata(&mut client).await;
    drop(client);

    // SIGTERM reaches the provider (not a shell in between): it exits and removes its socket.
    assert!(plugin.kill("TERM"), "kill -TERM");
    let status = plugin.wait_exit(EXIT_WITHIN).await;
    assert!(
        status.code().is_some(),
        "exited by itself, not killed: {status}"
    );
    assert!(
        !socket_dir.exists(),
        "{} still exists",
        socket_dir.display()
    );
}

#[tokio::test]
async fn the_arm64_provider_under_qemu_exits_when_its_terraform_dies() {
    if !tools_ready() {
        return;
    }
    // Emulated, the provider is slower to notice; the limit is still only a safety net.
    plugin::assert_orphan_exits_and_cleans_up(&release().wrapper, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn terraform_drives_the_arm64_zip_under_qemu_through_create_refresh_update_import_destroy() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let tf = terraform::newest();
    eprintln!(
        "driving the linux_arm64 provider with Terraform {} ({})",
        tf.version_string(),
        tf.path.display()
    );
    let started = Instant::now();
    let starts_before = starts(release);
    // The fixture's first work dir outlives the fixture: in live mode the provider's logs, from
    // which the fixture reads its requests, are kept under it.
    let _first_work: Workdir;
    let mut fx = Fixture::new(&tf).await;
    _first_work = std::mem::replace(
        &mut fx.work,
        Workdir::with_dev_override_dir(&release.plugin_dir),
    );

    steps::whole_life(&fx, &KEY, "arm64").await;
    assert!(
        starts(release) > starts_before,
        "Terraform did not start the emulated provider"
    );
    eprintln!(
        "Terraform {} drove the emulated linux_arm64 provider through create, refresh, update, \
         import and destroy in {:.1?} ({} provider starts)",
        tf.version_string(),
        started.elapsed(),
        starts(release) - starts_before
    );
}

#[tokio::test]
async fn terraform_locks_the_arm64_zip_and_inits_the_amd64_zip_from_one_mirror() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let tf = terraform::newest();
    let v = tf.version_string();
    let (work, _mirror) = cross::lock_from_mirror(
        &tf,
        &[
            Package {
                platform: PLATFORM,
                zip: &release.arm64_zip,
                binary: &release.binary,
            },
            Package {
                platform: "linux_amd64",
                zip: &release.amd64_zip,
                binary: Path::new(AMD64_BINARY),
            },
        ],
    )
    .await;
    let lock = work.lock_file().expect("a lock file");

    // init installs the amd64 zip, which must match the lock file just written, and validate
    // starts it.
    let init = work
        .run(&tf, &["init", "-input=false", "-no-color"], OFFLINE)
        .await;
    assert_success(&init, &format!("terraform {v} init from the mirror"));
    assert!(
        text(&init.stdout).contains(&format!("supabase-rs/supabase v{VERSION}")),
        "{}",
        text(&init.stdout)
    );
    assert_eq!(
        work.lock_file().as_deref(),
        Some(lock.as_str()),
        "init kept the lock file"
    );
    let validate = work.run(&tf, &["validate", "-no-color"], OFFLINE).await;
    assert_success(&validate, &format!("terraform {v} validate"));
}
