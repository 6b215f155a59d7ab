#!/usr/bin/env bash
# Benchmarks segmentation, single-threaded, in four runtimes:
#   in Debian's Chromium (headless): our wasm engine and Google's LiteRT.js (@litertjs/core, accelerator 'wasm');
#   natively: Google's ai-edge-litert (the .venv) and our engine (crate/examples/bench_segment.rs).
# The models (issue 14), by short name:
#   257     DeepLab v3 257 OS16, uint8 (../shared/models/deeplab)
#   513     DeepLab v3 513 OS8, uint8
#   int8    the 257 OS16 graph as float (make_float_deeplab) quantized full-integer by scripts/make_int8_deeplab.py
#           --float-input (ai-edge-quantizer): float32 in through a QUANTIZE, int32 ARG_MAX out
#   float   the float 257 OS16 DeepLab itself (make_float_deeplab): float32 in, int32 ARG_MAX out
#   selfie  MediaPipe's selfie segmenter (../shared/models/mediapipe/selfie_segmentation.tflite), float32 in [0, 1],
#           float32 [1,256,256,1] soft mask out. Its custom op Convolution2DTransposeBias is rewritten by our CLI
#           (`fix --delegate nnapi --sdk 30 --only transpose-conv-bias`, exact): ai-edge-litert and LiteRT.js run the
#           fixed model, ours runs both; LiteRT.js also tries the original (its row says whether it loads).
# Float inputs get our engine's conversion inside every timed run: (p − 127.5) / 127.5, and p / 255 for the mask.
# Per model: engine start, model load, first run, median and min of the runs, the ratio to LiteRT.js's median, the
# agreement with ai-edge-litert (class maps: equal pixels; masks: pixels on the same side of 0.5 and max |diff|);
# then the wasm download sizes and a summary line per model against issue 14's goals (median ≤ 0.8× LiteRT.js's,
# start and load < 50 ms, engine wasm ≤ 250 KB gzip -9). Offline: everything is served from 127.0.0.1, not
# cross-origin isolated (so LiteRT.js has no threads).
#   bash scripts/bench-segment.sh   BENCH_ROUNDS=N (default 10) runs per figure
#                                   BENCH_WARMUP=N (default 5) untimed runs before them, for every runtime alike
#                                   BENCH_MODELS="257 513 int8 float selfie" (the default) or any subset
#                                   BENCH_PROFILE=1 also prints ours' per-kernel profile of one run (wasm and native)
#                                   BENCH_JSON=FILE keeps all figures; DD_SHARED=DIR the shared data (../shared)
# Our wasm is dist/pkg/delegate_doctor_engine{.js,_bg.wasm}; the site is rebuilt (scripts/build.sh) when it is older
# than the crate sources, or missing while scripts/build.sh builds it. Without it only the other runtimes run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-10}
SHARED=${DD_SHARED:-../shared}
PY=.venv/bin/python
ALL_MODELS="257 513 int8 float selfie"
read -r -a WANT <<<"${BENCH_MODELS:-$ALL_MODELS}"
DEEPLAB_257=deeplabv3_mnv2_pascal_257_os16_quant.tflite
DEEPLAB_513=deeplabv3_mnv2_pascal_513_os8_quant.tflite
SELFIE=selfie_segmentation.tflite
IMAGES=(astronaut.png chelsea.png)
say() { printf '\033[1m[bench]\033[0m %s\n' "$*"; }
wants() { [[ " ${WANT[*]} " == *" $1 "* ]]; }

for w in "${WANT[@]}"; do
  [[ " $ALL_MODELS " == *" $w "* ]] || { say "BENCH_MODELS: unknown model '$w' (known: $ALL_MODELS)"; exit 2; }
