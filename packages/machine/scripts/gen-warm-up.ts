/**
 * Assemble src/warm-up/warm-up.S with @vm/isa's assembler into src/warm-up/image.ts (the program
 * warmUp() runs; assembling it at run time would cost more than the warm-up itself).
 *
 *   pnpm --filter @vm/machine gen:warm-up
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { warmUpImageSource } from '../src/warm-up/assemble-warm-up.js';

const dir = fileURLToPath(new URL('../src/warm-up/', import.meta.url));
writeFileSync(`${dir}image.ts`, warmUpImageSource(readFileSync(`${dir}warm-up.S`, 'utf8')));
process.stdout.write(`wrote ${dir}image.ts\n`);
