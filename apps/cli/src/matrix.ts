import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError } from '@vm/core';
import { one, parseArgs, type OptionSpec } from './args.js';

/**
 * `vm matrix`: every guest on every stack and on QEMU, one run at a time, each run a child
 * `vm run` (or qemu-system-riscv64) with a timeout; pass/fail by exit status plus an expected
 * console substring; the result is a markdown table (docs/guest-matrix.md).
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const FW_JUMP = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin';
const UBOOT_S = '/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin';
const UBOOT_M = '/usr/lib/u-boot/qemu-riscv64/u-boot.bin';
const LINUX_IMAGE = join(root, 'guests/linux/images/Image');
const LINUX_INITRD = join(root, 'guests/linux/images/initramfs.cpio.gz');
const KERNEL_M = join(root, 'guests/images/kernel-m.elf');
const KERNEL_S = join(root, 'guests/images/kernel-s.elf');
const HTIF_PASS = join(root, 'packages/machine/fixtures/htif-pass.elf');
const QEMU = 'qemu-system-riscv64';

export const MATRIX_OPTIONS: readonly OptionSpec[] = [
  { name: 'out', value: true, help: 'the markdown file to write (default docs/guest-matrix.md)' },
  { name: 'guests', value: true, help: 'comma list of guests (default all)' },
  { name: 'stacks', value: true, help: 'comma list of stacks, qemu included (default all)' },
  { name: 'timeout', value: true, help: 'seconds per run before it is killed (default 300)' },
];

/** The columns: our stacks, then QEMU. */
export const STACKS = [
  { id: 'bare', title: 'bare board' },
  { id: 'native-fw', title: 'native trap, firmware in the VM' },
  { id: 'native-trap', title: "native trap, hypervisor's SBI" },
  { id: 'native-hext', title: "native hext, hypervisor's SBI" },
  { id: 'hosted-accel', title: 'hosted accel' },
  { id: 'hosted-soft', title: 'hosted soft' },
  { id: 'qemu', title: 'QEMU' },
] as const;
export type StackId = (typeof STACKS)[number]['id'];

const STACK_FLAGS: Record<Exclude<StackId, 'qemu'>, string[]> = {
  bare: [],
  'native-fw': ['--hypervisor', 'native', '--mode', 'trap'],
  'native-trap': ['--hypervisor', 'native', '--mode', 'trap'],
  'native-hext': ['--hypervisor', 'native', '--mode', 'hext'],
  'hosted-accel': ['--hypervisor', 'hosted', '--mode', 'accel'],
  'hosted-soft': ['--hypervisor', 'hosted', '--mode', 'soft'],
};

/** What one run needs: a fresh scratch file maker (Linux's disk). */
interface RunContext {
  scratchDisk(): string;
}

type Plan = { args: string[] } | { na: string };

interface Guest {
  readonly id: string;
  readonly title: string;
  /** The check: exit status 0 and this text on the console. */
  readonly expect: string;
  readonly needs: readonly string[];
  /** Text to wait for on the console, and what to type when it appears (in order). */
  readonly script?: readonly (readonly [string, string])[];
  /** vm run flags on one of our stacks (without the stack's own --hypervisor/--mode), or why not. */
  plan(stack: Exclude<StackId, 'qemu'>, ctx: RunContext): Plan;
  /** qemu-system-riscv64 flags (after -M virt -nographic). */
  qemu(ctx: RunContext): string[];
  /** A cap on the QEMU run's time and what to write when it runs into it (a known difference). */
  readonly qemuHang?: { seconds: number; note: string };
}

/** Why an M-mode program has no cell in the hypervisor's-SBI columns. */
const M_MODE_NA: Partial<Record<StackId, string>> = {
  'native-trap': 'n/a (M-mode program, no SBI payload: it runs in the VM\'s virtual M-mode, the firmware column)',
  'native-hext': 'n/a (M-mode program: an H-extension VM has no virtual M-mode, VS/VU only)',
};

/** An S-mode kernel: behind fw_jump on the bare board, in the VM's firmware column and hosted soft; -bios none (and said so) on the hypervisor's SBI and hosted accel. */
function sModeBios(stack: Exclude<StackId, 'qemu'>): string[] {
  return stack === 'bare' || stack === 'native-fw' || stack === 'hosted-soft' ? ['-bios', FW_JUMP] : ['-bios', 'none', '--kernel-mode', 's'];
}

/** An M-mode program (firmware or -bios none kernel): runs where a VM has a virtual M-mode. */
function mModeOnly(stack: Exclude<StackId, 'qemu'>, args: string[]): Plan {
  const na = M_MODE_NA[stack];
  return na !== undefined ? { na } : { args };
}

