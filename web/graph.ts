// The graph panel: a layered layout of one subgraph's ops (tensors as edges), coloured by where each
// op runs for the chosen target, with pan and zoom, a tooltip per op, search, a subgraph selector,
// and a click that takes the user to the op's row in the op table. The layout library is loaded,
// and the layout computed (in a worker: web/graph-worker.ts), only when the panel is opened.
import { byId, clear, el } from "./dom.js";
import { combinedSubgraphPlan, placementKey, placements, placementText, subgraphPlan, CPU_COLOUR, XNNPACK_COLOUR, type Placement } from "./graph-colour.js";
import type { Layout, SubgraphReport } from "./graph-layout.js";
import type { LayoutReply, LayoutRequest } from "./graph-worker.js";
import { GraphView } from "./graph-view.js";
import type { CombinedRow, DelegateId, InspectReport, OperatorReport, PlanRow, Refusal, TargetReport, TensorRef, XnnpackReport } from "./report.js";

/** Beyond this many ops a layout takes too long for a page: the op table shows them instead. */
const MAX_OPS = 4000;
/** Kernels listed one by one in the legend; the rest are counted. */
const LEGEND_KERNELS = 8;
const KERNEL_NAMES: Record<DelegateId, string> = { nnapi: "NNAPI kernel", gpu: "GPU delegate kernel", "litert-gpu": "LiteRT GPU kernel" };

/** What the graph is coloured by (the "Colour by" selector). */
type ColourBy = "combined" | "delegate" | "xnnpack";

/** The rows the graph is coloured by, and what they are. */
interface Colouring {
  /** What is shown: "combined" falls back to "delegate" when the analysis has no combined plan
   * (or the run fails with XNNPACK), "xnnpack" to "delegate" before XNNPACK's analysis is there. */
  by: ColourBy;
  rows: (PlanRow | CombinedRow)[];
  /** Refusals of the delegate shown (the chosen one's, or XNNPACK's), and XNNPACK's after it. */
  refused: Refusal[];
  xnnpackRefused: Refusal[];
  kernelName: string;
}

interface State {
  inspect: InspectReport | null;
  analysis: TargetReport | undefined;
  /** XNNPACK applied on its own (the report's `xnnpack` analysis). */
  xnnpack: XnnpackReport | undefined;
  colourBy: ColourBy;
  subgraph: number;
  /** Layouts by subgraph, computed or under way (null: superseded by a new model). */
  layouts: Map<number, Promise<{ layout: Layout; loadMs: number } | null>>;
  view: GraphView | null;
  placements: Placement[];
  matches: number[];
  nextMatch: number;
  /** Bumped by every draw, so a slower earlier one does not overwrite a newer one. */
  generation: number;
}

const state: State = {
  inspect: null,
  analysis: undefined,
  xnnpack: undefined,
  colourBy: "combined",
  subgraph: 0,
  layouts: new Map(),
  view: null,
  placements: [],
  matches: [],
  nextMatch: 0,
  generation: 0,
};

/** The layout worker, started when the graph is first opened; its pending requests by id. */
let worker: Worker | null = null;
let nextRequest = 0;
const pending = new Map<number, { resolve: (r: { layout: Layout; loadMs: number } | null) => void; reject: (e: Error) => void }>();

function layoutWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL("./graph-worker.js", import.meta.url), { type: "module" });
  w.onmessage = (e: MessageEvent<LayoutReply>) => {
    const waiting = pending.get(e.data.id);
    pending.delete(e.data.id);
    if (!waiting) return;
    if ("error" in e.data) waiting.reject(new Error(e.data.error));
    else waiting.resolve({ layout: e.data.layout, loadMs: e.data.loadMs });
  };
  w.onerror = (e) => {
    e.preventDefault();
    stopWorker(new Error(e.message || "the layout worker failed"));
  };
  worker = w;
  return w;
}

/** Ends the worker (a new model makes its pending layouts useless); pending requests get `reason` or null. */
function stopWorker(reason: Error | null): void {
  worker?.terminate();
  worker = null;
  for (const waiting of pending.values()) {
    if (reason) waiting.reject(reason);
    else waiting.resolve(null);
  }
  pending.clear();
}

/** Subgraph `s` laid out in the worker; null when a new model superseded the request. */
function layOut(s: SubgraphReport): Promise<{ layout: Layout; loadMs: number } | null> {
  const request: LayoutRequest = { id: ++nextRequest, subgraph: s };
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject });
    layoutWorker().postMessage(request);
  });
}

function details(): HTMLDetailsElement {
  return byId<HTMLDetailsElement>("graph-details");
}

function tensorText(t: TensorRef): string {
  return `${t.name} ${t.type.toLowerCase()}[${t.shape.join(",")}]${t.const ? " (const)" : ""}`;
}

function currentOps(): OperatorReport[] {
  return state.inspect?.subgraphs[state.subgraph]?.operators ?? [];
}

