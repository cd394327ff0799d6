# Shared by scripts/install.sh and scripts/release.sh (sourced, not run).
# Sets: repo, version (from Cargo.toml's [package]), binary_name. Defines the platform helpers
# (terraform_os_arch, rust_target_of, executable_suffix_of, check_platform_prerequisites) and
# build_provider; scripts/darwin.sh (sourced here) adds the macOS cross build, build_darwin.
#
# A build runs in the calling shell, never inside a command substitution: `set -e` does not
# reach into `$(...)`, so `binary=$(build ...)` would carry on past a failed cargo build and
# install or pack whatever old binary target/ still held.

shopt -s inherit_errexit 2>/dev/null || true
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary_name=terraform-provider-supabase

# The [package] version in Cargo.toml: the one version number of a release.
version=$(awk -F'"' '
  /^\[/ { in_package = ($0 == "[package]") }
  in_package && /^version[[:space:]]*=/ { print $2; exit }
' "$repo/Cargo.toml")
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "could not read a version from the [package] section of $repo/Cargo.toml (got '$version')" >&2
  exit 1
fi

# The platforms a release can hold, in Terraform's GOOS_GOARCH names.
supported_platforms="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64"

source "$repo/scripts/darwin.sh"

# Terraform names platforms GOOS_GOARCH: linux_amd64, linux_arm64, darwin_arm64, ...
# This machine's.
terraform_os_arch() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    FreeBSD) os=freebsd ;;
    OpenBSD) os=openbsd ;;
    NetBSD) os=netbsd ;;
    *) echo "unsupported OS $(uname -s)" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    i386 | i686) arch=386 ;;
    armv6l | armv7l | arm) arch=arm ;;
    *) echo "unsupported architecture $(uname -m)" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}

# The Rust target that builds a platform.
rust_target_of() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-gnu ;;
    linux_arm64) echo aarch64-unknown-linux-gnu ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
    *)
      echo "unknown platform '$1' (supported: $supported_platforms)" >&2
      return 1
      ;;
  esac
}

# What a platform's executable is called after its name: ".exe" on Windows.
executable_suffix_of() {
  case "$1" in
    windows_*) echo .exe ;;
    *) echo ;;
  esac
}

# The Debian cross compiler (command prefix, package) that links a Linux or Windows target on
# another machine.
cross_gcc_of() {
  case "$1" in
    aarch64-unknown-linux-gnu) echo "aarch64-linux-gnu gcc-aarch64-linux-gnu" ;;
    x86_64-unknown-linux-gnu) echo "x86_64-linux-gnu gcc-x86-64-linux-gnu" ;;
    x86_64-pc-windows-gnu) echo "x86_64-w64-mingw32 gcc-mingw-w64-x86-64" ;;
  esac
}

# Whether this machine builds platform $1 without help: the same OS and architecture.
is_host_platform() {
  [ "$1" = "$(terraform_os_arch 2>/dev/null)" ]
}

