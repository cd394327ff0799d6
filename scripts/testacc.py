#!/usr/bin/env python3
"""make testacc: the acceptance tests in live mode, one test at a time, against the Management
API endpoint the environment names (SUPABASE_ACCESS_TOKEN, SUPABASE_ACC_PROJECT_REF (required),
SUPABASE_API_ENDPOINT, default https://api.supabase.com). Terraform: TESTACC_TERRAFORM (a path),
else the newest pinned one. Every key the run makes is named tfacc_<run id>_...; at the end it
prints, per test file, the tests run and skipped (with the reasons), the requests made, the keys
created and deleted, and the leftovers (keys of this run still there: must be 0). Exits non-zero
when a test failed or a key was left. Ctrl-C stops the run, then still counts the leftovers
(`make sweep` deletes them once they are older than SWEEP_MIN_AGE)."""

import collections
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A file whose every test would wait an hour on a real endpoint, or that needs no endpoint.
PER_FILE_TIMEOUT = 3600


def fail(message):
    print(f"make testacc: {message}", file=sys.stderr)
    sys.exit(2)


def acceptance_files():
    """The test files whose tests use the acceptance fixture (the seam with two backends)."""
    return sorted(
        p.stem
        for p in (REPO / "tests").glob("*.rs")
        if "Fixture::" in p.read_text() and not p.stem.startswith("protocol")
    )


