import { createServer, type Server } from 'node:net';
import { endianness } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthProbe, ProbeOutcome } from '../../src/main/core/health-probe';
import { listeningSocketsOf, procNetHost, type ListeningSocket } from '../../src/main/core/port-owner';
import {
  diagnoseFailedStart,
  listeningHint,
  MAX_LISTED_SOCKETS,
  START_DIAGNOSIS_BUDGET_MS,
} from '../../src/main/core/start-diagnosis';

const URL_3000 = 'http://127.0.0.1:3000/health';

function outcome(
  status: number | null,
  failure: ProbeOutcome['failure'] = status === null ? 'unreachable' : 'http-status',
): ProbeOutcome {
  const ok = status !== null && status >= 200 && status < 300;
  return {
    at: new Date().toISOString(),
    ok,
    latency_ms: ok ? 1 : null,
    status_code: status,
    error: ok ? null : status === null ? 'connection refused' : `answered HTTP ${status}`,
    failure: ok ? null : failure,
    body: null,
  };
}

/** Answers each path from `answers` (404 for the rest), recording the URLs and budgets asked. */
function pathProbe(answers: Record<string, number>): HealthProbe & { asked: Array<[string, number]> } {
  const asked: Array<[string, number]> = [];
  return {
    asked,
    probe: async (url, timeoutMs) => {
      asked.push([url, timeoutMs]);
      return outcome(answers[new URL(url).pathname] ?? 404);
    },
    close: async () => {},
  };
}

const sock = (host: string, port: number): ListeningSocket => ({ host, port, inode: String(port) });

describe('where a refused backend listens', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('reads /proc/net/tcp addresses as URLs write them', () => {
    // Each 32-bit word is printed in host order: reversed bytes on a little-endian machine.
    const le = endianness() === 'LE';
    expect(procNetHost(le ? '0100007F' : '7F000001')).toBe('127.0.0.1');
    expect(procNetHost('00000000')).toBe('0.0.0.0');
    expect(procNetHost(le ? '00000000000000000000000001000000' : '00000000000000000000000000000001')).toBe('[::1]');
    expect(procNetHost('00000000000000000000000000000000')).toBe('[::]');
  });

  it('finds the sockets a live process listens on (this one)', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const sockets = listeningSocketsOf([process.pid]);
    expect(sockets?.some((s) => s.host === '127.0.0.1' && s.port === port)).toBe(true);
  });

  it('names up to MAX_LISTED_SOCKETS addresses, then counts the rest', () => {
    const four = [8081, 8082, 8083, 8084].map((p) => sock('127.0.0.1', p));
    expect(four).toHaveLength(MAX_LISTED_SOCKETS);
    expect(listeningHint({ healthUrl: URL_3000 }, four)).toBe(
      `it listens on 127.0.0.1:8081, 127.0.0.1:8082, 127.0.0.1:8083 and 127.0.0.1:8084 (the health URL is ${URL_3000}: set GO_BACKEND_URL?)`,
    );
    expect(listeningHint({ healthUrl: URL_3000 }, [...four, sock('[::]', 9090)])).toBe(
      `it listens on 127.0.0.1:8081, 127.0.0.1:8082, 127.0.0.1:8083, 127.0.0.1:8084 and 1 more (the health URL is ${URL_3000}: set GO_BACKEND_URL?)`,
    );
  });

  it('says nothing it does not know, and nothing when it listens where the URL points', () => {
    expect(listeningHint({ healthUrl: URL_3000 }, null)).toBeNull();
    expect(listeningHint({ healthUrl: URL_3000 }, [])).toBe('it listens on no TCP port');
    expect(listeningHint({ healthUrl: URL_3000 }, [sock('0.0.0.0', 3000)])).toBeNull();
    expect(listeningHint({ healthUrl: URL_3000 }, [sock('127.0.0.1', 3000), sock('127.0.0.1', 9000)])).toBeNull();
    // Same port, another address: the URL cannot reach it, so it is named.
    expect(listeningHint({ healthUrl: 'http://[::1]:3000/health' }, [sock('127.0.0.1', 3000)])).toBe(
      'it listens on 127.0.0.1:3000 (the health URL is http://[::1]:3000/health: set GO_BACKEND_URL?)',
    );
  });
});

describe('diagnoseFailedStart', () => {
  const refused = { healthUrl: URL_3000, pid: 4242, lastProbe: outcome(null) };

  it('looks up the group of the backend for a refused health URL', async () => {
    const asked: number[] = [];
    const hint = await diagnoseFailedStart({
      ...refused,
      probe: pathProbe({}),
      listeningOfGroup: (pgid) => {
        asked.push(pgid);
        return [sock('127.0.0.1', 8081)];
      },
    });
    expect(asked).toEqual([4242]);
    expect(hint).toBe(`it listens on 127.0.0.1:8081 (the health URL is ${URL_3000}: set GO_BACKEND_URL?)`);
  });

  it('on a 404, names the first usual path that answers 2xx, each probed once within the budget', async () => {
    const probe = pathProbe({ '/': 200, '/healthz': 204 });
    const hint = await diagnoseFailedStart({ ...refused, lastProbe: outcome(404), probe });
    expect(hint).toBe('/health answers 404; /healthz answers 204: set HEALTH_CHECK_PATH?');
    const paths = probe.asked.map(([u]) => new URL(u).pathname);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).not.toContain('/health');
    expect(paths).toContain('/');
    expect(probe.asked.every(([, budget]) => budget === START_DIAGNOSIS_BUDGET_MS)).toBe(true);
  });

  it('keeps the URL origin for the other paths and tries /health when the path was another', async () => {
    const probe = pathProbe({ '/health': 200 });
    const hint = await diagnoseFailedStart({
      ...refused,
      healthUrl: 'http://127.0.0.1:3000/api/status',
      lastProbe: outcome(404),
      probe,
    });
    expect(hint).toBe('/api/status answers 404; /health answers 200: set HEALTH_CHECK_PATH?');
    expect(probe.asked.every(([u]) => u.startsWith('http://127.0.0.1:3000/'))).toBe(true);
  });

  it('adds nothing for other failures, and never throws', async () => {
    const listeningOfGroup = (): ListeningSocket[] => [sock('127.0.0.1', 8081)];
    const probe = pathProbe({ '/': 200 });
    expect(await diagnoseFailedStart({ ...refused, lastProbe: null, probe, listeningOfGroup })).toBeNull();
    expect(await diagnoseFailedStart({ ...refused, lastProbe: outcome(503), probe, listeningOfGroup })).toBeNull();
    expect(
      await diagnoseFailedStart({ ...refused, lastProbe: outcome(null, 'cannot-probe'), probe, listeningOfGroup }),
    ).toBeNull();
    expect(
      await diagnoseFailedStart({ ...refused, lastProbe: outcome(null, 'no-answer'), probe, listeningOfGroup }),
    ).toBeNull();
    const broken: HealthProbe = { probe: () => Promise.reject(new Error('boom')), close: async () => {} };
    expect(await diagnoseFailedStart({ ...refused, lastProbe: outcome(404), probe: broken })).toBeNull();
    const throwing = (): never => {
      throw new Error('no /proc');
    };
    expect(await diagnoseFailedStart({ ...refused, probe, listeningOfGroup: throwing })).toBeNull();
  });
});
