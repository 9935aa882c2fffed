import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { VmError } from '@vm/core';
import { MemoryBlockBackend, VirtioBlock } from '@vm/devices';
import { RUN_OPTIONS, createMachine, loadStack, parseArgs } from '@vm/cli';
import { VirtMachine, bootVirt, decodeSnapshot, encodeSnapshot, migrateIn, migrateOut, restoreMachine, snapshotMachine } from '@vm/machine';
import { rng, wildProgram } from './guest-generator.js';
import { mutateBytes, mutateJson, sealVmsnap, vmsnapSections } from './mutators.js';

/**
 * Mutation fuzzing of every input format the `vm` command reads, each mutated input sent through
 * the function the command itself calls, in this process:
 *   elf            -kernel FILE              createMachine (the ELF loader, vm run's board)
 *   vmsnap         vm restore FILE           decodeSnapshot + restoreMachine (byte flips: caught by the checksums)
 *   vmsnap-crafted vm restore FILE           the header JSON edited, then every CRC-32 and the SHA-256
 *                                            recomputed: the field validation must catch it
 *   yaml           vm up STACK.yaml          loadStack
 *   disk           -drive file=IMG,...       createMachine (openDrive) with a mutated image and props
 *   migration      vm migrate --listen       migrateIn over a real TCP connection, a mutated frame stream
 * Outcomes: 'ok' (accepted; a board built from it then runs a few thousand instructions),
 * 'clear' (a VmError: what `vm` prints as one line with status 2), 'uncaught' (anything else: a
 * Node exception that would reach the user as "internal error").
 */
export const FORMATS = ['elf', 'vmsnap', 'vmsnap-crafted', 'yaml', 'disk', 'migration'] as const;
export type Format = (typeof FORMATS)[number];
export type MutationOutcome = 'ok' | 'clear' | 'uncaught';

export interface MutationResult {
  readonly format: Format;
  readonly seed: number;
  readonly outcome: MutationOutcome;
  readonly detail?: string;
}

const root = new URL('../../../', import.meta.url).pathname;
/** Instructions a board built from an accepted input runs: the input must also be safe to run. */
const RUN = 2000;

