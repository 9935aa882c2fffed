import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MemoryBlockBackend, NetLoopback, VirtioBlock, VirtioNet, VirtioRng } from '@vm/devices';
import { NativeHypervisor } from '@vm/hypervisor-native';
import { hostedKernel, spawnVmm, vmmOutcome, type HostedGuest, type HostedImages, type VmmMode } from '@vm/hypervisor-hosted';
import { VirtMachine, bootVirt, type MachineSnapshot } from '@vm/machine';
import { wildProgram, type GuestShape } from './guest-generator.js';

/**
 * One runner per stack/mode: a wild guest (guest-generator.ts) runs beside a healthy neighbour
 * for a bounded number of instructions, and the checks of issue 16 decide the outcome:
 *   - no host exception: nothing thrown out of the stack's run loop, and no VM stopped with a
 *     'hypervisor-error' report (the vCPU catches its own exceptions and stops the VM with one:
 *     still a host bug) nor a VMM process killed because it threw;
 *   - no hang past the budget: the run is bounded by steps, and by the CPU time it may take (HANG_MS);
 *   - no escape: host memory outside every VM's partition keeps its canary (native), every free
 *     frame of the host OS keeps its canary (hosted);
 *   - the neighbour unchanged: it prints its line and exits 0, as when it runs alone.
 */

export const MODES = ['bare', 'native-trap', 'native-hext', 'hosted-accel', 'hosted-soft'] as const;
export type Mode = (typeof MODES)[number];

/** How one wild guest ended (the guest's own end: all are fine) or which check failed. */
export type GuestOutcome =
  | 'budget' // still running when its budget was spent
  | 'wfi' // waiting for an interrupt
  | 'poweroff'
  | 'reset'
  | 'stopped' // the hypervisor stopped it with a report (guest error, trap storm)
  | 'host-exception'
  | 'hang'
  | 'escape'
  | 'neighbour';

export const FAILURES: readonly GuestOutcome[] = ['host-exception', 'hang', 'escape', 'neighbour'];

export interface GuestResult {
  readonly mode: Mode;
  readonly seed: number;
  readonly outcome: GuestOutcome;
  /** Instructions the wild guest retired. */
  readonly instructions: number;
  /** What went wrong, for a failure. */
  readonly detail?: string;
  /**
   * SHA-256 of the wild guest's end state, when asked for: bare — its board's checkpoint (harts,
   * clock, devices, RAM, disks); native — its VM's snapshot (the same, with the VM header); hosted —
   * its VMM's snapshot when the budget ended it (KVM.SNAPSHOT or the soft board), or, when the guest
   * ended its VMM itself (its state is gone with the process), the VMM's report: exit, console,
   * instructions and trap steps.
   */
  readonly fingerprint?: string;
}

export interface GuestRunOptions {
  /** Instructions for the wild guest (the neighbour gets what it needs besides). */
  readonly budget: number;
  readonly shape?: GuestShape;
  /**
   * Build the stack for this guest alone instead of reusing this process's stack for the mode
   * (the replay checks in fuzz.test.ts compare both).
   */
  readonly fresh?: boolean;
  /** Return GuestResult.fingerprint: replays and the replay checks compare end states. */
  readonly fingerprint?: boolean;
}

/**
 * A run that takes more CPU time than this (ms, this process's) is a hang, whatever its step
 * count says. CPU time, not wall time: a guest runs synchronously, so one that spins burns CPU,
 * while wall time also counts the time a loaded machine gave other processes (the 2026-12-06
 * campaign's one 'hang' was 10.7 s of wall time for 8 instructions that replay in milliseconds).
 */
export const HANG_MS = 10_000;

const root = new URL('../../../', import.meta.url).pathname;
/** The neighbour: prints one line on the UART and powers off with 0 (M-mode, -bios none). */
const HELLO = { file: 'uart-hello.elf', bytes: new Uint8Array(readFileSync(root + 'packages/machine/fixtures/uart-hello.elf')) };
const HELLO_OUTPUT = 'hello from M-mode\n';
export const WILD_RAM = 4 << 20;
const WILD_WORDS = 1024;
/** Instructions the neighbour needs to finish on every stack, with room. */
const NEIGHBOUR_BUDGET = 200_000;

