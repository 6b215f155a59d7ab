// The NNAPI panel: target controls, the per-level matrix, the verdict, the plan bar, the run order
// and the reasons.
import { byId, clear, el } from "./dom.js";
import type { AnalyzeReport, DelegateOptions, InspectReport, LevelReport } from "./report.js";

export const LEVELS = [27, 28, 29, 30, 31, 32, 33, 34, 35];

export interface Target {
  sdk: number;
  options: DelegateOptions;
}

/** Reads the target controls. */
export function readTarget(): Target {
  const limit = Number.parseInt(byId<HTMLInputElement>("limit").value, 10);
  const accelerator = byId<HTMLInputElement>("accelerator").value.trim();
  return {
    sdk: Number.parseInt(byId<HTMLSelectElement>("sdk").value, 10),
    options: {
      disable_nnapi_cpu: !byId<HTMLInputElement>("cpu-fallback").checked,
      accelerator_name: accelerator === "" ? null : accelerator,
      max_delegated_partitions: Number.isFinite(limit) && limit > 0 ? limit : 0,
      disable_delegate_clustering: byId<HTMLInputElement>("non-greedy").checked,
    },
  };
}

/** Sets the target controls (from a share link). */
export function writeTarget(t: Target): void {
  byId<HTMLSelectElement>("sdk").value = String(t.sdk);
  byId<HTMLInputElement>("cpu-fallback").checked = t.options.disable_nnapi_cpu === false;
  byId<HTMLInputElement>("accelerator").value = t.options.accelerator_name ?? "";
  byId<HTMLInputElement>("limit").value = String(t.options.max_delegated_partitions ?? 0);
  byId<HTMLInputElement>("non-greedy").checked = t.options.disable_delegate_clustering === true;
}

function renderMatrix(report: AnalyzeReport, sdk: number, onPick: (sdk: number) => void): void {
  const body = byId("matrix").querySelector("tbody");
  if (!body) return;
  clear(body);
  for (const a of report.analyses) {
    const row = el(
      "tr",
      { class: a.sdk === sdk ? "current" : "", "data-sdk": String(a.sdk), tabindex: "0", title: `Show API ${a.sdk}` },
      el("td", {}, String(a.sdk)),
      el(
        "td",
        { class: `outcome-${a.outcome}`, ...(a.tie_at_limit ? { title: "a tie at the partition limit: this plan is one of several" } : {}) },
        a.tie_at_limit ? `${a.outcome} (tie)` : a.outcome,
      ),
      el("td", {}, `${a.delegated_nodes}/${a.total_nodes}`),
      el("td", {}, String(a.delegate_kernels)),
      el("td", {}, a.verdict.summary),
    );
    row.addEventListener("click", () => onPick(a.sdk));
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        onPick(a.sdk);
      }
    });
    body.append(row);
  }
}

/** The listing in benchmark_model's layout. */
export function runOrderText(a: LevelReport): string {
  if (a.outcome === "fails") return `${a.failure?.message ?? "Failed to apply NNAPI delegate."}\n${a.failure?.reason ?? ""}`;
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

/** A horizontal bar of the plan in run order: NNAPI kernels by node count, CPU ops one unit each. */
export function renderPlanBar(bar: HTMLElement, a: LevelReport, inspect: InspectReport | null): void {
  clear(bar);
  if (a.outcome === "fails") {
    bar.append(el("div", { class: "seg fails" }, "delegation fails"));
    return;
  }
  for (const row of a.plan) {
    const nodes = row.nodes ?? [row.index];
    const label = row.nodes
      ? `${row.type} ${row.name}: ${nodes.length} ops (${opSummary(inspect, nodes)})`
      : `${row.type} ${row.name} on the CPU`;
    const seg = el("div", { class: row.nodes ? "seg nnapi" : "seg cpu", title: label, tabindex: "0", role: "img", "aria-label": label });
    seg.style.flexGrow = String(nodes.length);
    bar.append(seg);
  }
}

function renderRefused(a: LevelReport, cures: Map<number, string>): void {
  const list = byId("refused");
  clear(list);
  if (a.refused.length === 0) list.append(el("li", {}, "None: NNAPI accepts every op at this level."));
  // The fp16-weight DEQUANTIZEs are not refusals: one line for all of them.
  const fp16 = a.fp16_weights;
  if (fp16) {
    const n = fp16.dequantize_nodes.length;
    list.append(el("li", { class: "fp16-note" }, el("strong", {}, `${n} DEQUANTIZE (fp16 weights)`), el("div", {}, fp16.message)));
  }
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

/** Shows the report for the chosen level. `cures` maps op index → what the fix panel does about it. */
export function renderDiagnosis(
  report: AnalyzeReport,
  sdk: number,
  inspect: InspectReport | null,
  cures: Map<number, string>,
  onPick: (sdk: number) => void,
): LevelReport | undefined {
  const a = report.analyses.find((x) => x.sdk === sdk);
  renderMatrix(report, sdk, onPick);
  if (!a) return undefined;
  byId("verdict").textContent = `API ${a.sdk}: ${a.verdict.summary}`;
  renderPlanBar(byId("plan-bar"), a, inspect);
  byId("run-order").textContent = [...a.log.filter((l) => l.startsWith("Replacing")), runOrderText(a)].join("\n\n");
  renderRefused(a, cures);
  byId("assumptions").textContent = a.assumptions.map((s) => `Assumed: ${s}.`).join(" ");
  byId("diagnose").hidden = false;
  return a;
}