function classify(format: Format, seed: number, e: unknown): MutationResult {
  if (e instanceof VmError) return { format, seed, outcome: 'clear' };
  return { format, seed, outcome: 'uncaught', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}

/** The seed inputs and a scratch folder, made once per process. */
export class MutationFuzzer {
  private readonly dir = mkdtempSync(join(tmpdir(), 'vm-fuzz-'));
  private readonly elves = ['uart-hello.elf', 'htif-pass.elf', 'uart-fail7.elf'].map((f) => new Uint8Array(readFileSync(join(root, 'packages/machine/fixtures', f))));
  private readonly vmsnap: Uint8Array;
  private readonly yamls: string[];
  private server: Server | undefined;
  private migrationStream: Uint8Array | undefined;

  constructor() {
    // A small board mid-run, with a memory disk: the snapshot has header, ram, disk0 sections.
    const m = this.board();
    m.run(1000);
    this.vmsnap = Buffer.concat(encodeSnapshot(snapshotMachine(m)));
    const kernel = join(root, 'packages/machine/fixtures/uart-hello.elf');
    this.yamls = [
      `vms:\n  - { name: a, memory: 4M, kernel: ${kernel} }\n  - { name: b, memory: 4M, kernel: ${kernel}, append: x=1, weight: 512 }\n`,
      `hypervisor: { type: native, mode: trap, quantum: 100000 }\nvms:\n  - name: a\n    memory: 8M\n    kernel: ${kernel}\n    drives:\n      - { file: ${join(this.dir, 'd.img')}, bus: virtio }\n`,
      `hypervisor: { type: hosted, mode: soft }\nvms:\n  - { name: a, memory: 4M, kernel: ${kernel}, cap: 50 }\n`,
    ];
    writeFileSync(join(this.dir, 'd.img'), new Uint8Array(64 << 10));
  }

  close(): void {
    this.server?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private board(): VirtMachine {
    const m = new VirtMachine({ memory: 4 << 20, console: () => {} });
    m.addVirtio(new VirtioBlock({ backend: new MemoryBlockBackend(64 << 10) }));
    bootVirt(m, { kernel: { file: 'uart-hello.elf', bytes: this.elves[0]! } });
    return m;
  }

  async run(format: Format, seed: number): Promise<MutationResult> {
    try {
      switch (format) {
        case 'elf':
          return this.elf(seed);
        case 'vmsnap':
          return this.snap(mutateBytes(this.vmsnap, seed), seed, format);
        case 'vmsnap-crafted':
          return this.snap(this.crafted(seed), seed, format);
        case 'yaml':
          return this.yaml(seed);
        case 'disk':
          return this.disk(seed);
        case 'migration':
          return await this.migration(seed);
      }
    } catch (e) {
      return classify(format, seed, e);
    }
  }

  private elf(seed: number): MutationResult {
    const file = join(this.dir, 'k.elf');
    writeFileSync(file, mutateBytes(this.elves[seed % this.elves.length]!, seed));
    const { machine, drives } = createMachine(parseArgs(['-bios', 'none', '-kernel', file, '-m', '4M'], RUN_OPTIONS), () => {});
    for (const d of drives) d.backend.close();
    machine.run(RUN);
    return { format: 'elf', seed, outcome: 'ok' };
  }

  private snap(bytes: Uint8Array, seed: number, format: Format): MutationResult {
    const { machine, disks } = restoreMachine(decodeSnapshot(bytes, 'fuzz.vmsnap'), { console: () => {} });
    machine.run(RUN);
    for (const d of disks) d.close();
    return { format, seed, outcome: 'ok' };
  }

  /** The header section's JSON edited (mutateJson), re-deflated, the file resealed with valid checksums. */
  private crafted(seed: number): Uint8Array {
    const sections = vmsnapSections(this.vmsnap).map((s) => ({ name: s.name, payload: this.vmsnap.subarray(s.payloadAt, s.payloadAt + s.length) }));
    const header = sections.find((s) => s.name === 'header')!;
    const json = JSON.parse(Buffer.from(inflateRawSync(header.payload)).toString('utf8')) as unknown;
    header.payload = deflateRawSync(Buffer.from(JSON.stringify(mutateJson(json, seed)), 'utf8'));
    // Now and then a sparse-image section is cut or grown too, with valid checksums.
    const r = rng(seed ^ 0x5eed);
    if (r() % 4 === 0) {
      const s = sections[1 + (r() % (sections.length - 1))]!;
      s.payload = mutateBytes(s.payload, seed);
    }
    return sealVmsnap(1, sections);
  }

  private yaml(seed: number): MutationResult {
    const file = join(this.dir, 'stack.yaml');
    const text = this.yamls[seed % this.yamls.length]!;
    const r = rng(seed);
    // Half the cases: byte mutations of the text; half: a value swapped for an edge value.
    let out: Uint8Array;
    if (r() % 2 === 0) out = mutateBytes(Buffer.from(text, 'utf8'), seed);
    else {
      const values = ['-1', '0', '4097M', '1.5', '[]', '{}', 'null', '"', '*a', '&a x', '0x10', 'hext', 'soft', '99999999999999999999', '~', '!!binary AAAA', '"\\u0000"'];
      const tokens = text.split(/(?<=: )|(?=,)|(?= })/);
      const i = r() % tokens.length;
      tokens[i] = values[r() % values.length]! + (tokens[i]!.endsWith('\n') ? '\n' : '');
      out = Buffer.from(tokens.join(''), 'utf8');
    }
    writeFileSync(file, out);
    loadStack(file);
    return { format: 'yaml', seed, outcome: 'ok' };
  }

  private disk(seed: number): MutationResult {
    const r = rng(seed);
    const file = join(this.dir, 'disk.img');
    const sizes = [0, 1, 511, 512, 513, 4096, 65536, 65537, 1 << 20];
    const size = sizes[r() % sizes.length]!;
    writeFileSync(file, new Uint8Array(size).map(() => r() & 0xff));
    const props = [`file=${file}`, ['format=raw', 'format=qcow2', 'format=', ''][r() % 4], ['if=virtio', 'if=pio', 'if=none', 'if=scsi', ''][r() % 5], ['readonly=on', 'readonly=off', 'readonly=maybe', 'snapshot=on', ''][r() % 5]].filter((p) => p !== '');
    const bytes = wildProgram(seed, { words: 256, ram: 4 << 20 });
    const kernel = join(this.dir, 'wild.bin');
    writeFileSync(kernel, bytes);
    const { machine, drives } = createMachine(parseArgs(['-bios', 'none', '-kernel', kernel, '-m', '4M', '-drive', props.join(',')], RUN_OPTIONS), () => {});
    try {
      machine.run(RUN);
    } finally {
      for (const d of drives) d.backend.close();
    }
    return { format: 'disk', seed, outcome: 'ok' };
  }

  /** A real migration stream (HELLO, PAGES, ROUND, STATE), recorded once from migrateOut. */
  private async stream(): Promise<Uint8Array> {
    if (this.migrationStream !== undefined) return this.migrationStream;
    const server = await this.listen();
    const port = (server.address() as AddressInfo).port;
    const chunks: Buffer[] = [];
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const out = connect(port, '127.0.0.1');
    const incoming = accepted.then((s) => {
      s.on('data', (d: Buffer) => chunks.push(d));
      return migrateIn(s, { console: () => {} });
    });
    const m = this.board();
    m.run(1000);
    await migrateOut(m, out, { slice: 500 });
    await incoming;
    out.destroy();
    this.migrationStream = Buffer.concat(chunks);
    return this.migrationStream;
  }

  private async listen(): Promise<Server> {
    if (this.server !== undefined) return this.server;
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.server = server;
    return server;
  }

  /** A mutated stream sent to migrateIn over TCP; the sender then closes its side. */
  private async migration(seed: number): Promise<MutationResult> {
    const stream = await this.stream();
    const server = await this.listen();
    const port = (server.address() as AddressInfo).port;
    const accepted = new Promise<Socket>((r) => server.once('connection', r));
    const peer = connect(port, '127.0.0.1');
    peer.on('error', () => {});
    peer.on('data', () => {});
    const socket = await accepted;
    const received = migrateIn(socket, { console: () => {} });
    peer.end(mutateBytes(stream, seed));
    try {
      const { machine } = await received;
      machine.run(RUN);
      return { format: 'migration', seed, outcome: 'ok' };
    } finally {
      socket.destroy();
      peer.destroy();
    }
  }
}
