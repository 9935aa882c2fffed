import { readFileSync } from 'node:fs';
import { MemoryBlockBackend, NetLoopback, VirtioBlock, VirtioNet, VirtioRng } from '@vm/devices';
import { NativeHypervisor } from '@vm/hypervisor-native';
import { hostedHost, vmmOutcome, type VmmMode } from '@vm/hypervisor-hosted';
import { VirtMachine, bootVirt } from '@vm/machine';
import { wildProgram, type GuestShape } from './guest-generator.js';

/**
 * One runner per stack/mode: a wild guest (guest-generator.ts) runs beside a healthy neighbour
 * for a bounded number of instructions, and the checks of issue 16 decide the outcome:
 *   - no host exception: nothing thrown out of the stack's run loop, and no VM stopped with a
 *     'hypervisor-error' report (the vCPU catches its own exceptions and stops the VM with one:
 *     still a host bug) nor a VMM process killed because it threw;
 *   - no hang past the budget: the run is bounded by instructions, and by wall time (HANG_MS);
 *   - no escape: host memory outside every VM's partition keeps its canary (native);
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
}

export interface GuestRunOptions {
  /** Instructions for the wild guest (the neighbour gets what it needs besides). */
  readonly budget: number;
  readonly shape?: GuestShape;
}

/** A run past this is a hang, whatever its instruction count says. */
export const HANG_MS = 10_000;

const root = new URL('../../../', import.meta.url).pathname;
/** The neighbour: prints one line on the UART and powers off with 0 (M-mode, -bios none). */
const HELLO = { file: 'uart-hello.elf', bytes: new Uint8Array(readFileSync(root + 'packages/machine/fixtures/uart-hello.elf')) };
const HELLO_OUTPUT = 'hello from M-mode\n';
const WILD_RAM = 4 << 20;
/** Instructions the neighbour needs to finish on every stack, with room. */
const NEIGHBOUR_BUDGET = 200_000;

export function runGuest(mode: Mode, seed: number, options: GuestRunOptions): GuestResult {
  const shape = options.shape ?? (mode === 'native-hext' ? { words: 1024, ram: 2 * WILD_RAM, priv: 'S' } : { words: 1024, ram: WILD_RAM });
  const bytes = wildProgram(seed, shape);
  const t0 = performance.now();
  let r: Omit<GuestResult, 'mode' | 'seed'>;
  try {
    r = mode === 'bare' ? runBare(bytes, shape.ram, options.budget) : mode.startsWith('native') ? runNative(mode === 'native-hext' ? 'hext' : 'trap', bytes, shape.ram, options.budget, seed) : runHosted(mode === 'hosted-soft' ? 'soft' : 'accel', bytes, shape.ram, options.budget);
  } catch (e) {
    r = { outcome: 'host-exception', instructions: 0, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  const ms = performance.now() - t0;
  if (ms > HANG_MS && r.outcome !== 'host-exception') r = { ...r, outcome: 'hang', detail: `${ms.toFixed(0)} ms for ${r.instructions} instructions` };
  return { mode, seed, ...r };
}

/**
 * The bare board with every kind of device attached (virtio blk, net, rng, the PIO disk), the
 * neighbour a second board in the same host process, run in turns with it.
 */
function runBare(bytes: Uint8Array, ram: number, budget: number): Omit<GuestResult, 'mode' | 'seed'> {
  const m = new VirtMachine({ memory: ram, console: () => {} });
  m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(64 << 10) }));
  m.addVirtio(new VirtioNet({ backend: new NetLoopback() }));
  m.addVirtio(new VirtioRng({}));
  m.addPioDisk(new MemoryBlockBackend(64 << 10));
  bootVirt(m, { kernel: { file: 'wild.bin', bytes } });
  let out = '';
  const n = new VirtMachine({ memory: 4 << 20, console: (b) => (out += String.fromCharCode(b)) });
  bootVirt(n, { kernel: HELLO });
  let neighbourExit = n.run(NEIGHBOUR_BUDGET / 2);
  let exit = m.run(budget);
  // A guest waiting in WFI, or one the budget cut short, is fine; the loop ends at the budget.
  if (neighbourExit.reason === 'budget') neighbourExit = n.run(NEIGHBOUR_BUDGET / 2);
  if (exit.reason === 'halt') return { outcome: 'host-exception', instructions: m.retired, detail: exit.message };
  if (neighbourExit.reason !== 'poweroff' || neighbourExit.code !== 0 || out !== HELLO_OUTPUT) return { outcome: 'neighbour', instructions: m.retired, detail: `neighbour ${neighbourExit.reason}, printed ${JSON.stringify(out)}` };
  if (exit.reason === 'trap') exit = { reason: 'budget' };
  return { outcome: exit.reason, instructions: m.retired };
}