/** The tooltip lines of op `i`: type, where it runs, its tensors with shapes, and any refusal reasons. */
function describe(i: number): string[] {
  const op = currentOps()[i];
  if (!op) return [];
  const p = state.placements[i];
  const c = colouring();
  const refused = c.refused.find((r) => r.index === i);
  const byXnnpack = p?.kind === "cpu" ? c.xnnpackRefused.find((r) => r.index === i) : undefined;
  return [
    `${i} ${op.op} (v${op.version})`,
    `Runs on: ${p ? placementText(p, c.kernelName) : "unknown"}`,
    ...op.inputs.filter((t): t is TensorRef => t !== null).map((t) => `In: ${tensorText(t)}`),
    ...op.outputs.map((t) => `Out: ${tensorText(t)}`),
    ...(refused?.reasons ?? []).map((r) => `Refused: ${r}`),
    ...(byXnnpack?.reasons ?? []).filter((r) => r).map((r) => `Refused by XNNPACK: ${r}`),
  ];
}

/** Shows op `i`'s row in the op table: clears a filter that hides it, scrolls to it and highlights it. */
function pickOp(i: number): void {
  const table = byId("op-table");
  const row = table.querySelector<HTMLTableRowElement>(`tbody tr[data-subgraph="${state.subgraph}"][data-index="${i}"]`);
  if (!row) return;
  if (row.hidden) {
    byId<HTMLInputElement>("op-filter").value = "";
    byId<HTMLInputElement>("refused-only").checked = false;
    byId("op-filter").dispatchEvent(new Event("input"));
  }
  for (const r of table.querySelectorAll("tr.picked")) r.classList.remove("picked");
  row.classList.add("picked");
  row.tabIndex = -1;
  row.scrollIntoView({ block: "center" });
  row.focus({ preventScroll: true });
}

function legendItem(colour: string, text: string): HTMLElement {
  const swatch = el("span", { class: "swatch" });
  swatch.style.background = colour;
  return el("span", { class: "legend-item" }, swatch, text);
}

function renderLegend(): void {
  const legend = byId("graph-legend");
  clear(legend);
  const kernel = colouring().kernelName;
  const seen = new Map<string, Placement>();
  for (const p of state.placements) if (p.kind !== "cpu" && !seen.has(placementKey(p))) seen.set(placementKey(p), p);
  const kernels = [...seen.values()].filter((p) => p.kind === "kernel");
  for (const p of kernels.slice(0, LEGEND_KERNELS)) legend.append(legendItem(p.colour, `${kernel} ${p.kernel}`));
  if (kernels.length > LEGEND_KERNELS) legend.append(el("span", { class: "hint" }, `+${kernels.length - LEGEND_KERNELS} more kernels (colours repeat)`));
  const xnnpackKernels = [...seen.values()].filter((p) => p.kind === "xnnpack").length;
  if (xnnpackKernels > 0) legend.append(legendItem(XNNPACK_COLOUR, `XNNPACK (${xnnpackKernels} kernel${xnnpackKernels === 1 ? "" : "s"})`));
  legend.append(legendItem(CPU_COLOUR, "CPU"), el("span", { class: "legend-item crossing-key" }, "dashed red edge: a partition boundary"));
}

/** The rows the current subgraph is coloured by, as "Colour by" asks when the analyses have them. */
function colouring(): Colouring {
  const sg = state.subgraph;
  const own = subgraphPlan(state.analysis, sg);
  const kernelName = state.analysis ? KERNEL_NAMES[state.analysis.delegate] : "kernel";
  if (state.colourBy === "xnnpack" && state.xnnpack) {
    const x = subgraphPlan(state.xnnpack, sg);
    return { by: "xnnpack", rows: x.plan, refused: x.refused, xnnpackRefused: [], kernelName: "XNNPACK kernel" };
  }
  const c = state.analysis?.combined;
  if (state.colourBy === "combined" && c && c.xnnpack !== "fails") {
    const xnnpackRefused = sg === 0 ? c.refused : (c.other_subgraphs?.find((o) => o.index === sg)?.refused ?? []);
    return { by: "combined", rows: combinedSubgraphPlan(c, sg), refused: own.refused, xnnpackRefused, kernelName };
  }
  return { by: "delegate", rows: own.plan, refused: own.refused, xnnpackRefused: [], kernelName };
}

/** Colours the drawn graph for the chosen target (no new layout). */
function colour(): void {
  const view = state.view;
  if (!view) return;
  const c = colouring();
  byId("graph").dataset.colourBy = c.by;
  state.placements = placements(c.rows, currentOps().length);
  state.placements.forEach((p, i) => view.colourOp(i, p.colour, placementKey(p)));
  view.markCrossings((id) => {
    if (!id.startsWith("op")) return undefined;
    const p = state.placements[Number(id.slice(2))];
    return p ? placementKey(p) : undefined;
  });
  renderLegend();
}

