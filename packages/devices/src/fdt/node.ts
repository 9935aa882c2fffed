import { ConfigError, FormatError } from '@vm/core';

/*
 * The in-memory devicetree: nodes holding properties whose values are big-endian bytes, as the
 * Devicetree Specification v0.4 chapter 2 ("The Devicetree") defines them. Builders set typed
 * values; parsed trees carry where each value came from so helpers can report malformed values.
 */

/** Where a parsed property value sits in its blob (for FormatError messages). */
export interface FdtSource {
  readonly file: string;
  readonly offset: number;
}

const BUILT: FdtSource = { file: '<built fdt>', offset: 0 };
const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/** One property: a name and a byte string (spec 2.2.4 "Property Values"). */
export class FdtProperty {
  constructor(
    readonly name: string,
    readonly value: Uint8Array,
    readonly source: FdtSource = BUILT,
  ) {}

  get length(): number {
    return this.value.length;
  }

  /** True for a property with an empty value (spec 2.2.4 `<empty>`). */
  get isEmpty(): boolean {
    return this.value.length === 0;
  }

  /** The `index`-th 32-bit big-endian cell (spec 2.2.4 `<u32>`). */
  u32(index = 0): number {
    this.need(4 * index + 4, `a u32 at cell ${index}`);
    return this.view().getUint32(4 * index, false);
  }

  /** The 64-bit big-endian value made of cells 2*index and 2*index+1 (spec 2.2.4 `<u64>`). */
  u64(index = 0): bigint {
    this.need(8 * index + 8, `a u64 at index ${index}`);
    return this.view().getBigUint64(8 * index, false);
  }

  /** All cells (spec 2.2.4 `<prop-encoded-array>`); the length must be a multiple of 4. */
  cells(): number[] {
    if (this.value.length % 4 !== 0) this.fail(`length ${this.value.length} is not a multiple of 4 (cells)`);
    const v = this.view();
    const out: number[] = [];
    for (let i = 0; i < this.value.length; i += 4) out.push(v.getUint32(i, false));
    return out;
  }

  /** Cells read pairwise as 64-bit values (e.g. `reg` with #address-cells = #size-cells = 2). */
  u64s(): bigint[] {
    if (this.value.length % 8 !== 0) this.fail(`length ${this.value.length} is not a multiple of 8 (u64 pairs)`);
    const v = this.view();
    const out: bigint[] = [];
    for (let i = 0; i < this.value.length; i += 8) out.push(v.getBigUint64(i, false));
    return out;
  }

  /** A NUL-terminated string (spec 2.2.4 `<string>`). */
  string(): string {
    const list = this.strings();
    if (list.length !== 1) this.fail(`expected one string, found ${list.length}`);
    return list[0]!;
  }

  /** A list of NUL-terminated strings (spec 2.2.4 `<stringlist>`). */
  strings(): string[] {
    const v = this.value;
    if (v.length === 0 || v[v.length - 1] !== 0) this.fail('string value is not NUL-terminated');
    const out: string[] = [];
    let start = 0;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) {
        out.push(decoder.decode(v.subarray(start, i)));
        start = i + 1;
      }
    }
    return out;
  }

  private view(): DataView {
    return new DataView(this.value.buffer, this.value.byteOffset, this.value.byteLength);
  }

  private need(bytes: number, what: string): void {
    if (this.value.length < bytes) this.fail(`expected ${what}, value has ${this.value.length} bytes`);
  }

  private fail(problem: string): never {
    throw new FormatError(this.source.file, this.source.offset, `property ${this.name}`, problem);
  }
}

/** Shared state of one tree: the phandle allocator. */
export interface FdtTreeContext {
  nextPhandle: number;
}

