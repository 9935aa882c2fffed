import { ConfigError } from '@vm/core';
import { GdbServer, type RiscvCpu } from '@vm/gdbstub';
import { one, type ParsedArgs } from './args.js';
import { Tracer } from './trace.js';

/** QEMU's `-s`: a gdbstub on TCP port 1234. */
export const DEFAULT_GDB_PORT = 1234;

/** `-gdb tcp::PORT` / `-gdb tcp:HOST:PORT` / `-s`; undefined without either. */
export function gdbEndpoint(args: ParsedArgs): { host: string | undefined; port: number } | undefined {
  const text = one(args, 'gdb');
  if (text === undefined) return args.flags.has('s') ? { host: undefined, port: DEFAULT_GDB_PORT } : undefined;
  if (args.flags.has('s')) throw new ConfigError(`-s and -gdb ${text}: give one of them (-s is -gdb tcp::${DEFAULT_GDB_PORT})`);
  const m = /^tcp:([^:]*):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ConfigError(`-gdb ${text}: only tcp::PORT or tcp:HOST:PORT (a TCP socket GDB connects to with 'target remote')`);
  return { host: m[1] === '' ? undefined : m[1], port };
}

/**
 * Who may hold the guest CPU between the run loop's batches: QEMU's -S, the monitor's stop/cont,
 * and a GDB connected to the stub. The run loop awaits `waitRunnable()` before each batch and
 * executes through `run(budget, exec)`; with nothing armed that is one call of `exec(budget)`.
 */
export class RunControl {
  /** Held by -S (without a debugger) or the monitor's `stop`. */
  private held: boolean;
  private waiters: (() => void)[] = [];
  /** The CPU has run (QEMU's "prelaunch" state ends). */
  private started = false;
  /** Quit asked (monitor `quit`, Ctrl-A X) while the CPU may be held: the loop must see it. */
  private quitting = false;

  private constructor(
    readonly gdb: GdbServer | undefined,
    startPaused: boolean,
    private readonly tracer: Tracer | undefined,
    private readonly cpus: readonly RiscvCpu[] | undefined,
  ) {
    this.held = startPaused && gdb === undefined;
  }

  /**
   * From `vm run` flags: undefined when no flag asks for any of it (the loop then runs as before).
   * `cpus` gives the machine's CPUs (the board's harts, a VM's vCPUs): GDB threads 1..N, traced each.
   */
  static async fromArgs(args: ParsedArgs, cpus: () => RiscvCpu | readonly RiscvCpu[], monitor?: (command: string) => string | undefined, guestErrors: () => number = () => 0): Promise<RunControl | undefined> {
    const endpoint = gdbEndpoint(args);
    const startPaused = args.flags.has('S');
    const tracer = Tracer.fromArgs(args, guestErrors);
    if (endpoint === undefined && !startPaused && monitor === undefined && tracer === undefined) return undefined;
    if (startPaused && endpoint === undefined && monitor === undefined) throw new ConfigError('-S: nothing could start the CPU (add -gdb tcp::PORT or -s, or a monitor: -monitor stdio, -nographic with Ctrl-A C)');
    let gdb: GdbServer | undefined;
    const given = endpoint !== undefined || tracer !== undefined ? cpus() : undefined;
    const theCpus = given === undefined ? undefined : Array.isArray(given) ? (given as readonly RiscvCpu[]) : [given as RiscvCpu];
    if (endpoint !== undefined) {
      try {
        gdb = await GdbServer.listen(theCpus!, endpoint.port, endpoint.host, { startPaused, monitor });
      } catch (e) {
        throw new ConfigError(`-gdb tcp:${endpoint.host ?? ''}:${endpoint.port}: cannot listen (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return new RunControl(gdb, startPaused, tracer, theCpus);
  }

  /** True when the CPU is held (by -S, the monitor or the debugger). */
  get paused(): boolean {
    return this.held || (this.gdb?.isPaused ?? false);
  }

  /** `info status` as QEMU words it. */
  status(): string {
    if (!this.paused) return 'running';
    if (!this.started) return 'paused (prelaunch)';
    return this.held ? 'paused' : 'paused (debug)';
  }

  /** Wake the run loop whatever holds the CPU: it ends the run (monitor `quit`, Ctrl-A X). */
  quit(): void {
    this.quitting = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The monitor's `stop`. */
  stop(): void {
    this.held = true;
    this.gdb?.pause();
  }

  /** The monitor's `cont` (also lets go of a -S start and a debugger's hold, as QEMU's `cont`). */
  cont(): void {
    this.held = false;
    if (this.gdb?.isPaused) this.gdb.resume();
    this.wake();
  }

  /** Resolves when the CPU may run (true), or false when the debugger killed it. */
  async waitRunnable(): Promise<boolean> {
    for (;;) {
      if (this.quitting) return true;
      if (this.gdb?.killed) return false;
      if (this.held) {
        await new Promise<void>((r) => this.waiters.push(r));
        continue;
      }
      if (this.gdb === undefined || !this.gdb.isPaused) return true;
      await Promise.race([this.gdb.waitRunnable(), new Promise<void>((r) => this.waiters.push(r))]);
    }
  }

  /** Execute a batch, honouring the debugger's breakpoints, watchpoints and single-step. */
  run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined {
    if (this.held) return undefined;
    this.started = true;
    const tracer = this.tracer;
    const cpus = this.cpus;
    // Tracing executes one instruction at a time: smaller batches keep Ctrl-C and the monitor responsive.
    const step = tracer === undefined || cpus === undefined ? exec : (n: number): E | undefined => tracer.run(cpus, Math.min(n, 10_000), exec);
    if (this.gdb === undefined) return step(budget);
    // With a debugger connected, short slices: Ctrl-C and its packets are read between them.
    return this.gdb.run(this.gdb.connected ? Math.min(budget, 100_000) : budget, step);
  }

  /** The guest powered off with `code`: a connected GDB hears it. */
  exited(code: number): void {
    this.gdb?.exited(code);
  }

  close(): void {
    this.gdb?.close();
    this.tracer?.close();
    this.cont();
  }
}
