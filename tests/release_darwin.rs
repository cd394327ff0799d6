//! The darwin_arm64 and darwin_amd64 releases, built on this Linux machine and inspected: they
//! cannot run here, so what is checked is what the linker wrote and what Terraform reads. Each
//! zip holds exactly `terraform-provider-supabase_v<version>`, mode 0755; the binary is a 64-bit
//! Mach-O executable of its architecture, requires macOS 11.0 (not the newer default of the
//! toolchain), and links only libSystem, libiconv/libcharset and the frameworks Security and
//! CoreFoundation, both of them (the binary was linked against stubs of those frameworks, see
//! scripts/darwin-frameworks.py: a stub that named the wrong dylib would show here). And
//! `terraform providers lock -fs-mirror` accepts both zips and records each one's `h1:` (the
//! newest Terraform given, one version by design: the test checks the zips, not Terraform; see
//! tests/matrix-one-version.txt).
//!
//! The zips: those of `TF_TEST_RELEASE_DIST`, a directory holding
//! `terraform-provider-supabase_<version>_darwin_<arch>.zip` (what `make release` built, with the
//! release profile); otherwise this test builds both targets in one call of `build_darwin`
//! (scripts/darwin.sh: Zig through cargo-zigbuild, no Apple SDK) and packs them with
//! `scripts/release.sh pack`. Those inspect-only builds use the Cargo profile `inspect` (no LTO,
//! opt-level 0), because nothing checked here depends on optimisation and it builds several
//! times faster; `make release` always builds with `release`.
//!
//! Needs the pinned Zig and cargo-zigbuild (`make zig`), the Rust targets
//! `aarch64-apple-darwin` and `x86_64-apple-darwin`, and `llvm-objdump` (Debian's `llvm`);
//! without them each test records a skip naming the install command, unless `CI` is set, where
//! a missing tool fails.

mod support;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use support::cross::{self, on_path, released_zip, zip_name, Package};
use support::release::{executable_name, repo, unzip, zip_entries};
use support::terraform::{self, assert_success, text};

/// The profile of the builds this test makes itself (see the module doc).
const PROFILE: &str = "inspect";

/// A platform: Terraform's name, the Rust target, the Mach-O cputype of its binaries.
struct Target {
    platform: &'static str,
    triple: &'static str,
    cputype: u32,
}

const TARGETS: [Target; 2] = [
    Target {
        platform: "darwin_arm64",
        triple: "aarch64-apple-darwin",
        cputype: 0x0100_000c, // CPU_TYPE_ARM64 (CPU_TYPE_ARM | CPU_ARCH_ABI64)
    },
    Target {
        platform: "darwin_amd64",
        triple: "x86_64-apple-darwin",
        cputype: 0x0100_0007, // CPU_TYPE_X86_64 (CPU_TYPE_X86 | CPU_ARCH_ABI64)
    },
];

const MINIMUM_MACOS: &str = "11.0";
const SECURITY: &str = "/System/Library/Frameworks/Security.framework/Versions/A/Security";
const CORE_FOUNDATION: &str =
    "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation";
/// Every library a darwin binary may link: the system's, and the two frameworks.
const ALLOWED_DYLIBS: [&str; 5] = [
    "/usr/lib/libSystem.B.dylib",
    "/usr/lib/libiconv.2.dylib",
    "/usr/lib/libcharset.1.dylib",
    SECURITY,
    CORE_FOUNDATION,
];

/// The targets whose zip this test builds itself (those `TF_TEST_RELEASE_DIST` does not hold).
fn targets_to_build() -> Vec<&'static Target> {
    TARGETS
        .iter()
        .filter(|t| released_zip(t.platform).is_none())
        .collect()
}

/// `bash -c 'source scripts/lib.sh ... SCRIPT'` in the repo, with scripts/darwin.sh sourced too
/// (unless lib.sh already did).
fn darwin_shell(script: &str) -> std::process::Command {
    let mut command = std::process::Command::new("bash");
    command
        .arg("-c")
        .arg(format!(
            "set -euo pipefail; source scripts/lib.sh; \
             declare -F build_darwin >/dev/null || source scripts/darwin.sh; {script}"
        ))
        .current_dir(repo())
        .stdin(std::process::Stdio::null());
    command
}

