import { COUNT_ZERO } from '@vm/core';
import { describe, expect, it } from 'vitest';
import * as E from './test-support/encode.js';
import { sameHiddenClass } from './test-support/hidden-class.js';
import { machine, runToWfi } from './test-support/machine.js';

// What keeps the interpreter's optimized code valid: V8 throws it away when an object it saw gets a
// new hidden class, or when a site meets a hidden class it had not seen.

describe('the retired count past 2^31 (core/counter.ts)', () => {
  it('a field that starts at the small integer 0 changes its hidden class there; one at COUNT_ZERO does not', () => {
    class Small {
      n = 0;
    }
    class Wide {
      n = COUNT_ZERO;
    }
    const [small, other] = [new Small(), new Small()];
    small.n += 2 ** 31;
    expect(sameHiddenClass(small, other)).toBe(false);
    const [wide, untouched] = [new Wide(), new Wide()];
    wide.n += 2 ** 31;
    expect(sameHiddenClass(wide, untouched)).toBe(true);
    expect(wide.n).toBe(2 ** 31);
  });

  it('a hart keeps its hidden class as its count passes 2^31, so optimized code that saw it stays valid', () => {
    const a = machine([E.NOP, E.NOP, E.WFI]);
    const b = machine([E.NOP, E.WFI]);
    runToWfi(b);
    a.hart.addRetired(2 ** 31);
    runToWfi(a);
    expect(a.hart.retired).toBe(2 ** 31 + 3);
    expect(sameHiddenClass(a.hart, b.hart)).toBe(true);
  });
});
