/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_session_free: (a: number, b: number) => void;
export const analyze: (a: number, b: number, c: any, d: number, e: number) => [number, number, number];
export const fix: (a: number, b: number, c: any) => [number, number, number];
export const inspect: (a: number, b: number) => [number, number, number];
export const session_analyze: (a: number, b: any, c: number, d: number) => [number, number, number];
export const session_fix: (a: number, b: any) => [number, number, number];
export const session_inspect: (a: number) => [number, number, number];
export const session_new: (a: number) => number;
export const session_push: (a: number, b: number, c: number) => void;
export const session_sha256: (a: number) => [number, number];
export const session_size: (a: number) => number;
export const version: () => [number, number];
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __externref_table_dealloc: (a: number) => void;
export const __wbindgen_start: () => void;
