import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtEntry } from '../../bin/built.js';

const src = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(src, '../../..');

let fromBuild: string | false | undefined;

/**
 * The arguments of `node` (process.execPath) that start the vm command for a test, as the `vm`
 * launcher (apps/cli/bin/vm) does: the build (its bundle when that is as new as the rest) when it
 * is as new as the sources (bin/built.js: after `pnpm build`), else the sources, with tsx's loader
 * inside node itself and the @vm/source condition. A start from the build costs about 0.6 s of CPU
 * less (0.75 s instead of 1.57 s of wall time for a short `vm run`), over the hundreds of starts
 * of this package's tests. CI does not build @vm/cli before them: its tests would then wait for
 * the whole chain of package builds (turbo.json; tried: at concurrency 3 the test tasks took the
 * slots and the builds crawled).
 */
export function vmArgs(...args: readonly string[]): string[] {
  fromBuild ??= builtEntry() ?? false;
  if (fromBuild !== false) return [fromBuild, ...args];
  return ['--import', join(root, 'node_modules/tsx/dist/loader.mjs'), '--conditions=@vm/source', join(src, 'main.ts'), ...args];
}
