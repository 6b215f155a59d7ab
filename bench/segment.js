// The browser half of scripts/bench-segment.sh: one segmentation model (a class map or a soft mask) in one wasm
// runtime, single-threaded.
//   runtime "litert": Google's LiteRT.js (@litertjs/core, accelerator 'wasm'; the page is not cross-origin
//                     isolated, so LiteRT.js cannot use threads and loads its non-threaded wasm)
//   runtime "ours":   our engine (pkg/delegate_doctor_engine.js, wasm-bindgen --target web)
// Figures (ms), as in bench/segment_native.py:
//   init_ms   loading the runtime: fetching and compiling its wasm (from 127.0.0.1)
//   load_ms   loading the model (bytes already fetched): LiteRT.js loadAndCompile, our new Segmenter
//   first_ms  the first run (first input); then one untimed run of every other input, then `warmup` more untimed
//             runs (both runtimes alike: the browser optimizes wasm functions after their first calls)
//   median_ms, min_ms  over `rounds` timed runs cycling through the inputs
// A run is what an app does per frame: raw RGB bytes in JS → class map or soft mask in JS (LiteRT.js: the input
// conversion, new Tensor, run, toTypedArray, delete; ours: run, or run_mask for a soft-mask model).
// performance.now() is coarse (0.1 ms) here; a run takes far longer.
// The input conversion is our engine's (crate/src/infer/engine.rs, mask.rs), done by LiteRT.js in JS: uint8 as is;
// float32 into a soft-mask model (output float32 [1,h,w,1], MediaPipe's selfie segmenter) p / 255; any other
// float32 (p − 127.5) / 127.5 (the int8 DeepLab's QUANTIZE in front, the float DeepLab).
// Each input's output (from the first pass) is compared with ai-edge-litert's of the same bytes (ref/<image>_<size>.
// <ref>.map or .mask, `ref` being the stem of the model ai-edge-litert ran: the fixed selfie model when ours runs the
// original): a class map by the share of equal pixels, a mask by the share of pixels on the same side of 0.5 and
// the max |difference|.
// With `profile`, ours also returns the per-kernel profile of the fastest of PROFILE_RUNS more runs after the timed
// ones (Segmenter.profile(): the first call switches the engine's clock on, each later one returns the last run's
// figures; the page is not cross-origin isolated, so performance.now() steps by 0.1 ms: small kernels' figures are
// coarse, their sum over a run is not biased).

const LITERT_WASM_DIR = "./litertjs/core/wasm/";
// The profile is that of the fastest of this many runs (one run alone is at the mercy of the machine's other load).
const PROFILE_RUNS = 3;
const total = (kernels) => kernels.reduce((sum, [, ms]) => sum + ms, 0);

async function bytesOf(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function litertRuntime() {
  const t = performance.now();
  const L = await import("@litertjs/core");
  await L.loadLiteRt(LITERT_WASM_DIR);
  const init_ms = performance.now() - t;
  return {
    name: "LiteRT.js",
    init_ms,
    async load(modelBytes, size) {
      const cm = await L.loadAndCompile(modelBytes, { accelerator: "wasm" });
      const out = cm.getOutputDetails()[0];
      const mask = out.dtype === "float32" && out.shape.length === 4 && out.shape[0] === 1 && out.shape[3] === 1;
      const convert = inputConversion(cm.getInputDetails()[0].dtype, mask);
      return {
        kind: mask ? "mask" : "classes",
        async run(rgb) {
          const data = convert(rgb);
          const input = new L.Tensor(data, [1, size, size, 3]);
          const outs = await cm.run(input);
          const map = outs[0].toTypedArray();
          for (const o of outs) o.delete();
          input.delete();
          return map;
        },
        free() { cm.delete(); },
      };
    },
  };
}

async function oursRuntime() {
  // init_ms = fetch_ms (the glue module and the wasm bytes from the local server: python's http.server, slow and
  // noisy under load) + start_ms (compiling and instantiating the wasm: the engine's own start).
  const t = performance.now();
  const { default: init, Segmenter } = await import("./pkg/delegate_doctor_engine.js");
  const wasm = await bytesOf("./pkg/delegate_doctor_engine_bg.wasm");
  const fetched = performance.now();
  await init({ module_or_path: await WebAssembly.compile(wasm) });
  const started = performance.now();
  return {
    name: "ours",
    init_ms: started - t,
    fetch_ms: fetched - t,
    start_ms: started - fetched,
    async load(modelBytes, size) {
      const seg = new Segmenter(modelBytes);
      if (seg.input_width !== size || seg.input_height !== size) {
        throw new Error(`our engine reads the input as ${seg.input_width}×${seg.input_height}, expected ${size}×${size}`);
      }
      const mask = seg.soft_mask;
      return {
        kind: mask ? "mask" : "classes",
        run: async (rgb) => (mask ? seg.run_mask(rgb) : seg.run(rgb)),
        // [[kernel, ms], …] of the fastest of PROFILE_RUNS runs with the engine's clock on (the first profile()
        // call switches it on; each later one returns the last run's figures).
        async profile(rgb) {
          seg.profile();
          let best;
          for (let r = 0; r < PROFILE_RUNS; r++) {
            await this.run(rgb);
            const kernels = JSON.parse(seg.profile());
            if (!best || total(kernels) < total(best)) best = kernels;
          }
          return best;
        },
        free() { seg.free(); },
      };
    },
  };
}

// RGB bytes → the input LiteRT.js is given (the conversion is part of the run, as in our engine).
function inputConversion(dtype, mask) {
  if (dtype !== "float32") return (rgb) => rgb;
  if (mask) return (rgb) => Float32Array.from(rgb, (p) => p / 255);
  return (rgb) => Float32Array.from(rgb, (p) => (p - 127.5) / 127.5);
}

function equalPercent(map, ref) {
  if (map.length !== ref.length) return { equal_pct: 0, note: `map has ${map.length} values, reference ${ref.length}` };
  let equal = 0;
  for (let i = 0; i < ref.length; i++) if (map[i] === ref[i]) equal++;
  return { equal_pct: (100 * equal) / ref.length };
}

// A soft mask against the reference: the share of pixels on the same side of 0.5, and the max |difference|.
function maskAgreement(mask, ref) {
  if (mask.length !== ref.length) return { equal_pct: 0, note: `mask has ${mask.length} values, reference ${ref.length}` };
  let same = 0;
  let maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    if ((mask[i] >= 0.5) === (ref[i] >= 0.5)) same++;
    maxDiff = Math.max(maxDiff, Math.abs(mask[i] - ref[i]));
  }
  return { equal_pct: (100 * same) / ref.length, max_abs_diff: maxDiff };
}

