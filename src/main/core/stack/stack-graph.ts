/**
 * Pure helpers over a stack's dependency graph (README "Stack file"): which services must be
 * up before which, in what order to start them, and what a stop or restart reaches. Each
 * takes the services as `{name, dependsOn}` in file order; a dependency on a name that is not
 * in the list is ignored (the stack file loader refuses those before anything runs).
 */

/** A node of the graph: a service and the names of the services it depends on. */
export interface GraphNode {
  name: string;
  dependsOn: readonly { service: string }[];
}

function edgesOf(services: readonly GraphNode[]): Map<string, string[]> {
  const names = new Set(services.map((s) => s.name));
  const edges = new Map<string, string[]>();
  for (const s of services) {
    edges.set(
      s.name,
      s.dependsOn.map((d) => d.service).filter((d) => names.has(d)),
    );
  }
  return edges;
}

/**
 * A dependency cycle, if there is one: the names along it with the first repeated at the end
 * (`['a', 'b', 'c', 'a']`; a self-dependency is `['a', 'a']`). The first cycle found walking
 * the services in file order and each one's dependencies in their order. @returns null when
 * the graph is acyclic.
 */
export function findCycle(services: readonly GraphNode[]): string[] | null {
  const edges = edgesOf(services);
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  // Iterative depth-first search: a stack file has at most a few hundred services, but a
  // recursion depth bound by the input is not worth having.
  for (const start of edges.keys()) {
    if (done.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    path.push(start);
    onPath.add(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const deps = edges.get(top.name) ?? [];
      if (top.next < deps.length) {
        const dep = deps[top.next++]!;
        if (onPath.has(dep)) return [...path.slice(path.indexOf(dep)), dep];
        if (done.has(dep)) continue;
        stack.push({ name: dep, next: 0 });
        path.push(dep);
        onPath.add(dep);
      } else {
        stack.pop();
        path.pop();
        onPath.delete(top.name);
        done.add(top.name);
      }
    }
  }
  return null;
}

/**
 * The start order in layers: the first layer depends on nothing, each later layer only on
 * services of earlier layers; within a layer, file order. Services of one layer may start
 * together. @throws Error naming the cycle when there is one (see {@link findCycle}).
 */
export function startOrder(services: readonly GraphNode[]): string[][] {
  const cycle = findCycle(services);
  if (cycle) throw new Error(`dependency cycle: ${cycle.join(' → ')}`);
  const edges = edgesOf(services);
  // Kahn's algorithm, one frontier per layer: linear in services and dependencies.
  const waiting = new Map([...edges].map(([name, deps]) => [name, new Set(deps).size]));
  const dependents = new Map<string, string[]>([...edges.keys()].map((n) => [n, []]));
  for (const [name, deps] of edges) for (const d of new Set(deps)) dependents.get(d)!.push(name);
  const index = new Map([...edges.keys()].map((n, i) => [n, i]));
  const layers: string[][] = [];
  let layer = [...edges.keys()].filter((n) => waiting.get(n) === 0);
  while (layer.length > 0) {
    layers.push(layer);
    const next: string[] = [];
    for (const n of layer) {
      for (const d of dependents.get(n)!) {
        const left = waiting.get(d)! - 1;
        waiting.set(d, left);
        if (left === 0) next.push(d);
      }
    }
    layer = next.sort((a, b) => index.get(a)! - index.get(b)!);
  }
  return layers;
}

/** The services that depend on `name` directly, in file order. */
export function dependentsOf(services: readonly GraphNode[], name: string): string[] {
  const edges = edgesOf(services);
  return [...edges.keys()].filter((n) => edges.get(n)!.includes(name));
}

function reach(start: string, next: (name: string) => string[], order: readonly string[]): string[] {
  const seen = new Set<string>();
  const queue = [...next(start)];
  while (queue.length > 0) {
    const n = queue.shift()!;
    if (seen.has(n) || n === start) continue;
    seen.add(n);
    queue.push(...next(n));
  }
  return order.filter((n) => seen.has(n));
}

/** Everything `name` needs, directly or through others, in file order (not `name` itself). */
export function transitiveDependencies(services: readonly GraphNode[], name: string): string[] {
  const edges = edgesOf(services);
  return reach(name, (n) => edges.get(n) ?? [], [...edges.keys()]);
}

/** Everything that needs `name`, directly or through others, in file order (not `name` itself). */
export function transitiveDependents(services: readonly GraphNode[], name: string): string[] {
  const edges = edgesOf(services);
  return reach(name, (n) => dependentsOf(services, n), [...edges.keys()]);
}