export function runGuest(mode: Mode, seed: number, options: GuestRunOptions): GuestResult {
  const shape = options.shape ?? (mode === 'native-hext' ? { words: WILD_WORDS, ram: 2 * WILD_RAM, priv: 'S' } : { words: WILD_WORDS, ram: WILD_RAM });
  const bytes = wildProgram(seed, shape);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let r: Omit<GuestResult, 'mode' | 'seed'>;
  try {
    r = mode === 'bare' ? bareStack(shape, options.fresh === true).run(bytes, options.budget, options.fingerprint === true) : mode.startsWith('native') ? runNative(mode === 'native-hext' ? 'hext' : 'trap', bytes, shape.ram, seed, options) : hostedFuzzStack(mode === 'hosted-soft' ? 'soft' : 'accel', shape.ram, options.budget, options.fresh === true).run(bytes, options.fingerprint === true);
  } catch (e) {
    // Whatever the exception left behind, the next seed gets boards built afresh.
    bareStacks.clear();
    nativeStacks.clear();
    hostedStacks.clear();
    r = { outcome: 'host-exception', instructions: 0, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  if (FAILURES.includes(r.outcome)) {
    // A failed check (a canary hit, a broken neighbour) may have left the stack changed: the next
    // seed gets it built afresh, so one failure is not charged to the seeds after it.
    bareStacks.clear();
    nativeStacks.clear();
    hostedStacks.clear();
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (cpuMs > HANG_MS && r.outcome !== 'host-exception') r = { ...r, outcome: 'hang', detail: `${cpuMs.toFixed(0)} ms of CPU (${(performance.now() - t0).toFixed(0)} ms wall) for ${r.instructions} instructions` };
  return { mode, seed, ...r };
}

/**
 * The bare board with every kind of device attached (virtio blk, net, rng, the PIO disk), the
 * neighbour a second board in the same host process, run in turns with it. Both boards are built
 * once per worker: before each seed they are put back to their power-on checkpoint (harts, clock,
 * every device and virtqueue, RAM, disks: VirtMachine.rewind) and the seed's program is copied in,
 * so a seed's result does not depend on the seeds run before it (fuzz.test.ts checks it against
 * fresh boards). Building them per guest was most of a guest's cost.
 */
/** This process's reusable stacks, by shape. */
const bareStacks = new Map<string, BareStack>();

function bareStack(shape: GuestShape, fresh: boolean): BareStack {
  const key = `${shape.ram}:${shape.words}`;
  if (fresh) return new BareStack(shape.ram, shape.words);
  let s = bareStacks.get(key);
  if (s === undefined) bareStacks.set(key, (s = new BareStack(shape.ram, shape.words)));
  return s;
}

class BareStack {
  private readonly wild: VirtMachine;
  private readonly neighbour: VirtMachine;
  private readonly wildAtBoot: MachineSnapshot;
  private readonly neighbourAtBoot: MachineSnapshot;
  private out = '';

  constructor(ram: number, private readonly words: number) {
    this.wild = new VirtMachine({ memory: ram, console: () => {} });
    this.wild.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(64 << 10) }));
    this.wild.addVirtio(new VirtioNet({ backend: new NetLoopback() }));
    this.wild.addVirtio(new VirtioRng({}));
    this.wild.addPioDisk(new MemoryBlockBackend(64 << 10));
    // Booted with an all-zero program of a wild guest's size: where a program is loaded, the
    // device tree and the reset vector depend only on its size and the RAM size (boot.ts).
    bootVirt(this.wild, { kernel: { file: 'wild.bin', bytes: new Uint8Array(words * 4) } });
    this.wildAtBoot = this.wild.snapshot();
    this.neighbour = new VirtMachine({ memory: 4 << 20, console: (b) => (this.out += String.fromCharCode(b)) });
    bootVirt(this.neighbour, { kernel: HELLO });
    this.neighbourAtBoot = this.neighbour.snapshot();
  }

  run(bytes: Uint8Array, budget: number, fingerprint: boolean): Omit<GuestResult, 'mode' | 'seed'> {
    const m = this.wild;
    const n = this.neighbour;
    // rewind, not restore: these checkpoints were taken from these very boards, so neither the
    // rollback copy that restore takes first (a copy of RAM) nor its shape checks are needed.
    m.rewind(this.wildAtBoot);
    m.ram.load(m.ram.base, bytes);
    n.rewind(this.neighbourAtBoot);
    this.out = '';
    let neighbourExit = n.run(NEIGHBOUR_BUDGET / 2);
    const retiredAtBoot = m.retired;
    let exit = m.run(budget);
    const retired = m.retired - retiredAtBoot;
    // A guest waiting in WFI, or one the budget cut short, is fine; the loop ends at the budget.
    if (neighbourExit.reason === 'budget') neighbourExit = n.run(NEIGHBOUR_BUDGET / 2);
    if (exit.reason === 'halt') return { outcome: 'host-exception', instructions: retired, detail: exit.message };
    if (neighbourExit.reason !== 'poweroff' || neighbourExit.code !== 0 || this.out !== HELLO_OUTPUT) return { outcome: 'neighbour', instructions: retired, detail: `neighbour ${neighbourExit.reason}, printed ${JSON.stringify(this.out)}` };
    if (exit.reason === 'trap') exit = { reason: 'budget' };
    return { outcome: exit.reason, instructions: retired, ...(fingerprint ? { fingerprint: digest(m.snapshot()) } : {}) };
  }
}