function search(): void {
  const view = state.view;
  const q = byId<HTMLInputElement>("graph-search").value.trim().toLowerCase();
  const ops = new Set<number>();
  const tensors = new Set<number>();
  if (q) {
    currentOps().forEach((op, i) => {
      const named = [...op.inputs, ...op.outputs].filter((t): t is TensorRef => t !== null && t.name.toLowerCase().includes(q));
      for (const t of named) tensors.add(t.index);
      if (op.op.toLowerCase().includes(q) || named.length > 0) ops.add(i);
    });
  }
  view?.mark(ops, tensors);
  state.matches = [...ops];
  state.nextMatch = 0;
  byId("graph-found").textContent = q ? `${ops.size} op${ops.size === 1 ? "" : "s"} match` : "";
}

function showNextMatch(): void {
  if (!state.view || state.matches.length === 0) return;
  const op = state.matches[state.nextMatch % state.matches.length];
  state.nextMatch++;
  state.view.centreOn(op);
}

function renderSubgraphSelector(inspect: InspectReport): void {
  const select = byId<HTMLSelectElement>("graph-subgraph");
  clear(select);
  for (const sg of inspect.subgraphs) {
    const option = el("option", { value: String(sg.index) });
    option.textContent = `${sg.index}${sg.name ? ` ${sg.name}` : ""} (${sg.operators.length} ops)`;
    select.append(option);
  }
  select.value = String(state.subgraph);
  byId("graph-subgraph-label").hidden = inspect.subgraphs.length < 2;
}

function status(text: string): void {
  byId("graph-status").textContent = text;
}

/** Lays out (once per subgraph) and draws the chosen subgraph, then colours it. */
async function draw(): Promise<void> {
  const inspect = state.inspect;
  if (!inspect || !details().open) return;
  const mine = ++state.generation;
  const started = performance.now();
  const sg = state.subgraph;
  const count = inspect.subgraphs[sg]?.operators.length ?? 0;
  const canvas = byId("graph");
  if (count > MAX_OPS) {
    state.view = null;
    clear(canvas);
    status(`Subgraph ${sg} has ${count} ops; only subgraphs up to ${MAX_OPS} ops are drawn. The plan bar and the op table show every op.`);
    return;
  }
  // One layout per subgraph, shared by the draws that wait for it (a target change while it runs).
  let job = state.layouts.get(sg);
  if (!job) {
    status(`Laying out ${count} ops…`);
    job = layOut(inspect.subgraphs[sg]);
    state.layouts.set(sg, job);
    job.catch(() => state.layouts.delete(sg));
  }
  const done = await job;
  if (!done || inspect !== state.inspect || mine !== state.generation) return;
  const layout = done.layout;
  canvas.dataset.loadMs = done.loadMs.toFixed(1);
  if (state.view?.layout !== layout) {
    state.view = new GraphView(canvas, byId("graph-tooltip"), layout, { describe, pick: pickOp });
    canvas.replaceChildren(state.view.root);
    state.view.fit();
  }
  canvas.dataset.subgraph = String(sg);
  canvas.dataset.layoutMs = layout.ms.toFixed(1);
  status(`${count} ops, ${layout.edges.length} tensor edges; laid out in ${layout.ms.toFixed(0)} ms. Drag (or arrow keys) to pan, wheel (or + −) to zoom, click an op for its row.`);
  colour();
  search();
  // For scripts/bench-graph.sh: the whole draw (library load, layout, SVG, colours), and that it ended.
  canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
  canvas.dataset.drawn = String(state.generation);
}

function reportDrawError(e: unknown): void {
  status(`The graph could not be drawn: ${e instanceof Error ? e.message : String(e)}`);
}

/** Called after every analysis: keeps the model, the chosen target's analysis and XNNPACK's on its
 * own, redraws if open. */
export function renderGraph(inspect: InspectReport, a: TargetReport | undefined, xnnpack?: XnnpackReport): void {
  if (inspect !== state.inspect) {
    if (pending.size > 0) stopWorker(null);
    state.inspect = inspect;
    state.subgraph = 0;
    state.layouts.clear();
    state.view = null;
    clear(byId("graph"));
    renderSubgraphSelector(inspect);
  }
  state.analysis = a;
  state.xnnpack = xnnpack;
  if (state.view) colour();
  void draw().catch(reportDrawError);
}

/** Wires the panel's controls (once). */
export function wireGraph(): void {
  details().addEventListener("toggle", () => void draw().catch(reportDrawError));
  byId("graph-subgraph").addEventListener("change", () => {
    state.subgraph = Number(byId<HTMLSelectElement>("graph-subgraph").value);
    void draw().catch(reportDrawError);
  });
  byId("graph-colour-by").addEventListener("change", () => {
    state.colourBy = byId<HTMLSelectElement>("graph-colour-by").value as ColourBy;
    colour();
  });
  byId("graph-search").addEventListener("input", search);
  byId("graph-search").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      showNextMatch();
    }
  });
  byId("graph-zoom-in").addEventListener("click", () => state.view?.zoomBy(1.25));
  byId("graph-zoom-out").addEventListener("click", () => state.view?.zoomBy(0.8));
  byId("graph-fit").addEventListener("click", () => state.view?.fit());
}
