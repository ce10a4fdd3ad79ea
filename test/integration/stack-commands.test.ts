/**
 * Stack commands answer: a start whose dependency is down for an unknown time (a hang
 * the policy does not restart, `restart: "no"`) answers with the dependent `waiting`
 * instead of holding the stack's command queue until the outage ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import { makeTestStack, spawnsOf, type TestStack } from '../helpers/stack';
import { FAULT_BACKEND, freePort, tempDir, testConfig, waitForState } from '../helpers/supervise';

let runtime: SupervisorRuntime | null = null;
let testStack: TestStack | null = null;
afterEach(async () => {
  await runtime?.shutdown();
  runtime = null;
  await testStack?.dispose();
  testStack = null;
});

/** Resolves with `promise`'s value, or rejects naming `what` after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
  ]);
}

describe('stack commands', () => {
  it('a start while a dependency hangs for good answers, the dependent waiting, and the queue stays free', async () => {
    const [dbPort, backendPort] = [await freePort(), await freePort()];
    const text = `services:
  db:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAULT_BACKEND)}]
    environment: { PORT: ${dbPort}, HANG_AFTER_MS: 600 }
    health: { http: "http://127.0.0.1:${dbPort}/health", interval: 0.2, timeout: 0.2, retries: 1 }
    restart: "no"
    stop_grace_period: 1
  backend:
    command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(FAULT_BACKEND)}]
    environment: { PORT: ${backendPort} }
    health: { http: "http://127.0.0.1:${backendPort}/health" }
    depends_on: { db: { condition: service_healthy } }
    stop_grace_period: 1
`;
    const base = testConfig(1, { dataDir: tempDir() });
    runtime = createRuntime(base, undefined, undefined, undefined, parseStackText(text, 'stack.yaml', tempDir(), base));
    const { stack } = runtime;
    const db = stack.member('db').supervisor;
    const backend = stack.member('backend').supervisor;
    await stack.start('rest');
    expect(backend.currentState).toBe('running');
    await waitForState(db, 'unhealthy', 10_000);
    await waitForState(backend, 'waiting', 5_000);
    const again = await within(stack.start('rest'), 5_000, 'stack start during the outage');
    expect(again.services.find((s) => s.service === 'backend')?.status).toBe('waiting');
    // The queue is free: a stop goes through at once.
    const stopped = await within(stack.stop('rest'), 5_000, 'stack stop after it');
    expect(stopped.services.map((s) => s.status)).toEqual(['stopped', 'stopped']);
  });

  it('a stop right as a start begins (before the spawn) cuts that start short and spawns nothing', async () => {
    // db would take 8 s to be healthy: a stop that had to wait for that start would take as long.
    testStack = await makeTestStack({ db: { env: { READY_AFTER_MS: '8000' } } });
    const { stack } = testStack;
    const starting = stack.start('rest');
    await testStack.waitFor('db', 'starting');
    const began = Date.now();
    await within(stack.stop('rest'), 4_000, 'stop during the start');
    expect(Date.now() - began).toBeLessThan(4_000);
    await starting;
    expect(stack.member('db').supervisor.currentState).toBe('stopped');
    expect(spawnsOf(testStack.services.db!)).toEqual([]);
  });
});
