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
