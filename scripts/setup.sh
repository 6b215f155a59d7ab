#!/usr/bin/env bash
# One-time, idempotent set-up for a fresh machine: each step is skipped when already done.
# Installs: the wasm32 Rust target, wasm-bindgen-cli at the crate's exact version, Debian's chromium
# (for the e2e tests), the npm packages, and a Python venv with the real TFLite interpreter for tests.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen's CLI must equal the crate version in Cargo.lock (no --locked: see docs/toolchain.md).
WB=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3}' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $WB"; then
  say "installing wasm-bindgen-cli $WB (takes a few minutes once)"
  cargo install wasm-bindgen-cli --version "$WB"
fi

if [ ! -x /usr/bin/chromium ]; then
  say "installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
fi

if [ ! -x node_modules/.bin/playwright ] || [ package.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi

# The real TFLite interpreter checks fixed models and numerics in the tests.
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import ai_edge_litert, numpy, PIL' 2>/dev/null; then
  say "creating .venv with ai-edge-litert"
  python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements.txt
fi
say "ready"
