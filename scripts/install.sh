#!/usr/bin/env bash
# make install: builds the provider (release) and installs it where Terraform and OpenTofu look
# without any CLI configuration, the implied local mirror in the unpacked layout:
#   $HOME/.terraform.d/plugins/registry.terraform.io/supabase-rs/supabase/VERSION/OS_ARCH/
#     terraform-provider-supabase_vVERSION
# Then `terraform init` installs it offline for any configuration that requires
# source = "registry.terraform.io/supabase-rs/supabase" (version = VERSION or a range holding it).
#
# Environment:
#   BINARY   install this binary instead of building one (e.g. target/debug/terraform-provider-supabase)
#   HOME     whose ~/.terraform.d/plugins to install into
#   OS_ARCH  the platform directory, when BINARY is for another one (default: this machine's)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

source_address=registry.terraform.io/supabase-rs/supabase
: "${HOME:?HOME must be set}"
os_arch=${OS_ARCH:-$(terraform_os_arch)}
if ! [[ $os_arch =~ ^[a-z0-9]+_[a-z0-9]+$ ]]; then
  echo "OS_ARCH must look like linux_amd64, not '$os_arch'" >&2
  exit 1
fi
if [ -n "${BINARY:-}" ]; then
  [ -f "$BINARY" ] && [ -x "$BINARY" ] || { echo "BINARY=$BINARY is not an executable file" >&2; exit 1; }
  binary=$BINARY
else
  # In this shell, not in $(...): a failed build must stop the install (set -e).
  build_provider
  binary=$built_binary
fi
dir="$HOME/.terraform.d/plugins/$source_address/$version/$os_arch"
target="$dir/${binary_name}_v$version"

mkdir -p "$dir"
# Copy then rename: a Terraform running the old binary keeps its inode, and nothing ever sees a
# half-written file.
cp "$binary" "$target.tmp.$$"
chmod 0755 "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "installed $source_address $version ($os_arch): $target"

cat <<NOTE
Use it with:
  terraform {
    required_providers {
      supabase = {
        source  = "$source_address"
        version = "$version"
      }
    }
  }
then \`terraform init\`. A configuration whose .terraform.lock.hcl already pins another build of
$version needs \`terraform init -upgrade\` to record the new checksum.
NOTE

# An explicit provider_installation block turns the implied local mirror off.
cli_config=${TF_CLI_CONFIG_FILE:-${TERRAFORM_CONFIG:-$HOME/.terraformrc}}
if [ -f "$cli_config" ] && grep -q '^[[:space:]]*provider_installation' "$cli_config"; then
  cat >&2 <<WARN
note: $cli_config has a provider_installation block, so Terraform ignores ~/.terraform.d/plugins
unless that block lists it; add
    filesystem_mirror {
      path    = "$HOME/.terraform.d/plugins"
      include = ["$source_address"]
    }
and remove any dev_overrides entry for $source_address (it would take precedence).
WARN
fi
