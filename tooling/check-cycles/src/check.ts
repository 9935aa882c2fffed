// The workspace check: the file-level import graph and the package-level dependency graph, and
// what in them must fail the build.
//
// What counts. A cycle of value imports fails: those modules are evaluated in an order that
// depends on which one is loaded first, so a `const` or class read at module top level can be in
// its temporal dead zone (the bug Effect's madge check exists to prevent), and the files cannot
// be understood or split apart one at a time. A cycle closed only by `import type` (or by a lazy
// `import()`) is reported as a warning: it is erased before run time, so it cannot change
// evaluation order, but it still ties the files together for a reader and usually means a type
// lives in the wrong file. Madge counts both alike; splitting them keeps the check strict where a
// cycle can break a program and quiet where it cannot.
//
// Package level: a cycle among workspace package.json dependencies fails (turbo and `tsc -b`
// need an order). Since that graph only means something if it is the real one, an import of a
// workspace package the importer's manifest does not declare fails too, and so does a relative
// path into another package's files (it bypasses the package graph entirely).
import { readFileSync } from 'node:fs';
import { canonicalCycle, cyclicComponents, exampleCycles, shortestPath, type Graph } from './cycles.js';
import { readImports, type ImportKind } from './imports.js';
import {
  displayPath,
  owningPackage,
  resolveSpecifier,
  sourceFiles,
  workspaceDependencies,
  workspacePackages,
  type WorkspacePackage,
} from './workspace.js';

export interface Edge {
  readonly from: string;
  readonly to: string;
  readonly kind: ImportKind;
  readonly line: number;
}

export interface Cycle {
  /** Closed chain: the first element is repeated at the end. */
  readonly chain: readonly string[];
  /** The edges along the chain, one per step. */
  readonly steps: readonly Edge[];
  /** Every file (or package) tangled with this cycle: its strongly connected component. */
  readonly component: readonly string[];
}

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface CheckResult {
  readonly fileCount: number;
  readonly edgeCount: number;
  readonly packageCount: number;
  /** Value-import cycles: fail. */
  readonly fileCycles: readonly Cycle[];
  /** Cycles among package.json dependencies: fail. */
  readonly packageCycles: readonly Cycle[];
  /** Undeclared package imports, paths into other packages, unresolvable specifiers: fail. */
  readonly problems: readonly Finding[];
  /** Cycles closed only by type-only or dynamic imports: reported, do not fail. */
  readonly typeOnlyCycles: readonly Cycle[];
}

const CYCLES_PER_COMPONENT = 8;
const STRENGTH: Record<ImportKind, number> = { value: 2, dynamic: 1, type: 0 };

export function checkWorkspace(root: string): CheckResult {
  const packages = workspacePackages(root);
  const names = new Set(packages.map((p) => p.name));
  const edges = new Map<string, Map<string, Edge>>();
  const problems: Finding[] = [];
  let fileCount = 0;
  if (packages.length === 0) {
    // A wrong root must not pass as "no cycles".
    problems.push({ file: 'pnpm-workspace.yaml', line: 1, message: 'names no workspace packages' });
  }

  for (const pkg of packages) {
    const declared = workspaceDependencies(pkg.manifest, names);
    for (const file of sourceFiles(pkg.dir)) {
      fileCount += 1;
      const from = displayPath(root, file);
      const out = new Map<string, Edge>();
      edges.set(from, out);
      for (const record of readImports(file, readFileSync(file, 'utf8'))) {
        const resolved = resolveSpecifier(record.specifier, file, packages);
        const at = { file: from, line: record.line };
        if (resolved.kind === 'external') continue;
        if (resolved.kind === 'unresolved') {
          problems.push({ ...at, message: `cannot resolve '${record.specifier}': ${resolved.reason}` });
          continue;
        }
        const via = resolved.viaPackage;
        if (via !== undefined && via !== pkg.name && !declared.has(via)) {
          problems.push({ ...at, message: `imports ${via}, which ${pkg.name}'s package.json does not declare` });
        }
        if (resolved.kind !== 'file') continue;
        const owner = owningPackage(resolved.path, packages);
        if (via === undefined && owner !== undefined && owner.name !== pkg.name) {
          problems.push({ ...at, message: `reaches into ${owner.name} by path ('${record.specifier}'); import '${owner.name}'` });
        }
        const to = displayPath(root, resolved.path);
        const edge: Edge = { from, to, kind: record.kind, line: record.line };
        const known = out.get(to);
        if (known === undefined || STRENGTH[edge.kind] > STRENGTH[known.kind]) out.set(to, edge);
      }
    }
  }

  const all = toGraph(edges, () => true);
  const values = toGraph(edges, (e) => e.kind === 'value');
  const valueComponents = cyclicComponents(values);
  const fileCycles = valueComponents.flatMap((component) =>
    exampleCycles(values, component, CYCLES_PER_COMPONENT).map((chain) => toCycle(chain, edges, component)),
  );
  const valueComponentKeys = new Set(valueComponents.map((c) => c.join('\n')));
  const typeOnlyCycles = cyclicComponents(all)
    .filter((component) => !valueComponentKeys.has(component.join('\n')))
    .flatMap((component) => weakCycles(all, edges, component).map((chain) => toCycle(chain, edges, component)));

  return {
    fileCount,
    edgeCount: [...edges.values()].reduce((n, out) => n + out.size, 0),
    packageCount: packages.length,
    fileCycles,
    packageCycles: packageCycles(packages, names),
    problems,
    typeOnlyCycles,
  };
}

