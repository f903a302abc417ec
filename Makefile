# Avatar Studio: `make run` to use it, `make test` to check everything.
# Each target installs what it is missing first (.ci/tools.sh), quickly when all is there.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
TOOLS_DIR ?= $(HOME)/.cache/avatar-studio
export PATH := $(HOME)/.cargo/bin:$(TOOLS_DIR)/node_modules/.bin:$(PATH)

# Where `make run` serves things.
APP_ADDR ?= 127.0.0.1:8080
API_ADDR ?= 127.0.0.1:8787
# Emulator speed for `make run`: 1 = the provider's minutes; 10 = demos in tens of seconds.
SPEED ?= 10
# Asset URLs are relative (Trunk.toml: public_url = "./"), so one dist/ works under any sub-path;
# set PUBLIC_URL (e.g. `make dist PUBLIC_URL=/studio/`) only to pin absolute asset URLs.
PUBLIC_URL ?=
# Where static hosts serve the page, for the paths in dist/_headers (Netlify, Cloudflare Pages).
DEPLOY_BASE ?= /

EMULATOR := target/release/avatar-emulator

.PHONY: run test dist emulator tools tools-build lint unit browser e2e screenshots bench clean

run: tools-build dist emulator ## Build, start the emulator and serve the app
	@.ci/serve.sh "$(APP_ADDR)" "$(API_ADDR)" "$(SPEED)"

test: tools lint unit browser e2e ## Every test: lint, native, in-browser, end-to-end
	@echo "make test: all green"

tools:
	@.ci/tools.sh test

tools-build:
	@.ci/tools.sh build

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p avatar-studio --all-targets --target wasm32-unknown-unknown -- -D warnings

unit: dist ## Native tests of the whole workspace (with the size guard on the dist/ just built)
	AVATAR_SIZE_GUARD=1 cargo test --workspace

browser: ## Component tests in headless Chromium
	wasm-pack test --headless --chrome --chromedriver /usr/bin/chromedriver

dist: ## A deployable dist/ (hashed assets with .br/.gz copies, _headers, the production config.json)
	trunk build --release --offline $(if $(PUBLIC_URL),--public-url "$(PUBLIC_URL)")
	deploy/package-dist dist "$(DEPLOY_BASE)"

emulator:
	cargo build --release -p avatar-emulator

e2e: dist emulator ## End-to-end journeys in real Chromium
	tests/e2e/run.sh

screenshots: dist emulator ## The end-to-end run, saving its screenshots into docs/screenshots for the README
	AVATAR_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots tests/e2e/run.sh

bench: ## Every benchmark; rewrites BENCHMARKS.md
	@.ci/tools.sh bench
	.ci/bench

clean:
	cargo clean
	rm -rf dist pkg tests/e2e/node_modules
