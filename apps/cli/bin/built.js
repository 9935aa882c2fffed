// @ts-check
/**
 * Whether this checkout's build (`pnpm build`: dist/ of every package) runs today's sources, so
 * that the `vm` launcher (bin/vm) and the CLI tests can start the built command with node alone
 * instead of compiling the sources through tsx: 0.2 s instead of 0.6 s for `./vm --version`,
 * 0.6 s of CPU less for a short `vm run` — and which file: the bundle (bin/bundle.js) when it is
 * as new as the build, another 0.1 s less.
 *
 * Fresh means: every source file (src/**.ts less tests and test-support) of every package under
 * apps/ and packages/ with a build has its dist/ counterpart, written no earlier than the source
 * (tsc's incremental builds leave unchanged outputs as they were, so the test is per file; an
 * edit, a checkout or a pull makes the edited files newer). VM_CLI_FROM=source forces the sources.
 *
 * Run as a program (`node bin/built.js`), it prints what to start and exits 0 when fresh, and
 * exits 1 when not.
 */
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is apps/cli/bin/built.js). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * @param {string} [root] the checkout (tests give another)
 * @returns {boolean}
 */
export function builtIsFresh(root = ROOT) {
  return builtEntry(root) !== undefined;
}

/**
 * What to start when the build is fresh: the bundle (apps/cli/dist/bundle/vm.cjs, bin/bundle.js)
 * when it is no older than any built file, else the command module by module, tsc's
 * apps/cli/dist/main.js (a package rebuilt after the bundle, by tsc alone); undefined when the
 * build is not fresh.
 * @param {string} [root] the checkout (tests give another)
 * @returns {string | undefined}
 */
export function builtEntry(root = ROOT) {
  const main = join(root, 'apps/cli/dist/main.js');
  if (process.env['VM_CLI_FROM'] === 'source' || !existsSync(main)) return undefined;
  const newest = { ms: statSync(main).mtimeMs };
  const fresh = ['apps', 'packages'].every((group) =>
    !existsSync(join(root, group)) || readdirSync(join(root, group)).every((pkg) => {
      const dir = join(root, group, pkg);
      return !existsSync(join(dir, 'tsconfig.build.json')) || !existsSync(join(dir, 'src')) || builtFrom(join(dir, 'src'), join(dir, 'dist'), newest);
    }));
  if (!fresh) return undefined;
  const bundle = join(root, 'apps/cli/dist/bundle/vm.cjs');
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newest.ms ? bundle : main;
}

/**
 * @param {string} srcDir
 * @param {string} distDir
 * @param {{ ms: number }} newest the newest built file so far (updated)
 * @returns {boolean}
 */
function builtFrom(srcDir, distDir, newest) {
  for (const e of readdirSync(srcDir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (e.name !== 'test-support' && !builtFrom(join(srcDir, e.name), join(distDir, e.name), newest)) return false;
      continue;
    }
    if (!e.name.endsWith('.ts') || e.name.endsWith('.test.ts') || e.name.endsWith('.d.ts')) continue;
    const out = join(distDir, e.name.slice(0, -3) + '.js');
    if (!existsSync(out)) return false;
    const built = statSync(out).mtimeMs;
    if (built < statSync(join(srcDir, e.name)).mtimeMs) return false;
    if (built > newest.ms) newest.ms = built;
  }
  return true;
}

/**
 * What bin/vm checks before asking this program: the time of the last check that found the build
 * fresh, and in it what to start (builtEntry, relative to the checkout). While no source file is
 * newer than it, the build still is (a `find` of 5 ms instead of a node process of 80 ms for
 * every command).
 */
export const FRESH_STAMP = join(ROOT, 'apps/cli/dist/.fresh');

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // The stamp gets the time before the check, so that a source saved during it is newer.
  const t0 = new Date();
  const entry = builtEntry();
  if (entry !== undefined) {
    try {
      writeFileSync(FRESH_STAMP, relative(ROOT, entry));
      utimesSync(FRESH_STAMP, t0, t0);
    } catch {
      // a read-only checkout: bin/vm asks again next time
    }
    console.log(entry);
  }
  process.exit(entry !== undefined ? 0 : 1);
}
