#!/usr/bin/env python3
"""Writes the two Apple frameworks the provider links on macOS, Security and CoreFoundation, as
text stubs (.tbd) under SDKROOT, for a build of the darwin targets on Linux (scripts/darwin.sh).

Why: there is no Apple SDK here, and none may be downloaded (its licence ties it to Apple
hardware). Zig, the C compiler and linker cargo-zigbuild uses, ships libSystem only. The linker
needs no more of a framework than the names it exports and its install name: a stub says which
dylib to record as the provider's dependency (LC_LOAD_DYLIB) and lets the provider's references
to those names resolve. The code itself is never linked in: on the Mac, dyld loads the real
/System/Library/Frameworks/<Name>.framework and binds the names to it.

The names are those the crates that link these frameworks declare in their `extern "C"` blocks
(functions and statics, link_name included): `security-framework-sys` (Security) and
`core-foundation-sys` (CoreFoundation), in the versions that
`cargo metadata --filter-platform aarch64-apple-darwin` resolves. Items behind `#[cfg(...)]` are
all included: a stub naming more than a framework really exports is harmless, as only the names
the provider uses end up in it.

Writes SDKROOT/System/Library/Frameworks/<Name>.framework/<Name>.tbd, where Zig finds a framework
with -F$SDKROOT/System/Library/Frameworks (cargo-zigbuild passes it when SDKROOT is set). A stamp
(SDKROOT/.stubs-stamp: the crates' versions and this script's sha256) makes a second run with the
same crates a no-op, and a stub is rewritten only if its contents change, so its mtime, and the
build that depends on it, stay as they were.

Usage: scripts/darwin-frameworks.py SDKROOT
"""

import hashlib
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLATFORM = "aarch64-apple-darwin"
# crate -> the framework it links (its build script says cargo:rustc-link-lib=framework=...).
FRAMEWORKS = {
    "security-framework-sys": "Security",
    "core-foundation-sys": "CoreFoundation",
}
TARGETS = "[ x86_64-macos, arm64-macos ]"

COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
STRING = re.compile(r'"(?:\\.|[^"\\])*"')
EXTERN_BLOCK = re.compile(r'\b(?:unsafe\s+)?extern\s*(?:"C"\s*)?\{')
ITEM = re.compile(r"\bfn\s+([A-Za-z_]\w*)|\bstatic\s+(?:mut\s+)?([A-Za-z_]\w*)\s*:")
LINK_NAME = re.compile(r'\blink_name\s*=\s*"([^"]+)"')


def crates():
    """(name, version, src dir) of each crate of FRAMEWORKS that the lock file resolves."""
    output = subprocess.run(
        [os.environ.get("CARGO", "cargo"), "metadata", "--format-version", "1",
         "--filter-platform", PLATFORM],
        cwd=REPO, check=True, stdout=subprocess.PIPE,
    ).stdout
    metadata = json.loads(output)
    found = sorted(
        (p["name"], p["version"], os.path.join(os.path.dirname(p["manifest_path"]), "src"))
        for p in metadata["packages"]
        if p["name"] in FRAMEWORKS
    )
    missing = set(FRAMEWORKS) - {name for name, _, _ in found}
    if missing:
        sys.exit(f"darwin-frameworks: cargo metadata resolves no {', '.join(sorted(missing))} "
                 f"for {PLATFORM}: what links the frameworks now?")
    return found


def extern_names(source):
    """The names a Rust source declares in its extern blocks: functions, statics, link_names."""
    names = set()
    # Strings first (a "//" in one is not a comment), but keep link_name's value: comments go,
    # then the blocks are found in the text with strings blanked.
    stripped = COMMENT.sub(" ", source)
    for match in EXTERN_BLOCK.finditer(stripped):
        depth, start = 1, match.end()
        i = start
        while i < len(stripped) and depth:
            if stripped[i] == "{":
                depth += 1
            elif stripped[i] == "}":
                depth -= 1
            i += 1
        block = stripped[start:i - 1]
        names.update(LINK_NAME.findall(block))
        for item in ITEM.finditer(STRING.sub('""', block)):
            names.add(item.group(1) or item.group(2))
    return names


def crate_names(src):
    names = set()
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for file in sorted(files):
            if file.endswith(".rs"):
                with open(os.path.join(root, file), encoding="utf-8") as f:
                    names |= extern_names(f.read())
    return names


def quoted(symbol):
    return symbol if re.fullmatch(r"[A-Za-z_][\w.]*", symbol) else "'" + symbol + "'"


def tbd(framework, names):
    symbols = [quoted("_" + name) for name in sorted(names)]
    lines = []
    line = "    symbols:         [ "
    for i, symbol in enumerate(symbols):
        piece = symbol + (", " if i < len(symbols) - 1 else " ]")
        if len(line) + len(piece) > 100 and not line.endswith("[ "):
            lines.append(line.rstrip())
            line = " " * 23
        line += piece
    lines.append(line)
    return (
        "--- !tapi-tbd\n"
        "tbd-version:     4\n"
        f"targets:         {TARGETS}\n"
        f"install-name:    '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'\n"
        "current-version: 1\n"
        "exports:\n"
        f"  - targets:         {TARGETS}\n"
        + "\n".join(lines) + "\n"
        "...\n"
    )


def write_if_changed(path, contents):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == contents:
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(contents)
    os.replace(path + ".tmp", path)
    return True


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    sdkroot = os.path.abspath(argv[1])
    found = crates()
    with open(os.path.abspath(__file__), "rb") as f:
        script = hashlib.sha256(f.read()).hexdigest()
    stamp = "".join(f"{name} {version}\n" for name, version, _ in found) + f"script {script}\n"
    stamp_path = os.path.join(sdkroot, ".stubs-stamp")
    stubs = {
        framework: os.path.join(sdkroot, "System/Library/Frameworks",
                                f"{framework}.framework", f"{framework}.tbd")
        for framework in FRAMEWORKS.values()
    }
    try:
        with open(stamp_path, encoding="utf-8") as f:
            if f.read() == stamp and all(os.path.isfile(p) for p in stubs.values()):
                return 0
    except FileNotFoundError:
        pass

    names = {framework: set() for framework in FRAMEWORKS.values()}
    for name, _, src in found:
        names[FRAMEWORKS[name]] |= crate_names(src)
    for framework, path in stubs.items():
        if not names[framework]:
            sys.exit(f"darwin-frameworks: found no extern names for {framework}")
        changed = write_if_changed(path, tbd(framework, names[framework]))
        print(f"darwin-frameworks: {path}: {len(names[framework])} symbols"
              + ("" if changed else " (unchanged)"), file=sys.stderr)
    write_if_changed(stamp_path, stamp)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