/** SHA-256 of a checkpoint's every field, byte arrays and bigints included (JSON has neither). */
function digest(snapshot: unknown): string {
  const h = createHash('sha256');
  const feed = (v: unknown): void => {
    if (v instanceof Uint8Array) h.update(v);
    else if (ArrayBuffer.isView(v)) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (Array.isArray(v)) {
      h.update(`[${v.length}`);
      v.forEach(feed);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        h.update(`,${k}:`);
        feed(x);
      }
    } else h.update(`${typeof v}:${String(v)};`);
  };
  feed(snapshot);
  return h.digest('hex');
}

/** A hosted VMM's snapshot without the name /dev/vmm gave its VM (see HostedStack.outcome). */
function withoutVmName(s: MachineSnapshot): unknown {
  const vm = (s as { vm?: object }).vm;
  return vm === undefined ? s : { ...s, vm: { ...vm, name: '' } };
}

/**
 * The canary of host bytes [start, start + length): byte i holds (i · 131) mod 256, so a stray copy
 * of one host region to another shows as well as a stray constant. Made once per region and copied
 * in (a byte loop per guest cost more than the guest).
 */
function canaryBytes(start: number, length: number): Buffer {
  const key = `${start}:${length}`;
  let c = canaries.get(key);
  if (c === undefined) {
    c = Buffer.alloc(length);
    for (let k = 0; k < length; k++) c[k] = ((start + k) * 131) & 0xff;
    canaries.set(key, c);
  }
  return c;
}
const canaries = new Map<string, Buffer>();

/** This process's reusable native hypervisors, by mode, wild RAM size and budget. */
const nativeStacks = new Map<string, NativeHypervisor>();

/**
 * The hypervisor for a native guest: built once per worker, mode, RAM size and budget and put back
 * to its power-on state before each guest (NativeHypervisor.reset: VMs destroyed, host RAM zeroed
 * where written, hart, scheduler, clock as new); a new one of its own when `fresh`. Building it
 * per guest (a new host RAM to allocate and zero, a new hart and translator) was about half of a
 * native guest's cost. fuzz.test.ts checks that a seed gives the same result either way.
 */
function nativeStack(mode: 'trap' | 'hext', ram: number, budget: number, fresh: boolean): NativeHypervisor {
  const make = (): NativeHypervisor => new NativeHypervisor({ memory: 2 * ram + (8 << 20), quantum: Math.max(1000, budget >> 2), mode, shadowPages: 64 });
  if (fresh) return make();
  const key = `${mode}:${ram}:${budget}`;
  let hv = nativeStacks.get(key);
  if (hv === undefined) nativeStacks.set(key, (hv = make()));
  else hv.reset();
  return hv;
}

