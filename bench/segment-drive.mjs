// The driver of scripts/bench-segment.sh (run by it; it prepares WORK and serves WORK/serve at URL):
//   node bench/segment-drive.mjs URL WORK ROUNDS CASES.json
// CASES.json: [{name, title, model, original?}], `model` and `original` being paths under WORK/serve/models;
// WORK/sizes.json and WORK/serve/inputs come from `segment_native.py inputs`.
// For each case in turn (so that the machine's noise falls on every runtime alike) it runs
//   ai-edge-litert   bench/segment_native.py in .venv on `model` (one thread; it also writes the reference outputs)
//   LiteRT.js        bench/segment.html in Debian's Chromium, accelerator 'wasm', one thread, on `model`, and once
//                    on `original` (the selfie segmenter with its custom op: the row shows whether it loads)
//   ours (wasm)      the same page with our engine (dist/pkg/delegate_doctor_engine*), when built, on both
//   ours (native)    cargo run --release --example bench_segment -- MODEL RGB ROUNDS OUT, on both
// each browser case in a fresh browser context (its own HTTP and compiled-wasm caches). `original` is compared
// with the reference of `model` (the fix is exact). Then it prints one table per case (median/min, ratio to
// LiteRT.js, engine start and model load, the agreement with ai-edge-litert), the wasm download sizes and a
// one-line-per-case summary against the goals of issue 14 (median ≤ 0.8× LiteRT.js's, start and load < 50 ms,
// engine wasm ≤ 250 KB gzip -9).
// BENCH_PROFILE=1: ours (wasm and native) also time each kernel in three more runs after the timed runs; the fastest
// run's profile is printed per case.
// BENCH_JSON=FILE also writes every figure as JSON.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { chromium } from "@playwright/test";

const [url, work, roundsArg, casesFile] = process.argv.slice(2);
const rounds = Number(roundsArg);
// Untimed runs after the first before the timed ones, the same for every runtime (BENCH_WARMUP, default 5).
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const IMAGES = ["astronaut", "chelsea"];
const PROFILE = process.env.BENCH_PROFILE === "1";
const PYTHON = process.env.BENCH_PYTHON ?? ".venv/bin/python";
const OURS_JS = join(work, "serve/pkg/delegate_doctor_engine.js");
const OURS_WASM = join(work, "serve/pkg/delegate_doctor_engine_bg.wasm");
const OURS_NATIVE_EXAMPLE = "crate/examples/bench_segment.rs";
const oursBuilt = existsSync(OURS_JS) && existsSync(OURS_WASM);
const oursNative = existsSync(OURS_NATIVE_EXAMPLE);
// Goals of issue 14.
const GOAL_RATIO = 0.8;
const GOAL_START_MS = 50;
const GOAL_GZIP_BYTES = 250_000;
// Written by `segment_native.py inputs` with the inputs: {model file name: input size}.
const inputSize = JSON.parse(readFileSync(join(work, "sizes.json"), "utf8"));
const stemOf = (path) => basename(path).replace(/\.tflite$/, "");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}

