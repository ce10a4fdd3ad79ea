/**
 * A service's `user` (README "Stack file"): as root, its process runs with that user's uid
 * and primary gid and without root's supplementary groups (libuv's setgroups(0) when it
 * changes ids). The error when the supervisor is not root is in test/unit/stack-file.test.ts.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import { userIdsOf } from '../../src/main/core/stack/service-user';
import { tempDir, testConfig, waitForState } from '../helpers/supervise';

const isRoot = process.getuid?.() === 0;
const nobody = userIdsOf('nobody');

let runtime: SupervisorRuntime | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = null;
});

/** Uid, gid and supplementary groups of a live process, from /proc/<pid>/status. */
function idsOf(pid: number): { uid: number; gid: number; groups: number[] } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(status)?.[1] ?? '';
  return {
    uid: Number(field('Uid').split(/\s+/)[0]),
    gid: Number(field('Gid').split(/\s+/)[0]),
    groups: field('Groups').trim() === '' ? [] : field('Groups').trim().split(/\s+/).map(Number),
  };
}

describe.runIf(isRoot && nobody !== null)('a service with `user`, the supervisor being root', () => {
  it('runs as that user and group, with no supplementary group of root', async () => {
    const base = testConfig(1, { dataDir: tempDir() });
    const text = `services:\n  worker:\n    command: [/bin/sleep, "300"]\n    working_dir: /\n    user: nobody\n`;
    runtime = createRuntime(base, undefined, undefined, undefined, parseStackText(text, 'stack.yaml', '/', base));
    await runtime.stack.start('app-start');
    const worker = runtime.stack.member('worker').supervisor;
    await waitForState(worker, 'running');
    const pid = worker.status().pid as number;
    expect(idsOf(pid)).toEqual({ uid: nobody?.uid, gid: nobody?.gid, groups: [] });
  });

  it('names the user when there is no such user, before anything starts', () => {
    const base = testConfig(1, { dataDir: tempDir() });
    const text = `services:\n  worker:\n    command: [/bin/sleep, "300"]\n    user: no-such-user-here\n`;
    expect(() => parseStackText(text, 'stack.yaml', '/', base)).toThrow(
      /stack\.yaml:4: services\.worker\.user:.*no-such-user-here/,
    );
  });
});
