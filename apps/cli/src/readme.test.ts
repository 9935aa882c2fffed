import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The READMEs tell the truth on a fresh clone (issue 15): every command in a ```sh block and every
 * ```ts library example of every README.md in the repository is parsed out of the markdown and
 * run here, from (a mirror of) the repository root, and must succeed; and every relative link and
 * backticked repository path in every *.md file must exist. Nothing is copied by hand: a new
 * command in a README is a new test case. Commands too long for CI, or that wait for a person,
 * run in a smaller form given by OVERRIDES below, keyed by the command's text.
 */

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const tsx = join(root, 'node_modules/.bin/tsx');

/** A fenced code block: its info string ("sh", "ts" ...), its text and the line of its first text line. */
export interface Fence {
  readonly lang: string;
  readonly line: number;
  readonly lines: readonly string[];
}

/** One shell command from a block: continuation lines joined, the trailing `# comment` removed. */
interface Command {
  readonly line: number;
  readonly text: string;
}

/**
 * The fenced code blocks of a markdown file (CommonMark 0.31 §4.5: an opening fence of three or
 * more backticks, closed by a fence of at least as many; indented fences up to three spaces).
 */
export function fences(markdown: string): { fences: Fence[]; prose: { line: number; text: string }[] } {
  const out: Fence[] = [];
  const prose: { line: number; text: string }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,})\s*([^`\s]*)/.exec(lines[i]!);
    if (open === null) {
      prose.push({ line: i + 1, text: lines[i]! });
      continue;
    }
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !new RegExp(`^ {0,3}\`{${open[1]!.length},}\\s*$`).test(lines[j]!)) body.push(lines[j++]!);
    out.push({ lang: open[2]!, line: i + 2, lines: body });
    i = j;
  }
  return { fences: out, prose };
}

/** The commands of a shell block (POSIX shell: `\` at the end of a line continues it; `#` starts a comment after a blank). */
export function commands(f: Fence): Command[] {
  const out: Command[] = [];
  let text = '';
  let start = 0;
  f.lines.forEach((raw, i) => {
    if (text === '') start = f.line + i;
    const line = withoutComment(raw).trimEnd();
    if (line.endsWith('\\')) {
      text += line.slice(0, -1).trim() + ' ';
      return;
    }
    text = (text + line.trim()).trim();
    if (text !== '') out.push({ line: start, text });
    text = '';
  });
  return out;
}

/** A line without its comment: `#` at the start of a word, outside quotes (POSIX.1-2017 XCU 2.3). */
function withoutComment(line: string): string {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== '') {
      if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i);
  }
  return line;
}

/**
 * How a command runs in this test when not exactly as written, and why. Keyed by the command's
 * text as parsed (comment removed, continuation lines joined with one space). A key no README
 * uses any more fails the test, so the table cannot drift from the READMEs.
 */
interface Override {
  /** Why the command does not run as written. */
  readonly why: string;
  /** The command run instead (a smaller size, a time limit). */
  readonly run?: string;
  /** Standard input (default: empty, closed). */
  readonly input?: string;
  /** Exit status expected (default 0). */
  readonly status?: number;
  /** What stdout and stderr together must contain. */
  readonly output?: RegExp;
}

const UBOOT =
  'U-Boot counts down, tries every boot device and then waits at its prompt for a person: run it to the autoboot countdown (its banner, devices and environment are up), then stop (status 124)';

/**
 * A vm command held by -S, with a GDB stub on $PORT (a free port picked at run time), and GDB
 * attaching in batch mode: it reads pc and kills the guest (vm exits 0, "terminated via GDBstub").
 */
function GDB_SESSION(vm: string, gdb = 'gdb-multiarch -ex "target remote :$PORT"'): string {
  return [
    'PORT=$((20000 + RANDOM % 20000))',
    `${vm} & VM=$!`,
    // The stub listens once the board is built: retry the attach until it answers.
    // Each session its own output file: the examples of one fence run side by side in one
    // directory, and a shared gdb.out was truncated by one session's attach before another read it.
    'OUT=$(mktemp)',
    `for i in $(seq 60); do sleep 1; ${gdb} -q -nx -batch -ex "info registers pc" -ex kill >$OUT 2>&1; grep -q "^pc" $OUT && break; done`,
    'cat $OUT; rm -f $OUT; wait $VM',
  ].join('\n');
}

