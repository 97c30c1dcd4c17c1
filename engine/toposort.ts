/**
 * Kahn's algorithm (1962): repeatedly emit a node with no unemitted predecessors.
 *
 *   a ──> b ──> d        order: a, c, b, d  (ties broken by the given node order, so runs are deterministic)
 *   c ───────┘
 *
 * Nodes left over when no node is free are on, or downstream of, a cycle; `findCycle` names one cycle.
 */
const CYCLE_SHOWN = 8;

export class CycleError extends Error {
  readonly cycle: string[];
  constructor(cycle: string[]) {
    // The message names at most CYCLE_SHOWN nodes, so a 10,000-node cycle still gives a short message.
    const shown = cycle.length <= CYCLE_SHOWN ? [...cycle, cycle[0]] : [...cycle.slice(0, CYCLE_SHOWN), `... (${cycle.length} nodes)`];
    super(`Cycle: ${shown.join(' -> ')}`);
    this.name = 'CycleError';
    this.cycle = cycle;
  }
}

/** `deps.get(n)` = the nodes n depends on (its predecessors). Throws CycleError. */
export function topoSort(nodes: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const indegree = new Map<string, number>();
  const successors = new Map<string, string[]>();
  for (const n of nodes) {
    indegree.set(n, 0);
    successors.set(n, []);
  }
  for (const n of nodes) {
    for (const d of new Set(deps.get(n) ?? [])) {
      if (!indegree.has(d)) continue;
      indegree.set(n, (indegree.get(n) ?? 0) + 1);
      successors.get(d)!.push(n);
    }
  }
  const order: string[] = [];
  const ready = nodes.filter((n) => indegree.get(n) === 0);
  for (let head = 0; head < ready.length; head++) {
    const n = ready[head]; // a moving head instead of shift(): linear in the number of nodes
    order.push(n);
    for (const s of successors.get(n)!) {
      const left = indegree.get(s)! - 1;
      indegree.set(s, left);
      if (left === 0) ready.push(s);
    }
  }
  if (order.length !== nodes.length) {
    const emitted = new Set(order);
    const remaining = nodes.filter((n) => !emitted.has(n));
    throw new CycleError(findCycle(remaining, deps));
  }
  return order;
}

/** Depth-first walk over the leftover nodes until a node repeats: the repeated stretch is a cycle. */
function findCycle(remaining: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const inRemaining = new Set(remaining);
  const path: string[] = [];
  const onPath = new Map<string, number>();
  let n = remaining[0];
  while (!onPath.has(n)) {
    onPath.set(n, path.length);
    path.push(n);
    const next = (deps.get(n) ?? []).find((d) => inRemaining.has(d));
    if (next === undefined) return remaining.slice();
    n = next;
  }
  return path.slice(onPath.get(n)).reverse();
}

/** All nodes that `targets` depend on, transitively, including the targets themselves. */
export function ancestorsOf(targets: readonly string[], deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...targets];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const d of deps.get(n) ?? []) stack.push(d);
  }
  return seen;
}
