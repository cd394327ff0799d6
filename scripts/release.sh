#!/usr/bin/env bash
# make release: a registry-style release of the provider in dist/, for several platforms:
#   terraform-provider-supabase_VERSION_OS_ARCH.zip      per platform: the binary, as terraform-provider-supabase_vVERSION
#                                                        (terraform-provider-supabase_vVERSION.exe on Windows)
#   terraform-provider-supabase_VERSION_manifest.json    {"version":1,"metadata":{"protocol_versions":["6.0"]}}
#   terraform-provider-supabase_VERSION_SHA256SUMS       sha256 of every zip and of the manifest
#   terraform-provider-supabase_VERSION_SHA256SUMS.sig   detached binary signature of SHA256SUMS
# VERSION is the [package] version in Cargo.toml. The zips are reproducible: fixed timestamp
# (SOURCE_DATE_EPOCH, else 1980-01-01) and mode 0755, so the same binary gives the same sums.
# Any zip serves as-is from a filesystem mirror (packed layout):
#   MIRROR/registry.terraform.io/supabase-rs/supabase/terraform-provider-supabase_VERSION_OS_ARCH.zip
#
# Three modes, one script for every platform:
#   scripts/release.sh                      build: checks the prerequisites of every platform in
#                                           PLATFORMS, builds each with its Rust target (cargo
#                                           build --release --target ...; on Linux both macOS
#                                           targets in one cargo zigbuild call), then, only if every
#                                           build succeeded, replaces this version's files in
#                                           DIST_DIR with the zips, the manifest, SHA256SUMS and
#                                           its signature
#   scripts/release.sh pack OS_ARCH BINARY  pack-only: zips a binary built elsewhere (a CI runner
#                                           that built its own) as OS_ARCH into DIST_DIR; writes
#                                           no sums (stale ones of this version are removed)
#   scripts/release.sh sign                 gather-and-sign: every zip of this version already in
#                                           DIST_DIR (gathered from the runners) gets one manifest,
#                                           one SHA256SUMS over every zip and the manifest, and
#                                           one signature
#
# Environment:
#   PLATFORMS   build mode: the platforms to build (default: all five, "linux_amd64 linux_arm64
#               darwin_amd64 darwin_arm64 windows_amd64", on Linux x86_64; "darwin_arm64
#               darwin_amd64" on macOS; else this machine's)
#   GPG_KEY_ID  build and sign modes: the key that signs SHA256SUMS (id, fingerprint or user id;
#               GNUPGHOME is honoured)
#   GPG_ARGS    extra gpg options, e.g. "--pinentry-mode loopback --passphrase-file FILE"
#   UNSIGNED=1  build and sign modes: no signature (fine for a filesystem mirror; a registry needs one)
#   DIST_DIR    where to write (default: dist/ in the repo)
#   CARGO       the cargo to build with (default: cargo)
# BINARY, OS_ARCH and KEEP_DIST of earlier versions are gone: `pack OS_ARCH BINARY` replaces
# BINARY and OS_ARCH, and `sign` (which never removes a zip) replaces KEEP_DIST=1.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dist=${DIST_DIR:-$repo/dist}
prefix="${binary_name}_${version}"
mode=${1:-build}

for old in BINARY OS_ARCH KEEP_DIST; do
  if [ -n "${!old:-}" ]; then
    cat >&2 <<GONE
release: $old is no longer read. To pack a binary built elsewhere:
  scripts/release.sh pack <os_arch> <binary>     (replaces BINARY=... OS_ARCH=...)
and to sum and sign every zip gathered in DIST_DIR:
  scripts/release.sh sign                        (replaces KEEP_DIST=1)
To build: PLATFORMS="linux_amd64 linux_arm64" scripts/release.sh
GONE
    exit 2
  fi
done

