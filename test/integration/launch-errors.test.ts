/**
 * Issue 9, items 12 (launch) and 6 (spawn side): a backend that cannot start says why at
 * once, naming the real cause (a missing `#!` interpreter, a missing working directory),
 * with no retries; a spawn that fails for lack of file descriptors is a transient error
 * the restart policy retries, and no error path of the launcher escapes unhandled.
 * Real spawns throughout.
 */
import { ChildProcess, type spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/shared/incident';
import { SupervisorError } from '../../src/main/core/errors';
import { ProcessLauncher, type LaunchSpec } from '../../src/main/core/launcher';
import { freePort, realSupervisor, tempDir, testConfig, waitForState } from '../helpers/supervise';
import { runEmfileSupervisor } from '../helpers/emfile';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function script(body: string, name = 'backend.sh'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

function spec(command: string, cwd = tempDir()): LaunchSpec {
  return { command, args: [], cwd, env: { ...process.env } };
}

/** The launch's rejection (fails the test when it launched). */
async function launchError(launcher: ProcessLauncher, s: LaunchSpec): Promise<SupervisorError> {
  const outcome = await launcher.launch(s).then(
    (handle) => {
      handle.signalGroup('SIGKILL');
      return new Error(`launched pid ${handle.pid}`);
    },
    (err: unknown) => err,
  );
  expect(outcome).toBeInstanceOf(SupervisorError);
  return outcome as SupervisorError;
}

/** A supervisor over `command` in `workingDir`: it must fail once, at once, and never retry. */
async function startsOnceAndCrashes(
  command: string,
  workingDir?: string,
): Promise<{ reason: string; incidents: Incident[] }> {
  const port = await freePort();
  const made = realSupervisor(testConfig(port, { command, args: [], workingDir, maxRestartAttempts: 3 }));
  cleanups.push(() => made.supervisor.dispose());
  const incidents: Incident[] = [];
  const states: string[] = [];
  made.supervisor.on('incident', (i) => incidents.push(i));
  made.supervisor.on('state', (e) => states.push(e.to));
  const result = await made.supervisor.start('user-ui');
  expect(result.success).toBe(false);
  await waitForState(made.supervisor, 'crashed', 5_000);
  expect(states).toEqual(['starting', 'crashed']);
  expect(incidents.map((i) => i.kind)).toEqual(['launch-error']);
  return { reason: made.supervisor.status().state_reason, incidents };
}

describe('launch errors are reported at once, naming the cause', () => {
  it('a #! interpreter that does not exist: COMMAND_NOT_FOUND naming the interpreter, no retries', async () => {
    const file = script('#!/nonexistent/interp\necho hello\n');
    const err = await launchError(new ProcessLauncher(), spec(file));
    expect(err.code).toBe('COMMAND_NOT_FOUND');
    expect(err.message).toBe(
      `interpreter not found: /nonexistent/interp (the "#!/nonexistent/interp" line of ${file})`,
    );
    // Without the setpriv lifeline too (spawn would say ENOENT about the script itself).
    expect((await launchError(new ProcessLauncher(false), spec(file))).message).toMatch(/interpreter not found/);
    const { reason } = await startsOnceAndCrashes(file);
    expect(reason).toMatch('interpreter not found: /nonexistent/interp');
  });

  it('#!/usr/bin/env with a program missing from PATH, and an interpreter that is not executable', async () => {
    const viaEnv = script('#!/usr/bin/env no-such-interpreter-9f3\n');
    const err = await launchError(new ProcessLauncher(), spec(viaEnv));
    expect(err.code).toBe('COMMAND_NOT_FOUND');
    expect(err.message).toMatch(`interpreter not found in PATH: no-such-interpreter-9f3`);
    const notExecutable = join(tempDir(), 'interp');
    writeFileSync(notExecutable, 'not a program\n');
    chmodSync(notExecutable, 0o644);
    const viaFile = script(`#!${notExecutable}\n`);
    const err2 = await launchError(new ProcessLauncher(), spec(viaFile));
    expect(err2.code).toBe('NOT_EXECUTABLE');
    expect(err2.message).toMatch(`interpreter is not executable: ${notExecutable}`);
  });

  it('a script whose interpreter exists still runs (#!/bin/sh, #!/usr/bin/env sh)', async () => {
    for (const body of ['#!/bin/sh\nexit 0\n', '#!/usr/bin/env sh\nexit 0\n', '#! /bin/sh -e\nexit 0\n']) {
      const handle = await new ProcessLauncher().launch(spec(script(body)));
      expect(await handle.exited).toEqual({ code: 0, signal: null });
    }
  });

  it('a missing working directory is named as such (the command exists), a permanent error', async () => {
    const dir = join(tempDir(), 'no-such-dir');
    const err = await launchError(new ProcessLauncher(), spec(process.execPath, dir));
    expect(err.code).toBe('BAD_WORKING_DIR');
    expect(err.message).toBe(`working directory not found: ${dir}`);
    expect(err.transient).toBe(false);
    const { reason } = await startsOnceAndCrashes(process.execPath, dir);
    expect(reason).toBe(`working directory not found: ${dir}`);
  });

  it('a working directory that is a file: "not a directory"', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const err = await launchError(new ProcessLauncher(), spec(process.execPath, file));
    expect(err.code).toBe('BAD_WORKING_DIR');
    expect(err.message).toBe(`working directory is not a directory: ${file}`);
  });
});

describe('spawn failures are handled, never unhandled', () => {
  it('a spawn that throws synchronously is a clear SPAWN_FAILED', async () => {
    const throwing = (() => {
      throw Object.assign(new Error('spawn E2BIG'), { code: 'E2BIG' });
    }) as unknown as typeof spawn;
    const err = await launchError(new ProcessLauncher(true, throwing), spec(process.execPath));
    expect(err.code).toBe('SPAWN_FAILED');
    expect(err.message).toMatch(/E2BIG/);
    expect(err.transient).toBe(false);
  });

  it('an error event after spawn (EMFILE, EAGAIN) is a transient SPAWN_FAILED', async () => {
    for (const code of ['EMFILE', 'ENFILE', 'EAGAIN']) {
      // What Node does when the fd table is full: no pid, no stdio, `error` on the next tick.
      const failing = (() => {
        const child = new ChildProcess();
        process.nextTick(() => child.emit('error', Object.assign(new Error(`spawn ${code}`), { code })));
        return child;
      }) as unknown as typeof spawn;
      const err = await launchError(new ProcessLauncher(true, failing), spec(process.execPath));
      expect(err.code).toBe('SPAWN_FAILED');
      expect(err.transient).toBe(true);
      expect(err.message).toMatch(code);
    }
  });

  it('out of file descriptors (a real EMFILE under prlimit): no unhandled error; retried, then running', async () => {
    const run = await runEmfileSupervisor('emfile-supervisor');
    expect(run.stdout).not.toMatch(/UNCAUGHT/);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as {
      direct: { code?: string; transient?: boolean; message?: string };
      states: string[];
      incidents: { kind: string; summary: string }[];
      final: string;
    };
    expect(report.direct).toMatchObject({ code: 'SPAWN_FAILED', transient: true });
    expect(report.direct.message).toMatch(/EMFILE/);
    expect(report.incidents[0]).toMatchObject({ kind: 'failed-start' });
    expect(report.incidents[0]?.summary).toMatch(/EMFILE/);
    expect(report.states.slice(0, 4)).toEqual(['starting', 'backoff', 'starting', 'running']);
    expect(report.final).toBe('running');
  });
});
