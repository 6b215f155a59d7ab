/* tslint:disable */
/* eslint-disable */

/**
 * One model held in wasm memory.
 */
export class Session {
    free(): void;
    [Symbol.dispose](): void;
    analyze(options: any, levels: Uint32Array | number[]): any;
    fix(options: any): any;
    inspect(): any;
    /**
     * An empty session expecting about `size` bytes.
     */
    constructor(size: number);
    /**
     * Appends the next chunk of the file.
     */
    push(chunk: Uint8Array | number[]): void;
    /**
     * Hex SHA-256 of the bytes (share links name the model by it).
     */
    sha256(): string;
    size(): number;
}

/**
 * NNAPI analyses of the model at each level in `levels` (Android API levels; empty = 27..35),
 * with `options` (a plain object with the fields of `Options`; missing fields take
 * benchmark_model's defaults).
 */
export function analyze(bytes: Uint8Array | number[], options: any, levels: Uint32Array | number[]): any;

/**
 * Fixes the model for `options` (the fields of `FixOptions`: `target`, `only`, `skip`, `cut`,
 * `pool_form`). Returns `{bytes: Uint8Array, report}`; `report` is what
 * `delegate-doctor fix --format json` prints.
 */
export function fix(bytes: Uint8Array | number[], options: any): any;

/**
 * The model summary and op list, as `delegate-doctor inspect --format json` prints it.
 * Errors are thrown as a string that says what is wrong and where.
 */
export function inspect(bytes: Uint8Array | number[]): any;

/**
 * The version of this build, shown in the page footer.
 */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_session_free: (a: number, b: number) => void;
    readonly analyze: (a: number, b: number, c: any, d: number, e: number) => [number, number, number];
    readonly fix: (a: number, b: number, c: any) => [number, number, number];
    readonly inspect: (a: number, b: number) => [number, number, number];
    readonly session_analyze: (a: number, b: any, c: number, d: number) => [number, number, number];
    readonly session_fix: (a: number, b: any) => [number, number, number];
    readonly session_inspect: (a: number) => [number, number, number];
    readonly session_new: (a: number) => number;
    readonly session_push: (a: number, b: number, c: number) => void;
    readonly session_sha256: (a: number) => [number, number];
    readonly session_size: (a: number) => number;
    readonly version: () => [number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
