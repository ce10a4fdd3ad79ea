/**
 * Runs a few lines of TypeScript in a child Node (through tsx) and waits for it: for a read
 * that could hang in open(2) (a FIFO) or run away (/dev/zero), which would block the test
 * worker's own event loop where no timeout ends it. The child is killed after `timeoutMs`.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';

/** `code` run as an ES module in a child, with `args` as its process.argv[1…]; its output as text. */
export function runInChild(code: string, args: readonly string[], timeoutMs = 20_000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
  });
}