async function referenceOf(url, kind) {
  try {
    const bytes = await bytesOf(url);
    return kind === "mask" ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2) : bytes;
  } catch {
    return null;
  }
}

async function runCase({ runtime, model, size, rounds = 10, warmup = 5, images = ["astronaut", "chelsea"], ref, profile = false }) {
  const refStem = ref ?? model.replace(/\.tflite$/, "");
  const modelBytes = await bytesOf(`models/${model}`);
  const inputs = await Promise.all(images.map((i) => bytesOf(`inputs/${i}_${size}.rgb`)));
  for (const [k, rgb] of inputs.entries()) {
    if (rgb.length !== size * size * 3) throw new Error(`inputs/${images[k]}_${size}.rgb: ${rgb.length} bytes`);
  }

  const rt = runtime === "litert" ? await litertRuntime() : await oursRuntime();
  let t = performance.now();
  const m = await rt.load(modelBytes, size);
  const load_ms = performance.now() - t;

  const maps = [];
  t = performance.now();
  maps.push(await m.run(inputs[0]));
  const first_ms = performance.now() - t;
  for (const rgb of inputs.slice(1)) maps.push(await m.run(rgb));
  for (let r = 0; r < warmup; r++) await m.run(inputs[r % inputs.length]);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const rgb = inputs[r % inputs.length];
    t = performance.now();
    await m.run(rgb);
    times.push(performance.now() - t);
  }
  const kernels = profile && m.profile ? await m.profile(inputs[0]) : undefined;
  m.free();

  const ext = m.kind === "mask" ? "mask" : "map";
  const refs = await Promise.all(images.map((i) => referenceOf(`ref/${i}_${size}.${refStem}.${ext}`, m.kind)));
  const agreeWith = m.kind === "mask" ? maskAgreement : equalPercent;

  const sorted = [...times].sort((a, b) => a - b);
  return {
    runtime: rt.name,
    model,
    size,
    kind: m.kind,
    ref: refStem,
    init_ms: rt.init_ms,
    fetch_ms: rt.fetch_ms,
    start_ms: rt.start_ms,
    load_ms,
    first_ms,
    median_ms: sorted[sorted.length >> 1],
    min_ms: sorted[0],
    rounds,
    times,
    agreement: images.map((image, k) => ({
      image,
      ...(refs[k] ? agreeWith(maps[k], refs[k]) : { equal_pct: null, note: `no reference ${ext}` }),
    })),
    profile: kernels,
    // The wasm files this page loaded (the driver reports their download sizes).
    wasm: performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")),
    crossOriginIsolated: self.crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
}

window.runCase = runCase;

const params = new URLSearchParams(location.search);
if (params.has("runtime")) {
  const out = document.getElementById("out");
  out.textContent = "running…";
  runCase({
    runtime: params.get("runtime"),
    model: params.get("model"),
    size: Number(params.get("size")),
    rounds: Number(params.get("rounds") ?? 10),
    ref: params.get("ref") ?? undefined,
    profile: params.has("profile"),
  }).then((r) => { out.textContent = JSON.stringify(r, null, 2); }, (e) => { out.textContent = String(e?.stack ?? e); });
}