/**
 * Bootargs of kernel-m and kernel-s (guests/README.md) that run every workload at a small size:
 * about 7 M instructions instead of 28 M, the same RESULT lines for smaller inputs and DONE pass.
 */
const SMALL = 'cpu.iters=20 mem.mb=1 fork.n=5 console.lines=5';

/**
 * A long test-guest command run with its workloads at small sizes (issue 15: "the long ones with
 * small sizes"): the same command and flags, the guest's bootargs given (`-append`, or `append`
 * replaced where the command has one: the first -append counts).
 */
function small(command: string, from?: string, to = `-append "${SMALL}"`): Override {
  if (from !== undefined && !command.includes(from)) throw new Error(`small(): '${from}' is not in '${command}'`);
  return {
    why: 'the guest\'s default workloads take most of this command\'s time (tens of millions of instructions): the same command with the workloads at small sizes',
    run: from === undefined ? `${command} ${to}` : command.replace(from, to),
  };
}

const KM = '-bios none -kernel guests/images/kernel-m.elf';

export const OVERRIDES: Readonly<Record<string, Override>> = {
  [`./vm run -cpu rv64,h=true ${KM}`]: small(`./vm run -cpu rv64,h=true ${KM}`),
  [`./vm run --hypervisor native ${KM}`]: small(`./vm run --hypervisor native ${KM}`),
  './vm run --hypervisor native --mode hext -bios none -kernel guests/images/kernel-s.elf': small('./vm run --hypervisor native --mode hext -bios none -kernel guests/images/kernel-s.elf'),
  [`./vm run --hypervisor hosted --mode accel ${KM}`]: small(`./vm run --hypervisor hosted --mode accel ${KM}`),
  [`./vm run -nographic ${KM}`]: small(`./vm run -nographic ${KM}`),
  [`./vm run -monitor stdio -serial file:console.txt ${KM}`]: small(`./vm run -monitor stdio -serial file:console.txt ${KM}`),
  // The snapshot is taken at 5 M of the small run's 7 M; the restore continues it to DONE pass.
  [`./vm snapshot -o s.vmsnap --at 5000000 ${KM}`]: small(`./vm snapshot -o s.vmsnap --at 5000000 ${KM}`),
  [`./vm run ${KM} -append workload=disk -drive file=d.img,if=none,id=d0 -device virtio-blk-device,drive=d0`]: small(
    `./vm run ${KM} -append workload=disk -drive file=d.img,if=none,id=d0 -device virtio-blk-device,drive=d0`, '-append workload=disk', '-append "workload=disk disk.sectors=32"'),
  [`./vm run ${KM} -append workload=disk -drive file=d.img,if=pio`]: small(`./vm run ${KM} -append workload=disk -drive file=d.img,if=pio`, '-append workload=disk', '-append "workload=disk disk.sectors=32"'),
  [`./vm run --hypervisor hosted --mode accel --stats ${KM} -append workload=disk -drive file=disk.img,if=virtio`]: small(
    `./vm run --hypervisor hosted --mode accel --stats ${KM} -append workload=disk -drive file=disk.img,if=virtio`, '-append workload=disk', '-append "workload=disk disk.sectors=32"'),
  [`./vm run --hypervisor native --mode trap --stats -m 64M ${KM} -append workload=fork`]: small(
    `./vm run --hypervisor native --mode trap --stats -m 64M ${KM} -append workload=fork`, '-append workload=fork', '-append "workload=fork fork.n=10"'),
  './vm run --hypervisor native -m 128M -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel guests/images/kernel-s.elf': small(
    './vm run --hypervisor native -m 128M -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel guests/images/kernel-s.elf'),
  '.ci/install && ./vm bench': {
    why: '.ci/install needs root for apt-get and is what CI runs; the default benchmark takes minutes: check the script parses, then the benchmark at --quick size on two workloads',
    run: 'bash -n .ci/install && ./vm bench --quick --workloads cpu,disk --runs 1 --stacks bare-m,native-trap',
    output: /cpu\s+bare-m/,
  },
  './vm run -m 256M -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin': {
    why: UBOOT,
    run: './vm run -m 256M -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin --max-instructions 30000000',
    status: 124,
    output: /Hit any key to stop autoboot/,
  },
  './vm run -m 256M -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin -drive file=disk.img,format=raw,if=virtio': {
    why: UBOOT,
    run: './vm run -m 256M -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin -drive file=disk.img,format=raw,if=virtio --max-instructions 30000000',
    status: 124,
    output: /Hit any key to stop autoboot/,
  },
  './vm run -bios /usr/lib/u-boot/qemu-riscv64/u-boot.bin': {
    why: UBOOT,
    run: './vm run -bios /usr/lib/u-boot/qemu-riscv64/u-boot.bin --max-instructions 20000000',
    status: 124,
    output: /Hit any key to stop autoboot/,
  },
  './vm run --hypervisor hosted --mode soft -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin': {
    why: UBOOT,
    run: './vm run --hypervisor hosted --mode soft -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin -kernel /usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin --max-instructions 30000000',
    status: 124,
    output: /Hit any key to stop autoboot/,
  },
  './vm run -bios none -kernel packages/machine/fixtures/uart-fail7.elf; echo "exit status $?"': {
    why: 'runs as written; the status printed must be the guest\'s 7, with no pnpm noise',
    output: /^exit status 7$/m,
  },
  './vm bench --quick --html report.html': {
    why: 'quick on every stack still takes minutes on 2 cores: one workload, one run per pair, no consolidation VMs',
    run: './vm bench --quick --html report.html --workloads cpu --runs 1 --stacks bare-m,native-trap,hosted-accel && grep -q "<svg" report.html',
  },
  './vm matrix': {
    why: 'every guest on every stack takes minutes, and would overwrite docs/guest-matrix.md: one guest on two stacks into a scratch file',
    run: './vm matrix --guests kernel-m --stacks bare,native-trap --out matrix.md && grep -q "kernel-m" matrix.md',
  },
  './vm run -bios none -kernel guests/images/kernel-m.elf -S -s': {
    why: '-S holds the CPU until a debugger continues it: attach gdb-multiarch (on a free port, not :1234, as tests run in parallel), read pc at the reset vector, kill',
    run: GDB_SESSION('./vm run -bios none -kernel guests/images/kernel-m.elf -S -gdb tcp::$PORT'),
    output: /pc\s+0x1000\b/,
  },
  "gdb-multiarch guests/images/kernel-m.elf -ex 'target remote :1234' -ex 'break kmain' -ex c": {
    why: 'GDB needs the vm of the line above it, held by -S: start that on a free port, and run GDB in batch mode to the breakpoint, then kill the guest',
    run: GDB_SESSION('./vm run -bios none -kernel guests/images/kernel-m.elf -S -gdb tcp::$PORT', 'gdb-multiarch guests/images/kernel-m.elf -ex "target remote :$PORT" -ex "break kmain" -ex c'),
    output: /Breakpoint 1, .* in kmain/,
  },
  './vm run --hypervisor native -bios none -kernel guests/images/kernel-m.elf -S -gdb tcp::1235': {
    why: 'held by -S until a debugger continues it: attach gdb-multiarch on a free port, stop at kmain in the VM\'s guest, kill',
    run: GDB_SESSION('./vm run --hypervisor native -bios none -kernel guests/images/kernel-m.elf -S -gdb tcp::$PORT', 'gdb-multiarch guests/images/kernel-m.elf -ex "target remote :$PORT" -ex "break kmain" -ex c'),
    output: /Breakpoint 1, .* in kmain/,
  },
  './vm bench --quick --stacks bare-m,hosted-accel,hosted-soft': {
    why: 'five workloads and the consolidation VMs take minutes on 2 cores: two workloads, one run per pair',
    run: './vm bench --quick --stacks bare-m,hosted-accel,hosted-soft --workloads cpu,disk --runs 1',
    output: /disk\s+hosted-soft/,
  },
  'npx tsx --conditions=@vm/source apps/cli/examples/bare-board.ts': {
    why: 'runs as written; its output says the guest passed',
    output: /DONE pass[^]*exit: poweroff status 0, \d+ instructions/,
  },
  'npx tsx --conditions=@vm/source apps/cli/examples/syscall-counter.ts': {
    why: 'runs as written; the hook counted system calls',
    output: /DONE pass[^]*system calls from virtual U-mode: [1-9]\d*/,
  },
  'npx tsx --conditions=@vm/source apps/cli/examples/custom-device.ts': {
    why: 'runs as written; the program read three different numbers from the device',
    output: /^([0-9a-f]{16})$[^]*^(?!\1$)([0-9a-f]{16})$[^]*^(?!\1$|\2$)[0-9a-f]{16}$[^]*exit: poweroff status 0/m,
  },
  'npx tsx --conditions=@vm/source apps/cli/examples/two-vms-virtio-net.ts': {
    why: 'runs as written; both VMs exchanged every frame and powered off with status 0',
    output: /^(?=[^]*NET ping 16\/16 ok crc=0x[0-9a-f]{8})(?=[^]*NET echo 16 frames)(?=[^]*exchange 32 = 2\.0 per frame)(?=(?:[^]*exit status 0$){2})/m,
  },
  'npx tsx --conditions=@vm/source apps/cli/examples/vcpu-loop.ts': {
    why: 'runs as written; the VMM loop saw mmio, sbi and shutdown exits',
    output: /DONE pass[^]*guest: poweroff at 0x[0-9a-f]+ \(vS\): powered off with status 0; exits returned to the VMM: .*mmio \d+.*sbi \d+.*shutdown 1/,
  },
  './vm run -bios none -kernel guests/images/kernel-m.elf -d int -D trace.log': {
    why: 'with -d the CPU runs one instruction at a time outside the hart loop (slow): the default workloads take minutes; one short workload, then check the trace',
    run: './vm run -bios none -kernel guests/images/kernel-m.elf -append "workload=cpu cpu.iters=2" -d int -D trace.log && grep -q riscv_cpu_do_interrupt trace.log',
  },
  'cd packages/isa && npx vitest run src/asm src/elf src/encoding': {
    why: "@vm/isa's own test job (vitest run in packages/isa, all of src) runs exactly these test files: here the same command lists them (every path resolves, every file collects) instead of running them twice",
    run: 'cd packages/isa && npx vitest list src/asm src/elf src/encoding | cut -d/ -f1,2 | sort -u',
    output: /^src\/asm$[^]*^src\/elf$[^]*^src\/encoding$/m,
  },
  '.ci/install && pnpm test': {
    why: 'pnpm test runs the whole suite, this test included (CI runs it: .ci/run); check the script parses and run the suite\'s first step',
    run: 'bash -n .ci/install && pnpm run --silent check:cycles',
  },
};

