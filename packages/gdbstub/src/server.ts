import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dataAccessAt } from './access.js';
import { framePacket, fromHex, PacketReader, regFromHex, regToHex, toHex } from './packet.js';
import { readRegister, REG_PC, registerSize, targetXml, writeRegister } from './registers.js';
import type { RiscvCpu } from './target.js';

export interface GdbServerOptions {
  /** QEMU's -S: the CPU does not run until a debugger (or the monitor) lets it. */
  readonly startPaused?: boolean;
  /** `monitor CMD` from GDB (qRcmd): the text to print, or undefined when there is no monitor. */
  readonly monitor?: (command: string) => string | undefined;
  /** The stub stopped the CPU / let it go (a hypervisor holds one VM while others run on). */
  readonly onStop?: () => void;
  readonly onResume?: () => void;
  /** GDB killed the target (`k`). */
  readonly onKill?: () => void;
}

/** A CPU's count of executed instructions and pc at a resume. */
interface CpuMark {
  readonly retired: number;
  readonly pc: bigint;
}

/** Watchpoint kinds as Z2/Z3/Z4 number them: write, read, access. */
type WatchKind = 2 | 3 | 4;
interface Watchpoint {
  readonly addr: bigint;
  readonly len: number;
  readonly kind: WatchKind;
}

/** Instructions checked one by one before the run loop gets control back (Ctrl-C is read then). */
const CHECKED_CHUNK = 20_000;
const SIGINT = 2;
const SIGTRAP = 5;

/**
 * A GDB remote stub over TCP for the RISC-V CPUs of one machine (the harts of a board, the vCPUs
 * of a VM): each CPU is a GDB thread, id = index + 1 (as QEMU numbers its CPUs). It never runs a
 * CPU itself: the run loop that owns them awaits `waitRunnable()` and executes through
 * `run(budget, exec)`, which hands the whole budget to `exec` when nothing is armed, and otherwise
 * executes one step at a time (`exec(1)`: one instruction on every CPU that runs), checking every
 * CPU's pc against breakpoints and its next data access against watchpoints before each — so the
 * harts' own loops carry no debugging cost. Watchpoints stop *before* the access (GDB's
 * "non-steppable" watchpoints, as riscv-tdep declares them): GDB steps over it itself. Software
 * (Z0) and hardware (Z1) breakpoints are the same pc check; memory is never patched.
 *
 * All-stop mode (GDB manual E.9 "Stop Reply Packets", "All-Stop Mode"): a stop holds every CPU,
 * and a resume lets them all go. The harts of a board and the vCPUs of a VM take turns
 * (`RiscvCpu.retired` says so): a single-step of one runs the others until that CPU has executed
 * its instruction, as they would run meanwhile on QEMU's threads (GDB's `scheduler-locking off`).
 */
export class GdbServer {
  private socket: Socket | undefined;
  private reader = new PacketReader();
  private paused: boolean;
  /** GDB sent c/s and waits for a stop reply. */
  private gdbWaiting = false;
  private stepping = false;
  /** Index of the CPU whose first instruction after a resume skips the check (-1: none). */
  private skipCpu = -1;
  /** The CPU a stop was reported for (GDB makes it the current thread). */
  private stopCpu = 0;
  /** The thread `Hg` selected for registers and memory, and the one `Hc` selected for `c`/`s`. */
  private gCpu = 0;
  private cCpu = -1;
  /** The CPU a single-step is for. */
  private stepCpu = 0;
  /** Where the step CPU and the skip CPU were when they were let go (see `moved`). */
  private stepFrom: CpuMark | undefined;
  private skipFrom: CpuMark | undefined;
  private readonly cpus: readonly RiscvCpu[];
  private readonly breakpoints = new Set<bigint>();
  private readonly watchpoints: Watchpoint[] = [];
  private waiters: (() => void)[] = [];
  private xml: string | undefined;
  /** GDB killed the target (`k`): the run loop ends the process. */
  killed = false;
  /** Set when the stub stopped the CPU for a reason a person should see (monitor `info status`). */
  lastStop = '';

  private constructor(
    cpus: RiscvCpu | readonly RiscvCpu[],
    private readonly server: Server,
    private readonly options: GdbServerOptions,
  ) {
    this.cpus = Array.isArray(cpus) ? cpus : [cpus as RiscvCpu];
    if (this.cpus.length === 0) throw new Error('GdbServer: no CPU to debug');
    this.paused = options.startPaused ?? false;
    server.on('connection', (s) => this.accept(s));
  }

