/**
 * Issue 10, item 11: `npm ci` prints no EBADENGINE warning. Every package in the lock file
 * that declares `engines.node` admits the oldest Node package.json admits (20.19.0) and the
 * Node running the tests, so what we promise is what our dependencies promise too. (Not
 * every version of our range: eslint's `^20.9.0 || >=21.1.0` leaves out 21.0, an odd,
 * long-dead release.) Optional packages are left out: npm skips an optional package whose
 * engines do not match, silently (rollup's optional native helpers are such).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

interface LockEntry {
  version?: string;
  optional?: boolean;
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** The packages whose declared Node range leaves out one of `nodes`. */
function refusing(nodes: string[], packages: Record<string, LockEntry>): string[] {
  return Object.entries(packages)
    .filter(([path, entry]) => path !== '' && !entry.optional)
    .flatMap(([path, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      const refused = node ? nodes.filter((v) => !semver.satisfies(v, node)) : [];
      if (refused.length === 0) return [];
      return [`${path.replace(/^.*node_modules\//, '')}@${entry.version}: node ${node} (not ${refused.join(', ')})`];
    });
}

describe('engines', () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version ?? 'none';

  it('declares a Node range that admits Node 20.19 and the Node running here', () => {
    expect(oldest).toBe('20.19.0');
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('every package in the lock file admits the oldest Node we declare and the Node running here', () => {
    expect(refusing([oldest, process.versions.node], lock.packages)).toEqual([]);
  });

  it('names a package that wants a newer Node (the check is not vacuous)', () => {
    const sample = {
      'node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      'node_modules/old-ok': { version: '1.0.0', engines: { node: '>=18' } },
      'node_modules/native-helper': { version: '1.5.1', optional: true, engines: { node: '>=25' } },
    };
    expect(refusing(['20.19.0', '20.20.2'], sample)).toEqual(['cookie@2.0.2: node >=22 (not 20.19.0, 20.20.2)']);
  });
});
