/**
 * Adversary tests of the in-place reload on a real `serve --stack` of real backends
 * (stamp-backend.mjs): SIGHUPs that land while a reload runs (the last file content must win,
 * one reload at a time, no queue), a storm of them, and a reload that adds a service
 * depending on one that never becomes healthy (its answer is bounded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renameSync, writeFileSync } from 'node:fs';
import type { ReloadResult } from '../../src/shared/reload';
import type { ServiceStatus } from '../../src/shared/services';
import {
  fixtureStackText,
  livePids,
  spawnsOf,
  startServe,
  untilServices,
  writeFixtureStack,
  type ServeProcess,
  type ServiceSpec,
} from '../helpers/stack';
import { pollUntil } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function track(serve: ServeProcess): ServeProcess {
  cleanups.push(async () => {
    if (serve.process.exitCode === null && serve.process.signalCode === null) {
      serve.process.kill('SIGKILL');
      await serve.exited;
    }
  });
  return serve;
}

/** POST /api/v1/config/reload (a dry run with `dryRun`): the status and the answer. */
async function reload(serve: ServeProcess, dryRun = false): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${serve.url}/api/v1/config/reload${dryRun ? '?dryRun=1' : ''}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const allRunning = (names: string[]) => (list: ServiceStatus[]) =>
  names.every((n) => list.find((s) => s.name === n)?.status === 'running') && list.length === names.length;

/**
 * Writes `specs` to `file` atomically (a temporary file renamed over it), keeping each
 * service's port from `ports`.
 */
async function rewrite(file: string, dir: string, specs: Record<string, ServiceSpec>, ports: Record<string, number>) {
  const { text, services } = await fixtureStackText(dir, specs);
  let fixed = text;
  for (const [name, service] of Object.entries(services)) {
    const port = ports[name];
    if (port === undefined) continue;
    fixed = fixed.replaceAll(`"PORT": "${service.port}"`, `"PORT": "${port}"`);
    fixed = fixed.replaceAll(`127.0.0.1:${service.port}/`, `127.0.0.1:${port}/`);
  }
  writeFileSync(`${file}.tmp`, fixed);
  renameSync(`${file}.tmp`, file);
}

/** Polls until a dry run says the running stack is the file's (every service unchanged); returns the last plan. */
async function untilApplied(serve: ServeProcess, timeoutMs = 30_000): Promise<ReloadResult> {
  let last: ReloadResult | null = null;
  await pollUntil(
    async () => {
      const { status, body } = await reload(serve, true);
      if (status !== 200) return false;
      last = body as unknown as ReloadResult;
      return last.services.every((s) => s.action === 'unchanged');
    },
    timeoutMs,
    100,
    'the running stack to be the file',
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}: ${JSON.stringify(last?.services)}\n${serve.stdout().slice(-3000)}\n${serve.stderr()}`,
    );
  });
  return last!;
}

describe('SIGHUP while a reload runs', () => {
  it('a second SIGHUP during a reload that restarts a service is carried out after it: the last file wins', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    // The restarted backend is healthy only 1.5 s after it listens: the first reload lasts that long.
    await rewrite(file, dir, { backend: { env: { GREETING: 'first', READY_AFTER_MS: '1500' } } }, ports);
    serve.process.kill('SIGHUP');
    await pollUntil(() => spawnsOf(services.backend!).length === 2, 15_000, 10, 'the first reload restarted it');
    // The first reload has read the file: this content comes after its read.
    await rewrite(file, dir, { backend: { env: { GREETING: 'last' } } }, ports);
    serve.process.kill('SIGHUP');
    serve.process.kill('SIGHUP');
    await untilApplied(serve);
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(spawnsOf(services.backend!)).toHaveLength(3);
    expect(livePids(services.backend!)).toHaveLength(1);
    expect(serve.stderr()).not.toContain('RELOAD_IN_PROGRESS');
    expect(serve.process.exitCode).toBeNull();
  });

  it('a storm of 100 SIGHUPs in about a second, the file changing before each: the last content wins, no reload queue', async () => {
    const { file, dir, services } = await writeFixtureStack({ backend: {} });
    const ports = { backend: services.backend!.port };
    const serve = track(await startServe(file));
    await untilServices(serve, 'running', allRunning(['backend']));
    for (let i = 0; i < 100; i++) {
      await rewrite(file, dir, { backend: { env: { GREETING: `storm-${i}` } } }, ports);
      serve.process.kill('SIGHUP');
      // Pacing the storm over about a second (the attack's shape, not a wait for anything).
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await untilApplied(serve);
    await untilServices(serve, 'running', allRunning(['backend']));
    expect(livePids(services.backend!)).toHaveLength(1);
    // One reload at a time, at most one waiting: far fewer reloads than signals.
    const reloads = serve
      .stdout()
      .split('\n')
      .filter((l) => l.includes('SIGHUP: reloading')).length;
    expect(reloads).toBeGreaterThan(0);
    expect(reloads).toBeLessThan(100);
    expect(spawnsOf(services.backend!).length).toBeLessThan(100);
    expect(serve.stderr()).not.toContain('RELOAD_IN_PROGRESS');
    expect(serve.process.exitCode).toBeNull();
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(livePids(services.backend!)).toEqual([]);
  });
});
