import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const src = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(src, '../../..');

/**
 * The arguments of `node` (process.execPath) that start the vm command from its sources, as the
 * `vm` launcher (apps/cli/bin/vm) does: tsx's loader inside node itself and the @vm/source
 * condition. The tsx command would start a second node process for each: about 0.4 s of CPU and
 * of wall time more per start, over the hundreds of starts of this package's tests.
 */
export function vmArgs(...args: readonly string[]): string[] {
  return ['--import', join(root, 'node_modules/tsx/dist/loader.mjs'), '--conditions=@vm/source', join(src, 'main.ts'), ...args];
}
