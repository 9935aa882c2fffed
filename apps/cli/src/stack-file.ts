import { existsSync, statSync } from 'node:fs';
import { readInputFile } from './input-file.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@vm/core';
import type { VmSnapshot } from '@vm/hypervisor-native';
import { readSnapshot } from '@vm/machine';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { DEFAULT_BIOS } from './run.js';
import { YamlFields } from './yaml-fields.js';

/** One disk of a VM in a stack file. The image is read into memory: writes never reach the file. */
export interface StackDrive {
  readonly file: string;
  readonly bus: 'virtio' | 'pio';
  /** `slot: N`: the virtio-mmio slot 0..7 (QEMU's bus=virtio-mmio-bus.N); default the highest free. */
  readonly slot: number | undefined;
  /**
   * `snapshot: false` (hosted stacks only): what the guest writes goes back to the image, as with
   * `vm run --hypervisor hosted`; default true, the disk an in-memory copy.
   */
  readonly writeBack: boolean;
}

export interface StackVm {
  readonly name: string;
  readonly memory: number;
  /** Absolute paths; bios undefined = none (the kernel runs in virtual M-mode). */
  readonly bios: string | undefined;
  readonly kernel: string | undefined;
  readonly initrd: string | undefined;
  readonly append: string | undefined;
  /** `kernel-mode: s | m` (VmConfig.sbi): who a kernel without bios is; undefined lets the file decide. */
  readonly sbi: 'firmware' | 'hypervisor' | undefined;
  /** `vcpus: N` (1..8): the VM's vCPUs, as `-smp N` (native, hosted accel: vCPUs on the hypervisor's SBI; hosted soft: harts under its bios). */
  readonly vcpus: number | undefined;
  readonly weight: number | undefined;
  readonly cap: number | undefined;
  readonly drives: readonly StackDrive[];
  /** `force-legacy: BOOL`: QEMU's -global virtio-mmio.force-legacy for this VM's board (default true, as QEMU 7.2). */
  readonly forceLegacy: boolean | undefined;
  /** `snapshot: { at, file }`: write the VM's snapshot to `file` (absolute) once it has run `at` guest instructions here. */
  readonly snapshot: StackSnapshotPoint | undefined;
  /** `restore: PATH`: start from this snapshot (read when the stack file is loaded) instead of booting. */
  readonly restore: { readonly file: string; readonly snapshot: VmSnapshot } | undefined;
  /** `gdb: PORT`: a GDB remote stub for this VM's guest on every address, as QEMU's -gdb tcp::PORT. */
  readonly gdb: number | undefined;
}

/** Where a VM of a stack is snapshotted: after `at` guest instructions counted from its start in this stack (boot or restore). */
export interface StackSnapshotPoint {
  readonly at: number;
  readonly file: string;
}

/** A composed stack (`vm up STACK.yaml`): one hypervisor and its VMs. */
export interface StackSpec {
  readonly file: string;
  readonly hypervisor:
    /** thread: `multi` runs each VM on its own worker thread (as `-accel tcg,thread=multi`). */
    | { readonly type: 'native'; readonly mode: 'trap' | 'hext'; readonly memory: number | undefined; readonly quantum: number | undefined; readonly thread?: 'single' | 'multi' }
    /** The hosted hypervisor: one host OS, one VMM process per VM (its RAM is sized from the VMs'). */
    | { readonly type: 'hosted'; readonly mode: 'accel' | 'soft'; readonly memory: undefined; readonly quantum: number | undefined };
  readonly vms: readonly StackVm[];
}

const TOP = ['hypervisor', 'vms'];
const HYPERVISOR = ['type', 'mode', 'memory', 'quantum', 'thread'];
const VM = ['name', 'memory', 'bios', 'kernel', 'initrd', 'kernel-mode', 'append', 'vcpus', 'weight', 'cap', 'drives', 'force-legacy', 'snapshot', 'restore', 'gdb'];
const SNAPSHOT = ['at', 'file'];
/** Keys that boot a VM: a restored VM has its memory, registers and disks from the snapshot instead. */
const BOOT_KEYS = ['bios', 'kernel', 'initrd', 'kernel-mode', 'append', 'drives', 'force-legacy'];
const DRIVE = ['file', 'if', 'format', 'snapshot', 'slot'];

