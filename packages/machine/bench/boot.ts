/**
 * Boot times side by side with QEMU (issue 14's boot targets), same files and flags:
 *   uboot  Debian's OpenSBI (fw_jump) + U-Boot S-mode to its `=>` prompt (a key is sent when
 *          U-Boot offers to stop autoboot, as a person would)
 *   linux  Linux 6.1 + busybox (guests/linux) on OpenSBI fw_jump, from power-on to its init's
 *          poweroff (SBI SRST)
 * Each of our runs is a fresh Node process (this script again, with `--one`), timed inside it
 * from the warm-up (as `vm run` does; VM_WARM_UP=0 leaves it out) to the end: what `vm run` costs
 * less Node's and tsx's start-up — the JIT warming up our own code, V8 compiling every block
 * module anew, the host faulting in guest RAM. With `--warm`, all our runs share this process
 * instead (V8 keeps the code it optimized and, keyed by their bytes, the block modules it
 * compiled: a lower bound, not what a user sees).
 * With `--cli`, each of ours is the `vm` command as a user starts it (the launcher apps/cli/bin/vm,
 * which after `pnpm build` starts the bundle) given QEMU's own command line and timed from spawn
 * as QEMU is: what a user waits for, the launcher's shell, Node's start-up and our modules' loading
 * included. It refuses a build older than the sources (the launcher would run those through tsx).
 * QEMU 7.2 TCG as qemu-system-riscv64 -M virt, timed from spawn. Runs are interleaved (ours,
 * ours without translator, QEMU; repeat) and the median counts, since the machine is shared.
 *
 *   npx tsx --conditions=@vm/source packages/machine/bench/boot.ts [runs] [uboot linux] [--warm | --cli]
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bootVirt, VirtMachine, warmUp } from '../src/index.js';
import { ScriptedConsole } from '../src/test-support/scripted-console.js';
import { FIRMWARE, file } from '../src/test-support/firmware.js';

const args = process.argv.slice(2);
const one = args[0] === '--one';
const warm = args.includes('--warm');
const cli = args.includes('--cli');
if (warm && cli) throw new Error('--warm and --cli: give one');
const rest = args.filter((a) => !a.startsWith('--'));
const runs = Number(rest[0] ?? 3);
const which = rest.length > 1 ? rest.slice(1) : ['uboot', 'linux'];
const linuxDir = fileURLToPath(new URL('../../../guests/linux/images/', import.meta.url));
const LINUX = { kernel: `${linuxDir}Image`, initrd: `${linuxDir}initramfs.cpio.gz`, append: 'console=ttyS0' };

interface Ours {
  readonly seconds: number;
  readonly instructions: number;
}

function ours(what: string, translate: boolean): Ours {
  const t0 = process.hrtime.bigint();
  // What vm run does first (VM_WARM_UP=0 leaves it out there and here).
  if (process.env['VM_WARM_UP'] !== '0') warmUp({ translate });
  const con = new ScriptedConsole();
  const m = new VirtMachine({ memory: 256 << 20, console: con.sink, translate });
  con.attach(m);
  if (what === 'uboot') {
    bootVirt(m, { bios: file(FIRMWARE.fwJump), kernel: file(FIRMWARE.ubootS) });
    con.expect('Hit any key to stop autoboot');
    con.type(' ');
    con.expect('=> ');
  } else {
    bootVirt(m, { bios: file(FIRMWARE.fwJump), kernel: file(LINUX.kernel), initrd: file(LINUX.initrd), append: LINUX.append });
    const exit = con.runToExit();
    if (exit.reason !== 'poweroff' || exit.code !== 0) throw new Error(`linux: ended with ${JSON.stringify(exit)}; console: ${con.output.slice(-300)}`);
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, instructions: m.retired };
}

/** QEMU's command line for a boot; `vm run` takes the same (--cli). */
function qemuArgs(what: string): string[] {
  const args = ['-M', 'virt', '-m', '256M', '-smp', '1', '-nographic', '-bios', FIRMWARE.fwJump];
  if (what === 'uboot') args.push('-kernel', FIRMWARE.ubootS);
  else args.push('-kernel', LINUX.kernel, '-initrd', LINUX.initrd, '-append', LINUX.append);
  return args;
}