done
[ ${#WANT[@]} -gt 0 ] || { say "BENCH_MODELS is empty (known: $ALL_MODELS)"; exit 2; }
[ -x "$PY" ] || { say "no $PY (ai-edge-litert): run bash scripts/setup.sh"; exit 2; }
[ -f node_modules/@litertjs/core/dist/index.js ] || { say "no node_modules/@litertjs/core: run npm ci"; exit 2; }
needed=()
{ wants 257 || wants int8 || wants float; } && needed+=("$SHARED/models/deeplab/$DEEPLAB_257")
wants 513 && needed+=("$SHARED/models/deeplab/$DEEPLAB_513")
wants selfie && needed+=("$SHARED/models/mediapipe/$SELFIE")
for f in "${needed[@]}"; do [ -f "$f" ] || { say "missing $f (DD_SHARED=DIR points at the shared data)"; exit 2; }; done

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
say "building the native examples (bench_segment, make_float_deeplab) and the CLI"
cargo build --quiet --release --example bench_segment --example make_float_deeplab --bin delegate-doctor

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

# The cases for bench/segment-drive.mjs: JSON lines {name, title, model[, original]} (paths under $serve/models).
cases=()
add_case() { # NAME TITLE MODEL [ORIGINAL]
  local extra=
  [ $# -ge 4 ] && extra=",\"original\":\"$4\""
  cases+=("{\"name\":\"$1\",\"title\":\"$2\",\"model\":\"$3\"$extra}")
}
link_model() { ln -s "$(realpath "$1")" "$serve/models/$(basename "$1")"; echo "$serve/models/$(basename "$1")"; }
wants 257 && add_case 257 "DeepLab v3 257 OS16 uint8" "$(link_model "$SHARED/models/deeplab/$DEEPLAB_257")"
wants 513 && add_case 513 "DeepLab v3 513 OS8 uint8" "$(link_model "$SHARED/models/deeplab/$DEEPLAB_513")"
if wants int8 || wants float; then
  float=$serve/models/pascal_257_os16_float.tflite
  target/release/examples/make_float_deeplab "$SHARED/models/deeplab/$DEEPLAB_257" "$float" >"$tmp/float.log" 2>&1 \
    || { cat "$tmp/float.log"; say "make_float_deeplab failed"; exit 1; }
fi
if wants int8; then
  say "making the int8 DeepLab (make_float_deeplab + scripts/make_int8_deeplab.py --float-input)"
  int8=$serve/models/pascal_257_os16_int8_float_input.tflite
  "$PY" scripts/make_int8_deeplab.py "$float" "$int8" --float-input --samples "$SHARED/samples" >"$tmp/int8.log" 2>&1 \
    || { tail -20 "$tmp/int8.log"; say "scripts/make_int8_deeplab.py failed"; exit 1; }
  add_case int8 "DeepLab v3 257 OS16 full-integer int8, float32 in" "$int8"
fi
wants float && add_case float "DeepLab v3 257 OS16 float32 (make_float_deeplab)" "$float"
if wants selfie; then
  say "fixing the selfie segmenter (delegate-doctor fix --delegate nnapi --sdk 30 --only transpose-conv-bias)"
  selfie=$(link_model "$SHARED/models/mediapipe/$SELFIE")
  selfie_fixed=$serve/models/${SELFIE%.tflite}_fixed.tflite
  target/release/delegate-doctor fix "$selfie" --delegate nnapi --sdk 30 --only transpose-conv-bias \
    -o "$selfie_fixed" >"$tmp/selfie_fix.txt"
  grep -q "Convolution2DTransposeBias \[transpose-conv-bias\]" "$tmp/selfie_fix.txt" \
    || { cat "$tmp/selfie_fix.txt"; say "the fix did not rewrite Convolution2DTransposeBias"; exit 1; }
  add_case selfie "MediaPipe selfie segmenter, fixed (custom Convolution2DTransposeBias → TRANSPOSE_CONV)" \
    "$selfie_fixed" "$selfie"
fi
printf '[%s]\n' "$(IFS=,; echo "${cases[*]}")" >"$tmp/cases.json"
model_paths=()
while read -r f; do model_paths+=("$f"); done < <("$PY" -c 'import json,sys; [print(p) for c in json.load(open(sys.argv[1])) for p in [c["model"]] + ([c["original"]] if "original" in c else [])]' "$tmp/cases.json")

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
node bench/segment-drive.mjs "http://127.0.0.1:$port" "$tmp" "$ROUNDS" "$tmp/cases.json"

echo
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