/** Read and validate a stack file; every error names the file, line and key path. */
export function loadStack(file: string): StackSpec {
  const text = Buffer.from(readInputFile(file, 'stack file')).toString('utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) throw new ConfigError(`${file}:${lines.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}`);
  const y = new YamlFields(file, lines);
  const top = y.map('', doc.contents, TOP);
  const hypervisor = readHypervisor(y, top.get('hypervisor'));
  const vmsNode = top.get('vms');
  if (vmsNode === undefined) y.fail('vms', doc.contents, 'missing: list the VMs to run');
  const items = y.list('vms', vmsNode);
  if (items.length === 0) y.fail('vms', vmsNode, 'the stack has no VMs');
  const base = dirname(resolve(file));
  const vms = items.map((n, i) => readVm(y, `vms[${i}]`, n, base, hypervisor.type === 'hosted', hypervisor.type === 'hosted' && hypervisor.mode === 'soft'));
  const seen = new Map<string, number>();
  vms.forEach((vm, i) => {
    const prev = seen.get(vm.name);
    if (prev !== undefined) y.fail(`vms[${i}].name`, (items[i] as Node | null) ?? undefined, `'${vm.name}' is already the name of vms[${prev}]`);
    seen.set(vm.name, i);
  });
  const written = new Map<string, number>();
  vms.forEach((vm, i) => {
    if (vm.snapshot === undefined) return;
    const prev = written.get(vm.snapshot.file);
    const node = y.map(`vms[${i}]`, items[i], VM).get('snapshot');
    if (prev !== undefined) y.fail(`vms[${i}].snapshot.file`, node, `'${vm.snapshot.file}' is already the snapshot file of vms[${prev}]`);
    written.set(vm.snapshot.file, i);
  });
  return { file, hypervisor, vms };
}

function readHypervisor(y: YamlFields, node: Node | null | undefined): StackSpec['hypervisor'] {
  if (node === undefined) return { type: 'native', mode: 'trap', memory: undefined, quantum: undefined };
  const m = y.map('hypervisor', node, HYPERVISOR);
  const type = m.has('type') ? y.string('hypervisor.type', m.get('type')) : 'native';
  const quantum = m.has('quantum') ? y.integer('hypervisor.quantum', m.get('quantum'), 1) : undefined;
  if (type === 'hosted') {
    const hostedMode = m.has('mode') ? y.string('hypervisor.mode', m.get('mode')) : 'accel';
    if (hostedMode !== 'accel' && hostedMode !== 'soft') y.fail('hypervisor.mode', m.get('mode'), `'${hostedMode}': 'accel' or 'soft' for the hosted hypervisor`);
    if (m.has('memory')) y.fail('hypervisor.memory', m.get('memory'), "the hosted host OS's RAM is sized from its VMs: leave it out");
    if (m.has('thread')) y.fail('hypervisor.thread', m.get('thread'), 'the hosted hypervisor runs on one thread: leave it out');
    return { type, mode: hostedMode, memory: undefined, quantum };
  }
  if (type !== 'native') y.fail('hypervisor.type', m.get('type'), `'${type}': 'native' or 'hosted'`);
  const mode = m.has('mode') ? y.string('hypervisor.mode', m.get('mode')) : 'trap';
  if (mode !== 'trap' && mode !== 'hext') y.fail('hypervisor.mode', m.get('mode'), `'${mode}': 'trap' or 'hext'`);
  const thread = m.has('thread') ? y.string('hypervisor.thread', m.get('thread')) : 'single';
  if (thread !== 'single' && thread !== 'multi') y.fail('hypervisor.thread', m.get('thread'), `'${thread}': 'single' or 'multi'`);
  return {
    type,
    mode,
    memory: m.has('memory') ? y.size('hypervisor.memory', m.get('memory')) : undefined,
    quantum,
    thread,
  };
}

/** `soft`: the VM is a soft hosted VMM's (its harts are started by its firmware, not by an SBI of the hypervisor). */
function readVm(y: YamlFields, path: string, node: Node | null, base: string, hosted: boolean, soft: boolean): StackVm {
  const m = y.map(path, node, VM);
  const opt = <T>(key: string, read: (p: string, n: Node | null) => T): T | undefined => (m.has(key) ? read(`${path}.${key}`, m.get(key) ?? null) : undefined);
  const name = opt('name', (p, n) => y.string(p, n));
  if (name === undefined) y.fail(`${path}.name`, node, 'missing: every VM needs a name');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) y.fail(`${path}.name`, m.get('name'), `'${name}': letters, digits, '_', '.', '-' only`);
  const restore = opt('restore', (p, n) => readRestore(y, p, n, base));
  if (restore !== undefined) {
    for (const key of BOOT_KEYS) {
      if (m.has(key)) y.fail(`${path}.${key}`, m.get(key), `not with restore: the VM starts from ${restore.file} (its memory, registers and disks), not from ${key}`);
    }
  }
  const memory = opt('memory', (p, n) => y.size(p, n));
  if (restore !== undefined && memory !== undefined && memory !== restore.snapshot.config.memory) {
    y.fail(`${path}.memory`, m.get('memory'), `${memory >> 20}M, but the snapshot in restore has ${restore.snapshot.config.memory >> 20}M (leave memory out with restore)`);
  }
  const ram = memory ?? restore?.snapshot.config.memory;
  if (ram === undefined) y.fail(`${path}.memory`, node, 'missing: the VM needs a memory size, e.g. 64M');
  const file = (p: string, n: Node | null) => findFile(y, p, n, y.string(p, n), base);
  const biosText = opt('bios', (p, n) => y.string(p, n));
  const bios = biosText === undefined || biosText === 'none' ? undefined : biosText === 'default' ? DEFAULT_BIOS : file(`${path}.bios`, m.get('bios') ?? null);
  const kernel = opt('kernel', file);
  const initrd = opt('initrd', file);
  if (initrd !== undefined && kernel === undefined) y.fail(`${path}.initrd`, m.get('initrd') ?? null, 'needs a kernel');
  const kernelMode = opt('kernel-mode', (p, n) => y.string(p, n));
  if (kernelMode !== undefined && kernelMode !== 's' && kernelMode !== 'm') y.fail(`${path}.kernel-mode`, m.get('kernel-mode') ?? null, `'${kernelMode}': s (S-mode payload on the hypervisor's SBI) or m (M-mode program)`);
  if (kernelMode !== undefined && bios !== undefined) y.fail(`${path}.kernel-mode`, m.get('kernel-mode') ?? null, 'only without a bios (with a firmware the kernel is its S-mode payload)');
  if (restore === undefined && bios === undefined && kernel === undefined) y.fail(path, node, 'needs a kernel, a bios or restore');
  const vcpus = (): number | undefined => {
    if (!m.has('vcpus')) return undefined;
    const n = y.integer(`${path}.vcpus`, m.get('vcpus') ?? null, 1, 8);
    if (restore !== undefined && n !== restore.snapshot.config.harts) y.fail(`${path}.vcpus`, m.get('vcpus') ?? null, `${n}, but the snapshot in restore has ${restore.snapshot.config.harts} (leave vcpus out with restore)`);
    if (soft) {
      if (n > 1 && bios === undefined) y.fail(`${path}.vcpus`, m.get('vcpus') ?? null, "several harts of a soft VMM need a bios (e.g. OpenSBI's fw_jump.bin) to start them");
    } else if (n > 1 && (bios !== undefined || kernelMode === 'm')) y.fail(`${path}.vcpus`, m.get('vcpus') ?? null, "several vCPUs need the hypervisor's SBI: no bios, an S-mode kernel");
    return n;
  };
  const drivesNode = m.get('drives');
  const drives = drivesNode === undefined ? [] : y.list(`${path}.drives`, drivesNode).map((d, i) => readDrive(y, `${path}.drives[${i}]`, d, base, hosted));
  drives.forEach((d, i) => {
    if (d.slot === undefined) return;
    const j = drives.findIndex((e) => e.slot === d.slot);
    if (j < i) y.fail(`${path}.drives[${i}].slot`, drivesNode, `slot ${d.slot} is already the slot of drives[${j}]`);
  });
  return {
    name,
    memory: ram,
    bios,
    kernel,
    initrd,
    append: opt('append', (p, n) => y.string(p, n)),
    sbi: kernelMode === undefined ? undefined : kernelMode === 's' ? 'hypervisor' : 'firmware',
    vcpus: vcpus(),
    weight: opt('weight', (p, n) => y.integer(p, n, 1, 65535)),
    cap: opt('cap', (p, n) => y.integer(p, n, 0, 100)),
    drives,
    forceLegacy: opt('force-legacy', (p, n) => y.boolean(p, n)),
    snapshot: opt('snapshot', (p, n) => readSnapshotPoint(y, p, n, base)),
    restore,
    gdb: opt('gdb', (p, n) => y.integer(p, n, 1, 65535)),
  };
}

