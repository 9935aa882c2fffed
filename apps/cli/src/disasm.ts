import { readInputFile } from './input-file.js';
import { ConfigError } from '@vm/core';
import { listing, parseElf } from '@vm/isa';

/** `vm disasm FILE.elf`: an objdump -d style listing of the executable sections. */
export function disasmCommand(argv: readonly string[]): number {
  const [file, ...extra] = argv;
  if (file === undefined || extra.length > 0) throw new ConfigError('usage: vm disasm FILE.elf');
  const image = parseElf(readInputFile(file, 'vm disasm'), file);
  process.stdout.write(listing(image));
  return 0;
}