function sizeOf(file) {
  const gz = spawnSync("gzip", ["-9", "-c", file], { maxBuffer: 1 << 28 });
  if (gz.status !== 0) throw new Error(`gzip -9 ${file} failed`);
  return { file, raw: statSync(file).size, gzip9: gz.stdout.length };
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function browserCase(runtime, modelPath, size, ref) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}/segment.html`);
    await page.waitForFunction(() => typeof window.runCase === "function");
    const c = { runtime, model: basename(modelPath), size, rounds, warmup: WARMUP, images: IMAGES, ref, profile: PROFILE };
    try {
      return await page.evaluate((c) => window.runCase(c), c);
    } catch (e) {
      return { error: String(e.message ?? e).split("\n")[0] + (errors.length ? ` (${errors.join("; ")})` : "") };
    }
  } finally {
    await context.close();
  }
}

// bench_segment's output of the first image against the reference (the same measures as bench/segment.js).
function nativeAgreement(outFile, refFile, kind) {
  if (!existsSync(refFile)) return [{ image: IMAGES[0], equal_pct: null, note: "no reference" }];
  const a = readFileSync(outFile);
  const b = readFileSync(refFile);
  if (kind !== "mask") {
    let equal = 0;
    for (let i = 0; i < b.length; i++) if (a[i] === b[i]) equal++;
    const note = a.length === b.length ? undefined : `${a.length} values, reference ${b.length}`;
    return [{ image: IMAGES[0], equal_pct: (100 * equal) / b.length, note }];
  }
  const f = (buf) => new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
  const [x, y] = [f(a), f(b)];
  let same = 0;
  let maxDiff = 0;
  for (let i = 0; i < y.length; i++) {
    if ((x[i] >= 0.5) === (y[i] >= 0.5)) same++;
    maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
  }
  return [{ image: IMAGES[0], equal_pct: (100 * same) / y.length, max_abs_diff: maxDiff }];
}

function nativeCase(modelPath, rgb, refStem, size) {
  const out = join(work, `${stemOf(modelPath)}.native.out`);
  try {
    const args = ["run", "--quiet", "--release", "--example", "bench_segment", "--", modelPath, rgb, String(rounds), out];
    const r = JSON.parse(run("cargo", PROFILE ? [...args, "--profile"] : args).trim().split("\n").pop());
    const ext = r.kind === "mask" ? "mask" : "map";
    r.agreement = nativeAgreement(out, join(work, `serve/ref/${IMAGES[0]}_${size}.${refStem}.${ext}`), r.kind);
    return r;
  } catch (e) {
    return { error: String(e.message).split("\n").slice(0, 3).join(" ") };
  }
}

const results = [];
const wasmLoaded = { litert: new Set(), ours: new Set() };
const noteWasm = (who, r) => r?.wasm?.forEach((p) => wasmLoaded[who].add(p));
try {
  for (const c of cases) {
    const stem = stemOf(c.model);
    const size = inputSize[basename(c.model)];
    const r = { ...c, bytes: statSync(c.model).size };
    const rgbOf = IMAGES.map((i) => join(work, `serve/inputs/${i}_${size}.rgb`));
    process.stderr.write(`[bench] ${c.name}: ai-edge-litert`);
    const nativeJson = join(work, `${stem}.native.json`);
    run(PYTHON, ["bench/segment_native.py", "run", c.model, String(rounds), ...rgbOf,
      "--ref-dir", join(work, "serve/ref"), "--json", nativeJson]);
    r.native = JSON.parse(readFileSync(nativeJson, "utf8"));

    process.stderr.write(", LiteRT.js");
    r.litert = await browserCase("litert", c.model, size, stem);
    noteWasm("litert", r.litert);
    if (c.original) {
      process.stderr.write(", LiteRT.js (original)");
      r.litertOriginal = await browserCase("litert", c.original, size, stem);
      noteWasm("litert", r.litertOriginal);
    }
    if (oursBuilt) {
      process.stderr.write(", ours (wasm)");
      r.ours = await browserCase("ours", c.model, size, stem);
      noteWasm("ours", r.ours);
      if (c.original) {
        process.stderr.write(", ours (wasm, original)");
        r.oursOriginal = await browserCase("ours", c.original, size, stem);
      }
    }
    if (oursNative) {
      process.stderr.write(", ours (native)");
      r.oursNative = nativeCase(c.model, rgbOf[0], stem, size);
      if (c.original) r.oursNativeOriginal = nativeCase(c.original, rgbOf[0], stem, size);
    }
    process.stderr.write("\n");
    results.push(r);
  }
} finally {
  await browser.close();
}

// ---- report ----
const okOf = (c) => (c && !c.error ? c : {});
// The original model in ours is compared with the original in LiteRT.js when LiteRT.js ran it, else with its fixed form.
const originalBase = (r) => (okOf(r.litertOriginal).median_ms ? r.litertOriginal : r.litert);
const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toFixed(2));
const ms = (v, w = 8) => (typeof v === "number" ? fmt(v) : "–").padStart(w);
const ratioOf = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? a / b : undefined);
const x = (r) => (r === undefined ? "–" : `${r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`);
const ratio = (a, b) => x(ratioOf(a, b));
const agreeOne = (a) => {
  if (a.equal_pct === null) return `${a.image} ?${a.note ? ` (${a.note})` : ""}`;
  const diff = typeof a.max_abs_diff === "number" ? ` max|d| ${a.max_abs_diff.toExponential(1)}` : "";
  return `${a.image} ${a.equal_pct.toFixed(2)}%${diff}${a.note ? ` (${a.note})` : ""}`;
};
const agree = (c) => (c.agreement ?? []).map(agreeOne).join(", ");
const LABEL = 36;
// c: the figures (or undefined: `missing` is printed instead); base: the figures the ratio column divides by;
// note: the last column (default: the agreement).
const row = (label, c, { missing = "", base, note } = {}) => {
  if (!c) return `  ${label.padEnd(LABEL)}${missing}`;
  if (c.error) return `  ${label.padEnd(LABEL)}error: ${c.error}`;
  const r = base ? ratio(c.median_ms, okOf(base).median_ms) : "";
  return `  ${label.padEnd(LABEL)}${ms(c.init_ms)}${ms(c.load_ms)}${ms(c.first_ms)}${ms(c.median_ms)}${ms(c.min_ms)}` +
    `${r.padStart(8)}   ${note ?? agree(c)}`;
};
const referenceNote = (n) => n.output === "mask"
  ? `reference; mask ≥ 0.5 on ${n.summary.map((s, k) => `${IMAGES[k]} ${(100 * s).toFixed(1)}%`).join(", ")}`
  : `reference; classes ${n.summary.map((c) => c.join(" ")).join(" | ")}`;

console.log(`\nTimes in ms. init: fetching the runtime's files from 127.0.0.1 and compiling its wasm (natively none; ours'` +
  `\nsplit in the summary: start = compile + instantiate); load: the model` +
  `\n(LiteRT.js loadAndCompile, our new Segmenter, ai-edge-litert Interpreter + allocate_tensors); first: first run;` +
  `\nmedian and min of ${rounds} runs after ${WARMUP} untimed ones (a run: RGB bytes in → class map or soft mask out, the input conversion included).` +
  `\nratio: median / LiteRT.js's median (wasm rows) or ai-edge-litert's (native rows). Agreement with ai-edge-litert's` +
  `\noutput of the same input bytes: class maps by equal pixels, soft masks by pixels on the same side of 0.5 and the` +
  `\nmax |difference| (ours native: the first image only).`);
