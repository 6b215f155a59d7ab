// The delegate panel: target controls, the matrix of every delegate's outcome (NNAPI per level,
// GPU, LiteRT GPU), the verdict, the plan bar, the run order and the reasons.
import { byId, clear, el } from "./dom.js";
import type {
  AnalyzeReport,
  CombinedReport,
  DelegateId,
  DelegateOptions,
  GpuOptions,
  InspectReport,
  TargetReport,
  XnnpackReport,
} from "./report.js";

export const LEVELS = [27, 28, 29, 30, 31, 32, 33, 34, 35];
export const DELEGATES: DelegateId[] = ["nnapi", "gpu", "litert-gpu"];

export interface Target {
  delegate: DelegateId;
  sdk: number;
  options: DelegateOptions;
  gpu: GpuOptions;
}

/** A matrix row: NNAPI at one level, or one GPU delegate. */
export interface Pick {
  delegate: DelegateId;
  sdk?: number;
}

const NAMES: Record<DelegateId, string> = { nnapi: "NNAPI", gpu: "GPU", "litert-gpu": "LiteRT GPU" };
/** The delegate kernel's name in the run order, for the legend. */
const KERNELS: Record<DelegateId, string> = { nnapi: "NNAPI kernel", gpu: "GPU delegate kernel", "litert-gpu": "LiteRT GPU kernel" };
const RUN_ORDER_HINTS: Record<DelegateId, string> = {
  nnapi: "as benchmark_model --use_nnapi=1 --enable_op_profiling=1 lists it",
  gpu: "as benchmark_model --use_gpu=1 --enable_op_profiling=1 lists it",
  "litert-gpu": "LiteRT's CompiledModel API with Accelerator.GPU (its log names the kernel LITERT_CL on Android)",
};

export function isDelegate(v: unknown): v is DelegateId {
  return typeof v === "string" && (DELEGATES as string[]).includes(v);
}

function readGpuOptions(): GpuOptions {
  const limit = Number.parseInt(byId<HTMLInputElement>("gpu-limit").value, 10);
  return {
    backend: byId<HTMLSelectElement>("gpu-backend").value === "gl" ? "gl" : "cl",
    enable_quant: byId<HTMLInputElement>("gpu-quant").checked,
    max_delegated_partitions: Number.isFinite(limit) && limit > 0 ? limit : 1,
  };
}

/** Reads the target controls. */
export function readTarget(): Target {
  const limit = Number.parseInt(byId<HTMLInputElement>("limit").value, 10);
  const accelerator = byId<HTMLInputElement>("accelerator").value.trim();
  const delegate = byId<HTMLSelectElement>("delegate").value;
  return {
    delegate: isDelegate(delegate) ? delegate : "nnapi",
    sdk: Number.parseInt(byId<HTMLSelectElement>("sdk").value, 10),
    options: {
      disable_nnapi_cpu: !byId<HTMLInputElement>("cpu-fallback").checked,
      accelerator_name: accelerator === "" ? null : accelerator,
      max_delegated_partitions: Number.isFinite(limit) && limit > 0 ? limit : 0,
      disable_delegate_clustering: byId<HTMLInputElement>("non-greedy").checked,
    },
    gpu: readGpuOptions(),
  };
}

/** Shows the controls of the chosen delegate only. */
export function showDelegateControls(delegate: DelegateId): void {
  byId("nnapi-options").hidden = delegate !== "nnapi";
  byId("gpu-options").hidden = delegate === "nnapi";
  // LiteRT's accelerator makes one partition: the limit is the classic delegate's flag.
  byId("gpu-limit-label").hidden = delegate !== "gpu";
}