export function failed(result: CheckResult): boolean {
  return result.fileCycles.length > 0 || result.packageCycles.length > 0 || result.problems.length > 0;
}

function toGraph(edges: ReadonlyMap<string, ReadonlyMap<string, Edge>>, keep: (e: Edge) => boolean): Graph {
  const graph = new Map<string, Set<string>>();
  for (const [from, out] of edges) {
    graph.set(from, new Set([...out.values()].filter(keep).map((e) => e.to)));
  }
  return graph;
}

function toCycle(
  chain: readonly string[],
  edges: ReadonlyMap<string, ReadonlyMap<string, Edge>>,
  component: readonly string[],
): Cycle {
  const steps = chain.slice(0, -1).map((from, i) => edges.get(from)!.get(chain[i + 1])!);
  return { chain, steps, component };
}

/** Shortest cycles through each type-only or dynamic edge of a component. */
function weakCycles(all: Graph, edges: ReadonlyMap<string, ReadonlyMap<string, Edge>>, component: readonly string[]): string[][] {
  const within = new Set(component);
  const cycles = new Map<string, string[]>();
  for (const from of component) {
    for (const edge of edges.get(from)!.values()) {
      if (edge.kind === 'value' || !within.has(edge.to) || cycles.size >= CYCLES_PER_COMPONENT) continue;
      const back = shortestPath(all, edge.to, from, within);
      if (back === undefined) continue;
      const cycle = canonicalCycle(edge.to === from ? [from, from] : [from, ...back]);
      cycles.set(cycle.join('\n'), cycle);
    }
  }
  return [...cycles.values()];
}

function packageCycles(packages: readonly WorkspacePackage[], names: ReadonlySet<string>): Cycle[] {
  const edges = new Map<string, Map<string, Edge>>();
  for (const pkg of packages) {
    const out = new Map<string, Edge>();
    for (const [dep] of workspaceDependencies(pkg.manifest, names)) {
      out.set(dep, { from: pkg.name, to: dep, kind: 'value', line: 0 });
    }
    edges.set(pkg.name, out);
  }
  const graph = toGraph(edges, () => true);
  return cyclicComponents(graph).flatMap((component) =>
    exampleCycles(graph, component, CYCLES_PER_COMPONENT).map((chain) => toCycle(chain, edges, component)),
  );
}

export function formatResult(result: CheckResult): string {
  const lines: string[] = [];
  const report = (cycles: readonly Cycle[], heading: (c: Cycle) => string, withLines: boolean): void => {
    let last: readonly string[] | undefined;
    for (const cycle of cycles) {
      if (cycle.component !== last) lines.push(heading(cycle));
      last = cycle.component;
      lines.push(`  ${cycle.chain[0]}`);
      for (const step of cycle.steps) {
        const how = withLines ? `   (${step.kind === 'value' ? '' : `${step.kind} `}import, line ${step.line})` : '';
        lines.push(`    -> ${step.to}${how}`);
      }
    }
  };
  report(result.packageCycles, (c) => `error: package dependency cycle among ${c.component.length} packages:`, false);
  report(result.fileCycles, (c) => `error: circular import among ${c.component.length} files:`, true);
  for (const problem of result.problems) lines.push(`error: ${problem.file}:${problem.line}: ${problem.message}`);
  report(
    result.typeOnlyCycles,
    (c) => `warning: ${c.component.length} files in a cycle closed only by type-only or dynamic imports:`,
    true,
  );
  const errors = result.fileCycles.length + result.packageCycles.length + result.problems.length;
  lines.push(
    `check-cycles: ${result.fileCount} files, ${result.edgeCount} workspace imports, ${result.packageCount} packages: ` +
      `${errors === 0 ? 'no cycles' : `${errors} error(s)`}` +
      `${result.typeOnlyCycles.length > 0 ? `; ${result.typeOnlyCycles.length} type-only cycle(s), warnings only` : ''}`,
  );
  return lines.join('\n');
}