/// What is missing to build (if anything is to be built) and inspect the darwin zips here, each
/// with its install command.
fn missing_tools() -> Vec<(String, String)> {
    let mut missing = Vec::new();
    let apt = |tool: &str, package: &str, missing: &mut Vec<(String, String)>| {
        missing.push((tool.to_string(), format!("apt-get install {package}")));
    };
    if !on_path("llvm-objdump") {
        apt("llvm-objdump", "llvm", &mut missing);
    }
    if !on_path("unzip") {
        apt("unzip", "unzip", &mut missing);
    }
    let to_build: Vec<&str> = targets_to_build().iter().map(|t| t.triple).collect();
    if to_build.is_empty() {
        return missing;
    }
    // darwin_missing: "darwin: <what>: <command>", one line each.
    let output = darwin_shell(&format!("darwin_missing {}", to_build.join(" ")))
        .output()
        .expect("bash runs");
    assert_success(&output, "darwin_missing");
    for line in text(&output.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let line = line.strip_prefix("darwin: ").unwrap_or(line);
        match line.rsplit_once(": ") {
            Some((what, command)) => missing.push((what.to_string(), command.to_string())),
            None => missing.push((line.to_string(), "see scripts/darwin.sh".to_string())),
        }
    }
    missing
}

fn tools_ready() -> bool {
    static MISSING: OnceLock<Vec<(String, String)>> = OnceLock::new();
    cross::tools_ready(
        "the darwin release test",
        MISSING.get_or_init(missing_tools),
    )
}

/// One platform's zip and the binary unzipped from it.
struct Packed {
    target: &'static Target,
    zip: PathBuf,
    binary: PathBuf,
}

/// Both darwin zips (in the order of [`TARGETS`]), in a directory of this test's own.
fn release() -> &'static [Packed] {
    static RELEASE: OnceLock<Result<Vec<Packed>, String>> = OnceLock::new();
    // A failed build is remembered: the other tests fail with its message instead of building
    // again.
    match RELEASE.get_or_init(|| {
        std::panic::catch_unwind(make_release).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "making the darwin release panicked".to_string())
        })
    }) {
        Ok(packed) => packed,
        Err(message) => panic!("the darwin release could not be made: {message}"),
    }
}

fn make_release() -> Vec<Packed> {
    // Leaked on purpose: the tests of this binary share it until the process exits.
    let root = tempfile::Builder::new()
        .prefix("darwin-release")
        .tempdir()
        .expect("temp dir")
        .keep();
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let to_build = targets_to_build();
    for target in TARGETS
        .iter()
        .filter(|t| !to_build.iter().any(|b| b.platform == t.platform))
    {
        let given = released_zip(target.platform).expect("a released zip");
        eprintln!(
            "{}: the zip of TF_TEST_RELEASE_DIST, {}",
            target.platform,
            given.display()
        );
        std::fs::copy(&given, dist.join(zip_name(target.platform)))
            .unwrap_or_else(|e| panic!("copy {}: {e}", given.display()));
    }
    if !to_build.is_empty() {
        let triples: Vec<&str> = to_build.iter().map(|t| t.triple).collect();
        let started = Instant::now();
        // The build's progress goes to the test's stderr; the binaries, one a line, to stdout.
        let output = darwin_shell(&format!(
            "build_darwin {PROFILE} {}; printf '%s\\n' \"${{built_binaries[@]}}\"",
            triples.join(" ")
        ))
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("bash runs");
        assert_success(
            &output,
            &format!("build_darwin {PROFILE} {}", triples.join(" ")),
        );
        eprintln!(
            "build_darwin {PROFILE} {} took {:.1?}",
            triples.join(" "),
            started.elapsed()
        );
        let binaries: Vec<String> = text(&output.stdout).lines().map(str::to_string).collect();
        assert_eq!(
            binaries.len(),
            to_build.len(),
            "build_darwin names one binary per target: {binaries:?}"
        );
        for (target, binary) in to_build.iter().zip(&binaries) {
            cross::release_script(
                &["pack", target.platform, binary],
                &[("DIST_DIR", dist.to_str().unwrap())],
            );
        }
    }
    TARGETS
        .iter()
        .map(|target| {
            let zip = dist.join(zip_name(target.platform));
            let unpacked = root.join(target.platform);
            unzip(&zip, &unpacked);
            Packed {
                target,
                zip,
                binary: unpacked.join(executable_name()),
            }
        })
        .collect()
}

fn objdump(args: &[&str], binary: &Path) -> String {
    let output = std::process::Command::new("llvm-objdump")
        .args(args)
        .arg(binary)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("llvm-objdump runs");
    assert_success(&output, &format!("llvm-objdump {}", args.join(" ")));
    text(&output.stdout)
}

