/**
 * ProcessGroup's stop with grace against real process groups: a group that goes on its stop
 * signal, one that ignores it (SIGKILL after the grace), a grandchild that outlives its
 * leader, and a fake group that never goes (stuck, after SIGKILL's grace on a fake clock).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../src/main/core/clock';
import { KILL_GRACE_MS, ProcessGroup } from '../../src/main/core/process-group';
import { groupMembers } from '../../src/main/core/process-identity';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Starts `script` under sh as the leader of a new process group; resolves once it printed "ready". */
async function group(script: string): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', () => reject(new Error('exited before ready')));
  });
  return child;
}

describe('ProcessGroup.stop', () => {
  it('a group that goes on its stop signal is stopped without SIGKILL', async () => {
    const child = await group('echo ready; exec sleep 30');
    const pgid = child.pid as number;
    let escalated = false;
    const outcome = await ProcessGroup.ofPgid(pgid, systemClock).stop({
      signal: 'SIGTERM',
      graceMs: 5_000,
      onEscalate: () => (escalated = true),
    });
    expect(outcome).toBe('stopped');
    expect(escalated).toBe(false);
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('a group ignoring SIGTERM gets SIGKILL after the grace, announced first', async () => {
    const child = await group(`trap '' TERM; echo ready; while :; do sleep 0.05; done`);
    const pgid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
    const order: string[] = [];
    const t0 = performance.now();
    const outcome = await ProcessGroup.ofPgid(pgid, systemClock).stop({
      signal: 'SIGTERM',
      graceMs: 300,
      onEscalate: () => order.push(groupMembers(pgid).length > 0 ? 'escalate-while-alive' : 'escalate-after-gone'),
    });
    expect(outcome).toBe('killed');
    expect(order).toEqual(['escalate-while-alive']);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
    expect(await exited).toBe('SIGKILL');
  });

  it('escalation signals come in turn after the grace: a group that goes on SIGQUIT never gets SIGKILL', async () => {
    // Ignores SIGINT (a fast shutdown that does not finish), goes on SIGQUIT.
    const child = await group(`trap '' INT; trap 'exit 3' QUIT; echo ready; while :; do sleep 0.05; done`);
    const pgid = child.pid as number;
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const sent: string[] = [];
    const outcome = await ProcessGroup.ofPgid(pgid, systemClock).stop({
      signal: 'SIGINT',
      graceMs: 200,
      escalation: ['SIGQUIT'],
      onEscalate: (signal) => sent.push(signal),
    });
    expect(outcome).toBe('killed');
    expect(sent).toEqual(['SIGQUIT']);
    expect(await exited).toEqual({ code: 3, signal: null });
  });

  it(
    'a group ignoring every escalation signal still gets SIGKILL, after each announced',
    { timeout: 20_000 },
    async () => {
      const child = await group(`trap '' INT QUIT; echo ready; while :; do sleep 0.05; done`);
      const pgid = child.pid as number;
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal)));
      const sent: string[] = [];
      // SIGQUIT's wait (ESCALATION_STEP_MS, 7 s) runs out before SIGKILL.
      const outcome = await ProcessGroup.ofPgid(pgid, systemClock).stop({
        signal: 'SIGINT',
        graceMs: 100,
        escalation: ['SIGQUIT'],
        onEscalate: (signal) => sent.push(signal),
      });
      expect(outcome).toBe('killed');
      expect(sent).toEqual(['SIGQUIT', 'SIGKILL']);
      expect(await exited).toBe('SIGKILL');
    },
  );

  it("a child's group waits for a grandchild that outlives the leader", async () => {
    // The leader exits on SIGTERM; its grandchild ignores it (and says ready once it does).
    const child = await group(`trap 'exit 0' TERM; (trap '' TERM; echo ready; while :; do sleep 0.05; done) & wait`);
    const pgid = child.pid as number;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let leaderGone = false;
    void exited.then(() => (leaderGone = true));
    const handleGroup = new ProcessGroup(
      systemClock,
      (signal) => process.kill(-pgid, signal),
      () => groupMembers(pgid).length > 0,
      exited,
    );
    const outcome = await handleGroup.stop({ signal: 'SIGTERM', graceMs: 300 });
    expect(leaderGone).toBe(true);
    expect(outcome).toBe('killed');
    expect(groupMembers(pgid)).toEqual([]);
  });

  it('a group still alive KILL_GRACE_MS after SIGKILL is reported stuck', async () => {
    // A fake clock: each timer fires at once, and time jumps to its due moment.
    let now = 0;
    const clock: Clock = {
      monotonicMs: () => now,
      wallNow: () => new Date(now),
      setTimeout: (fn, ms) => {
        now += ms;
        queueMicrotask(fn);
        return null;
      },
      clearTimeout: () => undefined,
    };
    const sent: string[] = [];
    const outcome = await new ProcessGroup(
      clock,
      (s) => sent.push(s),
      () => true,
    ).stop({
      signal: 'SIGINT',
      graceMs: 1_000,
    });
    expect(outcome).toBe('stuck');
    expect(sent).toEqual(['SIGINT', 'SIGKILL']);
    // Waited the grace after SIGINT, then the kill grace after SIGKILL (plus one poll step each).
    expect(now).toBeGreaterThanOrEqual(1_000 + KILL_GRACE_MS);
    expect(now).toBeLessThan(1_000 + KILL_GRACE_MS + 100);
  });
});
