import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtIsFresh } from '../bin/built.js';

/** A checkout with two packages, each source at `t0` and its build at `t0 + 10 s`. */
function checkout(): { root: string; touch: (path: string, seconds: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'vm-built-'));
  const t0 = Date.now() / 1000 - 1000;
  const touch = (path: string, seconds: number): void => {
    const f = join(root, path);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '');
    utimesSync(f, t0 + seconds, t0 + seconds);
  };
  for (const p of ['apps/cli', 'packages/isa']) touch(`${p}/tsconfig.build.json`, 0);
  for (const f of ['apps/cli/src/main', 'packages/isa/src/index', 'packages/isa/src/hart/hart']) {
    touch(`${f}.ts`, 0);
    touch(`${f.replace('/src/', '/dist/')}.js`, 10);
  }
  touch('packages/isa/src/hart/hart.test.ts', 20); // tests and test support are not built
  touch('packages/isa/src/test-support/machine.ts', 20);
  return { root, touch };
}

describe('bin/built.js: whether ./vm and the CLI tests may start the build', () => {
  afterEach(() => {
    delete process.env['VM_CLI_FROM'];
  });

  it('is fresh when every source has a build no older than itself', () => {
    expect(builtIsFresh(checkout().root)).toBe(true);
  });

  it('is stale when a source is newer than its build, or has none, or there is no built command', () => {
    const a = checkout();
    a.touch('packages/isa/src/hart/hart.ts', 30); // edited after the build
    expect(builtIsFresh(a.root)).toBe(false);
    const b = checkout();
    b.touch('packages/isa/src/hart/new.ts', 5); // added, never built
    expect(builtIsFresh(b.root)).toBe(false);
    const c = checkout();
    rmSync(join(c.root, 'apps/cli/dist/main.js')); // packages built, the command not
    expect(builtIsFresh(c.root)).toBe(false);
  });

  it('VM_CLI_FROM=source always takes the sources', () => {
    process.env['VM_CLI_FROM'] = 'source';
    expect(builtIsFresh(checkout().root)).toBe(false);
  });
});
