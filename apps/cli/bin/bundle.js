// @ts-check
/**
 * The vm command in one file: `pnpm build` (after tsc) bundles apps/cli/dist/main.js and the built
 * packages it imports into apps/cli/dist/bundle/cli.cjs (CommonJS: V8 caches its compiled code,
 * which Node 20 offers for scripts, not for ES modules), and beside it vm.cjs (bin/start.cjs, with
 * the bundle's hash), which the `vm` launcher (bin/vm) starts when it is as new as the build
 * (bin/built.js). Node then reads one file instead of resolving, reading and linking about 380
 * modules: `vm run` of a short program starts in 0.19-0.24 s instead of 0.31-0.37 s, and with the
 * code cache start.cjs keeps, about 40 ms sooner again (docs/translator.md, "A faster start").
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
export const BUNDLE = join(here, '../dist/bundle/vm.cjs');

/**
 * Node's built-in modules that commands use only now and then (a guest's gzip, a snapshot's
 * digest, a debugger's socket, worker threads, the matrix's processes): the bundle's modules
 * bind them to an object that loads the module on the first access to one of its exports
 * (`__vmLazy`), where esbuild's output would load them all as the bundle starts. Node 20 has no
 * lazy form of `import`, and these pull in about 60 of Node's internal modules: `vm run` starts
 * ~5 ms sooner without them (docs/translator.md, "Node's own start").
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'net', 'os', 'readline', 'worker_threads', 'zlib'];
const LAZY_REQUIRE = new RegExp(`= require\\("node:(${LAZY_BUILTINS.join('|')})"\\);`, 'g');

/**
 * `text` with every character past ASCII written as a `\uXXXX` escape. esbuild already escapes
 * them in strings, templates and regular expressions (its default charset), where an escape means
 * the same; what is left is in comments. An ASCII bundle is a one-byte string to V8: start.cjs reads
 * it as latin1, ~3 ms sooner than decoding UTF-8 into a two-byte string.
 * @param {string} text
 * @returns {string}
 */
function asciiOnly(text) {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Bundle the ES module `entry` and what it imports into `outdir`: `cli.cjs`, and `vm.cjs` that
 * starts it (bin/start.cjs). The directory is the bundle's alone: what was in it goes first.
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
        // A built-in module loaded on its first use (LAZY_BUILTINS).
        'const __vmLazy = (id) => { let m; return new Proxy({}, { get: (_, k) => (m ??= require(id))[k] }); };',
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
  const file = join(outdir, 'cli.cjs');
  const text = await readFile(file, 'utf8');
  const out = asciiOnly(text.replace(LAZY_REQUIRE, (_, id) => `= __vmLazy("node:${id}");`));
  await writeFile(file, out);
  const hash = createHash('sha256').update(out).digest('hex').slice(0, 16);
  const start = await readFile(join(here, 'start.cjs'), 'utf8');
  if (!start.includes("const BUNDLE_HASH = 'unset';")) throw new Error('bin/start.cjs: no BUNDLE_HASH to set');
  await writeFile(join(outdir, 'vm.cjs'), start.replace("const BUNDLE_HASH = 'unset';", `const BUNDLE_HASH = '${hash}';`));
  return Object.keys(result.metafile?.inputs ?? {}).length;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = dirname(BUNDLE);
  const modules = await bundle(join(outdir, '../main.js'), outdir);
  console.log(`bundled ${modules} modules into ${BUNDLE}`);
}