const LINUX_BOOT = ['-m', '256M', '-kernel', LINUX_IMAGE, '-initrd', LINUX_INITRD, '-append', 'console=ttyS0'];
const KERNEL_APPEND = 'workload=cpu,fork,console';

export const GUESTS: readonly Guest[] = [
  {
    id: 'linux',
    title: 'Linux 6.1 + busybox (virtio disk)',
    expect: 'disk: match',
    needs: [LINUX_IMAGE, LINUX_INITRD, FW_JUMP],
    plan: (stack, ctx) => ({ args: [...sModeBios(stack), ...LINUX_BOOT, '-drive', `file=${ctx.scratchDisk()},format=raw,if=virtio`] }),
    qemu: (ctx) => ['-bios', FW_JUMP, ...LINUX_BOOT, '-drive', `file=${ctx.scratchDisk()},if=none,format=raw,id=hd0`, '-device', 'virtio-blk-device,drive=hd0'],
  },
  {
    id: 'uboot-s',
    title: 'Debian U-Boot, S-mode (prompt, poweroff)',
    expect: '=>',
    needs: [UBOOT_S, FW_JUMP],
    script: [
      ['Hit any key', '\r'],
      ['=>', 'poweroff\r'],
    ],
    plan: (stack) => ({ args: [...sModeBios(stack), '-m', '256M', '-kernel', UBOOT_S] }),
    qemu: () => ['-bios', FW_JUMP, '-m', '256M', '-kernel', UBOOT_S],
  },
  {
    id: 'uboot-m',
    title: 'Debian U-Boot, M-mode as -bios (prompt, poweroff)',
    expect: '=>',
    needs: [UBOOT_M],
    script: [
      ['Hit any key', '\r'],
      ['=>', 'poweroff\r'],
    ],
    plan: (stack) => mModeOnly(stack, ['-m', '256M', '-bios', UBOOT_M]),
    qemu: () => ['-m', '256M', '-bios', UBOOT_M],
  },
  {
    id: 'kernel-m',
    title: `our kernel-m.elf, M-mode (${KERNEL_APPEND})`,
    expect: 'DONE pass',
    needs: [KERNEL_M],
    plan: (stack) => mModeOnly(stack, ['-bios', 'none', '-kernel', KERNEL_M, '-append', KERNEL_APPEND]),
    qemu: () => ['-bios', 'none', '-kernel', KERNEL_M, '-append', KERNEL_APPEND],
  },
  {
    id: 'kernel-s',
    title: `our kernel-s.elf, S-mode (${KERNEL_APPEND})`,
    expect: 'DONE pass',
    needs: [KERNEL_S, FW_JUMP],
    plan: (stack) => ({ args: [...sModeBios(stack), '-kernel', KERNEL_S, '-append', KERNEL_APPEND] }),
    qemu: () => ['-bios', FW_JUMP, '-kernel', KERNEL_S, '-append', KERNEL_APPEND],
  },
  {
    id: 'htif',
    title: 'HTIF tohost test program, -bios htif-pass.elf',
    expect: '',
    needs: [HTIF_PASS],
    plan: (stack) => mModeOnly(stack, ['-bios', HTIF_PASS]),
    qemu: () => ['-bios', HTIF_PASS],
    qemuHang: { seconds: 10, note: "QEMU's virt has no HTIF device: the tohost write is a plain RAM store, the program spins" },
  },
];

interface Outcome {
  status: number | null;
  signal: string | null;
  timedOut: boolean;
  seconds: number;
  console: string;
  stderr: string;
}

/**
 * How this file's own code runs, so children run the same way: tsx on the sources, or node on
 * dist — the bundle (bin/bundle.js) when this process was started from it.
 */
function vmCommand(): { file: string; prefix: string[] } {
  const started = process.argv[1];
  if (started !== undefined && started.endsWith(join('dist', 'bundle', 'vm.cjs'))) return { file: process.execPath, prefix: [started] };
  const main = join(here, import.meta.url.endsWith('.ts') ? 'main.ts' : 'main.js');
  if (!import.meta.url.endsWith('.ts')) return { file: process.execPath, prefix: [main] };
  const loader = pathToFileURL(createRequire(join(root, 'package.json')).resolve('tsx')).href;
  return { file: process.execPath, prefix: ['--import', loader, '--conditions=@vm/source', main] };
}

