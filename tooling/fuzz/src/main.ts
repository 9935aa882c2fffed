import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODES, runGuest, type Mode } from './guest-runners.js';
import { FORMATS, MutationFuzzer, type Format } from './mutation-fuzz.js';
import { addGuest, addMutation, emptyTotals, merge, reportJson, reportMarkdown, type FuzzTotals, type RunInfo } from './report.js';

/**
 * `pnpm fuzz [--seeds N] [--start S] [--jobs J] [--budget B] [--modes m[=N],...] [--mutations M]
 * [--formats f,...] [--time-limit SECONDS] [--fingerprints] [--out PATH]`: wild guests on every
 * stack/mode (N seeds each, from S) and M mutated inputs per format, spread over J worker
 * processes; writes PATH.md and PATH.json (with --fingerprints, each guest's end-state SHA-256: a
 * replay's). Exit status 1 when any check failed, 2 for bad flags.
 */
const USAGE = 'usage: pnpm fuzz [--seeds N] [--start S] [--jobs J] [--budget B] [--modes m[=N],...] [--mutations M] [--formats f,...] [--time-limit SECONDS] [--fingerprints] [--out PATH]';

type Unit = { kind: 'guests'; mode: Mode; start: number; count: number; budget: number; fingerprints: boolean } | { kind: 'mutations'; format: Format; start: number; count: number };

interface Options {
  seeds: number;
  start: number;
  jobs: number;
  budget: number;
  modes: [Mode, number][];
  mutations: number;
  formats: Format[];
  timeLimit: number;
  fingerprints: boolean;
  out: string;
}

class UsageError extends Error {}

function parse(argv: readonly string[]): Options {
  const o: Options = { seeds: 100, start: 1, jobs: 2, budget: 2000, modes: [], mutations: 0, formats: [...FORMATS], timeLimit: Infinity, fingerprints: false, out: 'fuzz-report' };
  let modes = MODES.join(',');
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < 0) throw new UsageError(`${flag} ${v ?? ''}: not a whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--') continue;
    if (a === '--fingerprints') {
      o.fingerprints = true;
      continue;
    }
    i++;
    if (a === '--seeds') o.seeds = num(a, v);
    else if (a === '--start') o.start = num(a, v);
    else if (a === '--jobs') o.jobs = Math.max(1, num(a, v));
    else if (a === '--budget') o.budget = Math.max(1, num(a, v));
    else if (a === '--mutations') o.mutations = num(a, v);
    else if (a === '--time-limit') o.timeLimit = num(a, v);
    else if (a === '--modes') modes = v ?? '';
    else if (a === '--out' && v !== undefined) o.out = v;
    else if (a === '--formats') {
      o.formats = (v ?? '').split(',').map((f) => {
        if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--formats: unknown format '${f}' (${FORMATS.join(', ')})`);
        return f as Format;
      });
    } else throw new UsageError(`unknown flag '${a}'`);
  }
  o.modes = modes === '' ? [] : modes.split(',').map((m) => {
    const [name, count] = m.split('=');
    if (!(MODES as readonly string[]).includes(name!)) throw new UsageError(`--modes: unknown mode '${name}' (${MODES.join(', ')})`);
    return [name as Mode, count === undefined ? o.seeds : num('--modes', count)];
  });
  return o;
}

/** Work in small units, so workers share it evenly and a time limit stops soon. */
function plan(o: Options): Unit[] {
  const units: Unit[] = [];
  const guestChunk = 25;
  const mutationChunk = 100;
  for (const [mode, n] of o.modes) for (let s = 0; s < n; s += guestChunk) units.push({ kind: 'guests', mode, start: o.start + s, count: Math.min(guestChunk, n - s), budget: o.budget, fingerprints: o.fingerprints });
  for (const format of o.formats) for (let s = 0; s < o.mutations; s += mutationChunk) units.push({ kind: 'mutations', format, start: o.start + s, count: Math.min(mutationChunk, o.mutations - s) });
  // Interleave modes and formats: a time-limited run still covers every one of them.
  return units.sort((a, b) => a.start - b.start);
}

async function runUnit(u: Unit, fuzzer: () => MutationFuzzer): Promise<FuzzTotals> {
  const t = emptyTotals();
  for (let s = u.start; s < u.start + u.count; s++) {
    if (u.kind === 'guests') addGuest(t, runGuest(u.mode, s, { budget: u.budget, fingerprint: u.fingerprints }));
    else addMutation(t, await fuzzer().run(u.format, s));
  }
  return t;
}

function worker(): void {
  let f: MutationFuzzer | undefined;
  const fuzzer = (): MutationFuzzer => (f ??= new MutationFuzzer());
  process.on('message', (u: Unit | 'exit') => {
    if (u === 'exit') {
      f?.close();
      process.exit(0);
    }
    void runUnit(u, fuzzer).then((t) => process.send!(t));
  });
}

async function parent(argv: readonly string[]): Promise<number> {
  const o = parse(argv);
  const units = plan(o);
  const planned = { guests: o.modes.reduce((n, [, c]) => n + c, 0), mutations: o.mutations * o.formats.length };
  const totals = emptyTotals();
  const started = performance.now();
  let stoppedEarly = false;
  const command = `pnpm fuzz ${argv.filter((a) => a !== '--').join(' ')}`.trim();
  const write = (): RunInfo => {
    const info: RunInfo = { command, budget: o.budget, jobs: o.jobs, wallSeconds: (performance.now() - started) / 1000, stoppedEarly, planned };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(`${o.out}.json`, reportJson(totals, info));
    writeFileSync(`${o.out}.md`, reportMarkdown(totals, info));
    return info;
  };
  const self = fileURLToPath(import.meta.url);
  let next = 0;
  let done = 0;
  const timer = setInterval(() => {
    write();
    const g = Object.values(totals.guests).reduce((n, x) => n + x.guests, 0);
    process.stderr.write(`fuzz: ${done}/${units.length} units, ${g} guests, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }, 30_000);
  await Promise.all(
    Array.from({ length: Math.min(o.jobs, units.length) }, () =>
      new Promise<void>((resolve, reject) => {
        const child: ChildProcess = fork(self, ['--worker'], { execArgv: process.execArgv });
        const give = (): void => {
          if ((performance.now() - started) / 1000 > o.timeLimit && next < units.length) {
            stoppedEarly = true;
            next = units.length;
          }
          if (next >= units.length) {
            child.send('exit');
            return;
          }
          child.send(units[next++]!);
        };
        child.on('message', (t: FuzzTotals) => {
          merge(totals, t);
          done++;
          give();
        });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a fuzz worker died with status ${code}`))));
        give();
      }),
    ),
  );
  clearInterval(timer);
  const info = write();
  const failed = totals.failures.length;
  process.stderr.write(`fuzz: ${info.wallSeconds.toFixed(0)} s; ${failed} failures; report in ${o.out}.md and ${o.out}.json\n`);
  return failed > 0 ? 1 : 0;
}

if (process.argv.includes('--worker')) worker();
else {
  parent(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(e instanceof UsageError ? `fuzz: ${e.message}\n${USAGE}\n` : `fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(e instanceof UsageError ? 2 : 1);
    },
  );
}
