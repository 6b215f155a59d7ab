#!/usr/bin/env bash
# Benchmarks the page's graph view in Debian's Chromium (headless): how long opening the graph of a
# 700-op model takes in a fresh page (the layout library fetched and compiled cold, the layout, the
# SVG), and the frame intervals while panning and zooming it. Prints figures only (no pass/fail).
# Offline: everything is served from 127.0.0.1.
#   bash scripts/bench-graph.sh [MODEL]        BENCH_ROUNDS=N fresh pages (default 7)
#   bash scripts/bench-graph.sh --compare      dagre (as shipped, and with its default ranker) against
#                                              elkjs, installed with npm into a temporary folder
# The site is rebuilt (scripts/build.sh) when dist/ lacks the graph view or is older than web/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-7}
ELK_VERSION=0.12.1
say() { printf '\033[1m[bench]\033[0m %s\n' "$*"; }
compare=0
if [ "${1:-}" = --compare ]; then compare=1; shift; fi
MODEL=${1:-e2e/fixtures/graph-700.tflite}

if [ ! -f dist/vendor/dagre.esm.js ] || [ -n "$(find web static -newer dist/graph.js -print -quit 2>/dev/null || echo stale)" ]; then
  say "dist/ is missing or stale: building the site"
  bash scripts/build.sh
fi
[ -f "$MODEL" ] || cargo run -q --example make_fixtures

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
serve=$tmp/serve
cp -r dist "$serve"
if [ "$compare" = 1 ]; then
  say "installing elkjs $ELK_VERSION into $tmp/elk (not into the repo)"
  npm install --prefix "$tmp/elk" --no-save --no-audit --no-fund --silent "elkjs@$ELK_VERSION"
  cp "$tmp/elk/node_modules/elkjs/lib/elk.bundled.js" "$serve/"
  cp bench/graph-compare.html bench/graph-compare.js "$serve/"
  cargo build -q -p delegate-doctor
  target/debug/delegate-doctor inspect "$MODEL" --format json >"$serve/graph.json"
fi

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
say "Chromium $(/usr/bin/chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1), $ROUNDS rounds"
if [ "$compare" = 1 ]; then
  for f in dist/vendor/dagre.esm.js "$serve/elk.bundled.js"; do
    say "$(basename "$f"): $(stat -c %s "$f") bytes, $(gzip -9c "$f" | wc -c) gzipped"
  done
  node --input-type=module - "http://127.0.0.1:$port/graph-compare.html" "$ROUNDS" <<'EOF'
import { chromium } from "@playwright/test";
const [url, rounds] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const library of ["dagre", "dagre-default", "elk"]) {
    const runs = [];
    for (let r = 0; r < Number(rounds); r++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => typeof window.runLayout === "function");
      runs.push(await page.evaluate((l) => window.runLayout(l), library));
      await context.close();
    }
    const lay = runs.map((x) => x.layoutMs);
    console.log(`  ${library.padEnd(14)} ${runs[0].nodes} nodes, ${runs[0].edges} edges: layout median ${median(lay).toFixed(0)} ms, ` +
      `min ${Math.min(...lay).toFixed(0)}, max ${Math.max(...lay).toFixed(0)} (cold, fresh page each)`);
  }
} finally {
  await browser.close();
}
EOF
else
  node bench/graph-drive.mjs "http://127.0.0.1:$port/index.html" "$MODEL" "$ROUNDS"
fi
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