/** `restore: PATH`: an existing snapshot file (`vm snapshot`, or a stack's `snapshot:`), read now so its errors name the key. */
function readRestore(y: YamlFields, path: string, node: Node | null, base: string): { file: string; snapshot: VmSnapshot } {
  const file = findFile(y, path, node, y.string(path, node), base);
  try {
    return { file, snapshot: readSnapshot(file) };
  } catch (e) {
    return y.fail(path, node, `not a readable snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** `snapshot: { at: N, file: PATH }`; PATH is relative to the stack file's directory and is (over)written. */
function readSnapshotPoint(y: YamlFields, path: string, node: Node | null, base: string): StackSnapshotPoint {
  const m = y.map(path, node, SNAPSHOT);
  if (!m.has('at')) y.fail(`${path}.at`, node, 'missing: the guest instruction count to snapshot at, e.g. 5000000');
  if (!m.has('file')) y.fail(`${path}.file`, node, 'missing: the snapshot file to write');
  const at = y.integer(`${path}.at`, m.get('at'), 1);
  const text = y.string(`${path}.file`, m.get('file'));
  const file = resolve(base, text);
  if (!existsSync(dirname(file)) || !statSync(dirname(file)).isDirectory()) y.fail(`${path}.file`, m.get('file'), `'${text}': no directory ${dirname(file)}`);
  if (existsSync(file) && statSync(file).isDirectory()) y.fail(`${path}.file`, m.get('file'), `'${text}': is a directory`);
  return { at, file };
}

function readDrive(y: YamlFields, path: string, node: Node | null, base: string, hosted: boolean): StackDrive {
  const m = y.map(path, node, DRIVE);
  if (!m.has('file')) y.fail(`${path}.file`, node, 'missing: the disk image');
  const file = findFile(y, `${path}.file`, m.get('file') ?? null, y.string(`${path}.file`, m.get('file')), base);
  const bus = m.has('if') ? y.string(`${path}.if`, m.get('if')) : 'virtio';
  if (bus !== 'virtio' && bus !== 'pio') y.fail(`${path}.if`, m.get('if'), `'${bus}': virtio or pio`);
  if (m.has('format') && y.string(`${path}.format`, m.get('format')) !== 'raw') y.fail(`${path}.format`, m.get('format'), 'only raw');
  const writeBack = m.has('snapshot') && !y.boolean(`${path}.snapshot`, m.get('snapshot'));
  if (writeBack && !hosted) {
    y.fail(`${path}.snapshot`, m.get('snapshot'), "a native VM's disk is an in-memory copy: writes are never written back (set snapshot: true or leave it out; hosted stacks write back with snapshot: false)");
  }
  const slot = m.has('slot') ? y.integer(`${path}.slot`, m.get('slot'), 0, 7) : undefined;
  if (slot !== undefined && bus !== 'virtio') y.fail(`${path}.slot`, m.get('slot'), 'a virtio-mmio slot is for if: virtio disks');
  return { file, bus, slot, writeBack };
}

/** A path relative to the stack file's directory, then to the current directory. */
function findFile(y: YamlFields, path: string, node: Node | null, text: string, base: string): string {
  if (isAbsolute(text)) {
    if (!existsSync(text)) y.fail(path, node, `'${text}': no such file`);
    return text;
  }
  for (const candidate of [resolve(base, text), resolve(text)]) if (existsSync(candidate)) return candidate;
  return y.fail(path, node, `'${text}': no such file (looked in ${base} and ${process.cwd()})`);
}
