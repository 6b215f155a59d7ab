// The NNAPI panel: target controls, the per-level matrix, the verdict, the run order and the reasons.
import { analyze } from "./pkg/delegate_doctor.js";
import { byId, clear, el } from "./dom.js";
import type { AnalyzeReport, DelegateOptions, LevelReport } from "./report.js";

const LEVELS = [27, 28, 29, 30, 31, 32, 33, 34, 35];

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

/** Runs the analysis for every level with the current options. */
export function analyseAll(bytes: Uint8Array, target: Target): AnalyzeReport {
  return analyze(bytes, target.options, new Uint32Array(LEVELS)) as AnalyzeReport;
}

function renderMatrix(report: AnalyzeReport, sdk: number, onPick: (sdk: number) => void): void {
  const body = byId("matrix").querySelector("tbody");
  if (!body) return;
  clear(body);
  for (const a of report.analyses) {
    const row = el(
      "tr",
      { class: a.sdk === sdk ? "current" : "", "data-sdk": String(a.sdk), tabindex: "0" },
      el("td", {}, String(a.sdk)),
      el("td", { class: `outcome-${a.outcome}` }, a.outcome),
      el("td", {}, `${a.delegated_nodes}/${a.total_nodes}`),
      el("td", {}, String(a.delegate_kernels)),
      el("td", {}, a.verdict.summary),
    );
    row.addEventListener("click", () => onPick(a.sdk));
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter") onPick(a.sdk);
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

function renderRefused(a: LevelReport): void {
  const list = byId("refused");
  clear(list);
  if (a.refused.length === 0) {
    list.append(el("li", {}, "None: NNAPI accepts every op at this level."));
    return;
  }
  for (const r of a.refused) {
    const reasons = el("ul", {}, ...r.reasons.map((x) => el("li", { class: "reason" }, x)));
    list.append(el("li", { "data-index": String(r.index) }, el("strong", {}, `${r.index} ${r.op}`), ` (v${r.version})`, reasons));
  }
}

/** Shows the report for the chosen level. */
export function renderDiagnosis(report: AnalyzeReport, sdk: number, onPick: (sdk: number) => void): LevelReport | undefined {
  const a = report.analyses.find((x) => x.sdk === sdk);
  renderMatrix(report, sdk, onPick);
  if (!a) return undefined;
  byId("verdict").textContent = `API ${a.sdk}: ${a.verdict.summary}`;
  byId("run-order").textContent = [...a.log.filter((l) => l.startsWith("Replacing")), runOrderText(a)].join("\n\n");
  renderRefused(a);
  byId("assumptions").textContent = a.assumptions.map((s) => `Assumed: ${s}.`).join(" ");
  byId("diagnose").hidden = false;
  return a;
}
