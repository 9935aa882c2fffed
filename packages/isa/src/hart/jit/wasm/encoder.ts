/**
 * A small WebAssembly binary encoder (wasm core spec 5, "Binary Format"): just what the block
 * compiler and the dispatcher need — i32/i64 arithmetic, loads and stores, structured control,
 * direct and indirect calls, br_table, one imported memory, imported functions and a table.
 */

/** Value types (spec 5.3.1). */
export const I32 = 0x7f;
const F64_SCRATCH = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64_SCRATCH.buffer);
export const I64 = 0x7e;
export const F64 = 0x7c;
/** Block type "no result" (spec 5.4.1). */
const VOID = 0x40;

/** Opcodes used (spec 5.4). */
export const Op = {
  unreachable: 0x00, block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, br_table: 0x0e,
  return: 0x0f, call: 0x10, call_indirect: 0x11, return_call_indirect: 0x13, drop: 0x1a, select: 0x1b,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22,
  i32_load: 0x28, i64_load: 0x29, i32_load8_s: 0x2c, i32_load8_u: 0x2d, i32_load16_s: 0x2e, i32_load16_u: 0x2f,
  i64_load8_s: 0x30, i64_load8_u: 0x31, i64_load16_s: 0x32, i64_load16_u: 0x33, i64_load32_s: 0x34, i64_load32_u: 0x35,
  i32_store: 0x36, i64_store: 0x37, i32_store16: 0x3b, i64_store8: 0x3c, i64_store16: 0x3d, i64_store32: 0x3e,
  i32_const: 0x41, i64_const: 0x42,
  i32_eqz: 0x45, i32_eq: 0x46, i32_ne: 0x47, i32_lt_s: 0x48, i32_lt_u: 0x49, i32_gt_s: 0x4a, i32_gt_u: 0x4b,
  i32_le_s: 0x4c, i32_le_u: 0x4d, i32_ge_s: 0x4e, i32_ge_u: 0x4f,
  i64_eqz: 0x50, i64_eq: 0x51, i64_ne: 0x52, i64_lt_s: 0x53, i64_lt_u: 0x54, i64_gt_s: 0x55, i64_gt_u: 0x56,
  i64_le_s: 0x57, i64_le_u: 0x58, i64_ge_s: 0x59, i64_ge_u: 0x5a,
  i32_add: 0x6a, i32_sub: 0x6b, i32_mul: 0x6c, i32_div_s: 0x6d, i32_div_u: 0x6e, i32_rem_s: 0x6f, i32_rem_u: 0x70,
  i32_and: 0x71, i32_or: 0x72, i32_xor: 0x73, i32_shl: 0x74, i32_shr_s: 0x75, i32_shr_u: 0x76,
  i64_add: 0x7c, i64_sub: 0x7d, i64_mul: 0x7e, i64_div_s: 0x7f, i64_div_u: 0x80, i64_rem_s: 0x81, i64_rem_u: 0x82,
  i64_and: 0x83, i64_or: 0x84, i64_xor: 0x85, i64_shl: 0x86, i64_shr_s: 0x87, i64_shr_u: 0x88,
  i32_wrap_i64: 0xa7, i64_extend_i32_s: 0xac, i64_extend_i32_u: 0xad,
  f32_load: 0x2a, f32_store: 0x38, f32_eq: 0x5b, f32_lt: 0x5d, f32_le: 0x5f, f32_abs: 0x8b, f32_sqrt: 0x91,
  f32_add: 0x92, f32_sub: 0x93, f32_mul: 0x94, f32_div: 0x95, f32_demote_f64: 0xb6, f64_promote_f32: 0xbb,
  f64_load: 0x2b, f64_store: 0x39, f64_const: 0x44, f64_ne: 0x62, f64_neg: 0x9a,
  i64_reinterpret_f64: 0xbd, f64_reinterpret_i64: 0xbf,
  f64_eq: 0x61, f64_lt: 0x63, f64_gt: 0x64, f64_le: 0x65, f64_ge: 0x66,
  f64_abs: 0x99, f64_trunc: 0x9d, f64_sqrt: 0x9f, f64_add: 0xa0, f64_sub: 0xa1, f64_mul: 0xa2, f64_div: 0xa3,
  i32_trunc_f64_s: 0xaa, i64_trunc_f64_s: 0xb0, f64_convert_i32_s: 0xb7, f64_convert_i64_s: 0xb9,
} as const;