/** Commands with their README file and line, and the ts examples. */
interface Case {
  readonly file: string;
  readonly fence: Fence;
}

function walk(dir: string, keep: (path: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git' || e.name === 'dist' || e.name === '.turbo') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

const markdownFiles = walk(root, (p) => p.endsWith('.md')).map((p) => relative(root, p)).sort();
const readmes = markdownFiles.filter((p) => p === 'README.md' || p.endsWith('/README.md'));
const SHELL = new Set(['sh', 'bash', 'shell']);
const TYPESCRIPT = new Set(['ts', 'typescript']);
export const cases: Case[] = readmes.flatMap((file) =>
  fences(readFileSync(join(root, file), 'utf8'))
    .fences.filter((f) => SHELL.has(f.lang) || TYPESCRIPT.has(f.lang))
    .map((fence) => ({ file, fence })),
);

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/**
 * A scratch directory that looks like the repository root (a symlink per top-level entry), so that
 * commands find `guests/`, `./vm` and `node_modules` as a user does, and whatever they write
 * (disk images, snapshots, reports) lands outside the checkout.
 */
function mirror(): string {
  const d = mkdtempSync(join(tmpdir(), 'vm-readme-'));
  scratch.push(d);
  for (const e of readdirSync(root)) if (e !== '.git') symlinkSync(join(root, e), join(d, e));
  return d;
}

interface Ran {
  readonly status: number | null;
  readonly output: string;
}

function sh(script: string, cwd: string, input: string, timeoutMs: number): Promise<Ran> {
  return new Promise((done) => {
    // pnpm verifies the install before `pnpm run` and finds it made for another directory (the
    // mirror's path is not the checkout's), so it re-installs into the shared node_modules and
    // rewrites its bin shims to point into the mirror, which is deleted afterwards: every later
    // `node_modules/.bin/vitest` or `tsx` then fails. The checkout's install is current already.
    const env = { ...process.env, pnpm_config_verify_deps_before_run: 'false' };
    const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString('latin1')));
    child.stderr.on('data', (b: Buffer) => (output += b.toString('latin1')));
    // A command left running (a server, a held CPU) is killed with its process group.
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs / 1000} s]`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    // A command that ends without reading its input (most do) may close the pipe before this
    // write: EPIPE then says nothing about the command, and unhandled it would fail the run.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('close', (status) => {
      clearTimeout(timer);
      done({ status, output });
    });
  });
}

const COMMAND_TIMEOUT_MS = 170_000;

function tail(s: string): string {
  return s.length > 1500 ? `...${s.slice(-1500)}` : s;
}

/**
 * `README_TIMES=1`: print how long each command ran (from when it got its slot), to find where
 * this test's time goes.
 */
async function timed(what: string, job: () => Promise<Ran>): Promise<Ran> {
  const t0 = performance.now();
  const r = await job();
  if (process.env['README_TIMES'] !== undefined) console.log(`README_TIMES ${((performance.now() - t0) / 1000).toFixed(1)} s ${what}`);
  return r;
}

/** At most this many commands at once over all blocks (each is a Node process running a guest). */
const SLOTS = Math.max(2, availableParallelism());
let free = SLOTS;
const waiting: (() => void)[] = [];

async function limited<T>(job: () => Promise<T>): Promise<T> {
  if (free === 0) await new Promise<void>((r) => waiting.push(r));
  else free--;
  try {
    return await job();
  } finally {
    const next = waiting.shift();
    if (next === undefined) free++;
    else next();
  }
}

/**
 * The files a command names that the repository does not have (`disk.img`, `s.vmsnap`): what
 * one command of a block writes and a later one reads. Commands sharing one run in README order;
 * the others run in parallel.
 */
function scratchFiles(text: string): Set<string> {
  const words = text.split(/[\s=,]+/).filter((w) => /^[\w./-]+$/.test(w) && /[./]/.test(w) && !w.startsWith('-'));
  return new Set(words.filter((w) => !existsSync(resolve(root, w))));
}

async function runExample(c: Case): Promise<string[]> {
  const cwd = mirror();
  // As the README says: a file under a directory whose node_modules has the @vm/* links
  // (apps/cli's), run from the repository root with tsx and the @vm/source condition.
  const dir = join(cwd, '.example');
  mkdirSync(dir);
  symlinkSync(join(root, 'apps/cli/node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'example.ts'), c.fence.lines.join('\n') + '\n');
  const r = await limited(() => timed(`${c.file}:${c.fence.line} (ts example)`, () => sh(`${tsx} --conditions=@vm/source .example/example.ts`, cwd, '', COMMAND_TIMEOUT_MS)));
  return r.status === 0 ? [] : [`${c.file}:${c.fence.line}: the ts example exited ${r.status}:\n${tail(r.output)}`];
}

/**
 * Runs of scripts that touch no scratch file, by script and input: the same command in several
 * READMEs (`./vm up examples/two-vms.yaml` is in three) runs once, and each occurrence checks
 * that run against its own expectations. A script that names a scratch file runs in its own
 * block's directory every time (what it reads or writes there is the block's).
 */
const shared = new Map<string, Promise<Ran>>();

function runOnce(script: string, cwd: string, input: string): Promise<Ran> {
  const run = (): Promise<Ran> => limited(() => timed(script.split('\n').at(-1)!, () => sh(script, cwd, input, COMMAND_TIMEOUT_MS)));
  if (scratchFiles(script).size > 0) return run();
  const key = `${script}\0${input}`;
  let r = shared.get(key);
  if (r === undefined) shared.set(key, (r = run()));
  return r;
}

/** Run one README shell block; returns the failures, each naming the file and line. */
async function runCommands(c: Case): Promise<string[]> {
  const cwd = mirror();
  const failures: string[] = [];
  let assignments = '';
  const done: { files: Set<string>; finished: Promise<void> }[] = [];
  for (const cmd of commands(c.fence)) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)$/.test(cmd.text)) {
      assignments += `${cmd.text}\n`;
      continue;
    }
    const files = scratchFiles(cmd.text);
    const before = done.filter((d) => [...d.files].some((f) => files.has(f))).map((d) => d.finished);
    const o = OVERRIDES[cmd.text];
    const script = `set -o pipefail\n${assignments}${o?.run ?? cmd.text}`;
    const finished = Promise.all(before).then(async () => {
      const r = await runOnce(script, cwd, o?.input ?? '');
      const status = o?.status ?? 0;
      const at = `${c.file}:${cmd.line}: \`${cmd.text}\`${o?.run === undefined ? '' : ` (run as \`${o.run}\`)`}`;
      if (r.status !== status) failures.push(`${at} exited ${r.status}, expected ${status}:\n${tail(r.output)}`);
      else if (o?.output !== undefined && !o.output.test(r.output)) failures.push(`${at}: output does not match ${o.output}:\n${tail(r.output)}`);
      else if (r.output.includes('ELIFECYCLE')) failures.push(`${at}: pnpm's ELIFECYCLE noise in the output`);
    });
    done.push({ files, finished });
  }
  await Promise.all(done.map((d) => d.finished));
  return failures;
}

