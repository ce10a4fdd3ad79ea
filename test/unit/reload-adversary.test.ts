/**
 * Adversary tests of the reload's plan (stack-reload-plan.ts) over stacks read by the real
 * loader: the same values written differently (environment order, list vs mapping, `1.0` vs
 * `1`, quoting) are no change and restart nothing; a file read mid-rewrite, a device, a FIFO
 * or a huge file is refused, bounded.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/main/core/errors';
import { loadStackFile, parseStackText } from '../../src/main/core/stack/stack-file';
import { planReload, type StackSnapshot } from '../../src/main/core/stack/stack-reload-plan';
import { tempDir, testConfig } from '../helpers/supervise';

const dir = tempDir('bsup-reload-adv-');
const base = testConfig(1, { dataDir: dir });

/** A snapshot of the stack file text `yaml`. */
function snapshot(yaml: string): StackSnapshot {
  const definition = parseStackText(yaml, `${dir}/stack.yaml`, dir, base);
  return { config: base, definition: { ...definition, file: `${dir}/stack.yaml` } };
}

const stack = (body: string): string =>
  `services:\n  api:\n    command: ["${process.execPath}", "server.js"]\n${body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}\n`;

describe('a reload of the same values written differently', () => {
  const cases: [string, string, string][] = [
    ['environment order', 'environment:\n  A: "1"\n  B: "2"', 'environment:\n  B: "2"\n  A: "1"'],
    ['environment list vs mapping', 'environment:\n  A: "1"\n  B: "2"', 'environment:\n  - A=1\n  - B=2'],
    ['environment list order', 'environment:\n  - A=1\n  - B=2', 'environment:\n  - B=2\n  - A=1'],
    ['environment quoting', 'environment:\n  A: "x"', 'environment:\n  A: x'],
    [
      'health interval 1.0 vs 1',
      'health:\n  http: http://127.0.0.1:3000/health\n  interval: 1',
      'health:\n  http: http://127.0.0.1:3000/health\n  interval: 1.0',
    ],
    [
      'health URL quoting',
      'health:\n  http: http://127.0.0.1:3000/health',
      'health:\n  http: "http://127.0.0.1:3000/health"',
    ],
    [
      'restart delay 0.5 vs 0.50',
      'restart:\n  policy: always\n  delay: 0.5',
      'restart:\n  policy: always\n  delay: 0.50',
    ],
  ];
  for (const [name, a, b] of cases) {
    it(`${name}: unchanged`, () => {
      expect(planReload(snapshot(stack(a)), snapshot(stack(b))).services).toEqual([
        { service: 'api', action: 'unchanged', changes: [] },
      ]);
    });
  }
});

describe('a reload reading a hostile stack file', () => {
  const good = stack('environment:\n  A: "1"');

  it('refuses a file read while it is rewritten in place (truncated, then half written): nothing is applied', () => {
    expect(() => snapshot('')).toThrow(ConfigError);
    // The JSON form (as the Settings page and the fixtures write it): every prefix is refused.
    const json = JSON.stringify({ services: { api: { command: [process.execPath, 'server.js'] } } }, null, 2);
    for (let n = 0; n < json.length; n++)
      expect(() => snapshot(json.slice(0, n)), json.slice(0, n)).toThrow(ConfigError);
    expect(snapshot(good).definition.services.map((s) => s.name)).toEqual(['api']);
  });

  it('refuses /dev/zero behind a symbolic link, a FIFO, a folder and a huge file, at once and bounded', () => {
    const link = join(dir, 'zero.yaml');
    symlinkSync('/dev/zero', link);
    expect(() => loadStackFile(link, base)).toThrow(/not a regular file/);
    const fifo = join(dir, 'fifo.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(() => loadStackFile(fifo, base)).toThrow(/not a regular file/);
    expect(() => loadStackFile(dir, base)).toThrow(/not a regular file/);
    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, good);
    truncateSync(huge, 8 * 1024 * 1024 * 1024); // sparse: 8 GiB, nothing written
    expect(() => loadStackFile(huge, base)).toThrow(/over 1048576 bytes/);
  });
});