for (const r of results) {
  const n = r.native;
  const what = n.output === "mask" ? "float32 mask out" : "class map out";
  console.log(`\n${r.name}: ${r.title} — ${basename(r.model)}, ${(r.bytes / 1e6).toFixed(2)} MB, input ${n.width}×${n.height}` +
    ` RGB, ${what}, ${rounds} runs`);
  if (r.original) console.log(`  original: ${basename(r.original)} (ours and LiteRT.js also try it; compared with the reference of the fixed model)`);
  console.log(`  ${"".padEnd(LABEL)}${["init", "load", "first", "median", "min", "ratio"].map((h) => h.padStart(8)).join("")}` +
    `   agreement with ai-edge-litert`);
  const notBuilt = { missing: "ours: not built (no dist/pkg/delegate_doctor_engine{.js,_bg.wasm}; bash scripts/build.sh)" };
  const orig = r.original ? " (fixed)" : "";
  console.log(row(`LiteRT.js (wasm, 1 thread)${orig}`, r.litert, { base: r.litert }));
  if (r.original) console.log(row("LiteRT.js, original", r.litertOriginal, { base: r.litert }));
  console.log(row(`ours (wasm)${orig}`, oursBuilt ? r.ours : undefined, { ...notBuilt, base: r.litert }));
  if (r.original) console.log(row("ours (wasm), original", oursBuilt ? r.oursOriginal : undefined, { ...notBuilt, base: originalBase(r) }));
  console.log(row(`ai-edge-litert (1 thread)${orig}`, n, { base: n, note: referenceNote(n) }));
  const noNative = { missing: `ours native: not run (no ${OURS_NATIVE_EXAMPLE})`, base: n };
  console.log(row(`ours (native)${orig}`, oursNative ? r.oursNative : undefined, noNative));
  if (r.original) console.log(row("ours (native), original", oursNative ? r.oursNativeOriginal : undefined, noNative));
  const [o, l] = [okOf(r.ours), okOf(r.litert)];
  console.log(`  ours/LiteRT.js: init ${ratio(o.init_ms, l.init_ms)}, load ${ratio(o.load_ms, l.load_ms)}, ` +
    `first ${ratio(o.first_ms, l.first_ms)}, median ${ratio(o.median_ms, l.median_ms)}, min ${ratio(o.min_ms, l.min_ms)}` +
    `; LiteRT.js/ai-edge-litert median ${ratio(l.median_ms, n.median_ms)}`);
  if (PROFILE) printProfile(r);
}

