/**
 * The launcher's group keeper runs before the first backend is spawned, so no backend runs
 * unheld while the keeper itself starts (a fork of the whole supervisor, slow on a busy
 * machine): a SIGKILL of the supervisor in that gap would leave the backend's group alive.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { KEEPER_NAME } from '../../src/main/core/group-keeper';
import { ProcessLauncher } from '../../src/main/core/launcher';

/** Pid and start time (clock ticks, /proc field 22) of each live child of this process whose command line holds `text`. */
function children(text: string): { pid: number; start: number }[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(rest[1]) !== process.pid || rest[0] === 'Z') return [];
        if (!readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text)) return [];
        return [{ pid: Number(e), start: Number(rest[19]) }];
      } catch {
        return [];
      }
    });
}

let launcher: ProcessLauncher | null = null;
afterEach(() => {
  launcher?.keeper?.close();
  launcher = null;
});

describe.runIf(process.platform === 'linux')('the launcher’s group keeper', () => {
  it('is running before the first backend is spawned', async () => {
    launcher = new ProcessLauncher();
    expect(launcher.keeper, 'a keeper on Linux').not.toBeNull();
    const child = await launcher.launch({
      command: process.execPath,
      args: ['-e', 'setTimeout(() => {}, 30000)'],
      cwd: process.cwd(),
      env: { ...process.env },
    });
    try {
      const backend = children('setTimeout(() => {}, 30000)');
      expect(backend).toHaveLength(1);
      const [keeper] = children(KEEPER_NAME);
      expect(keeper, 'the keeper').toBeDefined();
      const [b] = backend;
      // Spawned before the backend: started earlier, or in the same tick with a lower pid (pids rise).
      expect(keeper!.start < b!.start || (keeper!.start === b!.start && keeper!.pid < b!.pid)).toBe(true);
    } finally {
      child.signalGroup('SIGKILL');
      await child.exited;
    }
  });
});
