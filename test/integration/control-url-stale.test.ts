// A control-url left by a supervisor killed with SIGKILL: the next serve on the folder removes
// it once it holds the lock, so the client is not sent (with the folder's token) to that port
// while the new one starts, nor after a start that fails.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateBuild } from '../helpers/cli-build';
import { tempDir } from '../helpers/supervise';

const dirs: string[] = [];
let bin: string;
beforeAll(async () => {
  bin = await privateBuild('bsup-stale-url-', dirs);
}, 90_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("a killed supervisor's control-url", () => {
  it('is removed by the next serve on the folder, even one whose start then fails', () => {
    const dataDir = tempDir('bsup-stale-url-data-');
    dirs.push(dataDir);
    writeFileSync(join(dataDir, 'control-url'), 'http://127.0.0.1:1\n');
    // A stack file that is no stack: exit 2 before anything listens.
    const stack = join(dataDir, 'broken.yaml');
    writeFileSync(stack, 'services: [\n');
    const run = spawnSync(process.execPath, [bin, 'serve', '--stack', stack], {
      env: { ...process.env, SUPERVISOR_DATA_DIR: dataDir, CONTROL_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(2);
    expect(existsSync(join(dataDir, 'control-url'))).toBe(false);
  });
});
