// @ts-check
/**
 * The vm command's first file: `pnpm build` copies it beside the bundle (bin/bundle.js) as
 * dist/bundle/vm.cjs, with BUNDLE_HASH set to the bundle's: a CommonJS file, since Node 20 starts
 * a CommonJS main without its ES module loader, ~10 ms sooner (docs/translator.md, "Node's own
 * start"). It runs the bundle (cli.cjs) from V8's code cache when there is one for this bundle
 * and this V8: the bytecode of every function a run compiled, so that neither is the bundle's
 * 1.5 MB parsed again nor are our functions compiled again on their first call — `vm run` starts
 * about 40 ms sooner (docs/translator.md, "A faster start"). Node 22 has this built in
 * (module.enableCompileCache); Node 20 offers it for scripts (vm.Script's cachedData), not for ES
 * modules, hence a CommonJS bundle.
 *
 * A command that runs a guest and found no cache (or one V8 refused: another V8, other flags)
 * writes one as it exits, beside the bundle, named by the bundle's hash and V8's version, so that
 * a rebuilt bundle never meets the bytecode of another. Nothing here can fail the command: a
 * read-only checkout just has no cache. VM_CODE_CACHE=0 leaves the cache out.
 */
const { readFileSync, readdirSync, renameSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE_HASH = 'unset';
const here = __dirname;
const code = join(here, 'cli.cjs');
const cacheName = `cli.${BUNDLE_HASH}.${process.versions.v8}.cache`;
const cacheFile = join(here, cacheName);
const useCache = process.env['VM_CODE_CACHE'] !== '0' && BUNDLE_HASH !== 'unset';
/** Commands that run a guest: their runs compile what later runs need (`vm -version` compiles little). */
const GUEST_COMMANDS = new Set(['run', 'up', 'snapshot', 'restore', 'migrate', 'bench']);

// The bundle is ASCII (bin/bundle.js asciiOnly): latin1 makes the one-byte string V8 wants directly.
const text = readFileSync(code, 'latin1');
// As Node wraps a CommonJS module; the bundle keeps main.js's #! line, which cannot start a body.
const source = `(function (exports, require, module, __filename, __dirname) { ${text.startsWith('#!') ? `//${text.slice(2)}` : text}\n});`;
/** @type {Buffer | undefined} */
let cachedData;
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
}
const script = new Script(source, { filename: code, cachedData });
if (useCache && (cachedData === undefined || script.cachedDataRejected === true) && process.argv.slice(2).some((a) => GUEST_COMMANDS.has(a))) {
  process.on('exit', () => {
    try {
      const tmp = `${cacheFile}.${process.pid}`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
      // Caches of other bundles or V8s are of no use to this one.
      for (const f of readdirSync(here)) if (f.startsWith('cli.') && f.endsWith('.cache') && f !== cacheName) unlinkSync(join(here, f));
    } catch {
      // a read-only checkout, or another vm writing at the same time: next time
    }
  });
}
const bundled = { exports: {} };
/** @type {(exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void} */
const run = script.runInThisContext();
run(bundled.exports, createRequire(code), bundled, code, here);