# Decides about signing before anything is built or written.
check_signing() {
  if [ -n "${GPG_KEY_ID:-}" ]; then
    command -v gpg >/dev/null || { echo "GPG_KEY_ID is set but gpg is not installed (apt-get install gnupg)" >&2; exit 1; }
    if ! gpg --batch --list-secret-keys "$GPG_KEY_ID" >/dev/null 2>&1; then
      echo "no secret key '$GPG_KEY_ID' in ${GNUPGHOME:-~/.gnupg} (gpg --list-secret-keys shows what there is)" >&2
      exit 1
    fi
  elif [ "${UNSIGNED:-}" = 1 ]; then
    echo "warning: UNSIGNED=1: SHA256SUMS will not be signed; a registry will refuse this release" >&2
  else
    cat >&2 <<HOWTO
release: no signing key given. A registry release needs ${prefix}_SHA256SUMS signed:
  gpg --list-secret-keys --keyid-format long     # pick a key (registries take RSA or DSA keys)
  GPG_KEY_ID=<key id or fingerprint> make release
GNUPGHOME selects another keyring; a passphrase-protected key needs gpg-agent to have it
cached, or GPG_ARGS="--pinentry-mode loopback --passphrase-file FILE".
Publish the public half (gpg --armor --export <key>) as the registry's signing key.
For an unsigned build (a filesystem mirror checks no signature): UNSIGNED=1 make release
HOWTO
    exit 1
  fi
}

check_tools() {
  command -v python3 >/dev/null || { echo "python3 is missing (it writes the zips): apt-get install python3" >&2; exit 1; }
  if ! command -v sha256sum >/dev/null && ! command -v shasum >/dev/null; then
    echo "sha256sum is missing: apt-get install coreutils" >&2
    exit 1
  fi
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi
}

# pack_zip OS_ARCH BINARY: DIST_DIR/PREFIX_OS_ARCH.zip holding BINARY.
pack_zip() {
  local platform=$1 binary=$2
  rust_target_of "$platform" >/dev/null || exit 1
  [ -f "$binary" ] && [ -x "$binary" ] || { echo "$binary is not an executable file" >&2; exit 1; }
  mkdir -p "$dist"
  python3 - "$binary" "$dist/${prefix}_${platform}.zip" "${binary_name}_v${version}$(executable_suffix_of "$platform")" <<'PY'
import os, sys, time, zipfile
src, dst, name = sys.argv[1:4]
epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH") or 0), 315532800)  # zip starts at 1980
info = zipfile.ZipInfo(name, date_time=time.gmtime(epoch)[:6])
info.create_system = 3                   # unix: Terraform restores the mode from these bits
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f:
    data = f.read()
with zipfile.ZipFile(dst + ".tmp", "w") as z:
    z.writestr(info, data, compresslevel=6)
os.replace(dst + ".tmp", dst)
PY
  echo "packed $platform: $dist/${prefix}_${platform}.zip" >&2
}

# The manifest, SHA256SUMS over every zip of this version in DIST_DIR and the manifest, and the
# signature (unless UNSIGNED=1).
gather_and_sign() {
  local sums="${prefix}_SHA256SUMS" manifest="${prefix}_manifest.json" zips
  shopt -s nullglob
  zips=("$dist/${prefix}_"*.zip)
  shopt -u nullglob
  if [ ${#zips[@]} -eq 0 ]; then
    echo "no ${prefix}_<os_arch>.zip in $dist to sign: pack some first (scripts/release.sh pack OS_ARCH BINARY)" >&2
    exit 1
  fi
  # Every zip holds exactly the binary, under the name Terraform expects (.exe on Windows).
  python3 - "${binary_name}_v${version}" "$prefix" "$supported_platforms" "${zips[@]}" <<'PY'
import os, sys, zipfile
name, prefix, platforms, zips = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
for path in zips:
    platform = os.path.basename(path)[len(prefix) + 1:-len(".zip")]
    if platform not in platforms:
        sys.exit(f"{path}: unknown platform {platform!r} (supported: {' '.join(platforms)})")
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    expected = name + (".exe" if platform.startswith("windows_") else "")
    if names != [expected]:
        sys.exit(f"{path} holds {names}, not [{expected!r}]")
PY
  rm -f "$dist/$sums" "$dist/$sums.sig"
  printf '%s\n' '{"version":1,"metadata":{"protocol_versions":["6.0"]}}' > "$dist/$manifest"
  (
    cd "$dist"
    files=("${prefix}_"*.zip "$manifest")
    sha256 "${files[@]}" | LC_ALL=C sort -k2 > "$sums.tmp"
    mv "$sums.tmp" "$sums"
  )
  if [ -n "${GPG_KEY_ID:-}" ]; then
    # shellcheck disable=SC2086 # GPG_ARGS is a list of options
    gpg --batch --yes ${GPG_ARGS:-} --local-user "$GPG_KEY_ID" \
      --output "$dist/$sums.sig" --detach-sign "$dist/$sums"
    gpg --batch --verify "$dist/$sums.sig" "$dist/$sums" 2>/dev/null \
      || { echo "the signature just made does not verify" >&2; exit 1; }
  fi
  echo "release $version in $dist:"
  (cd "$dist" && ls -1 "${prefix}_"*) | sed 's/^/  /'
  echo "check:  (cd $dist && sha256sum -c $sums)"
  if [ -n "${GPG_KEY_ID:-}" ]; then
    echo "        gpg --verify $dist/$sums.sig $dist/$sums"
  fi
}

default_platforms() {
  case "$(terraform_os_arch 2>/dev/null || true)" in
    linux_amd64) echo "$supported_platforms" ;;
    darwin_*) echo "darwin_arm64 darwin_amd64" ;;
    *) terraform_os_arch ;;
  esac
}

