import { ConfigError, parseSize } from '@vm/core';
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

/**
 * Typed reading of a parsed YAML document, node by node, so that every error names the file,
 * the line and the key path (`vms[1].memory`).
 */
export class YamlFields {
  constructor(
    readonly file: string,
    private readonly lines: LineCounter,
  ) {}

  fail(path: string, node: Node | null | undefined, message: string): never {
    const range = node?.range;
    const at = range === undefined || range === null ? '' : `:${this.lines.linePos(range[0]).line}`;
    throw new ConfigError(`${this.file}${at}: ${path}: ${message}`);
  }

  /** The entries of a mapping; a key not in `known` is an error. */
  map(path: string, node: Node | null | undefined, known: readonly string[]): Map<string, Node | null> {
    if (!isMap(node)) this.fail(path, node, `expected a mapping with keys ${known.join(', ')}`);
    const out = new Map<string, Node | null>();
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      const name = isScalar(key) ? String(key.value) : undefined;
      const where = path === '' ? String(name) : `${path}.${String(name)}`;
      if (name === undefined || !known.includes(name)) this.fail(where, key, `unknown key (expected one of ${known.join(', ')})`);
      out.set(name, pair.value as Node | null);
    }
    return out;
  }

  list(path: string, node: Node | null | undefined): (Node | null)[] {
    if (!isSeq(node)) this.fail(path, node, 'expected a list');
    return node.items as (Node | null)[];
  }

  string(path: string, node: Node | null | undefined): string {
    if (!isScalar(node) || typeof node.value !== 'string' || node.value === '') this.fail(path, node, 'expected a non-empty string');
    return node.value;
  }

  integer(path: string, node: Node | null | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(path, node, `expected an integer from ${min} to ${max}`);
    return v;
  }

  boolean(path: string, node: Node | null | undefined): boolean {
    const v = isScalar(node) ? node.value : undefined;
    if (typeof v !== 'boolean') this.fail(path, node, 'expected true or false');
    return v;
  }

  /** A memory size: `256M`, `1G`, or a bare number of MiB (as `-m`); a multiple of 4 KiB, at least 1 MiB. */
  size(path: string, node: Node | null | undefined): number {
    const v = isScalar(node) ? node.value : undefined;
    const bytes = typeof v === 'number' || typeof v === 'string' ? parseSize(String(v), 'MiB') : undefined;
    if (bytes === undefined) this.fail(path, node, `expected a memory size such as 256M or 1G`);
    if (bytes < 1 << 20 || bytes % 4096 !== 0) this.fail(path, node, `${String(v)}: at least 1 MiB, a multiple of 4 KiB`);
    return bytes;
  }
}
