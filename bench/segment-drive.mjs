// The driver of scripts/bench-segment.sh (run by it; it prepares WORK and serves WORK/serve at URL):
//   node bench/segment-drive.mjs URL WORK ROUNDS MODEL...   (WORK/sizes.json and WORK/serve/inputs from segment_native.py inputs)
// For each model in turn (so that the machine's noise falls on every runtime alike) it runs
//   ai-edge-litert   bench/segment_native.py in .venv (one thread; it also writes the reference maps)
//   LiteRT.js        bench/segment.html in Debian's Chromium, accelerator 'wasm', one thread
//   ours (wasm)      the same page with our engine (dist/pkg/delegate_doctor_engine*), when built
//   ours (native)    cargo run --release --example bench_segment -- MODEL RGB ROUNDS, when that example exists
// each browser case in a fresh browser context (its own HTTP and compiled-wasm caches), then prints one table
// per model, the ratios ours/LiteRT.js and ours-native/ai-edge-litert, the class-map agreement and the wasm
// download sizes. BENCH_JSON=FILE also writes every figure as JSON.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { chromium } from "@playwright/test";

const [url, work, roundsArg, ...models] = process.argv.slice(2);
const rounds = Number(roundsArg);
const IMAGES = ["astronaut", "chelsea"];
const PYTHON = process.env.BENCH_PYTHON ?? ".venv/bin/python";
const OURS_JS = join(work, "serve/pkg/delegate_doctor_engine.js");
const OURS_WASM = join(work, "serve/pkg/delegate_doctor_engine_bg.wasm");
const OURS_NATIVE_EXAMPLE = "crate/examples/bench_segment.rs";
const oursBuilt = existsSync(OURS_JS) && existsSync(OURS_WASM);
const oursNative = existsSync(OURS_NATIVE_EXAMPLE);
// Written by `segment_native.py inputs` with the inputs: {model file name: input size}.
const inputSize = JSON.parse(readFileSync(join(work, "sizes.json"), "utf8"));

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

async function browserCase(runtime, model, size) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${url}/segment.html`);
    await page.waitForFunction(() => typeof window.runCase === "function");
    try {
      return await page.evaluate((c) => window.runCase(c), { runtime, model, size, rounds, images: IMAGES });
    } catch (e) {
      return { error: String(e.message ?? e).split("\n")[0] + (errors.length ? ` (${errors.join("; ")})` : "") };
    }
  } finally {
    await context.close();
  }
}

const results = [];
const wasmLoaded = { litert: new Set(), ours: new Set() };
try {
  for (const modelPath of models) {
    const model = basename(modelPath);
    const stem = model.replace(/\.tflite$/, "");
    const r = { model, bytes: statSync(modelPath).size };
    process.stderr.write(`[bench] ${model}: ai-edge-litert`);
    const rgbOf = (size) => IMAGES.map((i) => join(work, `serve/inputs/${i}_${size}.rgb`));
    const size = inputSize[model];
    const nativeJson = join(work, `${stem}.native.json`);
    run(PYTHON, ["bench/segment_native.py", "run", modelPath, String(rounds), ...rgbOf(size),
      "--ref-dir", join(work, "serve/ref"), "--json", nativeJson]);
    r.native = JSON.parse(readFileSync(nativeJson, "utf8"));

    process.stderr.write(", LiteRT.js");
    r.litert = await browserCase("litert", model, size);
    r.litert.wasm?.forEach((p) => wasmLoaded.litert.add(p));
    if (oursBuilt) {
      process.stderr.write(", ours (wasm)");
      r.ours = await browserCase("ours", model, size);
      r.ours.wasm?.forEach((p) => wasmLoaded.ours.add(p));
    }
    if (oursNative) {
      process.stderr.write(", ours (native)");
      try {
        const out = run("cargo", ["run", "--quiet", "--release", "--example", "bench_segment", "--",
          modelPath, rgbOf(size)[0], String(rounds)]);
        r.oursNative = JSON.parse(out.trim().split("\n").pop());
      } catch (e) {
        r.oursNative = { error: String(e.message).split("\n").slice(0, 3).join(" ") };
      }
    }
    process.stderr.write("\n");
    results.push(r);
  }
} finally {
  await browser.close();
}

// ---- report ----
const ms = (v, w = 9) => (typeof v === "number" ? (v >= 100 ? v.toFixed(0) : v.toFixed(1)) : "–").padStart(w);
const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0
  ? `${a / b >= 0.1 ? (a / b).toFixed(2) : (a / b).toPrecision(2)}×` : "–");
const agree = (c) => (c.agreement ?? []).map((a) =>
  `${a.image} ${a.equal_pct === null ? "?" : a.equal_pct.toFixed(2) + "%"}${a.note ? ` (${a.note})` : ""}`).join(", ");
// c: the figures (or undefined: `missing` is printed instead); note: the last column (default: the agreement).
const row = (label, c, missing = "", note = undefined) => {
  if (!c) return `  ${label.padEnd(26)}${missing}`;
  if (c.error) return `  ${label.padEnd(26)}error: ${c.error}`;
  return `  ${label.padEnd(26)}${ms(c.init_ms)}${ms(c.load_ms)}${ms(c.first_ms)}${ms(c.median_ms)}${ms(c.min_ms)}   ${note ?? agree(c)}`;
};

console.log(`\nTimes in ms. init: loading the runtime (fetch + compile its wasm); load: the model (LiteRT.js loadAndCompile,` +
  `\nour new Segmenter, ai-edge-litert Interpreter + allocate_tensors); first: first run; median and min of ${rounds} runs` +
  `\n(a run: RGB bytes in → class map out). Equal pixels: class map vs ai-edge-litert's map of the same input bytes.`);
