import { existsSync, statSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { ConfigError, runSession, type VmExit } from '@vm/core';
import {
  formatMigrationStats,
  migrateIn,
  migrateOut,
  readSnapshot,
  BoardSession,
  restoreMachine,
  ThreadedBoard,
  writeSnapshot,
  type VirtMachine,
} from '@vm/machine';
import { one, parseArgs, type OptionSpec, type ParsedArgs } from './args.js';
import { HostConsole } from './console.js';
import { refuseDebugFlags } from './console-setup.js';
import { RUN_OPTIONS } from './options.js';
import { createMachine } from './run.js';
import { endStatus, runInteractive } from './session-run.js';
import { hypervisorOf, restoreHosted, restoreNative, snapshotHosted, snapshotNative } from './vm-snapshot-command.js';

/** Where a command's console and messages go (the terminal by default; tests pass streams). */
export interface CommandIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WritableStream;
}

/** Instructions per slice while running up to a snapshot or migration point. */
const SLICE = 1_000_000;

const TERMINAL: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

export const SNAPSHOT_OPTIONS: readonly OptionSpec[] = [
  ...RUN_OPTIONS,
  { name: 'o', value: true, help: 'snapshot file to write (.vmsnap)' },
  { name: 'at', value: true, help: 'take the snapshot after this many instructions' },
];

export const RESTORE_OPTIONS: readonly OptionSpec[] = [
  { name: 'hypervisor', value: true, help: 'none (default: the bare board), native (a VM of the type-1 hypervisor) or hosted (a VMM process on the host OS)' },
  { name: 'mode', value: true, help: 'with --hypervisor native: trap (the default); with --hypervisor hosted: accel (default) or soft' },
  { name: 'max-instructions', value: true, help: 'stop with status 124 after this many more instructions' },
  { name: 'stats', value: false, help: 'print instructions retired and MIPS to stderr at exit' },
];

export const MIGRATE_OPTIONS: readonly OptionSpec[] = [
  ...RUN_OPTIONS,
  { name: 'listen', value: true, help: 'receive a VM on this TCP port, then run it' },
  { name: 'bind', value: true, help: 'with --listen: address to listen on (default 127.0.0.1)' },
  { name: 'to', value: true, help: 'HOST:PORT: run the guest and live-migrate it there' },
  { name: 'after', value: true, help: 'with --to: instructions to run before migrating (default 1000000)' },
  { name: 'max-rounds', value: true, help: 'with --to: pre-copy round limit (default 30)' },
  { name: 'dirty-threshold', value: true, help: 'with --to: stop-and-copy when at most this many pages are dirty (default 256)' },
];

/**
 * `vm snapshot -o FILE --at N [--hypervisor native|hosted [--mode M]] [vm run flags]`: boot, run N
 * (guest) instructions, write a checkpoint — of the bare board, or of the guest as a VM.
 */
export async function snapshotCommand(argv: readonly string[], io: CommandIo = TERMINAL): Promise<number> {
  const args = parseArgs(argv, SNAPSHOT_OPTIONS);
  noPositional(args);
  refuseDebugFlags(args, 'in vm snapshot');
  const file = one(args, 'o');
  if (file === undefined) throw new ConfigError('vm snapshot: give -o FILE');
  checkOutputFile(file, '-o');
  const at = count(args, 'at');
  if (at === undefined) throw new ConfigError('vm snapshot: give --at N (instructions)');
  const hypervisor = hypervisorOf(args, 'vm snapshot');
  const threaded = process.env['VM_ACCEL_THREAD'] === 'multi';
  if (threaded && hypervisor !== 'none') throw new ConfigError(`-accel tcg,thread=multi: vm snapshot runs the bare board's harts on threads, not --hypervisor ${hypervisor} (use vm up with snapshot: for VMs on threads)`);
  if (hypervisor === 'native') return snapshotNative(args, file, at, io);
  if (hypervisor === 'hosted') return snapshotHosted(args, file, at, io);
  const con = new HostConsole(io.stdin, io.stdout);
  const { machine, drives } = createMachine(args, (b) => con.write(b), threaded);
  // -accel tcg,thread=multi: the harts run on threads to --at (at least N: each stops at its next
  // batch boundary), then park with their states in the board, which is snapshotted as on one thread.
  const engine = threaded ? await ThreadedBoard.start(machine) : undefined;
  try {
    const session = new BoardSession(machine, { haltOnTrapLoop: true, engine });
    runSession(session, { max: at, slice: SLICE });
    engine?.sync();
    const exit = session.exit();
    con.flush();
    if (exit.reason !== 'budget' && exit.reason !== 'wfi') {
      io.stderr.write(`vm snapshot: the guest stopped (${describe(exit)}) after ${machine.retired} instructions, before --at ${at}\n`);
      return 1;
    }
    if (exit.reason === 'wfi') io.stderr.write(`vm snapshot: the guest waits for input at ${machine.retired} instructions; snapshotting there\n`);
    const t0 = performance.now();
    const snap = session.snapshot();
    const bytes = writeSnapshot(file, snap);
    const ms = performance.now() - t0;
    io.stderr.write(`vm snapshot: ${machine.retired} instructions; wrote ${file} (${bytes} bytes, ${snap.ram.chunks.length} RAM chunks, ${ms.toFixed(0)} ms)\n`);
    return 0;
  } finally {
    engine?.close();
    for (const d of drives) d.backend.close();
  }
}

/**
 * `vm restore FILE [--hypervisor none|native|hosted] [--mode M] [--max-instructions N]`: continue
 * a checkpoint (of a bare board, a native VM or a hosted VMM) on the bare board, as a native VM or
 * in a hosted VMM. Exit status: the guest's poweroff code.
 */