/** Sets the target controls (from a share link or a matrix row). */
export function writeTarget(t: Target): void {
  byId<HTMLSelectElement>("delegate").value = t.delegate;
  byId<HTMLSelectElement>("sdk").value = String(t.sdk);
  byId<HTMLInputElement>("cpu-fallback").checked = t.options.disable_nnapi_cpu === false;
  byId<HTMLInputElement>("accelerator").value = t.options.accelerator_name ?? "";
  byId<HTMLInputElement>("limit").value = String(t.options.max_delegated_partitions ?? 0);
  byId<HTMLInputElement>("non-greedy").checked = t.options.disable_delegate_clustering === true;
  byId<HTMLSelectElement>("gpu-backend").value = t.gpu.backend;
  byId<HTMLInputElement>("gpu-quant").checked = t.gpu.enable_quant;
  byId<HTMLInputElement>("gpu-limit").value = String(t.gpu.max_delegated_partitions);
  showDelegateControls(t.delegate);
}

/** "API 29", "GPU", "LiteRT GPU". */
export function targetLabel(a: TargetReport | Pick): string {
  return a.delegate === "nnapi" ? `API ${a.sdk}` : NAMES[a.delegate];
}

function sameTarget(a: TargetReport, p: Pick): boolean {
  return a.delegate === p.delegate && (a.delegate !== "nnapi" || a.sdk === p.sdk);
}

function isTarget(a: TargetReport | XnnpackReport): a is TargetReport {
  return a.delegate !== "xnnpack";
}

/** The analysis of the chosen target in `report`. */
export function findTarget(report: AnalyzeReport, t: Target): TargetReport | undefined {
  return report.analyses.filter(isTarget).find((a) => sameTarget(a, t));
}

function outcomeCell(a: TargetReport | XnnpackReport): HTMLElement {
  const tie: Record<string, string> = a.tie_at_limit ? { title: "a tie at the partition limit: this plan is one of several" } : {};
  return el("td", { class: `outcome-${a.outcome}`, ...tie }, a.tie_at_limit ? `${a.outcome} (tie)` : a.outcome);
}

function matrixRow(a: TargetReport, current: Pick, onPick: (p: Pick) => void): HTMLTableRowElement {
  const pick: Pick = a.delegate === "nnapi" ? { delegate: "nnapi", sdk: a.sdk } : { delegate: a.delegate };
  const row = el(
    "tr",
    {
      class: sameTarget(a, current) ? "current" : "",
      "data-delegate": a.delegate,
      ...(a.delegate === "nnapi" ? { "data-sdk": String(a.sdk) } : {}),
      tabindex: "0",
      title: `Show ${targetLabel(a)}`,
    },
    el("td", { class: "target-name" }, targetLabel(a)),
    outcomeCell(a),
    el("td", {}, `${a.delegated_nodes}/${a.total_nodes}`),
    el("td", {}, String(a.delegate_kernels)),
    el("td", {}, a.verdict.summary),
  );
  row.addEventListener("click", () => onPick(pick));
  row.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      onPick(pick);
    }
  });
  return row;
}

/** XNNPACK on its own: the default CPU delegate, what a phone without an accelerator delegate runs. */
function xnnpackRow(a: XnnpackReport): HTMLTableRowElement {
  return el(
    "tr",
    { class: "info", "data-delegate": "xnnpack", title: "XNNPACK applied on its own (the interpreter's default CPU delegate); below, the plan that really runs shows it after the chosen delegate" },
    el("td", { class: "target-name" }, "XNNPACK (CPU)"),
    outcomeCell(a),
    el("td", {}, `${a.delegated_nodes}/${a.total_nodes}`),
    el("td", {}, String(a.delegate_kernels)),
    el("td", {}, a.verdict.summary),
  );
}

function renderMatrix(report: AnalyzeReport, current: Pick, onPick: (p: Pick) => void): void {
  const body = byId("matrix").querySelector("tbody");
  if (!body) return;
  clear(body);
  for (const a of report.analyses) body.append(isTarget(a) ? matrixRow(a, current, onPick) : xnnpackRow(a));
  byId("comparison").textContent = report.comparison ?? "";
}