# Checks what building each platform in "$@" needs, before anything is built. Prints every
# missing piece with the command that installs it, and returns 1 if anything is missing.
check_platform_prerequisites() {
  local missing=() platform triple host_os sysroot gcc prefix package upper under gcc_var ar_var
  local darwin_on_linux=() line
  host_os=$(uname -s)
  command -v "${CARGO:-cargo}" >/dev/null 2>&1 || missing+=("cargo: install Rust with rustup (https://rustup.rs)")
  sysroot=$(${RUSTC:-rustc} --print sysroot 2>/dev/null) || sysroot=
  for platform in "$@"; do
    triple=$(rust_target_of "$platform") || return 1
    case "$platform" in
      darwin_*)
        if [ "$host_os" = Linux ]; then
          # Cross-built with Zig (scripts/darwin.sh), which checks its own prerequisites below.
          darwin_on_linux+=("$triple")
          continue
        elif [ "$host_os" != Darwin ]; then
          missing+=("$platform: built on Linux (with Zig) or macOS only; leave it out of PLATFORMS here")
          continue
        fi
        ;;
      linux_* | windows_*)
        if [ "$host_os" != Linux ]; then
          missing+=("$platform: built on Linux only; leave it out of PLATFORMS here")
          continue
        fi
        ;;
    esac
    if [ -n "$sysroot" ] && [ ! -d "$sysroot/lib/rustlib/$triple/lib" ]; then
      missing+=("$platform: the Rust standard library for $triple: rustup target add $triple")
    fi
    if [ "$host_os" = Linux ] && [ -n "$(cross_gcc_of "$triple")" ] && ! is_host_platform "$platform"; then
      read -r prefix package <<<"$(cross_gcc_of "$triple")"
      upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
      under=${triple//-/_}
      gcc_var="CARGO_TARGET_${upper}_LINKER"
      gcc=${!gcc_var:-$prefix-gcc}
      command -v "$gcc" >/dev/null 2>&1 ||
        missing+=("$platform: a cross linker and C compiler for $triple ($gcc): apt-get install $package")
      ar_var="AR_${under}"
      command -v "${!ar_var:-$prefix-ar}" >/dev/null 2>&1 ||
        missing+=("$platform: a cross archiver for $triple (${!ar_var:-$prefix-ar}): apt-get install $package")
    fi
  done
  if [ ${#darwin_on_linux[@]} -gt 0 ]; then
    while IFS= read -r line; do
      [ -n "$line" ] && missing+=("$line")
    done < <(darwin_missing "${darwin_on_linux[@]}")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "missing prerequisites; nothing was built:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    return 1
  fi
}

# Where cargo puts its builds: CARGO_TARGET_DIR (maybe relative) or build.target-dir may move
# target/.
cargo_target_dir() {
  (cd "$repo" && ${CARGO:-cargo} metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
}

# Builds the provider (release) and sets built_binary to its path. With Rust target triples as
# arguments, builds them all in one cargo call (`--target A --target B`: the host's build scripts
# and proc macros are built once, and the targets' final LTO links run side by side), sets
# built_binaries to their paths in that order and built_binary to the first. A Linux target of
# another architecture, or a Windows one, gets its Debian cross linker, C compiler and archiver
# unless the environment names others. Returns non-zero, and leaves both empty, when the build
# fails.
build_provider() {
  local triple target_dir path args=(build --release --bin "$binary_name") triples=()
  built_binary= built_binaries=()
  for triple in "$@"; do
    triples+=("$triple")
    args+=(--target "$triple")
    local cross prefix package upper under
    cross=$(cross_gcc_of "$triple")
    if [ -n "$cross" ] && [ "$(uname -s)" = Linux ] && { [ "$(uname -m)" != "${triple%%-*}" ] || [[ $triple == *-windows-* ]]; }; then
      read -r prefix package <<<"$cross"
      upper=$(echo "$triple" | tr 'a-z-' 'A-Z_')
      under=${triple//-/_}
      export "CARGO_TARGET_${upper}_LINKER=$(printenv "CARGO_TARGET_${upper}_LINKER" || echo "$prefix-gcc")"
      export "CC_${under}=$(printenv "CC_${under}" || echo "$prefix-gcc")"
      export "AR_${under}=$(printenv "AR_${under}" || echo "$prefix-ar")"
    fi
  done
  local for_what=${triples[*]+ for ${triples[*]}}
  echo "building $binary_name $version$for_what: ${CARGO:-cargo} ${args[*]}" >&2
  if ! (cd "$repo" && ${CARGO:-cargo} "${args[@]}" >&2); then
    echo "the build$for_what failed: nothing was installed or packed" >&2
    return 1
  fi
  target_dir=$(cargo_target_dir) || { echo "cargo metadata failed: where did the build go?" >&2; return 1; }
  [ ${#triples[@]} -gt 0 ] || triples=("")
  for triple in "${triples[@]}"; do
    path="$target_dir/${triple:+$triple/}release/$binary_name"
    if [[ $triple == *-windows-* ]]; then path+=.exe; fi
    if [ ! -x "$path" ]; then
      echo "cargo reported success but $path is not there" >&2
      built_binaries=()
      return 1
    fi
    built_binaries+=("$path")
  done
  built_binary=${built_binaries[0]}
}
