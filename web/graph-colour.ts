// Where each op of a subgraph runs for the chosen target, read from the analysis's plan rows: every
// delegate row (a row with `nodes`, the CLI's PlanRow::is_delegate) is one kernel and gets its own
// colour; the other ops run on the CPU.
import type { PlanRow, Refusal, TargetReport } from "./report.js";

export interface Placement {
  kind: "kernel" | "xnnpack" | "cpu";
  /** 1-based number of the delegate kernel in run order (kind "kernel" only). */
  kernel?: number;
  /** The plan row that runs the op. */
  row?: PlanRow;
  colour: string;
}

/** Delegate kernels cycle through these (white text stays readable on each). */
const KERNEL_COLOURS = ["#1b7f3b", "#2e6fb3", "#6a4fcf", "#0f766e", "#4d7c0f", "#9d3d8f", "#31587a", "#7a5a12"];
export const CPU_COLOUR = "#d1761f";
/** XNNPACK's kernels, once the analysis has rows for them (see isXnnpackRow). */
export const XNNPACK_COLOUR = "#8a8f98";

/**
 * The hook for XNNPACK: a delegate row that XNNPACK runs (its kernel name, "TfLiteXNNPackDelegate"
 * in benchmark_model's listing) is coloured as XNNPACK rather than as the chosen delegate's kernel n.
 */
export function isXnnpackRow(row: PlanRow): boolean {
  return /xnnpack/i.test(row.type);
}

export function kernelColour(kernel: number): string {
  return KERNEL_COLOURS[(kernel - 1) % KERNEL_COLOURS.length];
}

/** The plan and refusals of subgraph `sg` in analysis `a` (empty when the analysis has none for it). */
export function subgraphPlan(a: TargetReport | undefined, sg: number): { plan: PlanRow[]; refused: Refusal[] } {
  if (!a) return { plan: [], refused: [] };
  if (sg === 0) return { plan: a.plan, refused: a.refused };
  const other = a.other_subgraphs?.find((o) => o.index === sg);
  return { plan: other?.plan ?? [], refused: other?.refused ?? [] };
}

/** Placement of each of the `count` ops of a subgraph with plan rows `plan`. */
export function placements(plan: PlanRow[], count: number): Placement[] {
  const out: Placement[] = Array.from({ length: count }, () => ({ kind: "cpu", colour: CPU_COLOUR }));
  let kernel = 0;
  for (const row of plan) {
    if (!row.nodes) continue;
    const xnnpack = isXnnpackRow(row);
    const p: Placement = xnnpack
      ? { kind: "xnnpack", row, colour: XNNPACK_COLOUR }
      : { kind: "kernel", kernel: ++kernel, row, colour: kernelColour(kernel) };
    for (const i of row.nodes) if (i >= 0 && i < count) out[i] = p;
  }
  for (const row of plan) {
    if (!row.nodes && row.index >= 0 && row.index < count) out[row.index] = { kind: "cpu", row, colour: CPU_COLOUR };
  }
  return out;
}

/** A stable key per placement: "kernel-3", "xnnpack-…", "cpu". */
export function placementKey(p: Placement): string {
  if (p.kind === "kernel") return `kernel-${p.kernel}`;
  if (p.kind === "xnnpack") return `xnnpack-${p.row?.index ?? 0}`;
  return "cpu";
}

/** "NNAPI kernel 3 (TfLiteNnapiDelegate …:701)" or "CPU". */
export function placementText(p: Placement, kernelName: string): string {
  if (p.kind === "kernel") return `${kernelName} ${p.kernel} (${p.row?.type ?? ""} ${p.row?.name ?? ""})`;
  if (p.kind === "xnnpack") return `XNNPACK (${p.row?.name ?? ""})`;
  return "CPU";
}
