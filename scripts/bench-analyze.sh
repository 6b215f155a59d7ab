#!/usr/bin/env bash
# Benchmarks model reading, NNAPI analysis and the combined plan (XNNPACK after NNAPI) natively and in wasm (Debian's Chromium, headless),
# on DeepLab and on generated 5,000-op models, and prints both with wasm/native ratios.
# Prints figures only (no pass/fail). Offline: everything is served from 127.0.0.1.
#   bash scripts/bench-analyze.sh            BENCH_ROUNDS=N (default 31) rounds per figure
# The site is rebuilt (scripts/build.sh) when dist/ is missing or older than the crate sources.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${BENCH_ROUNDS:-31}
say() { printf '\033[1m[bench]\033[0m %s\n' "$*"; }

wasm=dist/pkg/delegate_doctor_bg.wasm
if [ ! -f "$wasm" ] || [ -n "$(find crate/src crate/tflite-schema crate/Cargo.toml Cargo.toml -newer "$wasm" -print -quit)" ]; then
  say "dist/ is missing or stale: building the site"
  bash scripts/build.sh
fi

tmp=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
serve=$tmp/serve
mkdir -p "$serve"
cp -r dist/pkg "$serve/pkg"
cp bench/analyze.html bench/analyze.js "$serve/"

say "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
say "native: cargo run --release --example bench_analyze -- --rounds $ROUNDS"
cargo run --quiet --release --example bench_analyze -- --rounds "$ROUNDS" --models "$serve/models" --json "$tmp/native.json"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$serve" >"$tmp/server.log" 2>&1 &
server=$!
port=
for _ in $(seq 50); do
  port=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$tmp/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/server.log"; exit 1; }

echo
say "wasm: Chromium $(/usr/bin/chromium --version 2>/dev/null | grep -o '[0-9][0-9.]*' | head -1), $ROUNDS rounds per figure"
node --input-type=module - "http://127.0.0.1:$port/analyze.html" "$tmp/native.json" "$ROUNDS" <<'EOF'
import { readFileSync } from "node:fs";
import { chromium } from "@playwright/test";

const [url, nativeFile, rounds] = process.argv.slice(2);
const native = JSON.parse(readFileSync(nativeFile, "utf8"));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction(() => typeof window.runBench === "function");
  const wasm = await page.evaluate((n) => window.runBench(n), Number(rounds));
  const f = (v, w = 10) => (v === undefined ? "" : v.toFixed(4)).padStart(w);
  const ratio = (a, b) => (b ? `${(a / b).toFixed(1)}×` : "").padStart(7);
  for (const m of wasm.models) {
    const n = native.models.find((x) => x.file === m.file);
    console.log(`\n${m.file}: ${m.ops} ops, ${(m.bytes / 1e6).toFixed(1)} MB; times per call in ms; ratios wasm/native`);
    console.log(`  ${"".padEnd(34)}${"wasm median".padStart(12)}${"min".padStart(10)}${"per 1k ops".padStart(11)}` +
      `${"native med".padStart(11)}${"min".padStart(10)}${"ratio med".padStart(10)}${"min".padStart(7)}`);
    for (const [label, s] of Object.entries(m.rows)) {
      const nat = n?.rows[label];
      const perK = label.startsWith("copy") ? undefined : s.median_ms / (m.ops / 1000);
      console.log(`  ${`${label} (${s.rounds} × ${s.calls})`.padEnd(34)}${f(s.median_ms, 12)}${f(s.min_ms)}${f(perK, 11)}` +
        `${f(nat?.median_ms, 11)}${f(nat?.min_ms)}${ratio(s.median_ms, nat?.median_ms).padStart(10)}${ratio(s.min_ms, nat?.min_ms)}`);
    }
    // Issue 12 (goal ≤ 1.2×): each GPU call against the NNAPI call, both in wasm. analyze_gpu
    // reports the GPU analysis with its combined plan (as `analyze --delegate gpu`), so like with
    // like is the NNAPI report with its combined plan (analyze_combined, as `--delegate nnapi`);
    // the ratio to analyze([29]) (NNAPI without it) is the one rounds 1-3 printed.
    const nnapi = m.rows["Session.analyze_combined([29])"];
    const bare = m.rows["Session.analyze([29])"];
    for (const d of ["gpu", "litert-gpu"]) {
      const g = m.rows[`Session.analyze_gpu(${d})`];
      if (g && nnapi) {
        console.log(`  wasm ${d} / NNAPI @29, both with the combined plan: ${(g.median_ms / nnapi.median_ms).toFixed(2)}× (medians), ` +
          `${(g.min_ms / nnapi.min_ms).toFixed(2)}× (minima)`);
      }
      if (g && bare) console.log(`  wasm ${d} / NNAPI @29 without it (as rounds 1-3): ${(g.median_ms / bare.median_ms).toFixed(2)}× (medians)`);
    }
    // Issue 13 (goal ≤ 1.3×): the report with the combined plan against today's NNAPI report, in wasm.
    for (const levels of ["([29])", "(all 9)"]) {
      const today = m.rows[`Session.analyze${levels}`];
      const combined = m.rows[`Session.analyze_combined${levels}`];
      if (today && combined) {
        console.log(`  wasm combined / NNAPI ${levels}: ${(combined.median_ms / today.median_ms).toFixed(2)}× (medians), ` +
          `${(combined.min_ms / today.min_ms).toFixed(2)}× (minima)`);
      }
    }
  }
} finally {
  await browser.close();
}
EOF

echo
say "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
