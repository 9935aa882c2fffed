import { afterEach, describe, expect, it } from 'vitest';
import { envVar } from './env.js';

describe('envVar', () => {
  afterEach(() => {
    delete process.env['VM_ENV_TEST'];
  });

  it("reads the host process's environment, undefined when unset", () => {
    expect(envVar('VM_ENV_TEST')).toBeUndefined();
    process.env['VM_ENV_TEST'] = 'js';
    expect(envVar('VM_ENV_TEST')).toBe('js');
  });
});
