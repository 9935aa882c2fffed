/**
 * Assembler expressions (GNU as syntax subset): integers (decimal, 0x, 0b, 0o/leading 0, 'c'),
 * symbols, `.`, numeric local labels `1f`/`1b`, unary - ~ +, binary * / % << >> & ^ | + -,
 * parentheses, and the RISC-V relocation operators %hi %lo %pcrel_hi %pcrel_lo.
 */

export interface ExprContext {
  /** Value of a symbol or numeric-label reference ("1f", "1b"); undefined when not (yet) known. */
  lookup(name: string): bigint | undefined;
  /** Location counter. */
  dot: bigint;
  /** %pcrel_lo(label): the low part of the %pcrel_hi at `label`. */
  pcrelLo(at: bigint): bigint | undefined;
}

export class ExprError extends Error {}

/** Result of evaluation; `known` is false when a symbol is not yet defined (first pass). */
export interface ExprValue {
  value: bigint;
  known: boolean;
}

const sext12 = (v: bigint): bigint => BigInt.asIntN(12, v);

export function evaluate(text: string, ctx: ExprContext): ExprValue {
  const src = text.trim();
  let pos = 0;
  let known = true;
  const peek = (): string => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
    return src.slice(pos);
  };
  const eat = (tok: string): boolean => {
    if (peek().startsWith(tok)) {
      pos += tok.length;
      return true;
    }
    return false;
  };
  const fail = (msg: string): never => {
    throw new ExprError(`${msg} in expression '${src}'`);
  };

  const primary = (): bigint => {
    const rest = peek();
    if (eat('(')) {
      const v = binary(0);
      if (!eat(')')) fail("missing ')'");
      return v;
    }
    if (eat('-')) return -primary();
    if (eat('+')) return primary();
    if (eat('~')) return ~primary();
    const reloc = /^%(hi|lo|pcrel_hi|pcrel_lo)\s*\(/.exec(rest);
    if (reloc) {
      pos += reloc[0].length;
      const v = binary(0);
      if (!eat(')')) fail("missing ')'");
      switch (reloc[1]) {
        case 'hi':
          return BigInt.asUintN(20, (v + 0x800n) >> 12n);
        case 'lo':
          return sext12(v);
        case 'pcrel_hi':
          return BigInt.asUintN(20, (v - ctx.dot + 0x800n) >> 12n);
        default: {
          const lo = ctx.pcrelLo(v);
          if (lo === undefined) {
            known = false;
            return 0n;
          }
          return lo;
        }
      }
    }
    const num = /^(0x[0-9a-f]+|0b[01]+|[0-9]+)(?![0-9a-z_.$])/i.exec(rest);
    if (num) {
      pos += num[0].length;
      const t = num[1].toLowerCase();
      if (/^0[0-7]+$/.test(t)) return BigInt('0o' + t.slice(1));
      return BigInt(t);
    }
    const local = /^([0-9]+)([fb])(?![0-9a-z_.$])/i.exec(rest);
    if (local) {
      pos += local[0].length;
      const v = ctx.lookup(local[1] + local[2].toLowerCase());
      if (v === undefined) {
        known = false;
        return 0n;
      }
      return v;
    }
    const chr = /^'(\\?.)'?/.exec(rest);
    if (chr) {
      pos += chr[0].length;
      const c = chr[1];
      const esc: Record<string, number> = { '\\n': 10, '\\t': 9, '\\0': 0, '\\\\': 92, "\\'": 39 };
      return BigInt(esc[c] ?? c.charCodeAt(c.length - 1));
    }
    const sym = /^([A-Za-z_.$][A-Za-z0-9_.$]*)/.exec(rest);
    if (sym) {
      pos += sym[0].length;
      if (sym[1] === '.') return ctx.dot;
      const v = ctx.lookup(sym[1]);
      if (v === undefined) {
        known = false;
        return 0n;
      }
      return v;
    }
    return fail('expected a number or symbol');
  };

  const OPS: [string, number][] = [
    ['<<', 5], ['>>', 5], ['*', 6], ['/', 6], ['%', 6], ['+', 4], ['-', 4], ['&', 3], ['^', 2], ['|', 1],
  ];
  const binary = (minPrec: number): bigint => {
    let lhs = primary();
    for (;;) {
      const rest = peek();
      const op = OPS.find(([o]) => rest.startsWith(o));
      if (!op || op[1] < minPrec) return lhs;
      pos += op[0].length;
      const rhs = binary(op[1] + 1);
      switch (op[0]) {
        case '<<': lhs <<= rhs; break;
        case '>>': lhs >>= rhs; break;
        case '*': lhs *= rhs; break;
        case '/': if (rhs === 0n) { if (known) fail('division by zero'); lhs = 0n; } else lhs /= rhs; break;
        case '%': if (rhs === 0n) { if (known) fail('division by zero'); lhs = 0n; } else lhs %= rhs; break;
        case '+': lhs += rhs; break;
        case '-': lhs -= rhs; break;
        case '&': lhs &= rhs; break;
        case '^': lhs ^= rhs; break;
        default: lhs |= rhs; break;
      }
    }
  };
  const value = binary(0);
  if (peek() !== '') fail(`unexpected '${peek()}'`);
  return { value, known };
}
