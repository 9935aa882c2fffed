// @ts-check
/**
 * The vm command in one file: `pnpm build` (after tsc) bundles apps/cli/dist/main.js and the built
 * packages it imports into apps/cli/dist/bundle/cli.cjs (CommonJS: V8 caches its compiled code,
 * which Node 20 offers for scripts, not for ES modules), and beside it vm.mjs (bin/start.js, with
 * the bundle's hash), which the `vm` launcher (bin/vm) starts when it is as new as the build
 * (bin/built.js). Node then reads one file instead of resolving, reading and linking about 380
 * modules: `vm run` of a short program starts in 0.19-0.24 s instead of 0.31-0.37 s, and with the
 * code cache start.js keeps, about 40 ms sooner again (docs/translator.md, "A faster start").
 *
 * Every module keeps its own `import.meta.url` (and `import.meta.dirname`), as a path relative to
 * the bundle's own file: where a module names a file beside it — a worker thread's entry, the
 * module a VM worker imports its factory from, a guest image under the repository — the bundle
 * names the same file, in the unbundled build. So worker threads start from dist/ as before,
 * nothing moves, and the bundle works wherever the checkout is.
 *
 * Run as a program (`node bin/bundle.js`), it bundles this checkout's command.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** The bundle's entry, which bin/vm starts (bin/built.js checks that it is as new as the build). */
export const BUNDLE = join(here, '../dist/bundle/vm.mjs');

/**
 * Bundle the ES module `entry` and what it imports into `outdir`: `cli.cjs`, and `vm.mjs` that
 * starts it (bin/start.js). The directory is the bundle's alone: what was in it goes first.
 * @param {string} entry
 * @param {string} outdir
 * @returns {Promise<number>} how many modules it holds
 */
export async function bundle(entry, outdir) {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { cli: entry },
    outdir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    banner: {
      js: [
        "const { dirname: __vmDirname } = require('node:path');",
        "const { fileURLToPath: __vmFileURLToPath, pathToFileURL: __vmPathToFileURL } = require('node:url');",
        // A bundled module's own URL, from its path relative to the bundle.
        'const __vmUrl = (rel) => new URL(rel, __vmPathToFileURL(__filename)).href;',
      ].join('\n'),
    },
    plugins: [
      {
        name: 'own-import-meta',
        setup(b) {
          b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            const url = `__vmUrl(${JSON.stringify(relative(outdir, args.path).split(sep).join('/'))})`;
            return {
              contents: text.replaceAll('import.meta.url', url).replaceAll('import.meta.dirname', `__vmDirname(__vmFileURLToPath(${url}))`),
              loader: 'js',
            };
          });
        },
      },
    ],
  });
  const hash = createHash('sha256').update(await readFile(join(outdir, 'cli.cjs'))).digest('hex').slice(0, 16);
  const start = await readFile(join(here, 'start.js'), 'utf8');
  if (!start.includes("const BUNDLE_HASH = 'unset';")) throw new Error('bin/start.js: no BUNDLE_HASH to set');
  await writeFile(join(outdir, 'vm.mjs'), start.replace("const BUNDLE_HASH = 'unset';", `const BUNDLE_HASH = '${hash}';`));
  return Object.keys(result.metafile?.inputs ?? {}).length;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = dirname(BUNDLE);
  const modules = await bundle(join(outdir, '../main.js'), outdir);
  console.log(`bundled ${modules} modules into ${BUNDLE}`);
}
