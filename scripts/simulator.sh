#!/usr/bin/env bash
# make simulator: builds the simulator and serves it as its own process (HTTPS with a private CA,
# the API's rate limit, a project that starts with its default keys, as a real one does) until
# Ctrl-C. Prints the environment that points the provider, `make testacc`, `make sweep` and
# `make probe-api` at it, and writes it to $SIMULATOR_DIR/env for `source`.
# SIMULATOR_DIR (default .cache/simulator), SIMULATOR_PORT (default: any free port).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cargo=${CARGO:-cargo}
dir=${SIMULATOR_DIR:-$repo/.cache/simulator}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# An env file left by a simulator that was killed would point at nothing: gone until this one listens.
rm -f "$dir/env" "$dir/out"
# Simulator credentials, not secrets: they open nothing but this process.
token=sbp_5151a70000000000000000000000000000000000
project=simulatedprojectrefx

cd "$repo"
$cargo build --quiet --bin supabase-simulator -p supabase-simulator
bin=$($cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/supabase-simulator

mkfifo "$dir/out"
"$bin" --https --ca-out "$dir/ca.pem" --port "${SIMULATOR_PORT:-0}" --token "$token" \
  --project "$project" --default-keys > "$dir/out" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$dir/out" "$dir/env"' EXIT
trap 'exit 0' INT TERM
exec 3< "$dir/out"
read -r -t 30 line <&3 || { echo "the simulator did not start" >&2; exit 1; }
cat > "$dir/env" <<ENV
export SUPABASE_API_ENDPOINT=${line#listening on }
export SUPABASE_ACCESS_TOKEN=$token
export SUPABASE_ACC_PROJECT_REF=$project
export SSL_CERT_FILE=$dir/ca.pem
ENV
echo "Supabase Management API simulator (pid $pid), until Ctrl-C. In another shell:"
echo
sed 's/^/  /' "$dir/env"
echo
echo "  (or: source $dir/env), then make testacc, make sweep, make probe-api, or terraform."
wait "$pid"
