// Messages between the page and the segmentation worker (which loads the engine's wasm lazily).

export type Photo = { kind: "url"; url: string } | { kind: "file"; file: File };

/** A model to run; `bytes` may be left out when the worker already holds the model under `key`. */
export interface ModelSpec {
  key: string;
  label: string;
  bytes?: Uint8Array;
}

export type SegmentRequest = { id: number; type: "run"; photo: Photo; models: ModelSpec[] };

export type Run =
  | {
      key: string;
      label: string;
      ok: true;
      width: number;
      height: number;
      /** The photo resized to the model's input (Pillow's bilinear), RGB. */
      rgb: Uint8Array;
      /** One class index per pixel (empty for a soft mask). */
      classes: Uint8Array;
      classCount: number;
      quantized: boolean;
      /** The image input's type: "uint8", "int8" or "float32". */
      inputType: string;
      /** A one-channel soft mask (MediaPipe selfie), row-major, or null for a class map. */
      mask: { width: number; height: number; values: Float32Array } | null;
      /** Compiling the model (first use only, else 0) and running it, in milliseconds. */
      loadMs: number;
      runMs: number;
    }
  | { key: string; label: string; ok: false; error: string };

export type SegmentReply =
  | {
      id: number;
      type: "result";
      photo: { width: number; height: number };
      /** Time to fetch and compile the engine's wasm (first request only, else 0). */
      engineMs: number;
      runs: Run[];
    }
  | { id: number; type: "error"; message: string };

/** "Compare outputs": both models on the same seeded inputs (the bytes are always sent). */
export type CompareRequest = { id: number; type: "compare"; seed: number; original: Uint8Array; fixed: Uint8Array };

export interface OutputComparison {
  name: string;
  original: string;
  fixed: string;
  values: number;
  identical: number;
  /** null when a difference is not finite. */
  max_abs_diff: number | null;
  note: string | null;
}

export interface CompareOutcome {
  original_error: string | null;
  fixed_error: string | null;
  error: string | null;
  comparison: { seed: number; inputs: string[]; outputs: OutputComparison[] } | null;
}

export type CompareReply =
  | { id: number; type: "compared"; outcome: CompareOutcome; ms: number }
  | { id: number; type: "error"; message: string };

export type WorkerRequest = SegmentRequest | CompareRequest;
