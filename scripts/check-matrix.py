#!/usr/bin/env python3
"""Checks the Terraform version matrix a test run recorded, so that a Terraform that was not
there can never pass as green.

Usage: scripts/check-matrix.py MANIFEST_DIR TERRAFORM...

MANIFEST_DIR is the TF_TEST_MANIFEST_DIR of a `cargo test` run: JSON lines written by
tests/support/terraform.rs, one per (test, Terraform) that ran and one per recorded skip.
Each TERRAFORM is a version (1.0.3) or a terraform binary to ask for its version.

Fails unless
  - every given version ran at least one test;
  - every test seen (ran or skipped anywhere) ran or recorded a skip on every given version,
    except the tests tests/matrix-one-version.txt declares (they must have run somewhere);
  - a version with a list tests/matrix-<version>.txt (a spot check: it runs only the tests listed,
    see tests/support/terraform.rs) ran every test listed there, none skipped;
  - a test that ran on an older version and skipped on a newer one gives a reason that names a
    Terraform version (a limit of that version, such as "needs 1.4"), never a bare skip;
  - the manifest holds no version that was not given.
Prints a table per test and a summary per version either way.
"""

import json
import os
import re
import subprocess
import sys
from collections import defaultdict

VERSION = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
TESTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests")
ONE_VERSION_FILE = os.path.join(TESTS_DIR, "matrix-one-version.txt")
NAMES_A_VERSION = re.compile(r"\b\d+\.\d+\b")


def version_of(arg):
    if VERSION.match(arg):
        return arg
    try:
        out = subprocess.run(
            [arg, "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, CHECKPOINT_DISABLE="1"),
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.exit(f"check-matrix: {arg} is neither a version nor a terraform that runs: {e}")
    match = re.search(r"v(\d+\.\d+\.\d+\S*)", out)
    if not match:
        sys.exit(f"check-matrix: `{arg} version` printed no version: {out!r}")
    return match.group(1)


def key(version):
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def read_manifest(directory):
    records = []
    if not os.path.isdir(directory):
        sys.exit(f"check-matrix: {directory} does not exist (was TF_TEST_MANIFEST_DIR set?)")
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    record = json.loads(line)
                    test = f"{record['crate']}::{record['test']}"
                    records.append((test, record["terraform"], record["status"], record.get("reason")))
                except (ValueError, KeyError) as e:
                    sys.exit(f"check-matrix: {name}:{number}: not a manifest line ({e}): {line!r}")
    return records


def read_one_version(path):
    declared = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    test, _, reason = line.partition(" ")
                    declared[test] = reason.strip() or "runs on one Terraform by design"
    return declared


def read_selection(version):
    """The tests a spot-check version runs (tests/matrix-<version>.txt), or None for all."""
    path = os.path.join(os.environ.get("MATRIX_TESTS_DIR", TESTS_DIR), f"matrix-{version}.txt")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return {
            line.split("#")[0].split()[0]
            for line in f
            if line.split("#")[0].strip()
        }


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    directory = argv[1]
    given = sorted({version_of(a) for a in argv[2:]}, key=key)
    records = read_manifest(directory)
    one_version = read_one_version(os.environ.get("MATRIX_ONE_VERSION", ONE_VERSION_FILE))

    ran = defaultdict(set)  # test -> versions
    skipped = defaultdict(dict)  # test -> version -> reason
    for test, version, status, reason in records:
        if status == "ran":
            ran[test].add(version)
        elif status == "skipped":
            skipped[test][version] = reason or "(no reason given)"
        else:
            sys.exit(f"check-matrix: unknown status {status!r} for {test}")
    tests = sorted(set(ran) | set(skipped))
    seen_versions = {v for vs in ran.values() for v in vs} | {
        v for vs in skipped.values() for v in vs
    }

    selections = {version: read_selection(version) for version in given}
    failures = []
    for version in sorted(seen_versions - set(given), key=key):
        failures.append(f"the manifest has Terraform {version}, which was not given to the check")
    cells = {}
    for test in tests:
        for version in given:
            selection = selections[version]
            if version in ran[test]:
                cells[test, version] = "ran"
            elif selection is not None and test in selection:
                cells[test, version] = "MISSING"
                why = skipped[test].get(version)
                failures.append(
                    f"{test} is listed in tests/matrix-{version}.txt but "
                    + (f"skipped on it: {why}" if why else "did not run on it")
                )
            elif version in skipped[test]:
                cells[test, version] = "skipped"
            elif selection is not None or (test in one_version and ran[test]):
                cells[test, version] = "-"
            else:
                cells[test, version] = "MISSING"
                failures.append(f"{test} neither ran nor recorded a skip on Terraform {version}")
    for test in tests:
        older_ran = [v for v in given if cells[test, v] == "ran"]
        for version in given:
            reason = skipped[test].get(version)
            if (
                cells[test, version] == "skipped"
                and any(key(v) < key(version) for v in older_ran)
                and not NAMES_A_VERSION.search(reason)
            ):
                failures.append(
                    f"{test} ran on Terraform {min(older_ran, key=key)} but skipped on {version} "
                    f"for a reason that names no Terraform version limit: {reason}"
                )
    for version, selection in selections.items():
        for test in sorted(selection or ()):
            if test not in tests:
                for other in given:
                    cells.setdefault((test, other), "-")
                cells[test, version] = "MISSING"
                failures.append(f"{test} is listed in tests/matrix-{version}.txt but never ran")
    tests = sorted({t for t, _ in cells})
    for test, reason in sorted(one_version.items()):
        if test not in ran:
            print(f"note: {test} is declared one-version ({reason}) but did not run")

    # Per test.
    width = max([len(t) for t in tests] + [4])
    print(
        f"Terraform matrix ({len(tests)} tests; '-' = not run there by design: one-version tests, "
        "and the tests a spot-check version's list leaves out):"
    )
    print(f"  {'test':<{width}}  " + "  ".join(f"{v:>8}" for v in given))
    for test in tests:
        print(f"  {test:<{width}}  " + "  ".join(f"{cells[test, v]:>8}" for v in given))

    # Per version.
    print("Per version:")
    for version in given:
        ran_here = [t for t in tests if cells[t, version] == "ran"]
        skipped_here = [t for t in tests if cells[t, version] == "skipped"]
        elsewhere = [t for t in tests if cells[t, version] == "-"]
        missing = [t for t in tests if cells[t, version] == "MISSING"]
        print(
            f"  Terraform {version}: {len(ran_here)} ran, {len(skipped_here)} skipped, "
            f"{len(elsewhere)} on another Terraform by design, {len(missing)} missing"
        )
        for test in skipped_here:
            print(f"    skipped {test}: {skipped[test][version]}")
        if selections[version] is not None:
            print(f"    a spot check: runs only the {len(selections[version])} tests of "
                  f"tests/matrix-{version}.txt")
        for test in elsewhere:
            if test in one_version:
                print(f"    one-version {test}: {one_version[test]}")
        if not ran_here:
            failures.append(f"nothing ran on Terraform {version}")

    if failures:
        print("check-matrix: FAILED", file=sys.stderr)
        for failure in failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"check-matrix: every test ran or recorded a skip on Terraform {', '.join(given)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