case "$mode" in
  build)
    [ $# -le 1 ] || { echo "usage: scripts/release.sh [build | pack OS_ARCH BINARY | sign]" >&2; exit 2; }
    read -r -a platforms <<<"${PLATFORMS:-$(default_platforms)}"
    [ ${#platforms[@]} -gt 0 ] || { echo "PLATFORMS is empty" >&2; exit 2; }
    for platform in "${platforms[@]}"; do rust_target_of "$platform" >/dev/null || exit 2; done
    # Everything is checked before minutes go into a build.
    check_signing
    check_tools
    check_platform_prerequisites "${platforms[@]}"
    binaries=()   # binaries[i] is the build of platforms[i] (no associative arrays: bash 3.2 on macOS)
    # Two cargo calls at most: every macOS target built on Linux in one `cargo zigbuild`, every
    # other target in one `cargo build`. In this shell, not in $(...): a failed build stops the
    # release (set -e), before dist/.
    cargo_indices=() cargo_triples=() zig_indices=() zig_triples=()
    for i in "${!platforms[@]}"; do
      triple=$(rust_target_of "${platforms[$i]}")
      if [[ ${platforms[$i]} == darwin_* ]] && [ "$(uname -s)" = Linux ]; then
        zig_indices+=("$i") zig_triples+=("$triple")
      else
        cargo_indices+=("$i") cargo_triples+=("$triple")
      fi
    done
    if [ ${#cargo_triples[@]} -gt 0 ]; then
      started=$SECONDS
      build_provider "${cargo_triples[@]}"
      for j in "${!cargo_indices[@]}"; do
        binaries[cargo_indices[j]]=${built_binaries[$j]}
      done
      echo "${cargo_triples[*]}: built in $((SECONDS - started)) s (one cargo build)" >&2
    fi
    if [ ${#zig_triples[@]} -gt 0 ]; then
      build_darwin release "${zig_triples[@]}"   # says how long it took
      for j in "${!zig_indices[@]}"; do
        binaries[zig_indices[j]]=${built_binaries[$j]}
      done
    fi
    # Every build succeeded: only now is DIST_DIR touched, and this version starts afresh.
    mkdir -p "$dist"
    rm -f "$dist/${prefix}_"*
    for i in "${!platforms[@]}"; do
      pack_zip "${platforms[$i]}" "${binaries[$i]}"
    done
    gather_and_sign
    ;;
  pack)
    [ $# -eq 3 ] || { echo "usage: scripts/release.sh pack OS_ARCH BINARY" >&2; exit 2; }
    check_tools
    rm -f "$dist/${prefix}_SHA256SUMS" "$dist/${prefix}_SHA256SUMS.sig"
    pack_zip "$2" "$3"
    ;;
  sign)
    [ $# -eq 1 ] || { echo "usage: scripts/release.sh sign" >&2; exit 2; }
    check_signing
    check_tools
    gather_and_sign
    ;;
  *)
    echo "usage: scripts/release.sh [build | pack OS_ARCH BINARY | sign]" >&2
    exit 2
    ;;
esac