function failureText(a: TargetReport): string {
  const fallback = a.delegate === "nnapi" ? "Failed to apply NNAPI delegate." : `Failed to apply the ${NAMES[a.delegate]} delegate.`;
  return `${a.failure?.message ?? fallback}\n${a.failure?.reason ?? ""}`;
}

/** The listing in benchmark_model's layout. */
export function runOrderText(a: TargetReport): string {
  if (a.outcome === "fails") return failureText(a);
  const head = `${"[node type]".padStart(24)}\t[Name]`;
  return [head, ...a.plan.map((r) => `${r.type.padStart(24)}\t${r.name}`)].join("\n");
}

function opSummary(inspect: InspectReport | null, nodes: number[]): string {
  const ops = inspect?.subgraphs[0]?.operators ?? [];
  const counts = new Map<string, number>();
  for (const n of nodes) {
    const op = ops[n]?.op ?? "?";
    counts.set(op, (counts.get(op) ?? 0) + 1);
  }
  return [...counts.entries()].map(([op, c]) => `${op}×${c}`).join(", ");
}

/** A horizontal bar of the plan in run order: delegate kernels by node count, CPU ops one unit each. */
export function renderPlanBar(bar: HTMLElement, a: TargetReport, inspect: InspectReport | null): void {
  clear(bar);
  if (a.outcome === "fails") {
    bar.append(el("div", { class: "seg fails" }, "delegation fails"));
    return;
  }
  // The delegated segments keep the class "nnapi" (the colour of a delegate kernel) for every delegate.
  const kernelClass = a.delegate === "nnapi" ? "seg nnapi" : "seg nnapi gpu";
  for (const row of a.plan) {
    const nodes = row.nodes ?? [row.index];
    const label = row.nodes
      ? `${row.type} ${row.name}: ${nodes.length} ops (${opSummary(inspect, nodes)})`
      : `${row.type} ${row.name} on the CPU`;
    const seg = el("div", { class: row.nodes ? kernelClass : "seg cpu", title: label, tabindex: "0", role: "img", "aria-label": label });
    seg.style.flexGrow = String(nodes.length);
    bar.append(seg);
  }
}

const RUNS_ON_CLASS = { accelerator: "seg nnapi", xnnpack: "seg xnnpack", cpu: "seg cpu" } as const;

/** The combined plan in run order, three colours: the accelerator's kernels, XNNPACK's, builtin CPU kernels. */
export function renderCombinedBar(bar: HTMLElement, c: CombinedReport | undefined, delegate: DelegateId, inspect: InspectReport | null): void {
  clear(bar);
  if (!c) return;
  if (c.xnnpack === "fails" || c.plan.length === 0) {
    bar.append(el("div", { class: "seg fails" }, c.xnnpack === "fails" ? "the run fails" : "delegation fails"));
    return;
  }
  for (const row of c.plan) {
    const nodes = row.nodes ?? [row.index];
    const where = row.runs_on === "cpu" ? "on a builtin CPU kernel" : `${nodes.length} ops (${opSummary(inspect, nodes)})`;
    const label = `${row.type} ${row.name}: ${where}`;
    const cls = row.runs_on === "accelerator" && delegate !== "nnapi" ? `${RUNS_ON_CLASS.accelerator} gpu` : RUNS_ON_CLASS[row.runs_on];
    const seg = el("div", { class: cls, title: label, tabindex: "0", role: "img", "aria-label": label, "data-runs-on": row.runs_on });
    seg.style.flexGrow = String(nodes.length);
    bar.append(seg);
  }
}

/** The combined plan's log and listing, in benchmark_model's layout. */
export function combinedRunOrderText(c: CombinedReport): string {
  const head = `${"[node type]".padStart(24)}\t[Name]`;
  const rows = c.plan.map((r) => `${r.type.padStart(24)}\t${r.name}`);
  return [c.log.join("\n"), c.reason ? `XNNPACK ${c.xnnpack}: ${c.reason}` : "", rows.length ? [head, ...rows].join("\n") : ""]
    .filter(Boolean)
    .join("\n\n");
}