// One column per profiled run of ours, one row per kind of kernel (sorted by the first column's time).
function printProfile(r) {
  const cols = [["wasm", r.ours], ["wasm, original", r.oursOriginal], ["native", r.oursNative],
    ["native, original", r.oursNativeOriginal]].filter(([, c]) => c?.profile);
  if (!cols.length) return console.log("  per-kernel profile: none (ours did not run)");
  const maps = cols.map(([, c]) => new Map(c.profile));
  const kernels = [...new Set(cols.flatMap(([, c]) => c.profile.map(([k]) => k)))];
  kernels.sort((a, b) => (maps[0].get(b) ?? 0) - (maps[0].get(a) ?? 0));
  const W = 18;
  console.log(`  per-kernel profile of ours, the fastest of 3 runs after the timed ones (ms, share of the run):`);
  console.log(`    ${"kernel".padEnd(26)}${cols.map(([h]) => h.padStart(W)).join("")}`);
  const totals = maps.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const cell = (m, k, total) => (m.has(k) ? `${fmt(m.get(k))} ${(100 * m.get(k) / total).toFixed(0).padStart(3)}%` : "–").padStart(W);
  for (const k of kernels) console.log(`    ${k.padEnd(26)}${maps.map((m, i) => cell(m, k, totals[i])).join("")}`);
  console.log(`    ${"total".padEnd(26)}${totals.map((t) => `${fmt(t)}     `.padStart(W)).join("")}`);
}

// Download sizes of the wasm the pages actually loaded (paths are relative to the served directory).
const sizes = [];
const fileOf = (p) => join(work, "serve", decodeURIComponent(p));
for (const p of wasmLoaded.litert) sizes.push({ who: "LiteRT.js", ...sizeOf(fileOf(p)), path: p });
if (oursBuilt) sizes.push({ who: "ours", ...sizeOf(OURS_WASM), path: "/pkg/delegate_doctor_engine_bg.wasm" });
console.log("\nwasm download sizes (bytes):");
for (const s of sizes) {
  console.log(`  ${s.who.padEnd(10)}${basename(s.path).padEnd(34)}${String(s.raw).padStart(10)} raw` +
    `${String(s.gzip9).padStart(10)} gzip -9  (${(s.raw / 1e6).toFixed(2)} MB / ${(s.gzip9 / 1e6).toFixed(2)} MB)`);
}
if (!oursBuilt) console.log("  ours      not built");
const lite = sizes.find((s) => s.who === "LiteRT.js");
const ours = sizes.find((s) => s.who === "ours");
if (lite && ours) console.log(`  ratio ours/LiteRT.js: raw ${ratio(ours.raw, lite.raw)}, gzip -9 ${ratio(ours.gzip9, lite.gzip9)}`);

const agent = results.find((r) => r.litert?.userAgent)?.litert;
if (agent) console.log(`\nbrowser: ${agent.userAgent}; crossOriginIsolated=${agent.crossOriginIsolated}`);

// ---- summary against the goals ----
const met = (ok) => (ok === undefined ? "not measured" : ok ? "met" : "not met");
const medianLine = (label, c, base) => {
  const q = ratioOf(okOf(c).median_ms, okOf(base).median_ms);
  return `${label} ${x(q)}, goal ≤ ${GOAL_RATIO}: ${met(q === undefined ? undefined : q <= GOAL_RATIO)}`;
};
// The engine's start is compiling + instantiating its wasm (start_ms); fetching it from the local python server
// (fetch_ms, in init_ms) is the server's speed, not the engine's, and is shown beside it.
const startLine = (c) => {
  const { start_ms: s, fetch_ms: f, load_ms: l } = okOf(c);
  const ok = typeof s === "number" && typeof l === "number" ? s < GOAL_START_MS && l < GOAL_START_MS : undefined;
  return `start ${ms(s, 0)} ms (+ ${ms(f, 0)} ms fetching its files), load ${ms(l, 0)} ms (goal < ${GOAL_START_MS} ms: ${met(ok)})`;
};
console.log(`\nsummary (ours wasm vs LiteRT.js wasm, ${rounds} runs; the machine's load moves single figures by ±20 %):`);
for (const r of results) {
  const parts = [medianLine(r.original ? "ours/LiteRT.js median ratio (fixed)" : "ours/LiteRT.js median ratio", r.ours, r.litert)];
  if (r.original) parts.push(medianLine(`original: ours/LiteRT.js${originalBase(r) === r.litert ? " (fixed)" : ""} median ratio`, r.oursOriginal, originalBase(r)));
  parts.push(`ours ${startLine(r.ours)}`);
  console.log(`  ${r.name}: ${parts.join("; ")}`);
}
if (ours) console.log(`  engine wasm: ${ours.gzip9} bytes gzip -9, goal ≤ ${GOAL_GZIP_BYTES}: ${met(ours.gzip9 <= GOAL_GZIP_BYTES)}`);

if (process.env.BENCH_JSON) {
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ rounds, images: IMAGES, results, sizes }, null, 2));
  console.log(`figures written to ${process.env.BENCH_JSON}`);
}
