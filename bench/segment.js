// The browser half of scripts/bench-segment.sh: one segmentation model in one wasm runtime, single-threaded.
//   runtime "litert": Google's LiteRT.js (@litertjs/core, accelerator 'wasm'; the page is not cross-origin
//                     isolated, so LiteRT.js cannot use threads and loads its non-threaded wasm)
//   runtime "ours":   our engine (pkg/delegate_doctor_engine.js, wasm-bindgen --target web)
// Figures (ms), as in bench/segment_native.py:
//   init_ms   loading the runtime: fetching and compiling its wasm (from 127.0.0.1)
//   load_ms   loading the model (bytes already fetched): LiteRT.js loadAndCompile, our new Segmenter
//   first_ms  the first run (first input); then one untimed run of every other input
//   median_ms, min_ms  over `rounds` timed runs cycling through the inputs
// A run is what an app does per frame: raw RGB bytes in JS → class map in JS (LiteRT.js: new Tensor, run,
// toTypedArray, delete; ours: run). performance.now() is coarse (0.1 ms) here; a run takes far longer.
// Each input's map (from the first pass) is compared with ai-edge-litert's map of the same bytes (ref/).

const LITERT_WASM_DIR = "./litertjs/core/wasm/";

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
      // A float input (the int8 DeepLab takes float32 through a QUANTIZE) gets (p − 127.5) / 127.5, as our
      // engine's Segmenter does: the conversion is part of the run.
      const floatInput = cm.getInputDetails()[0].dtype === "float32";
      return {
        async run(rgb) {
          const data = floatInput ? Float32Array.from(rgb, (p) => (p - 127.5) / 127.5) : rgb;
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
  const t = performance.now();
  const { default: init, Segmenter } = await import("./pkg/delegate_doctor_engine.js");
  await init();
  const init_ms = performance.now() - t;
  return {
    name: "ours",
    init_ms,
    async load(modelBytes, size) {
      const seg = new Segmenter(modelBytes);
      if (seg.input_width !== size || seg.input_height !== size) {
        throw new Error(`our engine reads the input as ${seg.input_width}×${seg.input_height}, expected ${size}×${size}`);
      }
      return { run: async (rgb) => seg.run(rgb), free() { seg.free(); } };
    },
  };
}

function equalPercent(map, ref) {
  if (map.length !== ref.length) return { equal_pct: 0, note: `map has ${map.length} values, reference ${ref.length}` };
  let equal = 0;
  for (let i = 0; i < ref.length; i++) if (map[i] === ref[i]) equal++;
  return { equal_pct: (100 * equal) / ref.length };
}

async function runCase({ runtime, model, size, rounds = 10, images = ["astronaut", "chelsea"] }) {
  const stem = model.replace(/\.tflite$/, "");
  const modelBytes = await bytesOf(`models/${model}`);
  const inputs = await Promise.all(images.map((i) => bytesOf(`inputs/${i}_${size}.rgb`)));
  for (const [k, rgb] of inputs.entries()) {
    if (rgb.length !== size * size * 3) throw new Error(`inputs/${images[k]}_${size}.rgb: ${rgb.length} bytes`);
  }
  const refs = await Promise.all(images.map((i) => bytesOf(`ref/${i}_${size}.${stem}.map`).catch(() => null)));

  const rt = runtime === "litert" ? await litertRuntime() : await oursRuntime();
  let t = performance.now();
  const m = await rt.load(modelBytes, size);
  const load_ms = performance.now() - t;

  const maps = [];
  t = performance.now();
  maps.push(await m.run(inputs[0]));
  const first_ms = performance.now() - t;
  for (const rgb of inputs.slice(1)) maps.push(await m.run(rgb));
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const rgb = inputs[r % inputs.length];
    t = performance.now();
    await m.run(rgb);
    times.push(performance.now() - t);
  }
  m.free();

  const sorted = [...times].sort((a, b) => a - b);
  return {
    runtime: rt.name,
    model,
    size,
    init_ms: rt.init_ms,
    load_ms,
    first_ms,
    median_ms: sorted[sorted.length >> 1],
    min_ms: sorted[0],
    rounds,
    times,
    agreement: images.map((image, k) => ({
      image,
      ...(refs[k] ? equalPercent(maps[k], refs[k]) : { equal_pct: null, note: "no reference map" }),
    })),
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
  }).then((r) => { out.textContent = JSON.stringify(r, null, 2); }, (e) => { out.textContent = String(e?.stack ?? e); });
}
