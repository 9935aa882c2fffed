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
 * A GDB remote stub over TCP for one RISC-V CPU. It never runs the CPU itself: the run loop that
 * owns the CPU awaits `waitRunnable()` and executes through `run(budget, exec)`, which hands the
 * whole budget to `exec` when nothing is armed, and otherwise executes one instruction at a time,
 * checking the pc against breakpoints and the instruction's data access against watchpoints before
 * each — so the hart's own loop carries no debugging cost. Watchpoints stop *before* the access
 * (GDB's "non-steppable" watchpoints, as riscv-tdep declares them): GDB steps over it itself.
 * Software (Z0) and hardware (Z1) breakpoints are the same pc check; memory is never patched.
 */
export class GdbServer {
  private socket: Socket | undefined;
  private reader = new PacketReader();
  private paused: boolean;
  /** GDB sent c/s and waits for a stop reply. */
  private gdbWaiting = false;
  private stepping = false;
  /** The first instruction after a resume executes without the breakpoint check (it is where we stopped). */
  private skipCheck = false;
  private readonly breakpoints = new Set<bigint>();
  private readonly watchpoints: Watchpoint[] = [];
  private waiters: (() => void)[] = [];
  private xml: string | undefined;
  /** GDB killed the target (`k`): the run loop ends the process. */
  killed = false;
  /** Set when the stub stopped the CPU for a reason a person should see (monitor `info status`). */
  lastStop = '';

  private constructor(
    private readonly cpu: RiscvCpu,
    private readonly server: Server,
    private readonly options: GdbServerOptions,
  ) {
    this.paused = options.startPaused ?? false;
    server.on('connection', (s) => this.accept(s));
  }

  /** Listen on `port` (0: any free port) at `host` (QEMU's `tcp::PORT` listens on every address). */
  static listen(cpu: RiscvCpu, port: number, host: string | undefined, options: GdbServerOptions = {}): Promise<GdbServer> {
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
    this.stop(`T${hex2(signal)}thread:01;`);
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
      this.skipCheck = false;
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

  /** A breakpoint, watchpoint or single-step is armed: the CPU must go one instruction at a time. */
  get armed(): boolean {
    return !this.paused && (this.stepping || this.breakpoints.size > 0 || this.watchpoints.length > 0);
  }

  /**
   * For a run loop that steps several CPUs (the VMs of a hypervisor): before this CPU executes its
   * next instruction, stop it if a breakpoint or watchpoint says so. True when it stopped.
   */
  checkBeforeStep(): boolean {
    if (this.paused) return true;
    if (this.skipCheck) return false;
    const hit = this.checkStop();
    if (hit === undefined) return false;
    this.stop(hit);
    return true;
  }

  /** This CPU executed an instruction (`reportStep`: a single-step ends with a stop reply). */
  stepped(reportStep = true): void {
    this.skipCheck = false;
    if (this.stepping) {
      this.stepping = false;
      if (reportStep) this.stop(`T${hex2(SIGTRAP)}thread:01;`);
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
        if (!this.paused) this.stop(`T${hex2(SIGINT)}thread:01;`);
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
    this.paused = true;
    this.stepping = false;
    this.lastStop = reply;
    this.options.onStop?.();
    if (this.gdbWaiting) {
      this.gdbWaiting = false;
      this.send(reply);
    }
  }

  private resumeCpu(step: boolean): void {
    this.stepping = step;
    this.skipCheck = true;
    this.paused = false;
    this.options.onResume?.();
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** A stop the instruction at pc triggers before it executes: a breakpoint, or a watched access. */
  private checkStop(): string | undefined {
    const pc = this.cpu.pc;
    if (this.breakpoints.has(pc)) return `T${hex2(SIGTRAP)}thread:01;`;
    if (this.watchpoints.length === 0) return undefined;
    const a = dataAccessAt(this.cpu);
    if (a === undefined) return undefined;
    for (const w of this.watchpoints) {
      if (a.addr >= w.addr + BigInt(w.len) || w.addr >= a.addr + BigInt(a.size)) continue;
      const hit = w.kind === 2 ? a.write : w.kind === 3 ? a.read : true;
      if (!hit) continue;
      const name = w.kind === 2 ? 'watch' : w.kind === 3 ? 'rwatch' : 'awatch';
      const at = a.addr > w.addr ? a.addr : w.addr;
      return `T${hex2(SIGTRAP)}${name}:${at.toString(16)};thread:01;`;
    }
    return undefined;
  }

  // ---------------------------------------------------------------- packets (GDB manual E.2, E.4)

  private handle(p: string): string | undefined {
    const cpu = this.cpu;
    switch (p[0]) {
      case '?':
        return this.lastStop.startsWith('T') ? this.lastStop : `T${hex2(SIGTRAP)}thread:01;`;
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
      case 'S':
        this.setPc(p);
        this.gdbWaiting = true;
        this.resumeCpu(p[0] === 's' || p[0] === 'S');
        return undefined;
      case 'v':
        return this.vPacket(p);
      case 'H':
        return 'OK';
      case 'T':
        return p === 'T1' || p === 'T01' ? 'OK' : 'E01';
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

  /** `c [addr]`, `s [addr]`, `C sig[;addr]`: an address resumes there. */
  private setPc(p: string): void {
    const m = /^[cs]([0-9a-fA-F]+)$/.exec(p) ?? /^[CS][0-9a-fA-F]+;([0-9a-fA-F]+)$/.exec(p);
    if (m) this.cpu.setPc(BigInt('0x' + m[1]!));
  }

  private vPacket(p: string): string | undefined {
    if (p === 'vCont?') return 'vCont;c;C;s;S';
    if (p.startsWith('vCont;')) {
      // One thread: the first action that applies to it (they are in priority order) decides.
      const action = p.slice(6).split(';')[0]!.split(':')[0]!;
      if (!/^[cCsS]/.test(action)) return 'E01';
      this.gdbWaiting = true;
      this.resumeCpu(action[0] === 's' || action[0] === 'S');
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
      this.xml ??= targetXml(this.cpu);
      const off = parseInt(m[2]!, 16);
      const len = parseInt(m[3]!, 16);
      const part = this.xml.slice(off, off + len);
      return (off + len >= this.xml.length ? 'l' : 'm') + part;
    }
    if (p === 'qAttached' || p.startsWith('qAttached:')) return '1';
    if (p === 'qC') return 'QC01';
    if (p === 'qfThreadInfo') return 'm01';
    if (p === 'qsThreadInfo') return 'l';
    if (p.startsWith('qThreadExtraInfo')) return toHex(new TextEncoder().encode('CPU#0 [running]'));
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

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
