# The macOS platforms built on Linux (sourced by scripts/lib.sh, after it sets repo, binary_name,
# version and defines cargo_target_dir). Zig is the C compiler and linker for
# aarch64-apple-darwin and x86_64-apple-darwin, run through cargo-zigbuild; both come from pinned
# PyPI wheels (scripts/install-zig.sh, `make zig`) into a venv, DARWIN_ZIG_DIR (default
# .cache/zig). No Apple SDK: Zig ships libSystem, and scripts/darwin-frameworks.py writes stubs of
# the two frameworks the provider links (Security, CoreFoundation) under a fixed SDKROOT.
#
# Defines:
#   darwin_missing [TRIPLE...]       one line per missing prerequisite, with its install command;
#                                    nothing when ready (default: both darwin triples)
#   build_darwin PROFILE TRIPLE...   one `cargo zigbuild` for every triple; sets built_binaries
#
# SDKROOT and MACOSX_DEPLOYMENT_TARGET are fixed ($repo/target/darwin-sdk, 11.0): cargo reruns
# the build scripts that read them, so a changed value rebuilds most crates. Without
# MACOSX_DEPLOYMENT_TARGET the arm64 binary would require macOS 15.0 (Zig's default). Zig's cache
# and cargo-zigbuild's compiler wrappers stay under target/ too (ZIG_GLOBAL_CACHE_DIR,
# ZIG_LOCAL_CACHE_DIR, CARGO_ZIGBUILD_CACHE_DIR), fixed as well, never under ~/.cache.

darwin_triples="aarch64-apple-darwin x86_64-apple-darwin"
darwin_deployment_target=11.0

# The venv of scripts/install-zig.sh.
darwin_zig_dir() {
  echo "${DARWIN_ZIG_DIR:-$repo/.cache/zig}"
}

# darwin_missing [TRIPLE...]: what building the triples (default: both darwin triples) on this
# machine lacks, one line each, with the command that installs it. Prints nothing when ready.
darwin_missing() {
  local triples=("$@") zig_dir install sysroot triple
  [ ${#triples[@]} -gt 0 ] || read -r -a triples <<<"$darwin_triples"
  if [ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]; then
    echo "darwin: built here on Linux x86_64 only (the pinned Zig wheel); on macOS build natively"
    return 0
  fi
  command -v "${CARGO:-cargo}" >/dev/null 2>&1 || echo "darwin: cargo: install Rust with rustup (https://rustup.rs)"
  zig_dir=$(darwin_zig_dir)
  if [ "$zig_dir" = "$repo/.cache/zig" ]; then install="make zig"; else install="scripts/install-zig.sh $zig_dir"; fi
  if ! [ -x "$zig_dir/bin/cargo-zigbuild" ] || ! "$zig_dir/bin/python3" -m ziglang version >/dev/null 2>&1; then
    if ! command -v python3 >/dev/null 2>&1; then
      echo "darwin: Python 3 (for the Zig venv): apt-get install python3 python3-venv"
    elif ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
      echo "darwin: Python venv support (for the Zig venv): apt-get install python3-venv"
    fi
    echo "darwin: Zig and cargo-zigbuild (pinned PyPI wheels) in $zig_dir: $install"
  fi
  sysroot=$(${RUSTC:-rustc} --print sysroot 2>/dev/null) || sysroot=
  for triple in "${triples[@]}"; do
    if [ -z "$sysroot" ] || [ ! -d "$sysroot/lib/rustlib/$triple/lib" ]; then
      echo "darwin: the Rust standard library for $triple: rustup target add $triple"
    fi
  done
}

# The directory cargo names a profile's output after.
darwin_profile_dir() {
  case "$1" in
    dev | test) echo debug ;;
    bench) echo release ;;
    *) echo "$1" ;;
  esac
}

# build_darwin PROFILE TRIPLE...: builds the provider for every darwin TRIPLE in one
# `cargo zigbuild --profile PROFILE --target T1 --target T2 ...` (the crates common to both are
# planned once, and two jobs share the cores), and sets the array built_binaries to the binaries,
# in the order of the triples. Returns non-zero, with built_binaries empty, when anything is
# missing or the build fails. Says on stderr how long the build took.
# Call it in the current shell, never in $(...): set -e does not reach in there.
build_darwin() {
  local profile=${1:-} triples triple missing zig_bin sdkroot target_dir started elapsed
  local args=(zigbuild --profile "$profile" --bin "$binary_name")
  built_binaries=()
  if [ -z "$profile" ] || [ $# -lt 2 ]; then
    echo "usage: build_darwin PROFILE TRIPLE..." >&2
    return 2
  fi
  shift
  triples=("$@")
  for triple in "${triples[@]}"; do
    case " $darwin_triples " in
      *" $triple "*) args+=(--target "$triple") ;;
      *) echo "build_darwin: $triple is not a darwin target ($darwin_triples)" >&2; return 2 ;;
    esac
  done
  missing=$(darwin_missing "${triples[@]}")
  if [ -n "$missing" ]; then
    echo "missing prerequisites for the darwin build; nothing was built:" >&2
    sed 's/^/  /' <<<"$missing" >&2
    return 1
  fi
  zig_bin=$(darwin_zig_dir)/bin
  sdkroot=$repo/target/darwin-sdk
  python3 "$repo/scripts/darwin-frameworks.py" "$sdkroot" || {
    echo "build_darwin: could not write the framework stubs in $sdkroot" >&2
    return 1
  }
  echo "building $binary_name $version for ${triples[*]}: SDKROOT=$sdkroot" \
    "MACOSX_DEPLOYMENT_TARGET=$darwin_deployment_target ${CARGO:-cargo} ${args[*]}" >&2
  started=${EPOCHREALTIME:-$SECONDS}
  started=${started/,/.}
  if ! (cd "$repo" && PATH="$zig_bin:$PATH" SDKROOT="$sdkroot" \
    MACOSX_DEPLOYMENT_TARGET="$darwin_deployment_target" \
    ZIG_GLOBAL_CACHE_DIR="$repo/target/darwin-zig-cache" ZIG_LOCAL_CACHE_DIR="$repo/target/darwin-zig-cache" \
    CARGO_ZIGBUILD_CACHE_DIR="$repo/target/darwin-zigbuild" ${CARGO:-cargo} "${args[@]}" >&2); then
    echo "the darwin build (${triples[*]}) failed: nothing was installed or packed" >&2
    return 1
  fi
  elapsed=${EPOCHREALTIME:-$SECONDS}
  elapsed=$(awk -v a="$started" -v b="${elapsed/,/.}" 'BEGIN { printf "%.1f", b - a }')
  echo "the darwin build (profile $profile; ${triples[*]}) took ${elapsed} s" >&2
  target_dir=$(cargo_target_dir) || { echo "cargo metadata failed: where did the build go?" >&2; return 1; }
  local binaries=() binary
  for triple in "${triples[@]}"; do
    binary=$target_dir/$triple/$(darwin_profile_dir "$profile")/$binary_name
    if [ ! -f "$binary" ]; then
      echo "cargo reported success but $binary is not there" >&2
      return 1
    fi
    binaries+=("$binary")
  done
  built_binaries=("${binaries[@]}")
}