def cargo_target_dir(cargo):
    meta = subprocess.run(
        [cargo, "metadata", "--format-version", "1", "--no-deps"],
        cwd=REPO, check=True, capture_output=True, text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def leftovers(tool, env, prefix):
    """Keys of this run still in the project, as the sweeper lists them (dry run, any age)."""
    out = subprocess.run(
        [tool, "sweep"],
        env={**env, "SWEEP_PREFIX": prefix, "SWEEP_MIN_AGE": "0", "DRY_RUN": "1"},
        capture_output=True, text=True, timeout=300,
    )
    if out.returncode != 0:
        return None, out.stderr.strip()
    names = [line.strip() for line in out.stdout.splitlines() if line.startswith("  ")]
    return names, ""


def main():
    env = dict(os.environ)
    if not env.get("SUPABASE_ACC_PROJECT_REF"):
        fail(
            "SUPABASE_ACC_PROJECT_REF is not set. Name the scratch project to run against "
            "(its 20-letter ref); there is no default, so that no run lands in a project by "
            "accident. See CONTRIBUTING.md."
        )
    if not env.get("SUPABASE_ACCESS_TOKEN"):
        fail("SUPABASE_ACCESS_TOKEN is not set: a token of the account that owns the project.")
    env.setdefault("SUPABASE_API_ENDPOINT", "https://api.supabase.com")
    terraform = env.get("TESTACC_TERRAFORM") or str(REPO / ".cache/terraform/1.15.5/terraform")
    terraform = shutil.which(terraform) or terraform
    if not os.access(terraform, os.X_OK):
        fail(f"no Terraform at {terraform}: set TESTACC_TERRAFORM, or run make terraform-1.15.5")
    cargo = env.get("CARGO", "cargo")
    run_id = env.get("TESTACC_RUN_ID") or secrets.token_hex(4)
    prefix = f"tfacc_{run_id}_"
    manifest = REPO / "target" / "testacc" / run_id
    manifest.mkdir(parents=True, exist_ok=True)
    env.update({
        "TESTACC_LIVE": "1",
        "TESTACC_RUN_ID": run_id,
        "TESTACC_TERRAFORM": os.path.abspath(terraform),
        "TF_TEST_MANIFEST_DIR": str(manifest),
        "CARGO_TERM_COLOR": "never",
    })
    version = subprocess.run([terraform, "version"], env={**env, "CHECKPOINT_DISABLE": "1"},
                             capture_output=True, text=True).stdout.splitlines()[0]
    files = acceptance_files()
    print(f"==> live run {run_id} against {env['SUPABASE_API_ENDPOINT']}, project "
          f"{env['SUPABASE_ACC_PROJECT_REF']}, {version}; keys named {prefix}...", flush=True)
    subprocess.run([cargo, "build", "-q", "-p", "supabase-acc"], cwd=REPO, check=True)
    build = [cargo, "test", "-q", "--no-run"] + [f"--test={f}" for f in files]
    subprocess.run(build, cwd=REPO, check=True, env=env)
    tool = str(cargo_target_dir(cargo) / "debug" / "supabase-acc")

    started = time.monotonic()
    results = {}  # file -> {test: "ok" | "FAILED"}
    interrupted = False
    current = None
    try:
        for name in files:
            print(f"==> {name}", flush=True)
            current = subprocess.Popen(
                [cargo, "test", "-q", f"--test={name}", "--", "--test-threads=1",
                 "--format=pretty"],
                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                start_new_session=True,
            )
            outcome = {}
            with open(manifest / f"{name}.log", "w") as log:
                for line in current.stdout:
                    log.write(line)
                    m = re.match(r"^test (\S+) \.\.\. (ok|FAILED|ignored)", line)
                    if m:
                        outcome[m.group(1)] = m.group(2)
                        print(f"    {m.group(2):6} {m.group(1)}", flush=True)
            current.wait(timeout=PER_FILE_TIMEOUT)
            if "FAILED" in outcome.values():
                print(f"    (output: {manifest / (name + '.log')})", flush=True)
            if current.returncode != 0 and "FAILED" not in outcome.values():
                outcome["(the test binary)"] = "FAILED"
            results[name] = outcome
            current = None
    except KeyboardInterrupt:
        interrupted = True
        if current is not None:
            os.killpg(current.pid, signal.SIGINT)
            try:
                current.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(current.pid, signal.SIGKILL)
        print("\n==> interrupted: counting what is left", flush=True)
    wall = time.monotonic() - started

    ran, skipped = collections.Counter(), collections.defaultdict(collections.Counter)
    cost = collections.Counter()
    ran_tests, skipped_tests = set(), set()
    for path in [*manifest.glob("*.jsonl"), *manifest.glob("live/*.jsonl")]:
        for line in path.read_text().splitlines():
            entry = json.loads(line)
            crate = entry["crate"]
            if "provider_requests" in entry:
                for k in ("provider_requests", "harness_requests", "provider_created",
                          "harness_created", "provider_deleted", "harness_deleted"):
                    cost[k] += entry[k]
                if entry["strangers"]:
                    cost["strangers"] += len(entry["strangers"])
            elif entry["status"] == "ran":
                ran[crate] += 1
                ran_tests.add((crate, entry["test"]))
            elif entry["status"] == "skipped":
                skipped[crate][entry["reason"]] += 1
                skipped_tests.add((crate, entry["test"]))

    left, why = leftovers(tool, env, prefix)
    failed = sorted(f"{f}::{t}" for f, o in results.items() for t, s in o.items() if s == "FAILED")
    print()
    print(f"Live acceptance run {run_id}: {version}, {len(results)} of {len(files)} files, "
          f"{wall / 60:.1f} min{' (interrupted)' if interrupted else ''}")
    print(f"{'file':34} {'ran':>4} {'skipped':>8} {'failed':>7}")
    for name in files:
        fails = sum(1 for s in results.get(name, {}).values() if s == "FAILED")
        print(f"{name:34} {ran[name]:>4} {sum(skipped[name].values()):>8} {fails:>7}")
        for reason, n in skipped[name].most_common():
            print(f"  {n:>3} skipped: {reason}")
    print(f"{'total':34} {sum(ran.values()):>4} "
          f"{sum(sum(c.values()) for c in skipped.values()):>8} {len(failed):>7}")
    total = cost["provider_requests"] + cost["harness_requests"]
    print(f"requests: {total} ({cost['provider_requests']} by the provider, from its DEBUG lines; "
          f"{cost['harness_requests']} by the harness)")
    print(f"keys created: {cost['provider_created'] + cost['harness_created']} "
          f"({cost['provider_created']} by Terraform, {cost['harness_created']} seeded); "
          f"deleted: {cost['provider_deleted'] + cost['harness_deleted']} "
          f"({cost['provider_deleted']} by Terraform, {cost['harness_deleted']} by the harness)")
    if left is None:
        print(f"leftovers: unknown (the sweeper failed: {why})")
    else:
        print(f"leftovers: {len(left)}")
        for line in left:
            print(f"  {line}")
    if cost["strangers"]:
        print(f"keys made without the prefix: {cost['strangers']} (see the failed tests)")
    for name in failed:
        print(f"FAILED {name}")
    failed_tests = {(f, t) for f, o in results.items() for t, s in o.items() if s == "FAILED"}
    print(f"testacc: {len(ran_tests - failed_tests)} passed, {len(failed_tests)} failed, "
          f"{len(skipped_tests - ran_tests)} skipped")
    ok = not failed and not interrupted and left == [] and not cost["strangers"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