/** Top-level directories whose backticked paths (`packages/mmu/src/walk.ts`) are repository paths. */
const REPO_PATH = /^(packages|docs|apps|guests|examples|tooling|\.ci|\.changeset)\/[^\s`]*$/;

/**
 * What a markdown file's prose points at that is not in the repository: relative link targets
 * (resolved from the file's directory) and backticked repository paths (from the root, or from the
 * file's directory when they start with ../). A path with a `*` or a `<placeholder>` is checked up
 * to the directory before it; `{a,b}` is expanded; `:LINE` suffixes are dropped. (`./x` is left
 * alone: in prose it is a command, `./vm`, or an import specifier.)
 */
/** Shell-style `{a,b}` expansion, one group (`bench/{a.ts,b.ts}`): the paths it names. */
function braces(path: string): string[] {
  const m = /^([^{]*)\{([^}]*)\}(.*)$/.exec(path);
  return m === null ? [path] : m[2]!.split(',').map((x) => m[1]! + x + m[3]!);
}

export function missingReferences(file: string, markdown: string): string[] {
  const out: string[] = [];
  const check = (line: number, target: string, from: string): void => {
    const path = target.replace(/[#?].*$/, '').replace(/:\d+(-\d+)?$/, '');
    for (const one of braces(path)) {
      const wild = one.search(/[*<]/);
      const head = wild < 0 ? one : one.slice(0, one.lastIndexOf('/', wild) + 1);
      if (head !== '' && !existsSync(resolve(from, head))) out.push(`${file}:${line}: ${target} does not exist`);
    }
  };
  for (const { line, text } of fences(markdown).prose) {
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const t = m[1]!;
      if (!/^([a-z]+:|#)/.test(t)) check(line, t, join(root, dirname(file)));
    }
    for (const m of text.matchAll(/`([^`]+)`/g)) {
      const t = m[1]!;
      if (REPO_PATH.test(t)) check(line, t, root);
      else if (/^\.\.\/[^\s`]+$/.test(t)) check(line, t, join(root, dirname(file)));
    }
  }
  return out;
}

describe('docs refer only to files in the repository', () => {
  it('finds a missing link and backticked path, and none in the repository\'s *.md files', () => {
    const bad = missingReferences('docs/x.md', 'See [the guide](guide-that-is-not-here.md), `packages/nope/src/a.ts` and `../shared/DESIGN.md`;\n`docs/benchmark.md`, [arch](architecture.md#layers), `apps/cli/examples/*.ts`, `packages/isa/bench/{mips.ts,nope.ts}`.\n```\n`packages/in-a-fence`\n```\n');
    expect(bad).toEqual(['docs/x.md:1: guide-that-is-not-here.md does not exist', 'docs/x.md:1: packages/nope/src/a.ts does not exist', 'docs/x.md:1: ../shared/DESIGN.md does not exist', 'docs/x.md:2: packages/isa/bench/{mips.ts,nope.ts} does not exist']);
    expect(markdownFiles.flatMap((f) => missingReferences(f, readFileSync(join(root, f), 'utf8')))).toEqual([]);
  });
});

describe('README commands and examples', () => {
  it('finds the READMEs\' shell commands and ts examples', () => {
    expect(readmes).toContain('README.md');
    expect(cases.filter((c) => SHELL.has(c.fence.lang)).length).toBeGreaterThan(5);
    expect(cases.filter((c) => TYPESCRIPT.has(c.fence.lang)).length).toBeGreaterThan(5);
    // Every override still names a README command (a renamed command must not keep a stale entry).
    const texts = new Set(cases.flatMap((c) => (SHELL.has(c.fence.lang) ? commands(c.fence).map((x) => x.text) : [])));
    expect(Object.keys(OVERRIDES).filter((k) => !texts.has(k))).toEqual([]);
  });

  it.concurrent.each(cases.map((c) => [`${c.file}:${c.fence.line} (${c.fence.lang})`, c] as const))('%s', async (_name, c) => {
    expect(await (TYPESCRIPT.has(c.fence.lang) ? runExample(c) : runCommands(c))).toEqual([]);
  }, 600_000);
});
