#!/usr/bin/env bash
# One-time, idempotent set-up for a fresh machine: each step is skipped when already done.
# Installs: the wasm32 Rust target, wasm-bindgen-cli at the crate's exact version, Debian's chromium
# (for the e2e tests), the npm packages, a Python venv with the real TFLite interpreter for tests, and
# Mesa's software Vulkan driver (lavapipe, Mesa >= 25) on which the tests run LiteRT's real GPU accelerator.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# The GPU oracle of the Python tests (tests/python/litert_gpu.py) runs LiteRT's real GPU accelerator on
# Mesa's software Vulkan driver (lavapipe). Its WebGPU layer refuses the lavapipe of Mesa < 25, so on
# bookworm (Mesa 22.3) libvulkan1 and mesa-vulkan-drivers come from bookworm-backports. That adds
# mesa-libgallium and moves only Mesa's other libraries (libegl-mesa0, libgbm1, libgl1-mesa-dri,
# libglx-mesa0, libgl1-mesa-dev) and libdrm* to the backports versions; --no-remove makes apt stop
# rather than remove anything.
MESA_MIN=25
BACKPORTS_SOURCE=/etc/apt/sources.list.d/bookworm-backports.sources
installed_version() {  # prints the installed version of package $1, fails if it is not installed
  local st
  st=$(dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null) || return 1
  case $st in "install ok installed "*) echo "${st##* }" ;; *) return 1 ;; esac
}
lavapipe_ok() {
  local v
  installed_version libvulkan1 >/dev/null && v=$(installed_version mesa-vulkan-drivers) \
    && dpkg --compare-versions "$v" ge "$MESA_MIN"
}
debian_mirror() {  # prints "URI KEYRING" of the deb822 stanza that serves suite $1 (debian.sources)
  awk -v suite="$1" '
    function flush() { if (uri != "" && has) print uri, key; uri = ""; key = ""; has = 0 }
    /^[ \t]*$/ { flush(); next }
    $1 == "URIs:" { uri = $2 }
    $1 == "Signed-By:" { key = $2 }
    $1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
    END { flush() }' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1
}
add_bookworm_backports() {
  grep -qs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources && return 0
  local uri key
  read -r uri key < <(debian_mirror bookworm) || true
  [ -n "${uri:-}" ] || { echo "setup: no bookworm stanza in /etc/apt/sources.list.d/debian.sources to copy" >&2; return 1; }
  say "adding bookworm-backports ($uri) as an apt source"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' \
    "$uri" "${key:-/usr/share/keyrings/debian-archive-keyring.gpg}" | $SUDO tee "$BACKPORTS_SOURCE" >/dev/null
}
install_lavapipe() {
  lavapipe_ok && return 0
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  local codename target=()
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [ "$codename" = bookworm ]; then
    add_bookworm_backports
    target=(-t bookworm-backports)
  fi
  say "installing libvulkan1 and mesa-vulkan-drivers >= $MESA_MIN ${target[*]} (lavapipe, for the GPU oracle)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends --no-remove "${target[@]}" \
    libvulkan1 mesa-vulkan-drivers
  lavapipe_ok || { echo "setup: mesa-vulkan-drivers $(installed_version mesa-vulkan-drivers || echo absent) is older than $MESA_MIN" >&2; return 1; }
}

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
# ai-edge-quantizer makes the full-integer int8 test models (scripts/make_int8_deeplab.py).
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import ai_edge_litert, ai_edge_quantizer, numpy, PIL' 2>/dev/null; then
  say "installing ai-edge-litert and ai-edge-quantizer into .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/pip install -q --disable-pip-version-check -r scripts/requirements.txt
fi
install_lavapipe
say "ready"
