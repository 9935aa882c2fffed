import { createHash } from 'node:crypto';
import { readInputFile } from './input-file.js';
import { ConfigError, runSession, type GuestSpec } from '@vm/core';
import { VirtioBlock, type BlockBackend } from '@vm/devices';
import { checkVmmHeader, HostedSession, hostedHost, vmmOutcome, type VmmMode } from '@vm/hypervisor-hosted';
import { NativeHypervisor, NativeSession, vmStatus, type Vm, type VmSnapshot } from '@vm/hypervisor-native';
import { CHUNK_SIZE, writeSnapshot, type DiskSnapshot, type ImageChunk, type MachineSnapshot } from '@vm/machine';
import { one, type ParsedArgs } from './args.js';
import { HostConsole } from './console.js';
import { hostedMode, hostedSpecFromArgs } from './hosted-config.js';
import { checkMode, diskOf, HYPERVISOR_HEADROOM, vmConfigFromArgs } from './native-config.js';
import type { CommandIo } from './snapshot-command.js';
import { endStatus, runInteractive } from './session-run.js';

/** Where `vm snapshot` runs the guest and `vm restore` continues it. */
export type SnapshotHypervisor = 'none' | 'native' | 'hosted';

const SLICE = 250_000;

/** `--hypervisor none|native|hosted` (default none: the bare board). */
export function hypervisorOf(args: ParsedArgs, command: string): SnapshotHypervisor {
  const h = one(args, 'hypervisor') ?? 'none';
  if (h !== 'none' && h !== 'native' && h !== 'hosted') throw new ConfigError(`${command}: --hypervisor ${h}: 'none', 'native' or 'hosted'`);
  if (h === 'none' && one(args, 'mode') !== undefined) throw new ConfigError(`${command}: --mode ${one(args, 'mode')}: only with --hypervisor native or hosted`);
  return h;
}

/**
 * `--mode` under the native hypervisor: the VM's execution mode, trap (default) or hext. A
 * snapshot records its mode (vm-snapshot.ts, header version 2 for hext) and restores in it: a
 * `vm restore --mode` that names the other one is refused rather than silently ignored.
 */
function nativeMode(args: ParsedArgs, command: string, snapshotMode?: 'trap' | 'hext'): 'trap' | 'hext' {
  const given = one(args, 'mode');
  const mode = checkMode(given, `${command}: --mode`);
  if (snapshotMode === undefined) return mode;
  if (given !== undefined && mode !== snapshotMode) throw new ConfigError(`${command}: --mode ${mode}: the snapshot is of a '${snapshotMode}' VM and restores in that mode (leave --mode out)`);
  return snapshotMode;
}

/** `ParsedArgs` without the -drive values (the native VM's disks are read into memory here instead). */
function withoutDrives(args: ParsedArgs): ParsedArgs {
  const values = new Map(args.values);
  values.delete('drive');
  return { values, flags: args.flags, positional: args.positional };
}

function wrote(io: CommandIo, file: string, at: number, where: string, snap: MachineSnapshot, t0: number, bytes: number): void {
  io.stderr.write(`vm snapshot: ${at} guest instructions (${where}); wrote ${file} (${bytes} bytes, ${snap.ram.chunks.length} RAM chunks, ${(performance.now() - t0).toFixed(0)} ms)\n`);
}

/**
 * `vm snapshot --hypervisor native [--mode trap|hext]`: the guest as a VM until `at` guest instructions.
 * Its -drive images are read into memory, so the snapshot carries the disk contents and can move
 * into a hosted VMM too.
 */