function runNative(mode: 'trap' | 'hext', bytes: Uint8Array, ram: number, seed: number, options: GuestRunOptions): Omit<GuestResult, 'mode' | 'seed'> {
  const budget = options.budget;
  const hv = nativeStack(mode, ram, budget, options.fresh === true);
  // Under H the wild guest is an S-mode payload on the hypervisor's SBI (VS-mode); the neighbour,
  // an M-mode program, runs trap-and-emulate beside it on the same hypervisor.
  const wild = hv.createVm({ name: `fuzz-${seed}`, memory: ram, kernel: { file: 'wild.bin', bytes }, sbi: mode === 'hext' ? 'hypervisor' : 'firmware' });
  const healthy = hv.createVm({ name: 'healthy', memory: 4 << 20, kernel: HELLO, sbi: 'firmware', mode: 'trap' });
  // Host memory nobody owns holds a canary: a guest reaching it would show.
  const hostRam = hv.host.ram;
  const canaryStart = hostRam.size - hv.host.free;
  const canary = canaryBytes(canaryStart, hostRam.size - canaryStart);
  // Live views of those bytes (the host RAM never moves): filled now, compared after the run.
  const canaryViews = hostRam.views(hostRam.base + canaryStart, canary.length);
  let at = 0;
  for (const view of canaryViews) {
    view.set(canary.subarray(at, at + view.length));
    at += view.length;
  }
  // Slices of a quarter budget: the wild guest is held once it has had its budget, so the
  // neighbour finishes alone (it needs far fewer instructions than NEIGHBOUR_BUDGET).
  for (let spent = 0; spent < budget + NEIGHBOUR_BUDGET; ) {
    // Its budget counts steps: instructions and the traps it took inside itself (VmStats.trapSteps).
    if (wild.stats.guestInstructions + wild.stats.trapSteps >= budget && !hv.isPaused(wild)) hv.pause(wild);
    const r = hv.run(hv.quantum);
    spent += Math.max(1, r.instructions);
    if (r.reason !== 'budget' && (hv.isPaused(wild) || wild.state === 'stopped')) break;
    // Idle: every live VM waits with nothing to wake it, and the next run would say so again at
    // once (a wild guest in WFI beside a finished neighbour spun here up to the loop's bound).
    if (r.reason === 'idle') break;
    if (healthy.state === 'stopped' && (wild.state === 'stopped' || hv.isPaused(wild))) break;
  }
  const instructions = wild.stats.guestInstructions;
  for (const vm of [wild, healthy]) {
    if (vm.report?.reason === 'hypervisor-error') return { outcome: 'host-exception', instructions, detail: `${vm.name}: ${vm.report.message} at pc 0x${vm.report.pc.toString(16)}` };
  }
  at = 0;
  for (const view of canaryViews) {
    const expected = canary.subarray(at, at + view.length);
    if (!Buffer.from(view.buffer, view.byteOffset, view.length).equals(expected)) {
      const k = view.findIndex((b, j) => b !== expected[j]);
      return { outcome: 'escape', instructions, detail: `host byte 0x${(canaryStart + at + k).toString(16)} changed` };
    }
    at += view.length;
  }
  if (healthy.console !== HELLO_OUTPUT || healthy.exitStatus !== 0) return { outcome: 'neighbour', instructions, detail: `neighbour ${healthy.describe()}` };
  const fingerprint = options.fingerprint === true ? { fingerprint: digest(hv.snapshotVm(wild)) } : {};
  if (wild.state === 'stopped') {
    const reason = wild.report?.reason;
    return { outcome: reason === 'poweroff' ? 'poweroff' : reason === 'reset' ? 'reset' : 'stopped', instructions, ...fingerprint };
  }
  return { outcome: wild.state === 'waiting' ? 'wfi' : 'budget', instructions, ...fingerprint };
}

/** This process's reusable hosted stacks, by VMM mode, wild RAM size and budget. */
const hostedStacks = new Map<string, HostedStack>();

/** The hosted stack this process reuses for `mode` (a new one of its own when `fresh`). */
export function hostedFuzzStack(mode: VmmMode, ram: number, budget: number, fresh = false): HostedStack {
  if (fresh) return new HostedStack(mode, ram, budget);
  const key = `${mode}:${ram}:${budget}`;
  let s = hostedStacks.get(key);
  if (s === undefined) hostedStacks.set(key, (s = new HostedStack(mode, ram, budget)));
  return s;
}

