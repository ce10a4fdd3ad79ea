/**
 * The port questions of a start: which port a check names, when an exit looks like a
 * taken port, and what the pre-spawn check says of a port someone else already serves
 * (a real HTTP server and a real TCP listener on loopback).
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { TcpProbe } from '../../src/main/core/probes/tcp-probe';
import { looksLikePortInUse, PortCheck, servicePort } from '../../src/main/core/port-check';

const servers: { close(): unknown }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function line(seq: number, stream: LogLine['stream'], text: string): LogLine {
  return { seq, ts: new Date(0).toISOString(), stream, text };
}

describe('servicePort', () => {
  it("names an HTTP URL's port, the scheme's default, a TCP check's port, and none for other checks", () => {
    expect(servicePort({ kind: 'http', url: 'http://127.0.0.1:8080/health' })).toBe(8080);
    expect(servicePort({ kind: 'http', url: 'http://127.0.0.1/health' })).toBe(80);
    expect(servicePort({ kind: 'http', url: 'https://127.0.0.1/health' })).toBe(443);
    expect(servicePort({ kind: 'tcp', host: '127.0.0.1', port: 5432 } as never)).toBe(5432);
    expect(servicePort({ kind: 'none' } as never)).toBeNull();
  });
});

describe('looksLikePortInUse', () => {
  const lines = [
    line(1, 'stderr', 'Error: listen EADDRINUSE: address already in use :::8080'),
    line(5, 'supervisor', 'address already in use (said by the supervisor)'),
    line(6, 'stdout', 'starting'),
  ];
  it('exit code 98 alone is enough', () => {
    expect(looksLikePortInUse({ code: 98, signal: null }, [], 0)).toBe(true);
  });
  it("an EADDRINUSE line of the child's own output counts; an earlier process's does not", () => {
    expect(looksLikePortInUse({ code: 1, signal: null }, lines, 1)).toBe(true);
    expect(looksLikePortInUse({ code: 1, signal: null }, lines, 2)).toBe(false);
  });
  it("the supervisor's own lines never count", () => {
    expect(looksLikePortInUse({ code: 1, signal: null }, lines.slice(1), 0)).toBe(false);
  });
});

describe('PortCheck', () => {
  const owner = { pid: 4242, command: 'stranger --serve' };

  it('an HTTP port already answering is held by someone else, who is named', async () => {
    const server: Server = createHttpServer((_req, res) => res.writeHead(503).end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const target = `http://127.0.0.1:${port}/health`;
    const check = new PortCheck({
      name: 'api',
      health: { kind: 'http', url: target },
      target,
      probe: new HttpHealthProbe(),
      findPortOwner: async (p) => (p === port ? owner : null),
    });
    const held = await check.heldBySomeoneElse();
    expect(held).toContain('4242');
    expect(held).toContain(`it answered ${target} with HTTP 503 before our api was started`);
  });

  it('a free port is not held; an owner lookup that fails is "not known"', async () => {
    const probe = new HttpHealthProbe();
    const free = new PortCheck({
      name: 'api',
      health: { kind: 'http', url: 'http://127.0.0.1:1/health' },
      target: 'http://127.0.0.1:1/health',
      probe,
      findPortOwner: () => Promise.reject(new Error('no /proc')),
    });
    expect(await free.heldBySomeoneElse()).toBeNull();
    expect(await free.whyPortInUse('exited with code 98')).toMatch(/^port 1 .*\(the api exited with code 98\)$/);
  });

  it('a TCP port accepting connections is held', async () => {
    const server = createTcpServer((socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const check = new PortCheck({
      name: 'db',
      health: { kind: 'tcp', host: '127.0.0.1', port } as never,
      target: `tcp://127.0.0.1:${port}`,
      probe: new TcpProbe(),
      findPortOwner: async () => null,
    });
    expect(await check.heldBySomeoneElse()).toContain('it accepted a connection before our db was started');
  });

  it('a check that names no port is never checked and has no port', async () => {
    const check = new PortCheck({
      name: 'worker',
      health: { kind: 'none' } as never,
      target: '',
      probe: { probe: () => Promise.reject(new Error('must not probe')) } as never,
      findPortOwner: async () => owner,
    });
    expect(check.port).toBeNull();
    expect(await check.heldBySomeoneElse()).toBeNull();
    expect(await check.whyPortInUse('exited with code 98')).toBe('its port is in use (the worker exited with code 98)');
  });
});