export async function snapshotNative(args: ParsedArgs, file: string, at: number, io: CommandIo): Promise<number> {
  const mode = nativeMode(args, 'vm snapshot');
  const con = new HostConsole(io.stdin, io.stdout);
  const base = vmConfigFromArgs(withoutDrives(args), 'guest', (b) => con.write(b));
  const config = { ...base, disks: (args.values.get('drive') ?? []).map(diskOf) };
  const hv = new NativeHypervisor({ memory: config.memory + HYPERVISOR_HEADROOM, mode });
  const vm = hv.createVm(config);
  // Up to the point, or to where the guest waits for input (a snapshot is taken there too).
  const session = new NativeSession(hv, [vm], { input: false });
  runSession(session, { max: at - vm.board.retired, slice: SLICE });
  con.flush();
  if (vm.state === 'stopped') {
    io.stderr.write(`vm snapshot: the guest stopped (${vm.report?.reason ?? 'stopped'}, status ${vmStatus(vm)}) after ${vm.board.retired} instructions, before --at ${at}\n`);
    return 1;
  }
  if (vm.board.retired < at) io.stderr.write(`vm snapshot: the guest waits for input at ${vm.board.retired} instructions; snapshotting there\n`);
  const t0 = performance.now();
  const snap = session.snapshot();
  wrote(io, file, vm.board.retired, `native ${mode}`, snap, t0, writeSnapshot(file, snap));
  return 0;
}

/** `vm snapshot --hypervisor hosted [--mode accel|soft]`: a VMM on the host OS until about `at` guest instructions. */
export async function snapshotHosted(args: ParsedArgs, file: string, at: number, io: CommandIo): Promise<number> {
  const mode = hostedMode(one(args, 'mode'), 'vm snapshot: --mode');
  const spec = hostedSpecFromArgs(args, mode);
  const con = new HostConsole(io.stdin, io.stdout);
  const { kernel, vmms } = hostedHost([{ name: 'guest', spec }], mode, { console: (b) => con.write(b) });
  const { vmm, process: proc } = vmms[0]!;
  // The host OS runs in slices, so the VMM is snapshotted at the first slice boundary at or after the point.
  const session = new HostedSession({ kernel, vmms }, { input: false });
  runSession(session, { max: at, slice: SLICE });
  con.flush();
  if (proc.state === 'zombie' || vmm.exit !== undefined || vmm.guestInstructions < at) {
    io.stderr.write(`vm snapshot: the guest stopped (${vmmOutcome(vmm)}) after ${vmm.guestInstructions} instructions, before --at ${at}\n`);
    return 1;
  }
  const t0 = performance.now();
  const snap = session.snapshot();
  wrote(io, file, vmm.guestInstructions, `hosted ${mode}`, snap, t0, writeSnapshot(file, snap));
  return 0;
}

/** `vm restore FILE --hypervisor native`: the snapshot (in the mode it was taken in) continues as a VM of the type-1 hypervisor. */
export async function restoreNative(snap: VmSnapshot, args: ParsedArgs, max: number, io: CommandIo): Promise<number> {
  const mode = nativeMode(args, 'vm restore', snap.vm?.mode ?? 'trap');
  const con = new HostConsole(io.stdin, io.stdout);
  const hv = new NativeHypervisor({ memory: snap.config.memory + HYPERVISOR_HEADROOM, mode });
  const vm = hv.restoreVm(snap, { name: snap.vm?.name ?? 'guest', console: (b) => con.write(b) });
  const start = vm.board.retired;
  const session = new NativeSession(hv, [vm], { closeDisks: () => flushVmDisks(vm) });
  if (args.flags.has('stats')) io.stderr.write(`vm: restored at ${start} instructions under native\n`);
  const end = await runInteractive({ session, console: con, max, stats: args.flags.has('stats'), stderr: io.stderr });
  return endStatus(end, session, io.stderr);
}

/** `vm restore FILE --hypervisor hosted [--mode accel|soft]`: the snapshot continues in a VMM on the host OS. */
export async function restoreHosted(snap: MachineSnapshot, file: string, args: ParsedArgs, max: number, io: CommandIo): Promise<number> {
  const mode: VmmMode = hostedMode(one(args, 'mode'), 'vm restore: --mode');
  const moved = movableIntoVmm(snap, file, mode);
  const spec = vmmRestoreSpec(moved);
  const con = new HostConsole(io.stdin, io.stdout);
  const host = hostedHost([{ name: 'guest', spec, snapshot: moved, interactive: true }], mode, { console: (b) => con.write(b) });
  const session = new HostedSession(host);
  const end = await runInteractive({ session, console: con, max, stats: args.flags.has('stats'), stderr: io.stderr });
  return endStatus(end, session, io.stderr);
}