type HostKernel = ReturnType<typeof hostedKernel>['kernel'];
/** The host OS's frame (an Sv39 page). */
const PAGE_SIZE = 4096;

/**
 * A host OS with the wild guest's and the neighbour's images, built once per worker and mode; each
 * guest gets two new VMM processes on it (the wild one and the neighbour), as `vm up` would start
 * them. Building the host (its RAM, file system, devices) was most of a hosted guest's cost.
 *
 * Between guests the host goes back to where it was built, and is checked to be there: every
 * process is killed and reaped, which frees everything a VMM had (its memory, its guest's RAM,
 * its VM's shadow tables: AddressSpace.destroy, KvmDevice.release); then no process is left, no VM,
 * and every frame of host RAM is free again. Nothing of a guest's VMM survives it but counters.
 * Every free frame holds a canary (filled when the host is built and whenever a frame is freed:
 * FrameAllocator.onFree; allocation zeroes a frame), so a guest's store outside its own RAM, now or
 * left by an earlier guest, shows as an escape. fuzz.test.ts checks that a seed sees the same on a
 * reused host as on its own.
 */
export class HostedStack {
  readonly kernel: HostKernel;
  private readonly images: readonly HostedImages[];
  private readonly guests: readonly HostedGuest[];
  private readonly canary: Buffer;
  private readonly quantum: number;
  /** Write watchers on host RAM when built (clear() checks none was left by a guest). */
  private readonly watchers: number;

  constructor(
    readonly mode: VmmMode,
    ram: number,
    private readonly budget: number,
  ) {
    this.guests = [
      { name: 'wild', spec: { memory: ram, kernel: { file: 'wild.bin', bytes: new Uint8Array(0) }, sbi: 'firmware' } },
      { name: 'healthy', spec: { memory: 4 << 20, kernel: HELLO, sbi: 'firmware' } },
    ];
    this.quantum = Math.max(1000, budget >> 2);
    const { kernel, images } = hostedKernel(this.guests, mode, { quantum: this.quantum });
    this.kernel = kernel;
    this.images = images;
    const hostRam = kernel.machine.ram;
    this.canary = canaryBytes(0, hostRam.size);
    for (const [pa, length] of this.freeRuns()) this.fill(pa, length);
    kernel.frames.onFree = (pa) => this.fill(pa, PAGE_SIZE);
    this.watchers = kernel.machine.ram.writeWatchers.length;
  }

  run(bytes: Uint8Array, fingerprint = false): Omit<GuestResult, 'mode' | 'seed'> {
    const k = this.kernel;
    const image = k.fs.lookup(this.images[0]!.kernelPath!)!;
    k.fs.truncate(image);
    k.fs.write(image, 0, bytes);
    const wild = spawnVmm(k, this.guests[0]!, this.images[0]!, this.mode);
    const healthy = spawnVmm(k, this.guests[1]!, this.images[1]!, this.mode);
    try {
      return this.outcome(wild, healthy, fingerprint);
    } finally {
      this.clear();
    }
  }

