// Where each op of a subgraph runs, read from plan rows. Three sources (the graph panel's "Colour
// by"): the plan that really runs (the chosen delegate, then TFLite's default XNNPACK delegate: the
// analysis's `combined` rows with their `runs_on`), the delegate's own plan, or XNNPACK applied on its
// own. Every delegate row (a row with `nodes`, the CLI's PlanRow::is_delegate) is one kernel; the
// accelerator's kernels get a colour each, XNNPACK's kernels one colour, the other ops run on the
// builtin CPU kernels.
import type { CombinedReport, CombinedRow, PlanRow, Refusal, SubgraphPlan } from "./report.js";

export interface Placement {
  kind: "kernel" | "xnnpack" | "cpu";
  /** 1-based number of the kernel in run order, among the accelerator's kernels (kind "kernel")
   * or among XNNPACK's (kind "xnnpack"). */
  kernel?: number;
  /** The plan row that runs the op. */
  row?: PlanRow;
  colour: string;
}

/** Delegate kernels cycle through these (white text stays readable on each). */
const KERNEL_COLOURS = ["#1b7f3b", "#2e6fb3", "#6a4fcf", "#0f766e", "#4d7c0f", "#9d3d8f", "#31587a", "#7a5a12"];
export const CPU_COLOUR = "#d1761f";
/** XNNPACK's kernels (the plan that really runs, or XNNPACK on its own). */
export const XNNPACK_COLOUR = "#8a8f98";

/**
 * A delegate row that XNNPACK runs (its kernel name, "TfLiteXNNPackDelegate" in benchmark_model's
 * listing): in a plan without `runs_on` (XNNPACK's own analysis) this tells its kernels apart.
 */
export function isXnnpackRow(row: PlanRow): boolean {
  return /xnnpack/i.test(row.type);
}

export function kernelColour(kernel: number): string {
  return KERNEL_COLOURS[(kernel - 1) % KERNEL_COLOURS.length];
}

/** What a plan source has: a primary plan and refusals, and the other subgraphs'. */
interface PlanSource {
  plan: PlanRow[];
  refused: Refusal[];
  other_subgraphs?: SubgraphPlan[];
}

/** The plan and refusals of subgraph `sg` in `a` (empty when `a` has none for it). */
export function subgraphPlan(a: PlanSource | undefined, sg: number): { plan: PlanRow[]; refused: Refusal[] } {
  if (!a) return { plan: [], refused: [] };
  if (sg === 0) return { plan: a.plan, refused: a.refused };
  const other = a.other_subgraphs?.find((o) => o.index === sg);
  return { plan: other?.plan ?? [], refused: other?.refused ?? [] };
}

/** The combined plan's rows of subgraph `sg` (empty when the delegate was not applied to it). */
export function combinedSubgraphPlan(c: CombinedReport, sg: number): CombinedRow[] {
  if (sg === 0) return c.plan;
  return c.other_subgraphs?.find((o) => o.index === sg)?.plan ?? [];
}

/** Where a row runs: its `runs_on` in a combined plan; else XNNPACK's kernel name, or a delegate row. */
function runsOn(row: PlanRow | CombinedRow): "accelerator" | "xnnpack" | "cpu" {
  if ("runs_on" in row) return row.nodes ? row.runs_on : "cpu";
  if (!row.nodes) return "cpu";
  return isXnnpackRow(row) ? "xnnpack" : "accelerator";
}

/** Placement of each of the `count` ops of a subgraph with plan rows `plan` (a delegate's own plan,
 * XNNPACK's, or a combined plan's rows). */
export function placements(plan: (PlanRow | CombinedRow)[], count: number): Placement[] {
  const out: Placement[] = Array.from({ length: count }, () => ({ kind: "cpu", colour: CPU_COLOUR }));
  let kernel = 0;
  let xnnpack = 0;
  for (const row of plan) {
    const on = runsOn(row);
    if (on === "cpu" || !row.nodes) continue;
    const p: Placement =
      on === "xnnpack"
        ? { kind: "xnnpack", kernel: ++xnnpack, row, colour: XNNPACK_COLOUR }
        : { kind: "kernel", kernel: ++kernel, row, colour: kernelColour(kernel) };
    for (const i of row.nodes) if (i >= 0 && i < count) out[i] = p;
  }
  for (const row of plan) {
    if (!row.nodes && row.index >= 0 && row.index < count) out[row.index] = { kind: "cpu", row, colour: CPU_COLOUR };
  }
  return out;
}

/** A stable key per placement: "kernel-3", "xnnpack-2", "cpu". */
export function placementKey(p: Placement): string {
  if (p.kind === "kernel") return `kernel-${p.kernel}`;
  if (p.kind === "xnnpack") return `xnnpack-${p.kernel}`;
  return "cpu";
}

/** "NNAPI kernel 3 (TfLiteNnapiDelegate …:701)", "XNNPACK kernel 2 (…:705)" or "CPU". */
export function placementText(p: Placement, kernelName: string): string {
  if (p.kind === "kernel") return `${kernelName} ${p.kernel} (${p.row?.type ?? ""} ${p.row?.name ?? ""})`;
  if (p.kind === "xnnpack") return `XNNPACK kernel ${p.kernel} (${p.row?.name ?? ""})`;
  return "CPU";
}
