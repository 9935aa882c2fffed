import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundle } from '../bin/bundle.js';

/**
 * A build in miniature: an entry, a module in another package that names a file beside itself
 * (as spawn-worker.ts names a worker's entry) and its own directory (as guest-images.ts does),
 * and a CommonJS dependency that calls require() (as yaml does).
 */
function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'vm-bundle-'));
  const put = (path: string, text: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put(
    'apps/cli/dist/main.js',
    [
      "import { where } from '../../../packages/isa/dist/where.js';",
      "import sep from '../../../packages/isa/dist/sep.cjs';",
      'console.log(JSON.stringify({ ...where(), sep }));',
    ].join('\n'),
  );
  put(
    'packages/isa/dist/where.js',
    [
      "import { readFileSync } from 'node:fs';",
      'export function where() {',
      "  return { url: import.meta.url, dir: import.meta.dirname, beside: readFileSync(new URL('./beside.txt', import.meta.url), 'utf8') };",
      '}',
    ].join('\n'),
  );
  put('packages/isa/dist/beside.txt', 'next to where.js');
  put('packages/isa/dist/sep.cjs', "module.exports = require('node:path').sep;\n");
  return root;
}

describe('bin/bundle.js: the vm command as one file', () => {
  it('keeps each module its own import.meta.url and dirname, relative to where the bundle is', async () => {
    const root = tree();
    const modules = await bundle(join(root, 'apps/cli/dist/main.js'), join(root, 'apps/cli/dist/bundle'));
    expect(modules).toBe(3);
    const run = (at: string): Record<string, string> =>
      JSON.parse(execFileSync(process.execPath, [join(at, 'apps/cli/dist/bundle/vm.cjs')], { cwd: tmpdir(), encoding: 'utf8' })) as Record<string, string>;
    const expected = (at: string): Record<string, string> => ({
      url: pathToFileURL(join(at, 'packages/isa/dist/where.js')).href,
      dir: join(at, 'packages/isa/dist'),
      beside: 'next to where.js',
      sep: '/',
    });
    expect(run(root)).toEqual(expected(root));
    // The checkout moved: the bundle follows (nothing absolute is baked in).
    const moved = `${root}-moved`;
    renameSync(root, moved);
    expect(run(moved)).toEqual(expected(moved));
  });

  it('loads the built-in modules of LAZY_BUILTINS on first use, and is ASCII with the same strings', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vm-bundle-'));
    mkdirSync(join(root, 'apps/cli/dist'), { recursive: true });
    writeFileSync(
      join(root, 'apps/cli/dist/main.js'),
      [
        "import { gzipSync, gunzipSync } from 'node:zlib';",
        // esbuild keeps the comments of class members, as of many in the sources.
        'class Loaded {',
        '  /** Past ASCII \u2014 (\u00d7, \u00a7). */',
        "  static zlib = () => process.moduleLoadList.includes('NativeModule zlib');",
        '}',
        'const loaded = Loaded.zlib;',
        'const before = loaded();',
        "const text = gunzipSync(gzipSync('na\u00efve \u2014 \u{1F600}')).toString();",
        'console.log(JSON.stringify({ before, after: loaded(), text }));',
      ].join('\n'),
    );
    const out = join(root, 'apps/cli/dist/bundle');
    await bundle(join(root, 'apps/cli/dist/main.js'), out);
    const text = readFileSync(join(out, 'cli.cjs'), 'utf8');
    expect(Buffer.byteLength(text)).toBe(text.length); // one byte a character: ASCII
    const printed = JSON.parse(execFileSync(process.execPath, [join(out, 'vm.cjs')], { cwd: tmpdir(), encoding: 'utf8' })) as Record<string, unknown>;
    expect(printed).toEqual({ before: false, after: true, text: 'na\u00efve \u2014 \u{1F600}' });
  });

  it('keeps V8\'s code cache of a run that ran a guest, per bundle, and starts from it', async () => {
    const root = tree();
    const out = join(root, 'apps/cli/dist/bundle');
    await bundle(join(root, 'apps/cli/dist/main.js'), out);
    const caches = (): string[] => readdirSync(out).filter((f) => f.endsWith('.cache'));
    const run = (...args: string[]): string => execFileSync(process.execPath, [join(out, 'vm.cjs'), ...args], { cwd: tmpdir(), encoding: 'utf8' });
    run('-version');
    expect(caches()).toEqual([]); // a command that runs no guest leaves none
    const printed = run('run');
    expect(caches()).toHaveLength(1);
    const [first] = caches();
    const written = statSync(join(out, first!)).mtimeMs;
    expect(run('run')).toBe(printed); // the same output from the cache, which V8 took: not rewritten
    expect(statSync(join(out, first!)).mtimeMs).toBe(written);
    // Another bundle beside the old bundle's cache: it never runs from that one, writes its own,
    // and the old one goes.
    const old = readFileSync(join(out, first!));
    writeFileSync(join(root, 'apps/cli/dist/main.js'), 'console.log("rebuilt");\n');
    await bundle(join(root, 'apps/cli/dist/main.js'), out);
    writeFileSync(join(out, first!), old);
    expect(run('run')).toBe('rebuilt\n');
    expect(caches()).toHaveLength(1);
    expect(caches()[0]).not.toBe(first);
  });
});