  private outcome(wild: ReturnType<typeof spawnVmm>, healthy: ReturnType<typeof spawnVmm>, fingerprint: boolean): Omit<GuestResult, 'mode' | 'seed'> {
    const budget = this.budget;
    const k = this.kernel;
    let endState: string | undefined;
    // The wild VMM is killed once its guest has had its budget, counted in steps (instructions and
    // the traps it took: VmmProgram.trapSteps), as on the native stacks; the neighbour then finishes alone.
    for (let spent = 0; spent < budget + 4 * NEIGHBOUR_BUDGET; ) {
      if (wild.vmm.guestInstructions + wild.vmm.trapSteps >= budget && wild.process.state !== 'zombie' && wild.vmm.exit === undefined) {
        // The end state is the VMM's to give while it lives.
        // The VM's name in it (accel: /dev/vmm's `pid<N>`) is the host's numbering, not the
        // guest's state: a reused host counts on from the guests before.
        if (fingerprint) endState = digest(withoutVmName(wild.vmm.snapshot()));
        k.kill(wild.process, 9, 'fuzz budget spent');
      }
      const r = k.run(this.quantum);
      spent += Math.max(1, r.instructions);
      if (r.reason !== 'budget') break;
    }
    const instructions = wild.vmm.guestInstructions;
    for (const { vmm, process } of [wild, healthy]) {
      const message = process.exit?.message ?? '';
      if (message.includes('native program threw')) return { outcome: 'host-exception', instructions, detail: message };
      const e = vmm.exit;
      if (e?.reason === 'halt' && /Error|hypervisor-error/.test(e.message)) return { outcome: 'host-exception', instructions, detail: e.message };
    }
    const stray = this.stray();
    if (stray !== undefined) return { outcome: 'escape', instructions, detail: `host byte 0x${stray.toString(16)} changed` };
    if (healthy.vmm.console !== HELLO_OUTPUT || healthy.vmm.exit?.reason !== 'poweroff' || healthy.vmm.exit.code !== 0) return { outcome: 'neighbour', instructions, detail: `neighbour ${vmmOutcome(healthy.vmm)}, printed ${JSON.stringify(healthy.vmm.console)}` };
    const e = wild.vmm.exit;
    const fp = fingerprint ? { fingerprint: endState ?? digest({ exit: e, console: wild.vmm.console, instructions, trapSteps: wild.vmm.trapSteps }) } : {};
    if (e === undefined) return { outcome: 'budget', instructions, ...fp };
    if (e.reason === 'halt') return { outcome: /wfi/.test(e.message) ? 'wfi' : 'stopped', instructions, ...fp };
    return { outcome: e.reason === 'poweroff' || e.reason === 'reset' || e.reason === 'wfi' ? e.reason : 'budget', instructions, ...fp };
  }

  /** Back to the host as built: every process gone; throws (the stack is then dropped) if anything is left. */
  private clear(): void {
    const k = this.kernel;
    for (const p of [...k.processes]) {
      if (p.state !== 'zombie') k.kill(p, 9, 'fuzz: next guest');
      k.reap(p);
    }
    const total = k.machine.ram.size / PAGE_SIZE;
    // Write watchers on host RAM: the host's own translator only. Each VM's window added one that
    // outlived the VM (2 a guest) until windows were retired with their VM: every host RAM write
    // then called all of them, so a long run slowed down guest by guest.
    const watchers = k.machine.ram.writeWatchers.length;
    if (k.processes.length > 0 || k.scheduler.processes.length > 0 || k.frames.freeFrames !== total || watchers > this.watchers) {
      throw new Error(`the reused host kept state after its VMMs ended: ${k.processes.length} processes, ${total - k.frames.freeFrames} frames in use, ${watchers} RAM write watchers (${this.watchers} at build)`);
    }
  }

  /** Runs of free frames: [physical address, bytes]. */
  private freeRuns(): [number, number][] {
    const hostRam = this.kernel.machine.ram;
    const runs: [number, number][] = [];
    for (let pa = hostRam.base; pa < hostRam.base + hostRam.size; pa += PAGE_SIZE) {
      if (!this.kernel.frames.isFree(pa)) continue;
      const last = runs[runs.length - 1];
      if (last !== undefined && last[0] + last[1] === pa) last[1] += PAGE_SIZE;
      else runs.push([pa, PAGE_SIZE]);
    }
    return runs;
  }

  private fill(pa: number, length: number): void {
    const hostRam = this.kernel.machine.ram;
    let at = pa - hostRam.base;
    for (const view of hostRam.views(pa, length)) {
      view.set(this.canary.subarray(at, at + view.length));
      at += view.length;
    }
  }

  /** The first free host byte that lost its canary, if any. */
  private stray(): number | undefined {
    const hostRam = this.kernel.machine.ram;
    for (const [pa, length] of this.freeRuns()) {
      let at = pa - hostRam.base;
      for (const view of hostRam.views(pa, length)) {
        const expected = this.canary.subarray(at, at + view.length);
        if (!Buffer.from(view.buffer, view.byteOffset, view.length).equals(expected)) return hostRam.base + at + view.findIndex((b, j) => b !== expected[j]);
        at += view.length;
      }
    }
    return undefined;
  }
}
