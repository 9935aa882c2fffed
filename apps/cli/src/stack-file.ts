import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '@vm/core';
import { LineCounter, parseDocument, type Node } from 'yaml';
import { DEFAULT_BIOS } from './run.js';
import { YamlFields } from './yaml-fields.js';

/** One disk of a VM in a stack file. The image is read into memory: writes never reach the file. */
export interface StackDrive {
  readonly file: string;
  readonly bus: 'virtio' | 'pio';
}

export interface StackVm {
  readonly name: string;
  readonly memory: number;
  /** Absolute paths; bios undefined = none (the kernel runs in virtual M-mode). */
  readonly bios: string | undefined;
  readonly kernel: string | undefined;
  readonly append: string | undefined;
  readonly weight: number | undefined;
  readonly cap: number | undefined;
  readonly drives: readonly StackDrive[];
}

/** A composed stack (`vm up STACK.yaml`): one hypervisor and its VMs. */
export interface StackSpec {
  readonly file: string;
  readonly hypervisor:
    | { readonly type: 'native'; readonly mode: 'trap' | 'hext'; readonly memory: number | undefined; readonly quantum: number | undefined }
    /** The hosted hypervisor: one host OS, one VMM process per VM (its RAM is sized from the VMs'). */
    | { readonly type: 'hosted'; readonly mode: 'accel' | 'soft'; readonly memory: undefined; readonly quantum: number | undefined };
  readonly vms: readonly StackVm[];
}

const TOP = ['hypervisor', 'vms'];
const HYPERVISOR = ['type', 'mode', 'memory', 'quantum'];
const VM = ['name', 'memory', 'bios', 'kernel', 'append', 'weight', 'cap', 'drives'];
const DRIVE = ['file', 'if', 'format', 'snapshot'];

/** Read and validate a stack file; every error names the file, line and key path. */
export function loadStack(file: string): StackSpec {
  if (!existsSync(file)) throw new ConfigError(`stack file '${file}': no such file`);
  const lines = new LineCounter();
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false });
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
  const vms = items.map((n, i) => readVm(y, `vms[${i}]`, n, base));
  const seen = new Map<string, number>();
  vms.forEach((vm, i) => {
    const prev = seen.get(vm.name);
    if (prev !== undefined) y.fail(`vms[${i}].name`, (items[i] as Node | null) ?? undefined, `'${vm.name}' is already the name of vms[${prev}]`);
    seen.set(vm.name, i);
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
    return { type, mode: hostedMode, memory: undefined, quantum };
  }
  if (type !== 'native') y.fail('hypervisor.type', m.get('type'), `'${type}': 'native' or 'hosted'`);
  const mode = m.has('mode') ? y.string('hypervisor.mode', m.get('mode')) : 'trap';
  if (mode !== 'trap' && mode !== 'hext') y.fail('hypervisor.mode', m.get('mode'), `'${mode}': 'trap' or 'hext'`);
  return {
    type,
    mode,
    memory: m.has('memory') ? y.size('hypervisor.memory', m.get('memory')) : undefined,
    quantum,
  };
}

function readVm(y: YamlFields, path: string, node: Node | null, base: string): StackVm {
  const m = y.map(path, node, VM);
  const opt = <T>(key: string, read: (p: string, n: Node | null) => T): T | undefined => (m.has(key) ? read(`${path}.${key}`, m.get(key) ?? null) : undefined);
  const name = opt('name', (p, n) => y.string(p, n));
  if (name === undefined) y.fail(`${path}.name`, node, 'missing: every VM needs a name');
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) y.fail(`${path}.name`, m.get('name'), `'${name}': letters, digits, '_', '.', '-' only`);
  const memory = opt('memory', (p, n) => y.size(p, n));
  if (memory === undefined) y.fail(`${path}.memory`, node, 'missing: the VM needs a memory size, e.g. 64M');
  const file = (p: string, n: Node | null) => findFile(y, p, n, y.string(p, n), base);
  const biosText = opt('bios', (p, n) => y.string(p, n));
  const bios = biosText === undefined || biosText === 'none' ? undefined : biosText === 'default' ? DEFAULT_BIOS : file(`${path}.bios`, m.get('bios') ?? null);
  const kernel = opt('kernel', file);
  if (bios === undefined && kernel === undefined) y.fail(path, node, 'needs a kernel or a bios');
  const drivesNode = m.get('drives');
  const drives = drivesNode === undefined ? [] : y.list(`${path}.drives`, drivesNode).map((d, i) => readDrive(y, `${path}.drives[${i}]`, d, base));
  return {
    name,
    memory,
    bios,
    kernel,
    append: opt('append', (p, n) => y.string(p, n)),
    weight: opt('weight', (p, n) => y.integer(p, n, 1, 65535)),
    cap: opt('cap', (p, n) => y.integer(p, n, 0, 100)),
    drives,
  };
}

function readDrive(y: YamlFields, path: string, node: Node | null, base: string): StackDrive {
  const m = y.map(path, node, DRIVE);
  if (!m.has('file')) y.fail(`${path}.file`, node, 'missing: the disk image');
  const file = findFile(y, `${path}.file`, m.get('file') ?? null, y.string(`${path}.file`, m.get('file')), base);
  const bus = m.has('if') ? y.string(`${path}.if`, m.get('if')) : 'virtio';
  if (bus !== 'virtio' && bus !== 'pio') y.fail(`${path}.if`, m.get('if'), `'${bus}': virtio or pio`);
  if (m.has('format') && y.string(`${path}.format`, m.get('format')) !== 'raw') y.fail(`${path}.format`, m.get('format'), 'only raw');
  if (m.has('snapshot') && !y.boolean(`${path}.snapshot`, m.get('snapshot'))) {
    y.fail(`${path}.snapshot`, m.get('snapshot'), "a VM's disk is an in-memory copy: writes are never written back (set snapshot: true or leave it out)");
  }
  return { file, bus };
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
