/**
 * The little of the WebAssembly JS API this project uses (its TypeScript lib is ES2022 without the
 * DOM, which is where WebAssembly's types live): one declaration, shared by RAM (its arena) and
 * the translator (@vm/isa jit/wasm).
 */
export interface WasmMemory {
  /** An ArrayBuffer, or a SharedArrayBuffer for a memory made with `shared: true`. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

export interface WasmTable {
  readonly length: number;
  grow(delta: number): number;
  set(index: number, value: unknown): void;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Table: new (descriptor: { element: 'anyfunc'; initial: number }) => WasmTable;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: Record<string, Record<string, unknown>>) => WasmInstance;
}

/** The host's WebAssembly, when it has one. */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
