// Shapes of the objects the wasm module returns (see docs/json.md; they mirror the CLI's JSON).

export interface TensorRef {
  index: number;
  name: string;
  type: string;
  shape: number[];
  shape_signature?: number[];
  const: boolean;
  quantization?: { scale: number[]; zero_point: number[]; quantized_dimension?: number };
}

export interface OperatorReport {
  index: number;
  op: string;
  builtin_code: number;
  version: number;
  inputs: (TensorRef | null)[];
  outputs: TensorRef[];
  options: Record<string, unknown>;
}

export interface InspectReport {
  format: string;
  model: {
    file_size: number;
    schema_version: number;
    description: string | null;
    subgraph_count: number;
    operator_count: number;
    tensor_count: number;
    buffer_count: number;
    uses_offset_buffers: boolean;
    op_histogram: { op: string; count: number }[];
    inputs: TensorRef[];
    outputs: TensorRef[];
    metadata: { name: string; size: number }[];
    signature_defs: { key: string; subgraph_index: number; inputs: string[]; outputs: string[] }[];
  };
  subgraphs: {
    index: number;
    name: string;
    tensor_count: number;
    inputs: TensorRef[];
    outputs: TensorRef[];
    operators: OperatorReport[];
  }[];
}

export interface DelegateOptions {
  sdk?: number;
  disable_nnapi_cpu?: boolean;
  accelerator_name?: string | null;
  max_delegated_partitions?: number;
  disable_delegate_clustering?: boolean;
  allow_dynamic_dimensions?: boolean;
}

export interface PlanRow {
  type: string;
  name: string;
  index: number;
  nodes?: number[];
}

export interface Refusal {
  index: number;
  op: string;
  version: number;
  reasons: string[];
}

/** The DEQUANTIZE ops of constant fp16 weights, said once (docs/json.md). */
export interface Fp16Weights {
  dequantize_nodes: number[];
  delegated: boolean;
  message: string;
  left_on_cpu?: { index: number; op: string; kernel: "fails" | "wrong-results" | "unknown"; detail: string }[];
}

/** The delegates, by the ids of the CLI's `--delegate`. */
export type DelegateId = "nnapi" | "gpu" | "litert-gpu";

/** The GPU delegate options (benchmark_model's flags; docs/json.md). */
export interface GpuOptions {
  backend: "cl" | "gl";
  enable_quant: boolean;
  max_delegated_partitions: number;
  precision_loss_allowed?: boolean;
}

/** The plan of a subgraph other than the primary one (control-flow bodies; docs/json.md). */
export interface SubgraphPlan {
  index: number;
  name: string;
  plan: PlanRow[];
  refused: Refusal[];
}

/** Where a row of the combined plan runs. */
export type RunsOn = "accelerator" | "xnnpack" | "cpu";

export interface CombinedRow extends PlanRow {
  runs_on: RunsOn;
}

/** The combined plan of a subgraph other than the primary one. */
export interface CombinedSubgraph {
  index: number;
  name: string;
  plan: CombinedRow[];
  refused: Refusal[];
}

/** The plan that really runs: the delegate, then TFLite's default XNNPACK delegate (docs/json.md `combined`). */
export interface CombinedReport {
  xnnpack: "applied" | "skipped" | "reverted" | "fails";
  reason?: string;
  failure?: { message: string; reason: string; op_index?: number };
  plan: CombinedRow[];
  total_nodes: number;
  accelerator_nodes: number;
  xnnpack_nodes: number;
  cpu_nodes: number;
  accelerator_kernels: number;
  xnnpack_kernels: number;
  refused: Refusal[];
  /** The other subgraphs the delegate was applied to (control flow), each with its combined plan. */
  other_subgraphs?: CombinedSubgraph[];
  log: string[];
  verdict: {
    summary: string;
    accelerator_ops: number;
    xnnpack_ops: number;
    cpu_ops: number;
    transitions: number;
    accelerator_work_share: number;
    xnnpack_work_share: number;
    cpu_work_share: number;
  };
}

/** What every delegate's analysis has (docs/json.md). */
export interface PlanReport {
  delegate: DelegateId;
  outcome: "full" | "partial" | "none" | "fails";
  total_nodes: number;
  delegated_nodes: number;
  delegate_kernels: number;
  partitions: number;
  /** The partition limit fell between partitions of equal size: the plan is one of several. */
  tie_at_limit: boolean;
  tie?: { limit: number; size: number; partitions: number[][]; kept: number };
  plan: PlanRow[];
  refused: Refusal[];
  /** Only for models with control flow: one per other (non-validation) subgraph. */
  other_subgraphs?: SubgraphPlan[];
  failure?: { message: string; reason: string; op_index?: number };
  log: string[];
  assumptions: string[];
  verdict: { summary: string; cpu_ops: number; transitions: number; cpu_work_share: number };
  /** The plan with the default XNNPACK delegate after this one (NNAPI and GPU analyses). */
  combined?: CombinedReport;
}

/** One NNAPI analysis at one Android API level. */
export interface LevelReport extends PlanReport {
  delegate: "nnapi";
  sdk: number;
  level: number | null;
  accelerator_specified: boolean;
  fp16_weights?: Fp16Weights;
}

/** The classic GPU delegate's or LiteRT's GPU accelerator's analysis. */
export interface GpuReport extends PlanReport {
  delegate: "gpu" | "litert-gpu";
  options: GpuOptions;
}

export type TargetReport = LevelReport | GpuReport;

/** The XNNPACK delegate applied on its own (`analyze --delegate xnnpack`): a matrix row, not a target. */
export interface XnnpackReport extends Omit<PlanReport, "delegate" | "combined"> {
  delegate: "xnnpack";
  options: { flags: Record<string, boolean> };
}

export interface AnalyzeReport {
  format: string;
  analyses: (TargetReport | XnnpackReport)[];
  comparison?: string;
}

export interface Change {
  fix: string;
  op: number;
  op_type: string;
  what: string;
  exactness: "exact" | "near-exact" | "approximate" | "changes-interface";
  detail?: string;
}

export interface FixReport {
  format: string;
  changes: Change[];
  not_fixed: { op: number; op_type: string; reasons: string[]; why: string }[];
  /** Why a requested cut stopped: the CPU op still ending (starting) the model and why. */
  not_cut?: string[];
  before: TargetReport;
  after: TargetReport;
  before_verdict: LevelReport["verdict"];
  after_verdict: LevelReport["verdict"];
  /** GPU targets: node counts of the largest delegate partition before and after the fixes. */
  largest_partition?: { before: number; after: number };
  output_size: number;
}
