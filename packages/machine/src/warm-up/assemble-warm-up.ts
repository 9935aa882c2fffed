import { assemble } from '@vm/isa';
import { VIRT } from '../memory-map.js';

/**
 * The text of image.ts for the warm-up program's assembly source: its bytes, assembled at the
 * start of RAM, in base64. Used by scripts/gen-warm-up.ts, and by warm-up.test.ts to check that
 * image.ts is what warm-up.S assembles to.
 */
export function warmUpImageSource(source: string): string {
  const { bytes, symbols } = assemble(source, { base: BigInt(VIRT.dram.base) });
  const counts = symbols.get('COUNTS');
  if (counts === undefined) throw new Error('warm-up.S: no COUNTS symbol (where its handlers count their traps)');
  const b64 = Buffer.from(bytes).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 96) lines.push(`  '${b64.slice(i, i + 96)}'`);
  return [
    '// Generated from warm-up.S by `pnpm --filter @vm/machine gen:warm-up`; do not edit.',
    `/** The warm-up program (warm-up.S), ${bytes.length} bytes at the start of RAM, in base64. */`,
    'export const WARM_UP_IMAGE =',
    `${lines.join(' +\n')};`,
    "/** warm-up.S's COUNTS: its M-mode handler's count of traps; the S-mode one's is 8 bytes on. */",
    `export const WARM_UP_COUNTS = 0x${counts.toString(16)};`,
    '',
  ].join('\n');
}