/** Spawn one run with its stdin a pipe, answer the guest's script, kill it at the timeout. */
function runOnce(file: string, args: readonly string[], timeoutS: number, script: readonly (readonly [string, string])[]): Promise<Outcome> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(file, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let console = '';
    let stderr = '';
    let step = 0;
    let searchFrom = 0;
    let timedOut = false;
    child.stdin.on('error', () => undefined);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      console += s;
      while (step < script.length) {
        const at = console.indexOf(script[step]![0], searchFrom);
        if (at < 0) break;
        searchFrom = at + script[step]![0].length;
        child.stdin.write(script[step]![1]);
        step++;
      }
    });
    child.stderr.on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutS * 1000);
    const finish = (status: number | null, signal: string | null): void => {
      clearTimeout(timer);
      done({ status, signal, timedOut, seconds: (performance.now() - started) / 1000, console, stderr });
    };
    child.on('error', (e) => {
      stderr += String(e.message);
      finish(null, null);
    });
    child.on('close', (status, signal) => finish(status, signal));
  });
}

function lastLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replaceAll('\r', '\n').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const l = lines.at(-1) ?? '(no output)';
  return l.length > 70 ? `${l.slice(0, 67)}...` : l;
}

function cellEscape(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('`', "'");
}

function judge(guest: Guest, o: Outcome): { pass: boolean; text: string } {
  const secs = `${o.seconds.toFixed(1)} s`;
  if (o.timedOut) return { pass: false, text: `FAIL (timeout ${secs} / ${cellEscape(lastLine(o.console))})` };
  const seen = o.console.includes(guest.expect);
  if (o.status === 0 && seen) return { pass: true, text: `pass ${secs}` };
  const why = o.status === 0 ? `'${guest.expect}' not seen` : `status ${o.status ?? o.signal ?? '?'}`;
  const tail = o.status === 2 && o.stderr.trim() !== '' ? o.stderr : o.console + (o.stderr.trim() !== '' && o.console.trim() === '' ? o.stderr : '');
  return { pass: false, text: `FAIL (${why} / ${cellEscape(lastLine(tail))}) ${secs}` };
}

function qemuVersion(): string | undefined {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return /version (\S+)/.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0];
}

function pick<T extends { id: string }>(all: readonly T[], text: string | undefined, what: string): T[] {
  if (text === undefined) return [...all];
  return text.split(',').map((id) => {
    const found = all.find((x) => x.id === id.trim());
    if (found === undefined) throw new ConfigError(`--${what} ${text}: unknown '${id}' (${all.map((x) => x.id).join(', ')})`);
    return found;
  });
}

