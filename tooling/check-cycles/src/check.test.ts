import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkWorkspace, failed, formatResult } from './check.js';

const fixtures: string[] = [];

/** A throwaway workspace: `files` maps paths below the root to their text. */
function workspace(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'check-cycles-'));
  fixtures.push(root);
  const all: Record<string, string> = { 'pnpm-workspace.yaml': 'packages:\n  - packages/*\n', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

function manifest(name: string, dependencies: Record<string, string> = {}): string {
  const exports = { '.': { '@vm/source': './src/index.ts', default: './dist/index.js' }, './internal/*': null };
  return JSON.stringify({ name, type: 'module', exports, dependencies });
}

afterEach(() => {
  for (const root of fixtures.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('check-cycles', () => {
  it('fails on two files importing each other and prints the chain', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@fx/a'),
      'packages/a/src/x.ts': "import { y } from './y.js';\nexport const x = () => y;\n",
      'packages/a/src/y.ts': "import { x } from './x.js';\nexport const y = () => x;\n",
    });
    const result = checkWorkspace(root);
    expect(failed(result)).toBe(true);
    expect(result.fileCycles.map((c) => c.chain)).toEqual([
      ['packages/a/src/x.ts', 'packages/a/src/y.ts', 'packages/a/src/x.ts'],
    ]);
    expect(formatResult(result)).toContain(
      'error: circular import among 2 files:\n  packages/a/src/x.ts\n' +
        '    -> packages/a/src/y.ts   (import, line 1)\n    -> packages/a/src/x.ts   (import, line 1)',
    );
  });

  it('exits 1 from the command line on a cycle, 0 without', () => {
    const cyclic = workspace({
      'packages/a/package.json': manifest('@fx/a'),
      'packages/a/src/x.ts': "export * from './y.js';\n",
      'packages/a/src/y.ts': "import './x.js';\n",
    });
    const clean = workspace({
      'packages/a/package.json': manifest('@fx/a'),
      'packages/a/src/x.ts': "export * from './y.js';\n",
      'packages/a/src/y.ts': 'export const y = 1;\n',
    });
    const main = join(import.meta.dirname, 'main.ts');
    const run = (root: string): { status: number; output: string } => {
      try {
        const output = execFileSync(process.execPath, ['--import', 'tsx', main, root], { stdio: 'pipe', encoding: 'utf8' });
        return { status: 0, output };
      } catch (error) {
        const e = error as { status: number; stderr: string };
        return { status: e.status, output: e.stderr };
      }
    };
    const bad = run(cyclic);
    expect(bad.status).toBe(1);
    expect(bad.output).toContain('packages/a/src/x.ts\n    -> packages/a/src/y.ts');
    expect(run(clean).status).toBe(0);
  });

  it('resolves index files and workspace packages through the @vm/source condition', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@fx/a', { '@fx/b': 'workspace:*' }),
      'packages/a/src/index.ts': "export { b } from '@fx/b';\nexport const a = 1;\n",
      'packages/b/package.json': manifest('@fx/b', { '@fx/a': 'workspace:*' }),
      'packages/b/src/index.ts': "export * from './inner';\n",
      'packages/b/src/inner/index.ts': "import { a } from '@fx/a';\nexport const b = a;\n",
    });
    const result = checkWorkspace(root);
    expect(result.fileCycles.map((c) => c.chain)).toEqual([
      ['packages/a/src/index.ts', 'packages/b/src/index.ts', 'packages/b/src/inner/index.ts', 'packages/a/src/index.ts'],
    ]);
    expect(result.packageCycles.map((c) => c.chain)).toEqual([['@fx/a', '@fx/b', '@fx/a']]);
    expect(result.problems).toEqual([]);
  });

  it('reports a cycle closed only by `import type` as a warning, not a failure', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@fx/a'),
      'packages/a/src/x.ts': "import type { Y } from './y.js';\nexport interface X { y?: Y }\n",
      'packages/a/src/y.ts': "import { type X } from './x.js';\nexport interface Y { x?: X }\n",
    });
    const result = checkWorkspace(root);
    expect(failed(result)).toBe(false);
    expect(result.typeOnlyCycles.map((c) => c.chain)).toEqual([
      ['packages/a/src/x.ts', 'packages/a/src/y.ts', 'packages/a/src/x.ts'],
    ]);
    // `import { type X }` still loads x.ts under verbatimModuleSyntax: it is a value edge.
    expect(result.typeOnlyCycles[0].steps.map((s) => s.kind)).toEqual(['type', 'value']);
  });

  it('fails when the root holds no workspace packages', () => {
    const result = checkWorkspace(workspace({}));
    expect(failed(result)).toBe(true);
    expect(result.problems.map((p) => p.message)).toEqual(['names no workspace packages']);
  });

  it('fails on an undeclared workspace import, a path into another package, and an unexported subpath', () => {
    const root = workspace({
      'packages/a/package.json': manifest('@fx/a'),
      'packages/a/src/index.ts':
        "import { b } from '@fx/b';\nimport { c } from '../../b/src/c.js';\nimport { d } from '@fx/b/internal/d';\n" +
        'export const a = [b, c, d];\n',
      'packages/b/package.json': manifest('@fx/b'),
      'packages/b/src/index.ts': 'export const b = 1;\n',
      'packages/b/src/c.ts': 'export const c = 1;\n',
    });
    const result = checkWorkspace(root);
    expect(failed(result)).toBe(true);
    expect(result.problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      "1: imports @fx/b, which @fx/a's package.json does not declare",
      "2: reaches into @fx/b by path ('../../b/src/c.js'); import '@fx/b'",
      "3: cannot resolve '@fx/b/internal/d': ./internal/d is not exported by @fx/b",
    ]);
  });
});
