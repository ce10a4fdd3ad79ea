/**
 * Adversary tests of the reload's plan (stack-reload-plan.ts) over stacks read by the real
 * loader: the same values written differently (environment order, list vs mapping, `1.0` vs
 * `1`, quoting) are no change and restart nothing.
 */
import { describe, expect, it } from 'vitest';
import { parseStackText } from '../../src/main/core/stack/stack-file';
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
