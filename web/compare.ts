// The "Compare outputs" panel: the original and the fixed model on the same deterministic inputs
// (seeded, in each input's type and range), and per output the share of identical values and the
// largest difference. It proves a fix on any model the engine runs, segmenter or not. It has its
// own worker (the segmentation worker's script), created on the first comparison only.
import { byId, clear, el } from "./dom.js";
import type { CompareOutcome, CompareReply, CompareRequest, OutputComparison } from "./segment-protocol.js";

export interface CompareModels {
  /** Identifies the model and fix: a new one clears the last result. */
  key: string;
  original: () => Promise<Uint8Array>;
  fixed: () => Promise<Uint8Array>;
}

/** The inputs are the same for every comparison, so results can be quoted. */
const SEED = 1;

let worker: Worker | null = null;
let nextId = 1;
let models: CompareModels | null = null;
let busy = false;

function ask(request: CompareRequest): Promise<CompareReply> {
  worker ??= new Worker(new URL("./segment-worker.js", import.meta.url), { type: "module" });
  const w = worker;
  return new Promise((resolve, reject) => {
    const onMessage = (e: MessageEvent<CompareReply>) => {
      if (e.data.id !== request.id) return;
      w.removeEventListener("message", onMessage);
      resolve(e.data);
    };
    w.addEventListener("message", onMessage);
    w.addEventListener("error", (e) => reject(new Error(`the engine stopped: ${e.message || "it could not be loaded"}`)), { once: true });
    w.postMessage(request);
  });
}

/** Shows the panel when a fix was applied (there is something to compare), else hides it. */
export function showCompare(m: CompareModels | null): void {
  const panel = byId("compare");
  panel.hidden = m === null;
  if (!m || models?.key !== m.key) {
    clear(byId("compare-results"));
    byId("compare-status").textContent = m ? "Run both models on the same inputs and compare every output." : "";
    delete panel.dataset.done;
  }
  models = m;
}

async function run(): Promise<void> {
  if (!models || busy) return;
  busy = true;
  const status = byId("compare-status");
  status.textContent = worker ? "Comparing…" : "Loading the engine and comparing…";
  try {
    const [original, fixed] = await Promise.all([models.original(), models.fixed()]);
    const reply = await ask({ id: nextId++, type: "compare", seed: SEED, original, fixed });
    if (reply.type === "error") throw new Error(reply.message);
    render(reply.outcome, reply.ms);
  } catch (e) {
    clear(byId("compare-results"));
    status.textContent = e instanceof Error ? e.message : String(e);
  } finally {
    busy = false;
    byId("compare").dataset.done = String(nextId - 1);
  }
}

function render(o: CompareOutcome, ms: number): void {
  const results = byId("compare-results");
  clear(results);
  const status = byId("compare-status");
  const failed = [["Original", o.original_error], ["Fixed", o.fixed_error]].filter((f): f is [string, string] => f[1] !== null);
  for (const [label, error] of failed) {
    results.append(el("p", { class: "reason", "data-model": label.toLowerCase() }, el("strong", {}, `${label} — cannot run in the page: `), error));
  }
  if (o.error) results.append(el("p", { class: "reason" }, o.error));
  const c = o.comparison;
  if (!c) {
    status.textContent = "No comparison: see why below.";
    return;
  }
  const same = c.outputs.every((r) => r.values > 0 && r.identical === r.values);
  status.textContent = `${same ? "Every output is identical" : "The outputs differ"} on the same seeded inputs (seed ${c.seed}: ${c.inputs.join("; ")}), ${ms.toFixed(0)} ms.`;
  const head = el("tr", {}, ...["Output", "Original", "Fixed", "Identical values", "Max |difference|"].map((h) => el("th", { scope: "col" }, h)));
  const table = el("table", { class: "compare-table" }, el("thead", {}, head), el("tbody", {}, ...c.outputs.map(row)));
  results.append(table);
}

function row(r: OutputComparison): HTMLTableRowElement {
  const share = r.values ? (100 * r.identical) / r.values : 0;
  const identical = r.note ?? `${share.toFixed(share === 100 || share === 0 ? 0 : 4)} % (${r.identical.toLocaleString("en")} of ${r.values.toLocaleString("en")})`;
  const diff = r.max_abs_diff === null ? "not finite" : r.max_abs_diff === 0 ? "0" : r.max_abs_diff.toPrecision(3);
  return el("tr", { "data-identical": r.values ? share.toFixed(4) : "", "data-max-diff": String(r.max_abs_diff ?? "") },
    el("td", {}, r.name), el("td", {}, r.original), el("td", {}, r.fixed), el("td", {}, identical), el("td", {}, r.note ? "" : diff));
}

export function wireCompare(): void {
  byId("compare-run").addEventListener("click", () => void run());
}