const qemu = (what: string): Promise<number> => timed('qemu-system-riscv64', qemuArgs(what), what);

/** The vm launcher, after checking that it will start the build (apps/cli/bin/built.js), not the sources. */
function freshLauncher(): string {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../apps/cli/bin/built.js', import.meta.url))], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('--cli times the built vm command, and the build is older than the sources: run pnpm build first');
  return fileURLToPath(new URL('../../../apps/cli/bin/vm', import.meta.url));
}

const launcher = cli ? freshLauncher() : '';

/** The vm command with QEMU's command line: `vm run` as a user starts it. */
const vmCommand = (what: string, translate: boolean): Promise<number> =>
  timed(launcher, ['run', ...qemuArgs(what), ...(translate ? [] : ['-accel', 'interp'])], what);

/** Seconds from spawning `file` to U-Boot's prompt (a key sent at its offer) or Linux's poweroff. */
function timed(file: string, args: readonly string[], what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
    const p = spawn(file, args);
    let out = '';
    let keyed = false;
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (what !== 'uboot') return;
      if (!keyed && out.includes('Hit any key')) {
        keyed = true;
        p.stdin.write(' ');
      }
      if (keyed && out.includes('=> ')) {
        resolve(elapsed());
        p.kill();
      }
    });
    p.on('error', reject);
    // A process that ends before U-Boot's prompt, or Linux's with a status other than 0, fails the
    // run (after the prompt, the kill above ends it and the promise is settled already).
    p.on('exit', (code) => {
      if (what === 'linux' && code === 0) resolve(elapsed());
      else reject(new Error(`${file} ${what}: exit ${code}: ${out.slice(-300)}`));
    });
  });
}

/** One of our runs: in this process with --warm, a vm command with --cli, else in a fresh process (see the header). */
async function oursRun(what: string, translate: boolean): Promise<Ours> {
  if (warm) return ours(what, translate);
  if (cli) return { seconds: await vmCommand(what, translate), instructions: 0 };
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--one', what, String(translate)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${what}: the run exited with ${code}`));
      else resolve(JSON.parse(out) as Ours);
    });
  });
}

if (one) {
  process.stdout.write(JSON.stringify(ours(rest[0]!, rest[1] === 'true')));
  process.exit(0);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const haveQemu = existsSync('/usr/bin/qemu-system-riscv64');

for (const what of which) {
  if (what !== 'uboot' && what !== 'linux') throw new Error(`unknown boot ${what} (uboot, linux)`);
  const tr: number[] = [];
  const interp: number[] = [];
  const q: number[] = [];
  let instructions = 0;
  for (let i = 0; i < runs; i++) {
    const r = await oursRun(what, true);
    tr.push(r.seconds);
    instructions = r.instructions;
    interp.push((await oursRun(what, false)).seconds);
    if (haveQemu) q.push(await qemu(what));
  }
  const label = what === 'uboot' ? 'OpenSBI + U-Boot prompt' : 'Linux 6.1 to poweroff';
  const ratio = (xs: number[]): string => (haveQemu ? `  ${(median(xs) / median(q)).toFixed(2)}x QEMU` : '');
  const how = warm ? 'ours in one process (warm)' : cli ? 'each of ours a vm run process, timed from spawn as QEMU is' : 'each of ours in a fresh process';
  console.log(`${label}, median of ${runs}, ${how}${cli ? '' : ` (${(instructions / 1e6).toFixed(1)} M instructions)`}:`);
  console.log(`  vm, translator    ${median(tr).toFixed(2)} s${ratio(tr)}`);
  console.log(`  vm, interpreter   ${median(interp).toFixed(2)} s${ratio(interp)}`);
  if (haveQemu) console.log(`  qemu tcg          ${median(q).toFixed(2)} s`);
}
