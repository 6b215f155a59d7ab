// Float models in the browser: our engine's wasm against LiteRT.js (accelerator 'wasm', one thread), with our
// per-kernel profile (Segmenter.profile()). Issue 14's float models: the float DeepLab (make_float_deeplab) and
// MediaPipe's selfie segmenters.
//   node bench/profile-float.mjs MODEL...      PKG=DIR[,DIR…] (default dist/pkg) ROUNDS=N (default 10)
//                                              PROFILE_ROUNDS=N (5) REPEAT=N (1) LITERT=0 (skip LiteRT.js)
// Several PKG directories (builds of our engine) run side by side, each REPEAT times, cycling through the cases.
// Every file is served from disk through Playwright's request routing (no HTTP server). Each runtime and model runs
// in a fresh browser context, ours and LiteRT.js alternately per model, on the same seeded RGB bytes; a run is RGB
// bytes in → output in JS, the float conversion included ((p − 127.5)/127.5 for DeepLab, p/255 for a soft mask,
// as our Segmenter and SoftMask do). Ours is timed without its clock first; then PROFILE_ROUNDS profiled runs give
// the median milliseconds per kind of kernel. Prints one JSON object per model and case.
import { readFileSync } from "node:fs";
import { basename, extname, join, resolve } from "node:path";
import { chromium } from "@playwright/test";

const models = process.argv.slice(2);
const PKGS = (process.env.PKG ?? "dist/pkg").split(",").map((d) => resolve(d));
const REPEAT = Number(process.env.REPEAT ?? 1);
const WITH_LITERT = process.env.LITERT !== "0";
const ROUNDS = Number(process.env.ROUNDS ?? 10);
const PROFILE_ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 5);
const ORIGIN = "http://float.bench";
const LITERT = resolve("node_modules/@litertjs");

const PAGE = `<!doctype html><meta charset="utf-8">
<script type="importmap">{"imports": {"@litertjs/core": "./litertjs/core/dist/index.js",
  "@litertjs/wasm-utils": "./litertjs/wasm-utils/dist/index.js"}}</script>
<script type="module" src="case.js"></script>`;

// The page's half: window.runCase({runtime, model, rounds, profileRounds}).
const CASE_JS = `
function rgbOf(n) { // SplitMix-like bytes, the same in every case
  const out = new Uint8Array(n); let s = 12345;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; out[i] = s >>> 24; }
  return out;
}
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
async function litert(bytes) {
  const L = await import("@litertjs/core");
  await L.loadLiteRt("./litertjs/core/wasm/");
  const cm = await L.loadAndCompile(bytes, { accelerator: "wasm" });
  const shape = cm.getInputDetails()[0].shape;
  const mask = cm.getOutputDetails()[0].shape.at(-1) === 1;
  return { shape, async run(rgb) {
    const data = Float32Array.from(rgb, mask ? (p) => p / 255 : (p) => (p - 127.5) / 127.5);
    const input = new L.Tensor(data, Array.from(shape));
    const outs = await cm.run(input);
    const v = outs[0].toTypedArray();
    for (const o of outs) o.delete();
    input.delete();
    return v;
  } };
}
async function ours(bytes, pkg) {
  const { default: init, Segmenter } = await import("./pkg" + pkg + "/delegate_doctor_engine.js");
  await init();
  const seg = new Segmenter(bytes);
  const shape = [1, seg.input_height, seg.input_width, 3];
  return { shape, seg, async run(rgb) { return seg.soft_mask ? seg.run_mask(rgb) : seg.run(rgb); } };
}
window.runCase = async ({ runtime, pkg, model, rounds, profileRounds }) => {
  const bytes = new Uint8Array(await (await fetch("models/" + model)).arrayBuffer());
  const rt = runtime === "litert" ? await litert(bytes) : await ours(bytes, pkg);
  const rgb = rgbOf(rt.shape[1] * rt.shape[2] * 3);
  let t = performance.now();
  await rt.run(rgb);
  const first_ms = performance.now() - t;
  const times = [];
  for (let r = 0; r < rounds; r++) { t = performance.now(); await rt.run(rgb); times.push(performance.now() - t); }
  const result = { runtime, model, first_ms, median_ms: median(times), min_ms: Math.min(...times), times: times.map((t) => +t.toFixed(1)) };
  if (rt.seg && profileRounds > 0) {
    rt.seg.profile();
    const kinds = {};
    for (let r = 0; r < profileRounds; r++) {
      await rt.run(rgb);
      for (const [k, ms] of JSON.parse(rt.seg.profile())) (kinds[k] ??= []).push(ms);
    }
    result.profile = Object.entries(kinds).map(([k, v]) => [k, +median(v).toFixed(3)]).sort((a, b) => b[1] - a[1]);
  }
  return result;
};
window.ready = true;
`;

const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".tflite": "application/octet-stream" };
const byName = new Map(models.map((m) => [basename(m), resolve(m)]));

function fileFor(path) {
  if (path === "/" || path === "/index.html") return { body: PAGE, type: "text/html" };
  if (path === "/case.js") return { body: CASE_JS, type: "text/javascript" };
  const pkg = path.match(/^\/pkg(\d+)\/(.*)$/);
  const pick = pkg ? join(PKGS[Number(pkg[1])], pkg[2])
    : path.startsWith("/litertjs/") ? join(LITERT, path.slice(10))
    : path.startsWith("/models/") ? byName.get(decodeURIComponent(path.slice(8))) : null;
  if (!pick) return null;
  return { body: readFileSync(pick), type: TYPES[extname(pick)] ?? "application/octet-stream" };
}

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
async function runCase(runtime, model, pkg = 0) {
  const context = await browser.newContext();
  try {
    await context.route(`${ORIGIN}/**`, async (route) => {
      const f = fileFor(new URL(route.request().url()).pathname);
      await (f ? route.fulfill({ status: 200, body: f.body, contentType: f.type }) : route.fulfill({ status: 404, body: "" }));
    });
    const page = await context.newPage();
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => window.ready === true);
    return await page.evaluate((c) => window.runCase(c), { runtime, pkg, model, rounds: ROUNDS, profileRounds: PROFILE_ROUNDS });
  } catch (e) {
    return { runtime, model, error: String(e.message ?? e).split("\n")[0] };
  } finally {
    await context.close();
  }
}

try {
  for (const m of models) {
    const model = basename(m);
    const medians = PKGS.map(() => []);
    const litertMedians = [];
    for (let rep = 0; rep < REPEAT; rep++) {
      for (const [k, dir] of PKGS.entries()) {
        const o = await runCase("ours", model, k);
        console.log(JSON.stringify({ pkg: dir, ...o }));
        if (o.median_ms) medians[k].push(o.median_ms);
      }
      if (WITH_LITERT) {
        const l = await runCase("litert", model);
        console.log(JSON.stringify(l));
        if (l.median_ms) litertMedians.push(l.median_ms);
      }
    }
    const mid = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
    const ref = litertMedians.length ? mid(litertMedians) : null;
    if (ref) console.log(`${model}: LiteRT.js ${ref.toFixed(1)} ms (median of the ${REPEAT} cases' medians of ${ROUNDS})`);
    for (const [k, dir] of PKGS.entries()) {
      if (!medians[k].length) continue;
      const ours = mid(medians[k]);
      console.log(`${model}: ours ${dir} ${ours.toFixed(1)} ms${ref ? `, ratio ${(ours / ref).toFixed(2)}×` : ""} [${medians[k].map((v) => v.toFixed(1)).join(" ")}]`);
    }
  }
} finally {
  await browser.close();
}