/**
 * A growable byte buffer: what the encoder writes into. (Plain arrays of numbers, pushed byte by
 * byte and copied section into module, made encoding cost more than generating the code.)
 */
export class Bytes {
  data = new Uint8Array(512);
  length = 0;

  push(b: number): void {
    if (this.length === this.data.length) this.grow(1);
    this.data[this.length++] = b;
  }

  push2(a: number, b: number): void {
    if (this.length + 2 > this.data.length) this.grow(2);
    this.data[this.length++] = a;
    this.data[this.length++] = b;
  }

  /** Append `src[from, to)`. */
  append(src: Uint8Array, from = 0, to = src.length): void {
    const n = to - from;
    if (this.length + n > this.data.length) this.grow(n);
    this.data.set(src.subarray(from, to), this.length);
    this.length += n;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  private grow(n: number): void {
    let size = this.data.length * 2;
    while (size < this.length + n) size *= 2;
    const d = new Uint8Array(size);
    d.set(this.data.subarray(0, this.length));
    this.data = d;
  }
}

/** Append `n` as unsigned LEB128 (spec 5.2.2). */
export function uleb(out: { push(b: number): unknown }, n: number): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

/** Signed LEB128 of a 64-bit value (spec 5.2.2); values that fit 32 bits take sleb32's path. */
function sleb(out: Bytes, n: bigint): void {
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** Signed LEB128 of an int32 (the same bytes as sleb of that value sign-extended). */
function sleb32(out: Bytes, n: number): void {
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** The body of one function: its extra locals and its instructions. */
export class Code {
  readonly bytes = new Bytes();
  private readonly locals: number[] = [];
  /** Offsets in `bytes` where fill() inserts code (see hole()). */
  private readonly holes: number[] = [];

  constructor(private readonly params: number) {}

  /** A new local of type `t`; its index. */
  local(t: number): number {
    this.locals.push(t);
    return this.params + this.locals.length - 1;
  }

  op(o: number, o2?: number, o3?: number, o4?: number): this {
    const b = this.bytes;
    b.push(o);
    if (o2 !== undefined) b.push(o2);
    if (o3 !== undefined) b.push(o3);
    if (o4 !== undefined) b.push(o4);
    return this;
  }
  get(i: number): this { this.bytes.push(Op.local_get); uleb(this.bytes, i); return this; }
  /** atomic.fence (threads proposal: prefix 0xfe, 0x03, a zero flags byte): sequentially consistent. */
  atomicFence(): this { this.bytes.push(0xfe); this.bytes.push(0x03); this.bytes.push(0x00); return this; }
  set(i: number): this { this.bytes.push(Op.local_set); uleb(this.bytes, i); return this; }
  tee(i: number): this { this.bytes.push(Op.local_tee); uleb(this.bytes, i); return this; }
  i32(n: number): this { this.bytes.push(Op.i32_const); sleb32(this.bytes, n); return this; }
  i64(n: bigint | number): this {
    this.bytes.push(Op.i64_const);
    if (typeof n === 'number' && n === (n | 0)) sleb32(this.bytes, n);
    else sleb(this.bytes, BigInt.asIntN(64, BigInt(n)));
    return this;
  }
  /** An f64 constant (its IEEE 754 bits, little-endian). */
  f64(n: number): this {
    this.bytes.push(Op.f64_const);
    F64_SCRATCH[0] = n;
    for (let i = 0; i < 8; i++) this.bytes.push(F64_BYTES[i]!);
    return this;
  }
  /** A load or store with a constant offset (memarg: alignment hint 0, offset). */
  mem(op: number, offset: number): this { this.bytes.push2(op, 0); uleb(this.bytes, offset); return this; }
  block(): this { this.bytes.push2(Op.block, VOID); return this; }
  loop(): this { this.bytes.push2(Op.loop, VOID); return this; }
  if(): this { this.bytes.push2(Op.if, VOID); return this; }
  /** `if` with an i32 result. */
  ifI32(): this { this.bytes.push2(Op.if, I32); return this; }
  ifI64(): this { this.bytes.push2(Op.if, I64); return this; }
  else(): this { this.bytes.push(Op.else); return this; }
  end(): this { this.bytes.push(Op.end); return this; }
  br(depth: number): this { this.bytes.push(Op.br); uleb(this.bytes, depth); return this; }
  brIf(depth: number): this { this.bytes.push(Op.br_if); uleb(this.bytes, depth); return this; }
  /** br_table (spec 5.4.1): to depths[i] for i on the stack, to `otherwise` when out of range. */
  brTable(depths: readonly number[], otherwise: number): this {
    this.bytes.push(Op.br_table);
    uleb(this.bytes, depths.length);
    for (const d of depths) uleb(this.bytes, d);
    uleb(this.bytes, otherwise);
    return this;
  }
  ret(): this { this.bytes.push(Op.return); return this; }
  call(f: number): this { this.bytes.push(Op.call); uleb(this.bytes, f); return this; }
  callIndirect(type: number): this { this.bytes.push(Op.call_indirect); uleb(this.bytes, type); this.bytes.push(0); return this; }
  /** Tail call through table 0 (the tail-call proposal, in V8 since 11.2 / Node 20). */
  returnCallIndirect(type: number): this { this.bytes.push(Op.return_call_indirect); uleb(this.bytes, type); this.bytes.push(0); return this; }

  /**
   * Mark this point for code known only once the whole body is written (the block compiler's
   * register write-back: which registers a block writes is known at its end); fill() puts it in.
   */
  hole(): this {
    this.holes.push(this.bytes.length);
    return this;
  }

  /** Put `prologue` before the body and `fill` into every hole(). */
  fill(prologue: Uint8Array, fill: Uint8Array): void {
    const old = this.bytes.data;
    const oldLength = this.bytes.length;
    const out = new Bytes();
    out.append(prologue);
    let at = 0;
    for (const h of this.holes) {
      out.append(old, at, h);
      out.append(fill);
      at = h;
    }
    out.append(old, at, oldLength);
    this.holes.length = 0;
    this.bytes.data = out.data;
    this.bytes.length = out.length;
  }

  /** Append the function body as the code section holds it (spec 5.5.13): size, locals, expr. */
  encodeInto(out: Bytes): void {
    const head = new Bytes();
    // Run-length encoded local declarations.
    let runs = 0;
    for (let i = 0; i < this.locals.length; i++) if (i === 0 || this.locals[i] !== this.locals[i - 1]) runs++;
    uleb(head, runs);
    for (let i = 0; i < this.locals.length;) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      uleb(head, j - i);
      head.push(this.locals[i]!);
      i = j;
    }
    uleb(out, head.length + this.bytes.length + 1);
    out.append(head.view());
    out.append(this.bytes.view());
    out.push(Op.end);
  }
}

/** Structured-control labels by name, so that branches say where they go, not how deep it is. */
export class Labels {
  private readonly stack: string[] = [];
  constructor(private readonly c: Code) {}
  block(name: string): void { this.c.block(); this.stack.push(name); }
  loop(name: string): void { this.c.loop(); this.stack.push(name); }
  if(): void { this.c.if(); this.stack.push(''); }
  else(): void { this.c.else(); }
  end(): void { this.c.end(); this.stack.pop(); }
  depth(name: string): number {
    const i = this.stack.lastIndexOf(name);
    if (i < 0) throw new Error(`wasm-interpreter: no label ${name}`);
    return this.stack.length - 1 - i;
  }
  br(name: string): void { this.c.br(this.depth(name)); }
  brIf(name: string): void { this.c.brIf(this.depth(name)); }
  /** br_table over `names` (index on the stack), else `otherwise`. */
  table(names: readonly string[], otherwise: string): void {
    this.c.brTable(names.map((n) => this.depth(n)), this.depth(otherwise));
  }
}

/** A function type: params and results. */
export interface FuncType {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

export interface ModuleSpec {
  readonly types: readonly FuncType[];
  /** Imported functions ("env", name) with their type index; they take function indices 0.. */
  readonly importFuncs: readonly { readonly name: string; readonly type: number }[];
  /** Whether the module imports "env" "table" (a funcref table, at least 0 entries). */
  readonly importTable?: boolean;
  /**
   * Whether "env" "mem" is a shared memory (WebAssembly threads; @vm/mmu RamArena.shared): an
   * import must then declare it shared, with a maximum (the threads proposal's limits flag 3).
   */
  readonly sharedMemory?: boolean;
  /** Defined functions: type index and body; those with `exported` are exported as "f0", "f1", ... in order. */
  readonly funcs: readonly { readonly type: number; readonly code: Code; readonly exported?: boolean }[];
}

function name(out: Bytes, s: string): void {
  uleb(out, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
}

function section(out: Bytes, id: number, body: Bytes): void {
  out.push(id);
  uleb(out, body.length);
  out.append(body.view());
}

/** Encode a module that imports "env" "mem" (the memory, spec 5.5.5) and `spec`'s functions. */
export function encodeModule(spec: ModuleSpec): Uint8Array {
  const out = new Bytes();
  out.append(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
  const types = new Bytes();
  uleb(types, spec.types.length);
  for (const t of spec.types) {
    types.push(0x60);
    uleb(types, t.params.length);
    for (const v of t.params) types.push(v);
    uleb(types, t.results.length);
    for (const v of t.results) types.push(v);
  }
  section(out, 1, types);
  const imports = new Bytes();
  uleb(imports, spec.importFuncs.length + 1 + (spec.importTable === true ? 1 : 0));
  for (const f of spec.importFuncs) {
    name(imports, 'env');
    name(imports, f.name);
    imports.push(0x00);
    uleb(imports, f.type);
  }
  name(imports, 'env');
  name(imports, 'mem');
  if (spec.sharedMemory === true) imports.append(Uint8Array.of(0x02, 0x03, 0x00, 0x80, 0x80, 0x04)); // shared, min 0, max 65536 pages
  else imports.append(Uint8Array.of(0x02, 0x00, 0x00)); // memory, limits: min 0, no max
  if (spec.importTable === true) {
    name(imports, 'env');
    name(imports, 'table');
    imports.append(Uint8Array.of(0x01, 0x70, 0x00, 0x00)); // table, funcref, min 0, no max
  }
  section(out, 2, imports);
  const funcs = new Bytes();
  uleb(funcs, spec.funcs.length);
  for (const f of spec.funcs) uleb(funcs, f.type);
  section(out, 3, funcs);
  const exports = new Bytes();
  let exported = 0;
  for (const f of spec.funcs) if (f.exported !== false) exported++;
  uleb(exports, exported);
  let n = 0;
  spec.funcs.forEach((f, i) => {
    if (f.exported === false) return;
    name(exports, `f${n++}`);
    exports.push(0x00);
    uleb(exports, spec.importFuncs.length + i);
  });
  section(out, 7, exports);
  const code = new Bytes();
  uleb(code, spec.funcs.length);
  for (const f of spec.funcs) f.code.encodeInto(code);
  section(out, 10, code);
  return out.view().slice();
}