// Spec 2.2.1 "Node Name Requirements" (Table 2.1) and 2.2.4.1 "Property Names" (Table 2.2).
const NODE_NAME = /^[A-Za-z0-9,._+-]{1,31}(@[A-Za-z0-9,._+-]+)?$/;
const PROPERTY_NAME = /^[A-Za-z0-9,._+?#-]{1,31}$/;

/**
 * A devicetree node. Property order and child order are kept as inserted (that is the order in
 * the blob); setting an existing property replaces its value in place.
 */
export class FdtNode {
  private readonly props: FdtProperty[] = [];
  private readonly kids: FdtNode[] = [];

  /** @internal Create nodes through `Fdt.root.node(...)`. */
  constructor(
    readonly name: string,
    private readonly tree: FdtTreeContext,
    readonly parent: FdtNode | undefined,
  ) {}

  /** Full path, "/" for the root. */
  get path(): string {
    if (this.parent === undefined) return '/';
    const p = this.parent.path;
    return p === '/' ? `/${this.name}` : `${p}/${this.name}`;
  }

  /** The name without its unit address ("serial" for "serial@10000000"). */
  get baseName(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  get properties(): readonly FdtProperty[] {
    return this.props;
  }

  get children(): readonly FdtNode[] {
    return this.kids;
  }

  /** Add a child node. Throws ConfigError when the name is invalid or already used here. */
  node(name: string): FdtNode {
    if (!NODE_NAME.test(name)) throw new ConfigError(`fdt: invalid node name "${name}" under ${this.path}`);
    if (this.kids.some((k) => k.name === name)) throw new ConfigError(`fdt: duplicate node ${this.path}/${name}`);
    const child = new FdtNode(name, this.tree, this);
    this.kids.push(child);
    return child;
  }

  /**
   * A direct child by name. A name without a unit address also matches "name@addr" when no child
   * is called exactly "name" (libfdt's lookup rule).
   */
  child(name: string): FdtNode | undefined {
    const exact = this.kids.find((k) => k.name === name);
    if (exact !== undefined || name.includes('@')) return exact;
    return this.kids.find((k) => k.baseName === name);
  }

  /** A descendant by path relative to this node ("soc/plic@c000000"); a leading "/" is ignored. */
  find(path: string): FdtNode | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    return parts.reduce<FdtNode | undefined>((node, part) => node?.child(part), this);
  }

  /** Depth-first walk of this node and its descendants. */
  *walk(): IterableIterator<FdtNode> {
    yield this;
    for (const k of this.kids) yield* k.walk();
  }

  /** A property by name. */
  prop(name: string): FdtProperty | undefined {
    return this.props.find((p) => p.name === name);
  }

  /** True when the property exists. */
  has(name: string): boolean {
    return this.prop(name) !== undefined;
  }

  /** Set a property to raw bytes (copied). */
  bytes(name: string, value: Uint8Array | readonly number[]): this {
    return this.set(new FdtProperty(name, Uint8Array.from(value)));
  }

  /** Set a property with an empty value (e.g. `interrupt-controller`, `dma-coherent`). */
  empty(name: string): this {
    return this.set(new FdtProperty(name, new Uint8Array(0)));
  }

  /** Set a one-cell property. */
  u32(name: string, value: number): this {
    return this.cells(name, [value]);
  }

  /** Set a property of 32-bit cells (phandles are cells too). */
  cells(name: string, values: readonly number[]): this {
    const out = new Uint8Array(4 * values.length);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
        throw new ConfigError(`fdt: ${this.path}: ${name}[${i}] = ${v} is not a u32`);
      }
      view.setUint32(4 * i, v, false);
    });
    return this.set(new FdtProperty(name, out));
  }

  /** Set a two-cell (64-bit) property. */
  u64(name: string, value: bigint | number): this {
    return this.u64s(name, [value]);
  }

  /** Set a property of 64-bit values, each two cells (e.g. `reg` with 2 address and 2 size cells). */
  u64s(name: string, values: readonly (bigint | number)[]): this {
    const out = new Uint8Array(8 * values.length);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => {
      const b = BigInt(v);
      if (b < 0n || b >= 1n << 64n) throw new ConfigError(`fdt: ${this.path}: ${name}[${i}] = ${b} is not a u64`);
      view.setBigUint64(8 * i, b, false);
    });
    return this.set(new FdtProperty(name, out));
  }

  /** Set a string property (NUL-terminated in the blob). */
  string(name: string, value: string): this {
    return this.strings(name, [value]);
  }

  /** Set a string-list property (e.g. `compatible = "sifive,plic-1.0.0", "riscv,plic0"`). */
  strings(name: string, values: readonly string[]): this {
    const parts = values.map((s) => {
      if (s.includes('\0')) throw new ConfigError(`fdt: ${this.path}: ${name} contains a NUL character`);
      return encoder.encode(s);
    });
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length + 1;
    }
    return this.set(new FdtProperty(name, out));
  }

  /**
   * This node's phandle (spec 2.3.3), allocated from the tree on first use and stored in the
   * `phandle` property. Use the number in other nodes' cells to reference this node.
   */
  phandle(): number {
    const existing = this.prop('phandle');
    if (existing !== undefined) return existing.u32();
    const ph = this.tree.nextPhandle++;
    this.u32('phandle', ph);
    return ph;
  }

  /** Remove a property; returns whether it existed. */
  remove(name: string): boolean {
    const i = this.props.findIndex((p) => p.name === name);
    if (i < 0) return false;
    this.props.splice(i, 1);
    return true;
  }

  /** Insert or replace a property object (used by the parser and the typed setters). */
  set(prop: FdtProperty): this {
    if (!PROPERTY_NAME.test(prop.name)) throw new ConfigError(`fdt: invalid property name "${prop.name}" in ${this.path}`);
    const i = this.props.findIndex((p) => p.name === prop.name);
    if (i >= 0) this.props[i] = prop;
    else this.props.push(prop);
    if (prop.name === 'phandle' && prop.length === 4) {
      this.tree.nextPhandle = Math.max(this.tree.nextPhandle, prop.u32() + 1);
    }
    return this;
  }

  /** @internal Used by the parser, which must accept any name a blob contains. */
  addParsed(name: string): FdtNode {
    const child = new FdtNode(name, this.tree, this);
    this.kids.push(child);
    return child;
  }

  /** @internal Used by the parser: no name validation (blobs in the wild bend the rules). */
  addParsedProperty(prop: FdtProperty): void {
    const i = this.props.findIndex((p) => p.name === prop.name);
    if (i >= 0) this.props[i] = prop;
    else this.props.push(prop);
    if (prop.name === 'phandle' && prop.length === 4) {
      this.tree.nextPhandle = Math.max(this.tree.nextPhandle, prop.u32() + 1);
    }
  }
}
