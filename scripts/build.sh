#!/usr/bin/env bash
# Builds the complete static site into dist/: page, wasm, sample images and models.
# DD_RELEASE=1 also runs wasm-opt (npm binaryen) on the wasm; it is slow, so not in the dev loop.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${DD_SHARED:-../shared}
PROFILE=release-small
say() { printf '\033[1m[build]\033[0m %s\n' "$*"; }

say "compiling the analysis wasm"
cargo build --quiet --profile "$PROFILE" --target wasm32-unknown-unknown -p delegate-doctor --lib
rm -rf web/pkg dist
wasm-bindgen --target web --out-dir web/pkg --remove-name-section \
  "target/wasm32-unknown-unknown/$PROFILE/delegate_doctor.wasm"
say "compiling the segmentation engine wasm (loaded only when a segmentation is asked for)"
cargo build --quiet --profile release-engine --target wasm32-unknown-unknown -p delegate-doctor --lib --features engine
wasm-bindgen --target web --out-dir web/pkg --out-name delegate_doctor_engine --remove-name-section \
  "target/wasm32-unknown-unknown/release-engine/delegate_doctor.wasm"
if [ "${DD_RELEASE:-0}" = 1 ]; then
  say "optimising the wasm with wasm-opt"
  node_modules/.bin/wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types \
    web/pkg/delegate_doctor_bg.wasm -o web/pkg/delegate_doctor_bg.wasm
fi

say "type-checking and compiling the page"
node_modules/.bin/tsc -p web
mkdir -p dist/pkg dist/samples
cp web/pkg/delegate_doctor.js web/pkg/delegate_doctor_bg.wasm dist/pkg/
cp web/pkg/delegate_doctor_engine.js web/pkg/delegate_doctor_engine_bg.wasm dist/pkg/
cp -r static/. dist/
# The graph view's layout library, served from the site itself (never from a CDN) and fetched by the
# page only when the graph is opened. The ES module bundles its graphlib; both are MIT-licensed.
mkdir -p dist/vendor
cp node_modules/@dagrejs/dagre/dist/dagre.esm.js node_modules/@dagrejs/dagre/dist/dagre.esm.js.map dist/vendor/
cp node_modules/@dagrejs/dagre/dist/dagre.esm.js.LEGAL.txt dist/vendor/
cp node_modules/@dagrejs/dagre/LICENSE dist/vendor/LICENSE-dagre.txt
cp node_modules/@dagrejs/graphlib/LICENSE dist/vendor/LICENSE-graphlib.txt
# The custom element is served under a stable name for documentation pages.
mv dist/element.js dist/delegate-doctor-report.js

# The DeepLab models belong to another project (BSD-3-Clause): copied with their licence, never committed.
if [ -d "$SHARED/models/deeplab" ]; then
  cp "$SHARED"/models/deeplab/*.tflite dist/samples/
  cp "$SHARED/models/deeplab/LICENSE" dist/samples/LICENSE-deeplab-models
  cp "$SHARED/models/deeplab/SOURCE.md" dist/samples/SOURCE-deeplab-models.md
else
  say "warning: $SHARED/models/deeplab not found; the site has no sample models"
fi
# MediaPipe's selfie segmenter (Apache-2.0), likewise copied with its licence and never committed.
if [ -d "$SHARED/models/mediapipe" ]; then
  cp "$SHARED/models/mediapipe/selfie_segmentation.tflite" dist/samples/
  cp "$SHARED/models/mediapipe/LICENSE" dist/samples/LICENSE-mediapipe-models
  cp "$SHARED/models/mediapipe/SOURCE.md" dist/samples/SOURCE-mediapipe-models.md
fi
say "site written to dist/ ($(du -sh dist | cut -f1)); wasm $(stat -c %s dist/pkg/delegate_doctor_bg.wasm) bytes, engine wasm $(stat -c %s dist/pkg/delegate_doctor_engine_bg.wasm) bytes"
