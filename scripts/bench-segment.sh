#!/usr/bin/env bash
# Benchmarks segmentation with the quantized DeepLab models, single-threaded, in four runtimes:
#   in Debian's Chromium (headless): our wasm engine and Google's LiteRT.js (@litertjs/core, accelerator 'wasm');
#   natively: Google's ai-edge-litert (the .venv) and our engine (crate/examples/bench_segment.rs, when it exists).
# Per model: runtime init, model load, first run, median and min of the runs, ratios ours/LiteRT.js and
# ours-native/ai-edge-litert, the share of pixels whose class equals ai-edge-litert's, and the wasm download sizes.
# Prints figures only (no pass/fail). Offline: everything is served from 127.0.0.1, not cross-origin isolated
# (so LiteRT.js has no threads).
#   bash scripts/bench-segment.sh            BENCH_ROUNDS=N (default 10) runs per figure; BENCH_JSON=FILE keeps all figures
# Our wasm is dist/pkg/delegate_doctor_engine{.js,_bg.wasm}; the site is rebuilt (scripts/build.sh) when it is older
# than the crate sources, or missing while scripts/build.sh builds it. Without it only the other runtimes run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-10}
SHARED=${DD_SHARED:-../shared}
PY=.venv/bin/python
MODELS=(deeplabv3_mnv2_pascal_257_os16_quant.tflite deeplabv3_mnv2_pascal_513_os8_quant.tflite)
IMAGES=(astronaut.png chelsea.png)
say() { printf '\033[1m[bench]\033[0m %s\n' "$*"; }

[ -x "$PY" ] || { say "no $PY (ai-edge-litert): run bash scripts/setup.sh"; exit 2; }
[ -f node_modules/@litertjs/core/dist/index.js ] || { say "no node_modules/@litertjs/core: run npm ci"; exit 2; }
for m in "${MODELS[@]}"; do [ -f "$SHARED/models/deeplab/$m" ] || { say "missing $SHARED/models/deeplab/$m"; exit 2; }; done

wasm=dist/pkg/delegate_doctor_engine_bg.wasm
if [ -f "$wasm" ]; then
  if [ -n "$(find crate/src crate/tflite-schema crate/Cargo.toml Cargo.toml -newer "$wasm" -print -quit)" ]; then
    say "dist/ is stale: building the site"
    bash scripts/build.sh
  fi
elif grep -q delegate_doctor_engine scripts/build.sh; then
  say "dist/ has no engine wasm: building the site"
  bash scripts/build.sh
fi
if [ -f crate/examples/bench_segment.rs ]; then
  say "building the native example bench_segment"
  cargo build --quiet --release --example bench_segment
fi

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
serve=$tmp/serve
mkdir -p "$serve/models" "$serve/litertjs" "$serve/ref"
cp bench/segment.html bench/segment.js "$serve/"
# Symlinks (http.server follows them): the LiteRT.js package is 38 MB, the 513 model 2.3 MB.
[ -d dist/pkg ] && ln -s "$PWD/dist/pkg" "$serve/pkg"
ln -s "$PWD/node_modules/@litertjs/core" "$PWD/node_modules/@litertjs/wasm-utils" "$serve/litertjs/"
model_paths=()
for m in "${MODELS[@]}"; do
  ln -s "$(realpath "$SHARED/models/deeplab/$m")" "$serve/models/$m"
  model_paths+=("$serve/models/$m")
done
# A full-integer int8 DeepLab (BENCH_INT8=0 skips it): the float 257 OS16 graph (make_float_deeplab) quantized by
# ai-edge-quantizer (scripts/make_int8_deeplab.py), float32 in through a QUANTIZE, int32 ARG_MAX out.
if [ "${BENCH_INT8:-1}" = 1 ]; then
  say "making the int8 DeepLab (make_float_deeplab + scripts/make_int8_deeplab.py)"
  cargo build --quiet --release --example make_float_deeplab
  target/release/examples/make_float_deeplab "$SHARED/models/deeplab/${MODELS[0]}" "$tmp/pascal_257_os16_float.tflite" >/dev/null
  int8=pascal_257_os16_int8_float_input.tflite
  "$PY" scripts/make_int8_deeplab.py "$tmp/pascal_257_os16_float.tflite" "$serve/models/$int8" --float-input >/dev/null 2>&1
  model_paths+=("$serve/models/$int8")
fi
images=()
for i in "${IMAGES[@]}"; do images+=("$SHARED/samples/$i"); done
say "inputs: ${IMAGES[*]} resized with PIL (bilinear) to each model's input size, raw RGB"
"$PY" bench/segment_native.py inputs "$serve/inputs" "$tmp/sizes.json" "${model_paths[@]}" -- "${images[@]}"

# python's http.server: .wasm as application/wasm, no COOP/COEP headers (not cross-origin isolated).
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$serve" >"$tmp/server.log" 2>&1 &
server=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log"; exit 1; }

say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "Chromium $(/usr/bin/chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1)," \
  "LiteRT.js $(node -p 'require("./node_modules/@litertjs/core/package.json").version')," \
  "ai-edge-litert $("$PY" -c 'from importlib.metadata import version; print(version("ai-edge-litert"))'), $ROUNDS runs per figure"
node bench/segment-drive.mjs "http://127.0.0.1:$port" "$tmp" "$ROUNDS" "${model_paths[@]}"

echo
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
