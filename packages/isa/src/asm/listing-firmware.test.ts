import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../elf/parse.js';
import { listing } from './listing.js';
import { hasTool, OBJDUMP, objdump, parseObjdump } from './objdump-support.js';

const FIRMWARE = [
  '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf',
  '/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf',
];

/** Strip the `# addr <sym>` and `<sym>` annotations objdump adds; they are not compared. */
const strip = (line: string): string => line.replace(/\s*#.*$/, '').replace(/\s*<[^>]*>/g, '');

describe.skipIf(!hasTool(OBJDUMP))('listing matches `riscv64-unknown-elf-objdump -d`', () => {
  for (const file of FIRMWARE) {
    it.skipIf(!existsSync(file))(`on ${file}`, () => {
      const want = parseObjdump(objdump(file));
      const mine = listing(parseElf(new Uint8Array(readFileSync(file)), file));
      const got = parseObjdump(mine);
      const byAddr = new Map(got.map((l) => [l.address, l]));
      let matched = 0;
      const bad: string[] = [];
      for (const w of want) {
        const g = byAddr.get(w.address);
        if (g && g.mnemonic === w.mnemonic && g.operands === w.operands && g.hex === w.hex) matched++;
        else if (bad.length < 20) bad.push(`${w.address.toString(16)}: ${w.hex} ${w.mnemonic} ${w.operands} | mine: ${g ? `${g.hex} ${g.mnemonic} ${g.operands}` : 'missing'}`);
      }
      console.log(`${file}: ${matched}/${want.length} objdump instruction lines match`);
      expect(bad).toEqual([]);
      expect(matched).toBe(want.length);
      // Same line sequence (instructions, `...` elisions and region headers), annotations aside.
      const norm = (t: string) =>
        t.split('\n').filter((l) => /^\s*[0-9a-f]+:\t|^\t\.\.\.$/.test(l)).map(strip);
      expect(norm(mine)).toEqual(norm(objdump(file)));
    });
  }
});