function runNative(mode: 'trap' | 'hext', bytes: Uint8Array, ram: number, budget: number, seed: number): Omit<GuestResult, 'mode' | 'seed'> {
  const hv = new NativeHypervisor({ memory: 2 * ram + (8 << 20), quantum: Math.max(1000, budget >> 2), mode, shadowPages: 64 });
  // Under H the wild guest is an S-mode payload on the hypervisor's SBI (VS-mode); the neighbour,
  // an M-mode program, runs trap-and-emulate beside it on the same hypervisor.
  const wild = hv.createVm({ name: `fuzz-${seed}`, memory: ram, kernel: { file: 'wild.bin', bytes }, sbi: mode === 'hext' ? 'hypervisor' : 'firmware' });
  const healthy = hv.createVm({ name: 'healthy', memory: 4 << 20, kernel: HELLO, sbi: 'firmware', mode: 'trap' });
  // Host memory nobody owns holds a canary: a guest reaching it would show.
  const hostRam = hv.host.ram;
  const canaryStart = hostRam.size - hv.host.free;
  let at = canaryStart;
  for (const view of hostRam.views(hostRam.base + canaryStart, hostRam.size - canaryStart)) {
    for (let k = 0; k < view.length; k++, at++) view[k] = (at * 131) & 0xff;
  }
  // Slices of a quarter budget: the wild guest is held once it has had its budget, so the
  // neighbour finishes alone (it needs far fewer instructions than NEIGHBOUR_BUDGET).
  for (let spent = 0; spent < budget + NEIGHBOUR_BUDGET; ) {
    // Its budget counts steps: instructions and the traps it took inside itself (VmStats.trapSteps).
    if (wild.stats.guestInstructions + wild.stats.trapSteps >= budget && !hv.isPaused(wild)) hv.pause(wild);
    const r = hv.run(hv.quantum);
    spent += Math.max(1, r.instructions);
    if (r.reason !== 'budget' && (hv.isPaused(wild) || wild.state === 'stopped')) break;
    if (healthy.state === 'stopped' && (wild.state === 'stopped' || hv.isPaused(wild))) break;
  }
  const instructions = wild.stats.guestInstructions;
  for (const vm of [wild, healthy]) {
    if (vm.report?.reason === 'hypervisor-error') return { outcome: 'host-exception', instructions, detail: `${vm.name}: ${vm.report.message} at pc 0x${vm.report.pc.toString(16)}` };
  }
  const hostBytes = hostRam.copyOut(hostRam.base + canaryStart, hostRam.size - canaryStart);
  for (let k = 0; k < hostBytes.length; k++) {
    const i = canaryStart + k;
    if (hostBytes[k] !== ((i * 131) & 0xff)) return { outcome: 'escape', instructions, detail: `host byte 0x${i.toString(16)} changed` };
  }
  if (healthy.console !== HELLO_OUTPUT || healthy.exitStatus !== 0) return { outcome: 'neighbour', instructions, detail: `neighbour ${healthy.describe()}` };
  if (wild.state === 'stopped') {
    const reason = wild.report?.reason;
    return { outcome: reason === 'poweroff' ? 'poweroff' : reason === 'reset' ? 'reset' : 'stopped', instructions };
  }
  return { outcome: wild.state === 'waiting' ? 'wfi' : 'budget', instructions };
}

function runHosted(mode: VmmMode, bytes: Uint8Array, ram: number, budget: number): Omit<GuestResult, 'mode' | 'seed'> {
  const host = hostedHost(
    [
      { name: 'wild', spec: { memory: ram, kernel: { file: 'wild.bin', bytes }, sbi: 'firmware' } },
      { name: 'healthy', spec: { memory: 4 << 20, kernel: HELLO, sbi: 'firmware' } },
    ],
    mode,
    { quantum: Math.max(1000, budget >> 2) },
  );
  const [wild, healthy] = host.vmms;
  // The wild VMM is killed once its guest has had its budget; the neighbour then finishes alone.
  for (let spent = 0; spent < budget + 4 * NEIGHBOUR_BUDGET; ) {
    if (wild!.vmm.guestInstructions >= budget && wild!.process.state !== 'zombie' && wild!.vmm.exit === undefined) host.kernel.kill(wild!.process, 9, 'fuzz budget spent');
    const r = host.kernel.run(Math.max(1000, budget >> 2));
    spent += Math.max(1, r.instructions);
    if (r.reason !== 'budget') break;
  }
  const instructions = wild!.vmm.guestInstructions;
  for (const { vmm, process } of host.vmms) {
    const message = process.exit?.message ?? '';
    if (message.includes('native program threw')) return { outcome: 'host-exception', instructions, detail: message };
    const e = vmm.exit;
    if (e?.reason === 'halt' && /Error|hypervisor-error/.test(e.message)) return { outcome: 'host-exception', instructions, detail: e.message };
  }
  if (healthy!.vmm.console !== HELLO_OUTPUT || healthy!.vmm.exit?.reason !== 'poweroff' || healthy!.vmm.exit.code !== 0) return { outcome: 'neighbour', instructions, detail: `neighbour ${vmmOutcome(healthy!.vmm)}, printed ${JSON.stringify(healthy!.vmm.console)}` };
  const e = wild!.vmm.exit;
  if (e === undefined) return { outcome: 'budget', instructions };
  if (e.reason === 'halt') return { outcome: /wfi/.test(e.message) ? 'wfi' : 'stopped', instructions };
  return { outcome: e.reason === 'poweroff' || e.reason === 'reset' || e.reason === 'wfi' ? e.reason : 'budget', instructions };
}