  /**
   * Listen on `port` (0: any free port) at `host` (QEMU's `tcp::PORT` listens on every address)
   * for the CPU, or the CPUs (threads 1..N), of one machine.
   */
  static listen(cpu: RiscvCpu | readonly RiscvCpu[], port: number, host: string | undefined, options: GdbServerOptions = {}): Promise<GdbServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen({ port, host }, () => {
        server.off('error', reject);
        resolve(new GdbServer(cpu, server, options));
      });
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** A debugger is connected: its packets need answers soon (GDB's remotetimeout is 2 s by default). */
  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** True while a debugger (or -S) holds the CPU. */
  get isPaused(): boolean {
    return this.paused;
  }

  /** Resolves once the CPU may run (true), or when GDB killed it (false). */
  async waitRunnable(): Promise<boolean> {
    while (this.paused && !this.killed) await new Promise<void>((r) => this.waiters.push(r));
    return !this.killed;
  }

  /** Hold the CPU from outside the debugger (the monitor's `stop`); GDB, if it waits, gets a stop reply. */
  pause(signal = SIGINT): void {
    if (this.paused) return;
    this.stop(this.stopReply(signal, this.stopCpu));
  }

  /** Let the CPU run again from outside the debugger (the monitor's `cont`). */
  resume(): void {
    this.resumeCpu(false);
  }

  /**
   * Execute up to `budget` instructions through `exec(n)` (which runs the CPU for n instructions and
   * returns an exit the run loop must handle, or undefined), honouring single-step, breakpoints and
   * watchpoints. Returns the exit of the last `exec`, or undefined when the stub stopped the CPU.
   */
  run<E>(budget: number, exec: (n: number) => E | undefined): E | undefined {
    if (this.paused) return undefined;
    if (!this.armed) {
      this.skipCpu = -1;
      return exec(budget);
    }
    const n = Math.min(budget, CHECKED_CHUNK);
    for (let i = 0; i < n; i++) {
      if (this.checkBeforeStep()) return undefined;
      const exit = exec(1);
      this.stepped(exit === undefined);
      if (this.paused || exit !== undefined) return exit;
    }
    return undefined;
  }

  /** A breakpoint, watchpoint or single-step is armed: the CPUs must go one instruction at a time. */
  get armed(): boolean {
    return !this.paused && (this.stepping || this.breakpoints.size > 0 || this.watchpoints.length > 0);
  }

  /**
   * For a run loop that steps several machines (the VMs of a hypervisor): before these CPUs execute
   * their next instruction, stop them if a breakpoint or watchpoint says so. True when they stopped.
   */
  checkBeforeStep(): boolean {
    if (this.paused) return true;
    for (let i = 0; i < this.cpus.length; i++) {
      if (i === this.skipCpu) continue;
      const hit = this.checkStop(i);
      if (hit === undefined) continue;
      this.stop(hit);
      return true;
    }
    return false;
  }

  /** The CPUs executed a step (`reportStep`: a single-step ends with a stop reply). */
  stepped(reportStep = true): void {
    // The vCPUs of a VM run in turns: the step may have been another vCPU's, so the one that
    // stopped at a breakpoint keeps skipping it, and a single-step waits, until that CPU has run.
    if (this.skipCpu < 0 || this.moved(this.skipCpu, this.skipFrom)) this.skipCpu = -1;
    if (this.stepping && reportStep && !this.moved(this.stepCpu, this.stepFrom)) return;
    if (this.stepping) {
      this.stepping = false;
      if (reportStep) {
        this.stopCpu = this.stepCpu;
        this.stop(this.stopReply(SIGTRAP, this.stepCpu));
      }
    }
  }

  /** The CPU's software ended (poweroff) with `code`: GDB hears `W` and the connection closes. */
  exited(code: number): void {
    if (this.socket === undefined) return;
    this.send(`W${hex2(code & 0xff)}`);
    this.socket.end();
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
    this.paused = false;
    this.wake();
  }

  // ---------------------------------------------------------------- the connection

  private accept(s: Socket): void {
    if (this.socket !== undefined) {
      // One debugger at a time, as QEMU.
      s.destroy();
      return;
    }
    this.socket = s;
    this.reader = new PacketReader();
    s.setNoDelay(true);
    // QEMU stops the machine when a debugger connects; GDB then asks '?' for where.
    this.paused = true;
    this.options.onStop?.();
    this.gdbWaiting = false;
    s.on('data', (chunk: Buffer) => this.receive(chunk));
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      // Without a debugger nothing could let the CPU go again: drop what GDB armed and run.
      this.breakpoints.clear();
      this.watchpoints.length = 0;
      if (!this.killed) this.resumeCpu(false);
    });
  }

  private receive(chunk: Buffer): void {
    for (const ev of this.reader.feed(chunk)) {
      if (ev.kind === 'interrupt') {
        if (!this.paused) this.stop(this.stopReply(SIGINT, this.stopCpu));
        continue;
      }
      if (!ev.ok) {
        this.socket?.write('-');
        continue;
      }
      this.socket?.write('+');
      const reply = this.handle(ev.payload);
      if (reply !== undefined) this.send(reply);
    }
  }

  private send(payload: string): void {
    this.socket?.write(framePacket(payload));
  }

  private stop(reply: string): void {
    // GDB takes the thread of a stop reply as the stub's current thread for `g`/`m` and `c`/`s`
    // without sending H (remote.c record_currthread), as QEMU's gdb_set_stop_cpu sets both.
    this.gCpu = this.stopCpu;
    this.cCpu = this.stopCpu;
    this.paused = true;
    this.stepping = false;
    this.lastStop = reply;
    this.options.onStop?.();
    if (this.gdbWaiting) {
      this.gdbWaiting = false;
      this.send(reply);
    }
  }

  private resumeCpu(step: boolean, stepCpu = this.stopCpu): void {
    this.stepping = step;
    this.stepCpu = stepCpu;
    this.stepFrom = this.mark(stepCpu);
    // The CPU that stopped at a breakpoint executes it: the others are checked from the start.
    this.skipCpu = this.stopCpu;
    this.skipFrom = this.mark(this.stopCpu);
    this.paused = false;
    this.options.onResume?.();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Where CPU i is now, when it counts what it executes (the vCPUs of a VM). */
  private mark(i: number): CpuMark | undefined {
    const cpu = this.cpus[i]!;
    return cpu.retired === undefined ? undefined : { retired: cpu.retired, pc: cpu.pc };
  }

  /**
   * Whether CPU i executed something since `from` (an instruction, or a trap that moved its pc);
   * always true for CPUs that give no count.
   */
  private moved(i: number, from: CpuMark | undefined): boolean {
    const cpu = this.cpus[i]!;
    return from === undefined || cpu.retired !== from.retired || cpu.pc !== from.pc;
  }

  /** `Tss...thread:N;` for CPU index `i` (GDB manual E.3 "Stop Reply Packets"). */
  private stopReply(signal: number, i: number, extra = ''): string {
    return `T${hex2(signal)}${extra}thread:${threadId(i)};`;
  }

  /** A stop the instruction at CPU i's pc triggers before it executes: a breakpoint, or a watched access. */
  private checkStop(i: number): string | undefined {
    const cpu = this.cpus[i]!;
    const pc = cpu.pc;
    if (this.breakpoints.has(pc)) {
      this.stopCpu = i;
      return this.stopReply(SIGTRAP, i);
    }
    if (this.watchpoints.length === 0) return undefined;
    const a = dataAccessAt(cpu);
    if (a === undefined) return undefined;
    for (const w of this.watchpoints) {
      if (a.addr >= w.addr + BigInt(w.len) || w.addr >= a.addr + BigInt(a.size)) continue;
      const hit = w.kind === 2 ? a.write : w.kind === 3 ? a.read : true;
      if (!hit) continue;
      const name = w.kind === 2 ? 'watch' : w.kind === 3 ? 'rwatch' : 'awatch';
      const at = a.addr > w.addr ? a.addr : w.addr;
      this.stopCpu = i;
      return this.stopReply(SIGTRAP, i, `${name}:${at.toString(16)};`);
    }
    return undefined;
  }

  // ---------------------------------------------------------------- packets (GDB manual E.2, E.4)

  private handle(p: string): string | undefined {
    // Registers and memory are those of the thread `Hg` selected (GDB manual E.2, 'H op thread-id').
    const cpu = this.cpus[this.gCpu]!;
    switch (p[0]) {
      case '?':
        return this.lastStop.startsWith('T') ? this.lastStop : this.stopReply(SIGTRAP, this.stopCpu);
      case 'g': {
        let s = '';
        for (let r = 0; r <= REG_PC; r++) s += regToHex(readRegister(cpu, r) ?? 0n, 8);
        return s;
      }
      case 'G': {
        const text = p.slice(1);
        for (let r = 0; r <= REG_PC && (r + 1) * 16 <= text.length; r++) {
          const v = regFromHex(text.slice(r * 16, r * 16 + 16));
          if (v === undefined) return 'E01';
          writeRegister(cpu, r, v);
        }
        return 'OK';
      }
      case 'p': {
        const r = parseInt(p.slice(1), 16);
        const size = registerSize(cpu, r);
        const v = readRegister(cpu, r);
        return size === undefined || v === undefined ? 'E14' : regToHex(v, size);
      }
      case 'P': {
        const m = /^P([0-9a-fA-F]+)=([0-9a-fA-F]+)$/.exec(p);
        const v = m ? regFromHex(m[2]!) : undefined;
        return m && v !== undefined && writeRegister(cpu, parseInt(m[1]!, 16), v) ? 'OK' : 'E14';
      }
      case 'm': {
        const m = /^m([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
        if (!m) return 'E01';
        const len = Math.min(parseInt(m[2]!, 16), 0x1000);
        const bytes = cpu.readMemory(BigInt('0x' + m[1]!), len);
        return bytes === undefined ? 'E14' : toHex(bytes);
      }
      case 'M': {
        const m = /^M([0-9a-fA-F]+),([0-9a-fA-F]+):([0-9a-fA-F]*)$/.exec(p);
        const data = m ? fromHex(m[3]!) : undefined;
        if (!m || data === undefined || data.length !== parseInt(m[2]!, 16)) return 'E01';
        return cpu.writeMemory(BigInt('0x' + m[1]!), data) ? 'OK' : 'E14';
      }
      case 'X': {
        const colon = p.indexOf(':');
        const m = /^X([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p.slice(0, colon));
        if (colon < 0 || !m) return 'E01';
        const data = new Uint8Array(Buffer.from(p.slice(colon + 1), 'latin1'));
        if (data.length !== parseInt(m[2]!, 16)) return 'E01';
        return data.length === 0 || cpu.writeMemory(BigInt('0x' + m[1]!), data) ? 'OK' : 'E14';
      }
      case 'Z':
      case 'z':
        return this.breakpoint(p);
      case 'c':
      case 'C':
      case 's':
      case 'S': {
        // The legacy packets act on the thread `Hc` selected (any: the one that stopped).
        const target = this.cCpu >= 0 ? this.cCpu : this.stopCpu;
        this.setPc(p, target);
        this.gdbWaiting = true;
        this.resumeCpu(p[0] === 's' || p[0] === 'S', target);
        return undefined;
      }
      case 'v':
        return this.vPacket(p);
      case 'H': {
        // `Hg id` / `Hc id`: 0 is any thread, -1 all of them (both: the first for registers).
        const id = this.parseThread(p.slice(2));
        if (id === undefined || (p[1] !== 'g' && p[1] !== 'c')) return 'E01';
        if (p[1] === 'g') this.gCpu = id < 0 ? 0 : id;
        else this.cCpu = id;
        return 'OK';
      }
      case 'T': {
        // Thread alive: every CPU exists for the whole run.
        const id = this.parseThread(p.slice(1));
        return id !== undefined && id >= 0 ? 'OK' : 'E01';
      }
      case 'D':
        this.breakpoints.clear();
        this.watchpoints.length = 0;
        this.resumeCpu(false);
        setImmediate(() => this.socket?.end());
        return 'OK';
      case 'k':
        this.killed = true;
        this.paused = true;
        this.options.onKill?.();
        this.wake();
        this.socket?.end();
        return undefined;
      case 'q':
      case 'Q':
        return this.query(p);
      default:
        return '';
    }
  }

  /**
   * A thread id as GDB sends it (hex; `-1` all threads, `0` any; `pPID.TID` in multiprocess form):
   * the CPU index, -1 for all, or undefined when no CPU has it. Any thread is the first CPU.
   */
  private parseThread(text: string): number | undefined {
    const t = text.startsWith('p') ? (text.split('.')[1] ?? '-1') : text;
    if (t === '-1') return -1;
    if (!/^[0-9a-fA-F]+$/.test(t)) return undefined;
    const id = parseInt(t, 16);
    if (id === 0) return 0;
    return id <= this.cpus.length ? id - 1 : undefined;
  }

  /** `c [addr]`, `s [addr]`, `C sig[;addr]`: an address resumes CPU `i` there. */
  private setPc(p: string, i: number): void {
    const m = /^[cs]([0-9a-fA-F]+)$/.exec(p) ?? /^[CS][0-9a-fA-F]+;([0-9a-fA-F]+)$/.exec(p);
    if (m) this.cpus[i]!.setPc(BigInt('0x' + m[1]!));
  }

  private vPacket(p: string): string | undefined {
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (p.startsWith('vCont;')) {
      // `vCont;action[:thread]...` (GDB manual E.2): for each thread the first action that names
      // it, or the first without a thread, applies. All CPUs resume together (all-stop, and the
      // board schedules its harts together); a thread given `s` is the one whose step is reported.
      let step: number | undefined;
      const applied = new Set<number>();
      let others: string | undefined;
      for (const part of p.slice(6).split(';')) {
        const [action, thread] = part.split(':') as [string, string | undefined];
        if (!/^[cCsS]([0-9a-fA-F]{2})?$/.test(action)) return 'E01';
        if (thread === undefined) {
          others ??= action;
          continue;
        }
        const id = this.parseThread(thread);
        if (id === undefined) return 'E01';
        const targets = id < 0 ? this.cpus.map((_, i) => i) : [id];
        for (const i of targets) {
          if (applied.has(i) || others !== undefined) continue;
          applied.add(i);
          if ((action[0] === 's' || action[0] === 'S') && step === undefined) step = i;
        }
      }
      if (step === undefined && others !== undefined && (others[0] === 's' || others[0] === 'S')) step = this.stopCpu;
      this.gdbWaiting = true;
      this.resumeCpu(step !== undefined, step ?? this.stopCpu);
      return undefined;
    }
    if (p.startsWith('vKill')) {
      this.killed = true;
      this.paused = true;
      this.options.onKill?.();
      this.wake();
      return 'OK';
    }
    return '';
  }

  private breakpoint(p: string): string {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]+),([0-9a-fA-F]+)/.exec(p);
    if (!m) return 'E01';
    const insert = m[1] === 'Z';
    const type = Number(m[2]);
    const addr = BigInt('0x' + m[3]!);
    const len = parseInt(m[4]!, 16);
    if (type <= 1) {
      if (insert) this.breakpoints.add(addr);
      else this.breakpoints.delete(addr);
      return 'OK';
    }
    const i = this.watchpoints.findIndex((w) => w.addr === addr && w.len === len && w.kind === type);
    if (insert) {
      if (i < 0) this.watchpoints.push({ addr, len, kind: type as WatchKind });
    } else if (i >= 0) this.watchpoints.splice(i, 1);
    return 'OK';
  }

  private query(p: string): string {
    if (p.startsWith('qSupported')) return 'PacketSize=4000;qXfer:features:read+;vContSupported+';
    if (p.startsWith('qXfer:features:read:')) {
      const m = /^qXfer:features:read:([^:]+):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(p);
      if (!m || m[1] !== 'target.xml') return 'E00';
      this.xml ??= targetXml(this.cpus[0]!);
      const off = parseInt(m[2]!, 16);
      const len = parseInt(m[3]!, 16);
      const part = this.xml.slice(off, off + len);
      return (off + len >= this.xml.length ? 'l' : 'm') + part;
    }
    if (p === 'qAttached' || p.startsWith('qAttached:')) return '1';
    // Threads are the CPUs (GDB manual E.4 "General Query Packets"), numbered as QEMU numbers them.
    if (p === 'qC') return `QC${threadId(this.stopCpu)}`;
    if (p === 'qfThreadInfo') return 'm' + this.cpus.map((_, i) => threadId(i)).join(',');
    if (p === 'qsThreadInfo') return 'l';
    if (p.startsWith('qThreadExtraInfo,')) {
      const i = this.parseThread(p.slice(17));
      if (i === undefined || i < 0) return 'E01';
      // QEMU's wording: "CPU#0 [running]", or "[halted ]" while the CPU waits for an interrupt.
      return toHex(new TextEncoder().encode(`CPU#${i} [${this.cpus[i]!.halted === true ? 'halted ' : 'running'}]`));
    }
    if (p.startsWith('qSymbol')) return 'OK';
    if (p.startsWith('qRcmd,')) {
      const cmd = Buffer.from(p.slice(6), 'hex').toString('latin1');
      const out = this.options.monitor?.(cmd);
      if (out === undefined) return '';
      // Console output packets first ('O' + hex), then the result.
      if (out !== '') this.send('O' + toHex(new TextEncoder().encode(out)));
      return 'OK';
    }
    return '';
  }
}

/** GDB thread id of CPU index i: i + 1 (0 and -1 mean any and all), in hex. */
function threadId(i: number): string {
  return hex2(i + 1);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
