#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing; quick when all is there.
# Usage: .ci/tools.sh [build|test|bench]   (build: wasm tools, brotli; test: + browsers, nginx; bench: + wrk, twiggy)
set -euo pipefail
cd "$(dirname "$0")/.."

want=${1:-test}
TRUNK_VERSION=0.21.14
WASM_PACK_VERSION=0.15.1
BINARYEN_VERSION=132
TERSER_VERSION=5.51.4
LIGHTHOUSE_VERSION=12.8.2 # 13 needs Node 22; Debian has 20
TOOLS_DIR=${AVATAR_TOOLS_DIR:-$HOME/.cache/avatar-studio}
export PATH="$HOME/.cargo/bin:$TOOLS_DIR/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen version the lock file pins: wasm-bindgen-cli must equal it.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

apt_packages=()
need_apt() { command -v "$1" >/dev/null 2>&1 || apt_packages+=("$2"); }
need_apt ffmpeg ffmpeg
need_apt ffprobe ffmpeg
need_apt espeak-ng espeak-ng
need_apt node nodejs
need_apt npm npm
need_apt brotli brotli # make dist precompresses the hashed assets (deploy/package-dist)
if [ "$want" != build ]; then
  need_apt chromium chromium
  need_apt chromedriver chromium-driver
  # The deployment journey runs Debian's nginx with its brotli_static module (deploy/).
  [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
  [ -f /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] || apt_packages+=(libnginx-mod-http-brotli-static)
fi
if [ "$want" = bench ]; then
  need_apt wrk wrk
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  say "apt-get install ${apt_packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "cargo install trunk@$TRUNK_VERSION"
  cargo install --locked --force "trunk@$TRUNK_VERSION"
fi

wbg=$(wasm_bindgen_version)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg" ]; then
  # Not --locked: the CLI's own lock file names a crate version the registry lacks.
  say "cargo install wasm-bindgen-cli@$wbg"
  cargo install --force "wasm-bindgen-cli@$wbg"
fi

if [ "$want" != build ] && [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
  say "cargo install wasm-pack@$WASM_PACK_VERSION"
  cargo install --force "wasm-pack@$WASM_PACK_VERSION"
fi

if [ "$want" = bench ] && ! command -v twiggy >/dev/null 2>&1; then
  say "cargo install twiggy (names what costs the most bytes in the wasm)"
  cargo install --locked twiggy
fi

# npm_tool COMMAND PACKAGE VERSION WHY: installs PACKAGE@VERSION into $TOOLS_DIR unless COMMAND's
# `--version` already names VERSION exactly (as one of its words).
npm_tool() {
  if ! "$1" --version 2>/dev/null | tr -s " ()" "\n" | grep -qxF -- "$3"; then
    say "npm install $2@$3 ($4)"
    mkdir -p "$TOOLS_DIR"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS_DIR" "$2@$3"
  fi
}
npm_tool wasm-opt binaryen "$BINARYEN_VERSION" "Debian's binaryen is too old for Trunk"
npm_tool terser terser "$TERSER_VERSION" "Trunk's minifier gives up on wasm-bindgen's glue; make dist uses terser"
if [ "$want" = bench ]; then
  npm_tool lighthouse lighthouse "$LIGHTHOUSE_VERSION" "make bench scores the page with it"
fi

lock=tests/e2e/package-lock.json
if [ "$want" != build ] && [ -f $lock ] && [ $lock -nt tests/e2e/node_modules/.package-lock.json ]; then
  say "npm ci (tests/e2e)"
  npm ci --silent --no-audit --no-fund --prefix tests/e2e
fi