export async function matrixCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, MATRIX_OPTIONS);
  if (args.positional.length > 0) throw new ConfigError(`unexpected argument '${args.positional[0]}'`);
  const out = resolve(one(args, 'out') ?? 'docs/guest-matrix.md');
  const guests = pick(GUESTS, one(args, 'guests'), 'guests');
  const stacks = pick(STACKS, one(args, 'stacks'), 'stacks');
  const timeoutText = one(args, 'timeout') ?? '300';
  const timeoutS = Number(timeoutText);
  if (!(timeoutS > 0)) throw new ConfigError(`--timeout ${timeoutText}: not a positive number of seconds`);

  const qemu = stacks.some((s) => s.id === 'qemu') ? qemuVersion() : undefined;
  const vm = vmCommand();
  const scratch = mkdtempSync(join(tmpdir(), 'vm-matrix-'));
  let disks = 0;
  const ctx: RunContext = {
    scratchDisk: () => {
      const f = join(scratch, `disk${disks++}.img`);
      writeFileSync(f, '');
      truncateSync(f, 8 << 20);
      return f;
    },
  };
  const started = new Date();
  const load = loadavg()[0]!.toFixed(1);
  const cells = new Map<string, string>();
  /** Seconds of each passing run, to put QEMU's time beside ours. */
  const times = new Map<string, number>();
  const commands: string[] = [];
  let failures = 0;
  try {
    for (const guest of guests) {
      const missing = guest.needs.filter((f) => !existsSync(f));
      for (const stack of stacks) {
        const key = `${guest.id}/${stack.id}`;
        if (missing.length > 0) {
          cells.set(key, `n/a (missing ${missing.map((f) => relative(root, f)).join(', ')})`);
          continue;
        }
        let file: string;
        let runArgs: string[];
        let limit = timeoutS;
        if (stack.id === 'qemu') {
          if (qemu === undefined) {
            cells.set(key, 'QEMU not installed');
            continue;
          }
          file = QEMU;
          runArgs = ['-M', 'virt', '-nographic', ...guest.qemu(ctx)];
          if (guest.qemuHang !== undefined) limit = Math.min(limit, guest.qemuHang.seconds);
        } else {
          const plan = guest.plan(stack.id, ctx);
          if ('na' in plan) {
            cells.set(key, plan.na);
            continue;
          }
          file = vm.file;
          runArgs = [...vm.prefix, 'run', ...STACK_FLAGS[stack.id], ...plan.args];
        }
        const shown = (stack.id === 'qemu' ? [QEMU, ...runArgs] : ['vm', 'run', ...runArgs.slice(vm.prefix.length + 1)]).map((a) => (a.startsWith(root) ? relative(root, a) : a.replace(scratch, '$TMP')));
        commands.push(`- ${guest.id} / ${stack.id}: \`${shown.join(' ')}\``);
        process.stderr.write(`matrix: ${guest.id} on ${stack.id} ... `);
        const o = await runOnce(file, runArgs, limit, guest.script ?? []);
        let text: string;
        if (stack.id === 'qemu' && guest.qemuHang !== undefined && o.timedOut) {
          text = `no exit: killed at ${o.seconds.toFixed(1)} s (${guest.qemuHang.note})`;
        } else {
          const j = judge(guest, o);
          if (!j.pass) failures++;
          else times.set(key, o.seconds);
          text = j.text;
        }
        cells.set(key, text);
        process.stderr.write(`${text}\n`);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // Beside each of our passing cells: its time as a multiple of QEMU's for the same guest.
  for (const g of guests) {
    const q = times.get(`${g.id}/qemu`);
    if (q === undefined) continue;
    for (const st of stacks) {
      const t = times.get(`${g.id}/${st.id}`);
      if (st.id !== 'qemu' && t !== undefined) cells.set(`${g.id}/${st.id}`, `${cells.get(`${g.id}/${st.id}`)!} (${(t / q).toFixed(1)}x QEMU)`);
    }
  }
  const node = process.version;
  const machine = `${availableParallelism()} CPU cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${node}, ${qemu === undefined ? 'QEMU not installed' : `QEMU ${qemu}`}`;
  const header = ['guest', ...stacks.map((s) => s.title)];
  const md = [
    '# Guest matrix',
    '',
    `Generated by \`pnpm vm matrix${argv.length > 0 ? ` ${argv.join(' ')}` : ''}\` on ${started.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `(${machine}); every run one after the other, timeout ${timeoutS} s per run;`,
    `load average ${load} when it started (the machine is shared: times vary by some tens of percent).`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...guests.map((g) => `| ${g.title} | ${stacks.map((s) => cells.get(`${g.id}/${s.id}`) ?? '').join(' | ')} |`),
    '',
    '## How to read it',
    '',
    '- **pass 5.1 s**: the run exited with status 0 and printed what the guest prints when it works',
    "  (Linux: `disk: match` from its shell transcript; U-Boot: its `=>` prompt, then `poweroff` typed",
    '  at it; our kernels: `DONE pass`; the HTIF program: exit status 0 alone). The time is the wall',
    '  time of the whole process (node start-up and TypeScript loading included, about 1-2 s), one',
    '  run at a time on this machine. Our stacks run on virtual time (instructions retired), so the',
    "  guest's output is the same on every run; the wall time is what the emulation costs.",
    "  *(N.Nx QEMU)*: that time divided by QEMU's time for the same guest (the last column).",
    '- **FAIL (status N / last line)**: the exit status (or the timeout) and the last line of the',
    '  console (of stderr when the command itself refused its flags).',
    '- **n/a (why)**: the guest cannot run on that stack by design.',
    "- **QEMU**: qemu-system-riscv64 (TCG) with the same guest and QEMU's own flags for it, the",
    '  outside reference; its time is beside ours in the last column.',
    '- Columns: *bare board*: `vm run` on the board (S-mode guests behind OpenSBI fw_jump.bin).',
    '  *native trap, firmware in the VM*: `--hypervisor native --mode trap` with the firmware inside',
    '  the VM (OpenSBI fw_jump.bin for S-mode guests; the M-mode guest itself otherwise).',
    "  *native trap / hext, hypervisor's SBI*: `-bios none`, the S-mode guest on the hypervisor's own",
    '  SBI. *hosted accel*: `-bios none` (S-mode guests on the VMM\'s SBI). *hosted soft*: S-mode',
    '  guests behind fw_jump.bin.',
    '',
    '## Command lines',
    '',
    ...commands,
    '',
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, md);
  process.stderr.write(`matrix: wrote ${out}${failures > 0 ? ` (${failures} FAIL)` : ''}\n`);
  return failures > 0 ? 1 : 0;
}