/// The minimum macOS the binary's load commands record: LC_BUILD_VERSION's `minos` (platform 1,
/// macOS), or LC_VERSION_MIN_MACOSX's `version`.
fn minimum_macos(binary: &Path) -> Vec<String> {
    let headers = objdump(&["--macho", "--private-headers"], binary);
    let mut found = Vec::new();
    for command in headers.split("Load command").skip(1) {
        let field = |name: &str| {
            command.lines().find_map(|line| {
                let mut words = line.split_whitespace();
                (words.next() == Some(name)).then(|| words.next().unwrap_or("").to_string())
            })
        };
        match field("cmd").as_deref() {
            Some("LC_BUILD_VERSION") => {
                // llvm-objdump names the platform (macos) or prints its number (1).
                let platform = field("platform");
                assert!(
                    matches!(platform.as_deref(), Some("macos" | "1")),
                    "LC_BUILD_VERSION is for macOS, not {platform:?}:{command}"
                );
                found.push(field("minos").expect("LC_BUILD_VERSION has minos"));
            }
            Some("LC_VERSION_MIN_MACOSX") => {
                found.push(field("version").expect("LC_VERSION_MIN_MACOSX has version"));
            }
            _ => {}
        }
    }
    found
}

/// The install names of the libraries the binary links (LC_LOAD_DYLIB and kin).
fn dylibs_used(binary: &Path) -> Vec<String> {
    objdump(&["--macho", "--dylibs-used"], binary)
        .lines()
        .skip(1) // "<path>:"
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let line = line.trim();
            line.split(" (compatibility version")
                .next()
                .unwrap_or(line)
                .to_string()
        })
        .collect()
}

#[test]
fn each_darwin_zip_holds_only_the_provider_binary_with_mode_0755() {
    if !tools_ready() {
        return;
    }
    for packed in release() {
        let entries = zip_entries(&packed.zip);
        let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [executable_name()],
            "{}: the zip holds exactly the binary",
            packed.zip.display()
        );
        assert_eq!(
            entries[0].unix_mode,
            Some(0o100755),
            "{}: a regular file, mode 0755",
            packed.zip.display()
        );
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&packed.binary).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o755, "{} unzipped", packed.binary.display());
    }
}

#[test]
fn each_darwin_binary_is_a_64_bit_mach_o_executable_of_its_architecture() {
    if !tools_ready() {
        return;
    }
    for packed in release() {
        let bytes = std::fs::read(&packed.binary).expect("the zip holds the binary");
        let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let platform = packed.target.platform;
        assert_eq!(
            u32_at(0),
            0xfeed_facf,
            "{platform}: MH_MAGIC_64, little-endian (a 64-bit Mach-O file, not a fat one)"
        );
        assert_eq!(
            u32_at(4),
            packed.target.cputype,
            "{platform}: cputype {:#x}",
            u32_at(4)
        );
        assert_eq!(u32_at(12), 2, "{platform}: filetype MH_EXECUTE");
    }
}

#[test]
fn each_darwin_binary_requires_macos_11_0() {
    if !tools_ready() {
        return;
    }
    for packed in release() {
        assert_eq!(
            minimum_macos(&packed.binary),
            [MINIMUM_MACOS],
            "{}: one minimum macOS version, {MINIMUM_MACOS}",
            packed.target.platform
        );
    }
}

#[test]
fn each_darwin_binary_links_only_libsystem_libiconv_security_and_corefoundation() {
    if !tools_ready() {
        return;
    }
    for packed in release() {
        let platform = packed.target.platform;
        let used = dylibs_used(&packed.binary);
        eprintln!("{platform} links {used:?}");
        let unexpected: Vec<&String> = used
            .iter()
            .filter(|d| !ALLOWED_DYLIBS.contains(&d.as_str()))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{platform} links {unexpected:?}, beyond {ALLOWED_DYLIBS:?}"
        );
        for framework in [SECURITY, CORE_FOUNDATION, "/usr/lib/libSystem.B.dylib"] {
            assert!(
                used.iter().any(|d| d == framework),
                "{platform} links {framework}: {used:?}"
            );
        }
    }
}

#[tokio::test]
async fn terraform_locks_both_darwin_zips_from_a_filesystem_mirror() {
    if !tools_ready() {
        return;
    }
    let release = release();
    let tf = terraform::newest();
    let packages: Vec<Package> = release
        .iter()
        .map(|packed| Package {
            platform: packed.target.platform,
            zip: &packed.zip,
            binary: &packed.binary,
        })
        .collect();
    cross::lock_from_mirror(&tf, &packages).await;
}