for (const r of results) {
  const n = r.native;
  console.log(`\n${r.model}: ${(r.bytes / 1e6).toFixed(2)} MB, input ${n.width}×${n.height} RGB, ${rounds} runs`);
  console.log(`  ${"".padEnd(26)}${"init".padStart(9)}${"load".padStart(9)}${"first".padStart(9)}${"median".padStart(9)}` +
    `${"min".padStart(9)}   equal pixels vs ai-edge-litert`);
  console.log(row("LiteRT.js (wasm, 1 thread)", r.litert));
  console.log(row("ours (wasm)", oursBuilt ? r.ours : undefined,
    "ours: not built (no dist/pkg/delegate_doctor_engine{.js,_bg.wasm}; bash scripts/build.sh)"));
  console.log(row("ai-edge-litert (1 thread)", n, "", `reference; classes ${n.classes.map((c) => c.join(" ")).join(" | ")}`));
  console.log(row("ours (native)", oursNative ? r.oursNative : undefined, `ours native: TODO (no ${OURS_NATIVE_EXAMPLE})`,
    "(not compared: bench_segment prints timings only)"));
  const o = r.ours && !r.ours.error ? r.ours : {};
  const l = r.litert && !r.litert.error ? r.litert : {};
  const on = r.oursNative && !r.oursNative.error ? r.oursNative : {};
  console.log(`  ratio ours/LiteRT.js (wasm):        init ${ratio(o.init_ms, l.init_ms)}, load ${ratio(o.load_ms, l.load_ms)}, ` +
    `first ${ratio(o.first_ms, l.first_ms)}, median ${ratio(o.median_ms, l.median_ms)}, min ${ratio(o.min_ms, l.min_ms)}`);
  console.log(`  ratio ours-native/ai-edge-litert:   load ${ratio(on.load_ms, n.load_ms)}, ` +
    `first ${ratio(on.first_ms, n.first_ms)}, median ${ratio(on.median_ms, n.median_ms)}, min ${ratio(on.min_ms, n.min_ms)}`);
  console.log(`  ratio LiteRT.js (wasm)/ai-edge-litert: median ${ratio(l.median_ms, n.median_ms)}, min ${ratio(l.min_ms, n.min_ms)}`);
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
if (process.env.BENCH_JSON) {
  writeFileSync(process.env.BENCH_JSON, JSON.stringify({ rounds, images: IMAGES, results, sizes }, null, 2));
  console.log(`figures written to ${process.env.BENCH_JSON}`);
}