export async function restoreCommand(argv: readonly string[], io: CommandIo = TERMINAL): Promise<number> {
  const args = parseArgs(argv, RESTORE_OPTIONS);
  if (args.positional.length !== 1) throw new ConfigError('vm restore: give exactly one snapshot FILE');
  const max = count(args, 'max-instructions') ?? Infinity;
  const hypervisor = hypervisorOf(args, 'vm restore');
  const file = args.positional[0]!;
  if (hypervisor !== 'none') {
    const snap = readSnapshot(file);
    return hypervisor === 'native' ? restoreNative(snap, args, max, io) : restoreHosted(snap, file, args, max, io);
  }
  const con = new HostConsole(io.stdin, io.stdout);
  const t0 = performance.now();
  const { machine, disks } = restoreMachine(readSnapshot(file), { console: (b) => con.write(b) });
  if (args.flags.has('stats')) io.stderr.write(`vm restore: ${machine.retired} instructions restored in ${(performance.now() - t0).toFixed(0)} ms\n`);
  return runRestored(machine, disks, con, max, io, args.flags.has('stats'));
}

/** `vm migrate --listen PORT` (receive and run) or `vm migrate --to HOST:PORT [vm run flags]` (run and send). */
export async function migrateCommand(argv: readonly string[], io: CommandIo = TERMINAL): Promise<number> {
  const args = parseArgs(argv, MIGRATE_OPTIONS);
  refuseDebugFlags(args, 'in vm migrate');
  noPositional(args);
  const listen = one(args, 'listen');
  const to = one(args, 'to');
  if ((listen === undefined) === (to === undefined)) throw new ConfigError('vm migrate: give either --listen PORT or --to HOST:PORT');
  return listen !== undefined ? receive(args, port(listen, '--listen'), io) : send(args, to!, io);
}

async function receive(args: ParsedArgs, listenPort: number, io: CommandIo): Promise<number> {
  const max = count(args, 'max-instructions') ?? Infinity;
  const server = createServer();
  const bind = one(args, 'bind') ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, bind, resolve);
  });
  io.stderr.write(`vm migrate: waiting for a VM on ${bind}:${listenPort}\n`);
  const socket = await new Promise<Socket>((r) => server.once('connection', r));
  server.close();
  const con = new HostConsole(io.stdin, io.stdout);
  const t0 = performance.now();
  const { machine, disks, pagesReceived, rounds } = await migrateIn(socket, { console: (b) => con.write(b) });
  socket.end();
  io.stderr.write(`vm migrate: received ${pagesReceived} pages in ${rounds} rounds and the board state (${(performance.now() - t0).toFixed(0)} ms); resuming at ${machine.retired} instructions\n`);
  return runRestored(machine, disks, con, max, io, args.flags.has('stats'));
}

async function send(args: ParsedArgs, to: string, io: CommandIo): Promise<number> {
  const m = /^(.*):(\d+)$/.exec(to);
  if (m === null) throw new ConfigError(`--to ${to}: give HOST:PORT`);
  const after = count(args, 'after') ?? 1_000_000;
  const con = new HostConsole(io.stdin, io.stdout);
  const { machine, drives } = createMachine(args, (b) => con.write(b));
  try {
    const session = new BoardSession(machine, { haltOnTrapLoop: true });
    runSession(session, { max: after, slice: SLICE });
    const exit = session.exit();
    con.flush();
    if (exit.reason !== 'budget' && exit.reason !== 'wfi') {
      io.stderr.write(`vm migrate: the guest stopped (${describe(exit)}) before --after ${after}\n`);
      return exit.reason === 'poweroff' ? exit.code : 1;
    }
    const socket = connect(port(m[2]!, '--to'), m[1]!);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e: NodeJS.ErrnoException) => reject(new ConfigError(`--to ${to}: cannot connect (${e.code ?? e.message})`)));
    });
    const stats = await migrateOut(machine, socket, {
      maxRounds: count(args, 'max-rounds'),
      dirtyThreshold: count(args, 'dirty-threshold'),
    });
    con.flush();
    socket.end();
    io.stderr.write(`${formatMigrationStats(stats)}\n`);
    return 0;
  } finally {
    for (const d of drives) d.backend.close();
  }
}

/** A restored or received board, continued on the terminal until it ends; its disks closed at the end. */
async function runRestored(machine: VirtMachine, disks: readonly { close(): void }[], con: HostConsole, max: number, io: CommandIo, stats: boolean): Promise<number> {
  const session = new BoardSession(machine, {
    resetNote: 'vm: the guest reset; a restored board cannot reboot its images',
    closeDisks: () => {
      for (const d of disks) d.close();
    },
  });
  const end = await runInteractive({ session, console: con, max, stats, stderr: io.stderr });
  return endStatus(end, session, io.stderr);
}

/** Refuse an output path that cannot be written before running the guest: its folder must exist, it must not be a folder. */
function checkOutputFile(file: string, flag: string): void {
  const dir = dirname(file);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`${flag} ${file}: no directory ${dir}`);
  if (existsSync(file) && statSync(file).isDirectory()) throw new ConfigError(`${flag} ${file}: is a directory`);
}

function count(args: ParsedArgs, name: string): number | undefined {
  const text = one(args, name);
  if (text === undefined) return undefined;
  const n = Number(text.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`--${name} ${text}: not a whole number`);
  return n;
}

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${flag} ${text}: not a TCP port`);
  return n;
}

function noPositional(args: ParsedArgs): void {
  if (args.positional.length > 0) throw new ConfigError(`unexpected argument '${args.positional[0]}'`);
}

function describe(exit: VmExit): string {
  if (exit.reason === 'halt') return exit.message;
  return exit.reason === 'poweroff' ? `poweroff ${exit.code}` : exit.reason;
}

