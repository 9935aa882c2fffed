// The workspace as the checker sees it: its packages (from pnpm-workspace.yaml), their TypeScript
// files, and how an import specifier written in one file resolves to another file.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface WorkspacePackage {
  readonly name: string;
  /** Absolute directory. */
  readonly dir: string;
  readonly manifest: PackageManifest;
}

export interface PackageManifest {
  readonly name?: string;
  readonly exports?: unknown;
  readonly main?: string;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The export condition under which package imports resolve to sources (tooling/tsconfig/base.json). */
export const SOURCE_CONDITION = '@vm/source';
const FALLBACK_CONDITIONS = ['import', 'default', 'types'];

const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

/**
 * Package directories named by pnpm-workspace.yaml's `packages:` list. Only the forms this
 * workspace uses are understood: `dir/*` and a plain `dir`.
 */
export function workspacePackages(root: string): WorkspacePackage[] {
  const yaml = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const patterns: string[] = [];
  let inPackages = false;
  for (const line of yaml.split('\n')) {
    if (/^\S/.test(line)) inPackages = /^packages\s*:/.test(line);
    const item = inPackages ? /^\s+-\s*['"]?([^'"#\s]+)['"]?/.exec(line) : null;
    if (item !== null) patterns.push(item[1]);
  }
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    if (pattern.endsWith('/*')) {
      const parent = join(root, pattern.slice(0, -2));
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent).sort()) dirs.push(join(parent, entry));
    } else {
      dirs.push(join(root, pattern));
    }
  }
  const packages: WorkspacePackage[] = [];
  for (const dir of dirs) {
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageManifest;
    if (manifest.name === undefined) continue;
    packages.push({ name: manifest.name, dir: resolve(dir), manifest });
  }
  return packages;
}

/** Every TypeScript source in a package (tests, benches and examples included; declarations not). */
export function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && isSource(entry.name)) files.push(path);
    }
  };
  walk(dir);
  return files.sort();
}

function isSource(name: string): boolean {
  return SOURCE_EXTENSIONS.some((ext) => name.endsWith(ext)) && !/\.d\.[cm]?ts$/.test(name);
}

/** Names of the workspace packages a manifest depends on, with the field that names each. */
export function workspaceDependencies(
  manifest: PackageManifest,
  workspaceNames: ReadonlySet<string>,
): Map<string, string> {
  const deps = new Map<string, string>();
  const fields = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const;
  for (const field of fields) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (workspaceNames.has(name) && !deps.has(name)) deps.set(name, field);
    }
  }
  return deps;
}

export type Resolution =
  | { readonly kind: 'file'; readonly path: string; readonly viaPackage?: string }
  /** A workspace package, but its target is not a TypeScript file here (e.g. a .js config). */
  | { readonly kind: 'outside'; readonly viaPackage?: string }
  /** Not a workspace module at all (node:fs, vitest, ...). */
  | { readonly kind: 'external' }
  | { readonly kind: 'unresolved'; readonly reason: string };

/**
 * Resolves a specifier the way NodeNext does under the source condition: relative paths with the
 * `.js` → `.ts` mapping TypeScript applies, directory index files, and workspace package names
 * through their `exports` maps.
 */
export function resolveSpecifier(
  specifier: string,
  fromFile: string,
  packages: readonly WorkspacePackage[],
): Resolution {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const path = resolveFile(resolve(dirname(fromFile), specifier));
    if (path !== undefined) return isSource(path) ? { kind: 'file', path } : { kind: 'outside' };
    return { kind: 'unresolved', reason: 'no such file' };
  }
  const target = packages.find((p) => specifier === p.name || specifier.startsWith(`${p.name}/`));
  if (target === undefined) return { kind: 'external' };
  const subpath = specifier === target.name ? '.' : `.${specifier.slice(target.name.length)}`;
  const exported = exportTarget(target.manifest, subpath);
  if (exported === null) return { kind: 'unresolved', reason: `${subpath} is not exported by ${target.name}` };
  const path = resolveFile(join(target.dir, exported));
  if (path === undefined) return { kind: 'unresolved', reason: `${target.name} exports ${exported}, which is missing` };
  return isSource(path) ? { kind: 'file', path, viaPackage: target.name } : { kind: 'outside', viaPackage: target.name };
}

function resolveFile(base: string): string | undefined {
  const candidates: string[] = [];
  const mapped: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
  for (const [ext, sources] of Object.entries(mapped)) {
    if (base.endsWith(ext)) candidates.push(...sources.map((s) => base.slice(0, -ext.length) + s));
  }
  candidates.push(base, ...SOURCE_EXTENSIONS.map((ext) => base + ext));
  candidates.push(...SOURCE_EXTENSIONS.map((ext) => join(base, `index${ext}`)));
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** The file a package exports at `subpath` ('.' or './x'), or null when it is not exported. */
function exportTarget(manifest: PackageManifest, subpath: string): string | null {
  const exports = manifest.exports;
  if (exports === undefined) return subpath === '.' ? (manifest.main ?? 'index') : subpath;
  const map: Record<string, unknown> =
    typeof exports === 'string' || Array.isArray(exports) || !Object.keys(exports as object).some((k) => k.startsWith('.'))
      ? { '.': exports }
      : (exports as Record<string, unknown>);
  if (subpath in map) return conditionalTarget(map[subpath], '');
  // Longest matching pattern key wins, as in Node's PATTERN_KEY_COMPARE.
  const patterns = Object.keys(map)
    .filter((key) => key.includes('*'))
    .sort((a, b) => b.indexOf('*') - a.indexOf('*') || b.length - a.length);
  for (const key of patterns) {
    const [prefix, suffix] = key.split('*') as [string, string];
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      return conditionalTarget(map[key], subpath.slice(prefix.length, subpath.length - suffix.length));
    }
  }
  return null;
}

function conditionalTarget(value: unknown, star: string): string | null {
  if (typeof value === 'string') return value.replaceAll('*', star);
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const target = conditionalTarget(item, star);
      if (target !== null) return target;
    }
    return null;
  }
  const conditions = value as Record<string, unknown>;
  for (const condition of [SOURCE_CONDITION, ...FALLBACK_CONDITIONS]) {
    if (condition in conditions) return conditionalTarget(conditions[condition], star);
  }
  return null;
}

/** The package that owns a file: the deepest package directory above it. */
export function owningPackage(path: string, packages: readonly WorkspacePackage[]): WorkspacePackage | undefined {
  let best: WorkspacePackage | undefined;
  for (const p of packages) {
    if (path.startsWith(p.dir + sep) && (best === undefined || p.dir.length > best.dir.length)) best = p;
  }
  return best;
}

export function displayPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}
