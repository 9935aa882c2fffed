// Cycles in a directed graph: strongly connected components (Tarjan), and short example cycles
// inside each so that a report names a chain one can follow and break.

export type Graph = ReadonlyMap<string, ReadonlySet<string>>;

/** Strongly connected components that contain a cycle (two or more nodes, or a self-loop). */
export function cyclicComponents(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let next = 0;
  // Iterative Tarjan: the file graph is shallow, but a recursion limit is no reason to fail CI.
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: string[]; at: number }[] = [];
    const enter = (node: string): void => {
      index.set(node, next);
      low.set(node, next);
      next += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: [...(graph.get(node) ?? [])].sort(), at: 0 });
    };
    enter(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.at < frame.edges.length) {
        const to = frame.edges[frame.at++];
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let node: string;
        do {
          node = stack.pop()!;
          onStack.delete(node);
          component.push(node);
        } while (node !== frame.node);
        if (component.length > 1 || graph.get(frame.node)?.has(frame.node) === true) {
          components.push(component.sort());
        }
      }
    }
  }
  return components.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** A shortest path from `from` to `to` staying inside `within`, both ends included. */
export function shortestPath(graph: Graph, from: string, to: string, within: ReadonlySet<string>): string[] | undefined {
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const next of [...(graph.get(node) ?? [])].sort()) {
      if (!within.has(next)) continue;
      if (next === to) {
        const back = [node];
        for (let at = node; at !== from; ) {
          at = previous.get(at)!;
          back.push(at);
        }
        return [...back.reverse(), to];
      }
      if (seen.has(next)) continue;
      seen.add(next);
      previous.set(next, node);
      queue.push(next);
    }
  }
  return undefined;
}

/**
 * Distinct short cycles through a component: for each node, the shortest cycle through it. Each
 * cycle is returned closed (first node repeated at the end) and rotated to start at its least node,
 * so the same cycle found from two nodes is reported once.
 */
export function exampleCycles(graph: Graph, component: readonly string[], limit: number): string[][] {
  const within = new Set(component);
  const cycles = new Map<string, string[]>();
  for (const node of component) {
    if (cycles.size >= limit) break;
    const path = shortestPath(graph, node, node, within);
    if (path === undefined) continue;
    const cycle = canonicalCycle(path);
    cycles.set(cycle.join('\n'), cycle);
  }
  return [...cycles.values()];
}

/** `[a, b, c, a]` rotated so that its least node comes first, still closed. */
export function canonicalCycle(closed: readonly string[]): string[] {
  const open = closed.slice(0, -1);
  let start = 0;
  for (let i = 1; i < open.length; i++) if (open[i] < open[start]) start = i;
  const rotated = [...open.slice(start), ...open.slice(0, start)];
  return [...rotated, rotated[0]];
}
