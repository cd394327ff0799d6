# Shared by scripts/install.sh and scripts/release.sh (sourced, not run).
# Sets: repo, version (from Cargo.toml's [package]), os_arch (Terraform's name for this platform,
# or OS_ARCH from the environment), binary_name.

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

# Terraform names platforms GOOS_GOARCH: linux_amd64, linux_arm64, darwin_arm64, ...
# OS_ARCH overrides it, for a BINARY built for another platform.
terraform_os_arch() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    FreeBSD) os=freebsd ;;
    OpenBSD) os=openbsd ;;
    NetBSD) os=netbsd ;;
    *) echo "unsupported OS $(uname -s): set OS_ARCH (e.g. linux_amd64)" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    i386 | i686) arch=386 ;;
    armv6l | armv7l | arm) arch=arm ;;
    *) echo "unsupported architecture $(uname -m): set OS_ARCH (e.g. linux_amd64)" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}
os_arch=${OS_ARCH:-$(terraform_os_arch)}
if ! [[ $os_arch =~ ^[a-z0-9]+_[a-z0-9]+$ ]]; then
  echo "OS_ARCH must look like linux_amd64, not '$os_arch'" >&2
  exit 1
fi

# The provider binary: BINARY if set (nothing is built), else a fresh release build.
provider_binary() {
  if [ -n "${BINARY:-}" ]; then
    [ -f "$BINARY" ] && [ -x "$BINARY" ] || { echo "BINARY=$BINARY is not an executable file" >&2; return 1; }
    echo "$BINARY"
  else
    (cd "$repo" && ${CARGO:-cargo} build --release --bin "$binary_name" >&2)
    # Where cargo put it: CARGO_TARGET_DIR (maybe relative) or build.target-dir may move target/.
    local target_dir
    target_dir=$(cd "$repo" && ${CARGO:-cargo} metadata --format-version 1 --no-deps |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])') || return 1
    echo "$target_dir/release/$binary_name"
  fi
}
