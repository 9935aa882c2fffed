import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtEntry, builtIsFresh } from '../bin/built.js';

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

  it('starts the bundle when it is no older than any built file, else dist/main.js', () => {
    const a = checkout();
    expect(builtEntry(a.root)).toBe(join(a.root, 'apps/cli/dist/main.js')); // no bundle
    a.touch('apps/cli/dist/bundle/vm.cjs', 12); // pnpm build's last step
    expect(builtEntry(a.root)).toBe(join(a.root, 'apps/cli/dist/bundle/vm.cjs'));
    a.touch('packages/isa/dist/hart/hart.js', 14); // one package rebuilt by tsc alone since
    expect(builtEntry(a.root)).toBe(join(a.root, 'apps/cli/dist/main.js'));
    a.touch('packages/isa/src/hart/hart.ts', 16); // and a source edited: the sources
    expect(builtEntry(a.root)).toBeUndefined();
  });

  it('VM_CLI_FROM=source always takes the sources', () => {
    process.env['VM_CLI_FROM'] = 'source';
    expect(builtIsFresh(checkout().root)).toBe(false);
  });
});

describe('bin/vm: the build while no source is newer than the last fresh check, else the sources', () => {
  it('answers from the stamp without built.js, and goes back to the sources when one changes', () => {
    // A checkout whose command prints where it runs from: the bundle dist/bundle/vm.cjs (newer
    // than the rest of the build), or src/main.ts (via tsx).
    const { root } = checkout();
    const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
    mkdirSync(join(root, 'apps/cli/bin'), { recursive: true });
    for (const f of ['vm', 'built.js']) copyFileSync(join(repo, 'apps/cli/bin', f), join(root, 'apps/cli/bin', f));
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    writeFileSync(join(root, 'apps/cli/dist/main.js'), 'console.log("dist")\n');
    mkdirSync(join(root, 'apps/cli/dist/bundle'));
    writeFileSync(join(root, 'apps/cli/dist/bundle/vm.cjs'), 'console.log("bundle")\n');
    writeFileSync(join(root, 'apps/cli/src/main.ts'), 'console.log("source")\n');
    const old = Date.now() / 1000 - 1000; // older than the build, as checkout() made it
    utimesSync(join(root, 'apps/cli/src/main.ts'), old, old);
    const vm = (): string => execFileSync('sh', [join(root, 'apps/cli/bin/vm')], { encoding: 'utf8' }).trim();
    expect(vm()).toBe('bundle'); // built.js found it fresh and left the stamp
    expect(readFileSync(join(root, 'apps/cli/dist/.fresh'), 'utf8')).toBe('apps/cli/dist/bundle/vm.cjs');
    renameSync(join(root, 'apps/cli/bin/built.js'), join(root, 'apps/cli/bin/built.away'));
    expect(vm()).toBe('bundle'); // the stamp alone
    renameSync(join(root, 'apps/cli/bin/built.away'), join(root, 'apps/cli/bin/built.js'));
    writeFileSync(join(root, 'packages/isa/src/hart/hart.ts'), '// edited\n'); // now: newer than stamp and build
    expect(vm()).toBe('source');
  });

  it('starts node without NODE_EXTRA_CA_CERTS, which Node 20 would load before any JavaScript', () => {
    const { root } = checkout();
    const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
    mkdirSync(join(root, 'apps/cli/bin'), { recursive: true });
    for (const f of ['vm', 'built.js']) copyFileSync(join(repo, 'apps/cli/bin', f), join(root, 'apps/cli/bin', f));
    writeFileSync(join(root, 'apps/cli/dist/main.js'), 'console.log(process.env.NODE_EXTRA_CA_CERTS ?? "unset")\n');
    // Node warns on stderr about a file it cannot load: with the variable passed on, this would.
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(root, 'no-such-bundle.pem') };
    const r = spawnSync('sh', [join(root, 'apps/cli/bin/vm')], { encoding: 'utf8', env });
    expect(r.stdout.trim()).toBe('unset');
    expect(r.stderr).not.toContain('extra certs');
    // The check itself: node given the variable does warn.
    expect(spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env }).stderr).toContain('extra certs');
  });
});
