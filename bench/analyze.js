// The wasm half of scripts/bench-analyze.sh: times the page's wasm exports on the benchmark models.
// Every figure is the time of one call: after 250 ms of warm-up, each round times a batch of calls
// long enough (≥ 5 ms) for performance.now(), which is coarse (0.1 ms) on a page that is not
// cross-origin isolated; median and minimum over the rounds, as in crate/examples/bench_analyze.rs.
import init, { analyze, inspect, Session } from "./pkg/delegate_doctor.js";

const MODELS = ["deeplab.tflite", "gen5000.tflite", "gen5000-big.tflite"];
const ALL_LEVELS = new Uint32Array([]); // empty = all nine levels
const API_29 = new Uint32Array([29]);

// One timed call: 250 ms of warm-up (lets V8 tier the wasm up from Liftoff to TurboFan), then the
// smallest batch (doubling) that takes ≥ 5 ms; neither is counted.
function timedCase(model, label, f) {
  const batch = (calls) => {
    const t = performance.now();
    for (let i = 0; i < calls; i++) f();
    return performance.now() - t;
  };
  const warm = performance.now();
  do f(); while (performance.now() - warm < 250);
  let calls = 1;
  while (batch(calls) < 5) calls *= 2;
  return { model, label, calls, times: [], round() { this.times.push(batch(calls) / calls); } };
}

async function runBench(rounds = 31) {
  await init();
  const models = [];
  const cases = [];
  for (const file of MODELS) {
    const response = await fetch(`models/${file}`);
    if (!response.ok) throw new Error(`models/${file}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const m = { file, ops: inspect(bytes).model.operator_count, bytes: bytes.length, rows: {} };
    models.push(m);
    // Every export call first copies the whole file into wasm memory; this is that copy alone.
    const scratch = new Uint8Array(bytes.length);
    cases.push(
      timedCase(m, "copy in (JS)", () => scratch.set(bytes)),
      timedCase(m, "inspect()", () => inspect(bytes)),
      timedCase(m, "analyze([29])", () => analyze(bytes, {}, API_29)),
      timedCase(m, "analyze(all 9)", () => analyze(bytes, {}, ALL_LEVELS)),
    );
    // Issue 12: a GPU analysis against the NNAPI one, both through the page's Session (each call
    // reads the model, builds the report and converts it to JS, so the ratio is of whole calls).
    // analyze_gpu includes the GPU analysis's combined plan: its like is analyze_combined([29]).
    const session = new Session(bytes.length);
    session.push(bytes);
    cases.push(
      timedCase(m, "Session.analyze([29])", () => session.analyze({}, API_29)),
      timedCase(m, "Session.analyze_gpu(gpu)", () => session.analyze_gpu("gpu", {})),
      timedCase(m, "Session.analyze_gpu(litert-gpu)", () => session.analyze_gpu("litert-gpu", {})),
      // Issue 13: the NNAPI report with the plan that really runs (XNNPACK after NNAPI) against today's.
      timedCase(m, "Session.analyze(all 9)", () => session.analyze({}, ALL_LEVELS)),
      timedCase(m, "Session.analyze_combined([29])", () => session.analyze_combined({}, API_29)),
      timedCase(m, "Session.analyze_combined(all 9)", () => session.analyze_combined({}, ALL_LEVELS)),
    );
  }
  // Rounds go across all cases, so that the machine's noise spreads over every figure alike.
  for (let r = 0; r < rounds; r++) for (const c of cases) c.round();
  for (const c of cases) {
    const t = c.times.sort((a, b) => a - b);
    c.model.rows[c.label] = { median_ms: t[t.length >> 1], min_ms: t[0], calls: c.calls, rounds };
  }
  return { userAgent: navigator.userAgent, rounds, models };
}

window.runBench = runBench;

const button = document.getElementById("run");
button.disabled = false;
button.addEventListener("click", async () => {
  button.disabled = true;
  const out = document.getElementById("out");
  out.textContent = "running…";
  try {
    out.textContent = JSON.stringify(await runBench(Number(document.getElementById("rounds").value)), null, 2);
  } catch (e) {
    out.textContent = String(e);
  }
  button.disabled = false;
});
