#!/usr/bin/env bash
# Installs what builds the macOS platforms on Linux (scripts/darwin.sh): Zig, as the C compiler
# and linker for the two Apple targets, and cargo-zigbuild, which runs cargo with it. Both come
# from pinned PyPI wheels, `ziglang==0.17.1` and `cargo-zigbuild==0.24.1` (Linux x86_64), into
# one Python venv:
#   DIR/bin/cargo-zigbuild   the cargo subcommand (`cargo zigbuild`, with DIR/bin on PATH)
#   DIR/bin/python3          whose `python3 -m ziglang` is the Zig cargo-zigbuild runs
# pip checks each wheel's sha256 before it saves it, and we check it again; pip downloads with a
# scratch HOME and no cache, so nothing is written under the real $HOME, and installs each
# checked file with --no-deps (nothing else is fetched). A stamp of both sha256s makes a second
# run a no-op. Prints the venv's bin directory.
# Usage: scripts/install-zig.sh [DIR]   (default: .cache/zig under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

zig_package="ziglang==0.17.1"
zig_wheel=ziglang-0.17.1-py3-none-manylinux_2_12_x86_64.manylinux2010_x86_64.musllinux_1_1_x86_64.whl
zig_sha256=ea6cc5d87b033cf0aedfbc8f9549a908cae6c50ac31f1698188fa48a74524b54
zigbuild_package="cargo-zigbuild==0.24.1"
zigbuild_wheel=cargo_zigbuild-0.24.1-py3-none-manylinux1_x86_64.manylinux_2_5_x86_64.whl
zigbuild_sha256=238a1ab54a95053a4eadc34775c81f795a8ad75f80bfed63f3f445f518102375
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$repo/.cache/zig}
bin=$dir/bin
stamp=$dir/wheels.sha256
want_stamp="$zig_sha256 $zigbuild_sha256"

installed_ok() {
  [ "$(cat "$stamp" 2>/dev/null)" = "$want_stamp" ] && [ -x "$bin/cargo-zigbuild" ] &&
    "$bin/python3" -m ziglang version >/dev/null 2>&1
}

if installed_ok; then
  echo "$bin"
  exit 0
fi

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "the pinned Zig and cargo-zigbuild wheels are Linux x86_64 builds; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi
if ! python3 -m venv --help >/dev/null 2>&1; then
  echo "install-zig: python3 cannot make a venv: apt-get install python3-venv" >&2
  exit 1
fi

# The venv is made afresh, so DIR is emptied: only ever a venv. A directory that holds
# something else is refused.
if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$dir/pyvenv.cfg" ]; then
  echo "install-zig: $dir holds files and is not a venv; give an empty or new directory" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Both wheels are py3-none: the same file whatever Python runs pip.
pinned_pip_download "$zig_package" "$zig_sha256" "$work/zig" --only-binary :all: \
  --platform manylinux_2_12_x86_64
[ "$(basename "$downloaded")" = "$zig_wheel" ] || { echo "pip downloaded $downloaded, not $zig_wheel" >&2; exit 1; }
zig_file=$downloaded
pinned_pip_download "$zigbuild_package" "$zigbuild_sha256" "$work/zigbuild" --only-binary :all: \
  --platform manylinux_2_5_x86_64
[ "$(basename "$downloaded")" = "$zigbuild_wheel" ] || { echo "pip downloaded $downloaded, not $zigbuild_wheel" >&2; exit 1; }
zigbuild_file=$downloaded

# A fresh venv: whatever a failed or older install left goes.
rm -rf "$dir"
python3 -m venv "$dir"
for file in "$zig_file" "$zigbuild_file"; do
  HOME=$work/home "$bin/python3" -m pip install --quiet --disable-pip-version-check --no-cache-dir \
    --no-index --no-deps "$file" >&2
done

"$bin/python3" -m ziglang version >/dev/null || { echo "install-zig: the installed Zig does not run" >&2; exit 1; }
"$bin/cargo-zigbuild" --version >/dev/null || { echo "install-zig: the installed cargo-zigbuild does not run" >&2; exit 1; }
echo "$want_stamp" > "$stamp"
echo "$bin"
