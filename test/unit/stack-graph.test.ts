import { describe, expect, it } from 'vitest';
import {
  dependentsOf,
  findCycle,
  startOrder,
  transitiveDependencies,
  transitiveDependents,
} from '../../src/main/core/stack/stack-graph';

/** `graph({a: ['b']})`: a depends on b; names in the object's order. */
function graph(edges: Record<string, string[]>) {
  return Object.entries(edges).map(([name, deps]) => ({ name, dependsOn: deps.map((service) => ({ service })) }));
}

// db ← backend ← worker, db ← cache ← worker, admin alone.
const stack = graph({ worker: ['backend', 'cache'], backend: ['db'], cache: ['db'], db: [], admin: [] });

describe('findCycle', () => {
  it('is null for an acyclic graph, a diamond included', () => {
    expect(findCycle(stack)).toBeNull();
    expect(findCycle([])).toBeNull();
  });

  it('names a cycle in order, the first name repeated at the end', () => {
    expect(findCycle(graph({ a: ['b'], b: ['c'], c: ['a'] }))).toEqual(['a', 'b', 'c', 'a']);
    // Entered from a service outside it, the cycle starts where it closes.
    expect(findCycle(graph({ x: ['a'], a: ['b'], b: ['a'] }))).toEqual(['a', 'b', 'a']);
  });

  it('reports a self-dependency as a cycle of one', () => {
    expect(findCycle(graph({ a: [], b: ['b'] }))).toEqual(['b', 'b']);
  });

  it('ignores dependencies on services that are not in the list', () => {
    expect(findCycle(graph({ a: ['ghost'] }))).toBeNull();
  });

  it('walks a long chain without recursion', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    const chain = names.map((name, i) => ({
      name,
      dependsOn: i + 1 < names.length ? [{ service: names[i + 1]! }] : [],
    }));
    expect(findCycle(chain)).toBeNull();
    chain[chain.length - 1]!.dependsOn = [{ service: 's0' }];
    expect(findCycle(chain)).toHaveLength(20_001);
  });
});

describe('startOrder', () => {
  it('layers the services: each layer needs only earlier ones, file order within a layer', () => {
    expect(startOrder(stack)).toEqual([['db', 'admin'], ['backend', 'cache'], ['worker']]);
  });

  it('puts independent services in one layer', () => {
    expect(startOrder(graph({ a: [], b: [] }))).toEqual([['a', 'b']]);
  });

  it('throws naming the cycle', () => {
    expect(() => startOrder(graph({ a: ['b'], b: ['a'], c: [] }))).toThrow('dependency cycle: a → b → a');
  });
});

describe('dependents and dependencies', () => {
  it('dependentsOf: the direct dependents only', () => {
    expect(dependentsOf(stack, 'db')).toEqual(['backend', 'cache']);
    expect(dependentsOf(stack, 'worker')).toEqual([]);
  });

  it('transitiveDependencies: everything needed, in file order, each once', () => {
    expect(transitiveDependencies(stack, 'worker')).toEqual(['backend', 'cache', 'db']);
    expect(transitiveDependencies(stack, 'db')).toEqual([]);
  });

  it('transitiveDependents: everything that needs it, in file order', () => {
    expect(transitiveDependents(stack, 'db')).toEqual(['worker', 'backend', 'cache']);
    expect(transitiveDependents(stack, 'admin')).toEqual([]);
  });

  it('stops on a cycle and leaves the service itself out', () => {
    const cyclic = graph({ a: ['b'], b: ['a'] });
    expect(transitiveDependencies(cyclic, 'a')).toEqual(['b']);
    expect(transitiveDependents(cyclic, 'a')).toEqual(['b']);
  });
});

describe('startOrder on a long chain', () => {
  it('orders 20 000 services in a chain, one a layer, in linear time', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `s${i}`);
    const chain = names.map((name, i) => ({ name, dependsOn: i > 0 ? [{ service: names[i - 1]! }] : [] }));
    const layers = startOrder(chain);
    expect(layers).toHaveLength(20_000);
    expect(layers[19_999]).toEqual(['s19999']);
  });

  it('counts a dependency named twice once', () => {
    expect(startOrder(graph({ a: ['b', 'b'], b: [] }))).toEqual([['b'], ['a']]);
  });
});