function renderCombined(a: TargetReport, inspect: InspectReport | null): void {
  const c = a.combined;
  byId("combined").hidden = !c;
  if (!c) return;
  byId("combined-verdict").textContent = c.verdict.summary;
  byId("combined-kernel-legend").textContent = KERNELS[a.delegate];
  renderCombinedBar(byId("combined-bar"), c, a.delegate, inspect);
  byId("combined-run-order").textContent = combinedRunOrderText(c);
}

/** The page's own assumptions: the analysis's, with the one about XNNPACK replaced by what the page shows. */
function assumptionsText(a: TargetReport): string {
  const own = a.assumptions.filter((s) => !s.includes("--use_xnnpack=false")).map((s) => `Assumed: ${s}.`);
  const xnnpack = a.combined
    ? "Assumed: the delegate's own plan (bar above) is benchmark_model's with --use_xnnpack=false; the plan that really runs adds TFLite's default XNNPACK delegate with its default flags (QS8, QU8), which the interpreter applies lazily after the delegate, as on every phone."
    : "Assumed: benchmark_model runs with --use_xnnpack=false.";
  return [...own, xnnpack].join(" ");
}

function fp16Note(a: TargetReport): HTMLElement[] {
  // The fp16-weight DEQUANTIZEs are not refusals: one line for all of them (NNAPI only).
  const fp16 = a.delegate === "nnapi" ? a.fp16_weights : undefined;
  if (!fp16) return [];
  const n = fp16.dequantize_nodes.length;
  return [el("li", { class: "fp16-note" }, el("strong", {}, `${n} DEQUANTIZE (fp16 weights)`), el("div", {}, fp16.message))];
}

function renderRefused(a: TargetReport, cures: Map<number, string>): void {
  const list = byId("refused");
  clear(list);
  if (a.refused.length === 0) {
    list.append(el("li", {}, a.delegate === "nnapi" ? "None: NNAPI accepts every op at this level." : `None: ${NAMES[a.delegate]} accepts every op.`));
  }
  list.append(...fp16Note(a));
  for (const r of a.refused) {
    const reasons = el("ul", {}, ...r.reasons.map((x) => el("li", { class: "reason" }, x)));
    const cure = cures.get(r.index);
    list.append(
      el(
        "li",
        { "data-index": String(r.index) },
        el("strong", {}, `${r.index} ${r.op}`),
        ` (v${r.version})`,
        reasons,
        ...(cure ? [el("div", { class: "cure" }, cure)] : []),
      ),
    );
  }
}

/** What the run order shows above the listing: NNAPI's Replacing lines, or the GPU delegate's whole log. */
function logText(a: TargetReport): string {
  return a.delegate === "nnapi" ? a.log.filter((l) => l.startsWith("Replacing")).join("\n\n") : a.log.join("\n");
}

function renderLabels(delegate: DelegateId): void {
  byId("run-order-hint").textContent = RUN_ORDER_HINTS[delegate];
  byId("kernel-legend").textContent = `${KERNELS[delegate]} (width: ops it runs)`;
}

/** Shows the report for the chosen target. `cures` maps op index → what the fix panel does about it. */
export function renderDiagnosis(
  report: AnalyzeReport,
  target: Target,
  inspect: InspectReport | null,
  cures: Map<number, string>,
  onPick: (p: Pick) => void,
): TargetReport | undefined {
  const a = findTarget(report, target);
  renderMatrix(report, target, onPick);
  if (!a) return undefined;
  byId("verdict").textContent = `${targetLabel(a)}: ${a.verdict.summary}`;
  renderLabels(a.delegate);
  renderPlanBar(byId("plan-bar"), a, inspect);
  byId("run-order").textContent = [logText(a), runOrderText(a)].filter(Boolean).join("\n\n");
  renderCombined(a, inspect);
  renderRefused(a, cures);
  byId("assumptions").textContent = assumptionsText(a);
  byId("diagnose").hidden = false;
  return a;
}