/**
 * The guest a VMM restores `moved` (from movableIntoVmm) into: its RAM size, its vCPUs (the
 * snapshot's harts), and its disk as a blank file of the recorded size in the recorded slot; the
 * VMM writes the snapshot's contents into it.
 */
export function vmmRestoreSpec(moved: MachineSnapshot): GuestSpec {
  const blk = moved.config.virtio[0];
  const disk = blk?.kind === 'blk' ? moved.disks[blk.disk] : undefined;
  return { memory: moved.config.memory, vcpus: moved.config.harts, disks: blk === undefined || disk === undefined ? [] : [{ bytes: new Uint8Array(disk.size), bus: 'virtio', slot: blk.slot }] };
}

/**
 * Check up front what the VMM would refuse (so the error names the file), and turn a disk that is
 * a host file of the snapshotting machine (a bare `vm snapshot -drive file=...`) into its contents:
 * the file must still be what the snapshot recorded.
 */
export function movableIntoVmm(snap: MachineSnapshot, file: string, mode: VmmMode): MachineSnapshot {
  const c = snap.config;
  // The VM header (its vCPUs, their run states, the VMM's turns) field by field, as the VMM will.
  try {
    checkVmmHeader(snap, mode);
  } catch (e) {
    throw new ConfigError(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (c.pioDisk !== null) throw new ConfigError(`${file}: the snapshot has a PIO disk; the hosted VMM has virtio-blk only`);
  if (c.virtio.length > 1 || c.virtio.some((v) => v.kind !== 'blk')) throw new ConfigError(`${file}: the snapshot has virtio devices ${c.virtio.map((v) => v.kind).join(', ')}; the hosted VMM has one virtio-blk disk only`);
  const v = c.virtio[0];
  if (v === undefined || v.kind !== 'blk') return snap;
  const d = snap.disks[v.disk];
  if (d === undefined) throw new ConfigError(`${file}: virtio-blk refers to disk ${v.disk}, the snapshot has ${snap.disks.length}`);
  const disks = snap.disks.slice();
  disks[v.disk] = inMemory(d, `${file}: disk ${v.disk}`);
  return { ...snap, disks };
}

function inMemory(d: DiskSnapshot, what: string): DiskSnapshot {
  if (d.kind === 'memory') return d;
  if (d.kind === 'overlay') return { ...d, base: inMemory(d.base, `${what} (overlay base)`) };
  const bytes = readInputFile(d.path, what);
  if (bytes.length !== d.size) throw new ConfigError(`${what}: ${d.path} is ${bytes.length} bytes, the snapshot recorded ${d.size}`);
  if (createHash('sha256').update(bytes).digest('hex') !== d.sha256) throw new ConfigError(`${what}: ${d.path} changed since the snapshot`);
  const chunks: ImageChunk[] = [];
  for (let at = 0, index = 0; at < bytes.length; at += CHUNK_SIZE, index++) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + CHUNK_SIZE));
    if (part.some((b) => b !== 0)) chunks.push({ index, data: part });
  }
  return { kind: 'memory', size: d.size, readOnly: d.readOnly, data: { size: d.size, chunkSize: CHUNK_SIZE, chunks } };
}

/** Write a restored VM's file-backed disks back and close them. */
function flushVmDisks(vm: Vm): void {
  const backends = new Set<BlockBackend>();
  // The PIO disk's backend is flushed (its type has no close); when it is also a virtio disk's it is closed there.
  for (const v of vm.board.virtio) if (v.device instanceof VirtioBlock) backends.add(v.device.backend);
  const pio = vm.board.pioDisk?.backend;
  if (pio !== undefined) pio.flush();
  for (const b of backends) b.close();
}
