// @ts-check
/**
 * The vm command in a few files: `pnpm build` (after tsc) bundles apps/cli/dist/main.js and the
 * built packages it imports into apps/cli/dist/bundle/ — vm.mjs, which the `vm` launcher (bin/vm)
 * starts when it is as new as the build (bin/built.js), and one chunk per set of modules that
 * main's dynamic imports load (a command's own, and those they share), so `vm --version` loads
 * no more than before. Node then reads, resolves and links a few modules instead of about 380:
 * `vm run` of a short program starts in 0.19-0.24 s instead of 0.31-0.37 s (docs/translator.md,
 * "A faster start").
 *
 * Every module keeps its own `import.meta.url` (and `import.meta.dirname`), as a path relative to
 * the bundle's own URL: where a module names a file beside it — a worker thread's entry, the module
 * a VM worker imports its factory from, a guest image under the repository — the bundle names the
 * same file, in the unbundled build. So worker threads start from dist/ as before, nothing moves,
 * and the bundle works wherever the checkout is.
 *
 * Run as a program (`node bin/bundle.js`), it bundles this checkout's command.
 */
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The bundle's entry, which bin/vm starts (bin/built.js checks that it is as new as the build). */
export const BUNDLE = join(dirname(fileURLToPath(import.meta.url)), '../dist/bundle/vm.mjs');

/**
 * Bundle the ES module `entry` and what it imports into `outdir`: `vm.mjs` (an ES module) and,
 * for what it imports dynamically, chunks beside it. The directory is the bundle's alone: what
 * was in it goes first.
 * @param {string} entry
 * @param {string} outdir
 * @returns {Promise<number>} how many modules it holds
 */
export async function bundle(entry, outdir) {
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { vm: entry },
    outdir,
    outExtension: { '.js': '.mjs' },
    splitting: true,
    chunkNames: 'chunk-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'warning',
    // CommonJS dependencies (yaml) call require(); an ES module has none of its own.
    banner: {
      js: [
        "import { createRequire as __vmCreateRequire } from 'node:module';",
        "import { dirname as __vmDirname } from 'node:path';",
        "import { fileURLToPath as __vmFileURLToPath } from 'node:url';",
        'const require = __vmCreateRequire(import.meta.url);',
        // A bundled module's own URL, from its path relative to the bundle.
        'const __vmUrl = (rel) => new URL(rel, import.meta.url).href;',
      ].join('\n'),
    },
    plugins: [
      {
        name: 'own-import-meta',
        setup(b) {
          b.onLoad({ filter: /\.[cm]?js$/ }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            // Every chunk is in outdir, so one relative path serves all of them.
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
  return Object.keys(result.metafile?.inputs ?? {}).length;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outdir = dirname(BUNDLE);
  const modules = await bundle(join(outdir, '../main.js'), outdir);
  console.log(`bundled ${modules} modules into ${BUNDLE}`);
}
