import { ConfigError } from '@vm/core';

/** A QEMU-style option: `-name value` (single dash, as QEMU spells them) or `--name value`. */
export interface OptionSpec {
  readonly name: string;
  readonly value: boolean;
  readonly repeat?: boolean;
  readonly help: string;
}

export interface ParsedArgs {
  readonly values: Map<string, string[]>;
  readonly flags: Set<string>;
  readonly positional: string[];
}

/** Parse argv against the specs; unknown options and missing values are ConfigErrors that name the flag. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    let name = arg.replace(/^--?/, '');
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (arg.startsWith('--') && eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = byName.get(name);
    if (spec === undefined) throw new ConfigError(`unknown option '${arg}' (see 'vm help')`);
    if (!spec.value) {
      flags.add(name);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new ConfigError(`option '${arg}' needs a value`);
    const list = values.get(name) ?? [];
    if (list.length > 0 && !spec.repeat) throw new ConfigError(`option '${arg}' given twice`);
    list.push(v);
    values.set(name, list);
  }
  return { values, flags, positional };
}

/** Split a QEMU property list `a=b,c=d,flag` into a map (`,,` escapes a comma as in QEMU). */
export function parseProps(text: string, option: string): Map<string, string> {
  const out = new Map<string, string>();
  // QEMU escapes a comma inside a value by doubling it.
  const parts = text.split(/(?<!,),(?!,)/);
  parts.forEach((part, index) => {
    const p = part.replaceAll(',,', ',');
    if (p === '') throw new ConfigError(`${option} ${text}: empty property`);
    const eq = p.indexOf('=');
    if (eq < 0) out.set(index === 0 ? '' : p, index === 0 ? p : 'on');
    else out.set(p.slice(0, eq), p.slice(eq + 1));
  });
  return out;
}

export function one(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.[0];
}
