#!/usr/bin/env bash
# make release: builds the provider (release) and writes a registry-style release into dist/:
#   terraform-provider-supabase_VERSION_OS_ARCH.zip      the binary, as terraform-provider-supabase_vVERSION
#   terraform-provider-supabase_VERSION_manifest.json    {"version":1,"metadata":{"protocol_versions":["6.0"]}}
#   terraform-provider-supabase_VERSION_SHA256SUMS       sha256 of every zip and of the manifest
#   terraform-provider-supabase_VERSION_SHA256SUMS.sig   detached binary signature of SHA256SUMS
# VERSION is the [package] version in Cargo.toml. The zip is reproducible: fixed timestamp
# (SOURCE_DATE_EPOCH, else 1980-01-01) and mode 0755, so the same binary gives the same sums.
# Any zip serves as-is from a filesystem mirror (packed layout):
#   MIRROR/registry.terraform.io/supabase-rs/supabase/terraform-provider-supabase_VERSION_OS_ARCH.zip
#
# Environment:
#   GPG_KEY_ID  the key that signs SHA256SUMS (id, fingerprint or user id; GNUPGHOME is honoured)
#   GPG_ARGS    extra gpg options, e.g. "--pinentry-mode loopback --passphrase-file FILE"
#   UNSIGNED=1  release without a signature (fine for a filesystem mirror; a registry needs one)
#   BINARY      package this binary instead of building one
#   OS_ARCH     its platform (default: this machine's, e.g. linux_amd64)
#   DIST_DIR    where to write (default: dist/ in the repo)
#   KEEP_DIST=1 keep the other platforms' zips of this version already in DIST_DIR (one run per
#               platform, then SHA256SUMS covers them all); by default a run starts afresh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

dist=${DIST_DIR:-$repo/dist}
prefix="${binary_name}_${version}"

# Decide about signing before spending minutes on a build.
if [ -n "${GPG_KEY_ID:-}" ]; then
  command -v gpg >/dev/null || { echo "GPG_KEY_ID is set but gpg is not installed" >&2; exit 1; }
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

if command -v sha256sum >/dev/null; then
  sha256() { sha256sum "$@"; }
else
  sha256() { shasum -a 256 "$@"; }
fi

binary=$(provider_binary)
mkdir -p "$dist"
if [ "${KEEP_DIST:-}" != 1 ]; then
  rm -f "$dist/${prefix}_"*
else
  rm -f "$dist/${prefix}_SHA256SUMS" "$dist/${prefix}_SHA256SUMS.sig"
fi

zip_name="${prefix}_${os_arch}.zip"
python3 - "$binary" "$dist/$zip_name" "${binary_name}_v${version}" <<'PY'
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

manifest="${prefix}_manifest.json"
printf '%s\n' '{"version":1,"metadata":{"protocol_versions":["6.0"]}}' > "$dist/$manifest"

sums="${prefix}_SHA256SUMS"
(
  cd "$dist"
  shopt -s nullglob
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
