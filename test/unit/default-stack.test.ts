import { readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_PORT_FILE,
  envStack,
  resolveDefaultDatabase,
  wantsDefaultDatabase,
} from '../../src/main/core/stack/default-stack';
import { testConfig, tempDir } from '../helpers/supervise';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Listens on 127.0.0.1 (a free port when 0) and returns the port. */
function occupy(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    servers.push(server);
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1' }, () => resolve((server.address() as net.AddressInfo).port));
  });
}

describe('wantsDefaultDatabase', () => {
  const defaults = { command: '/usr/bin/node', args: ['/out/reference-backend/server.js'] };
  const bundled = {
    command: '/usr/bin/node',
    args: ['/out/reference-backend/server.js'],
    env: {},
    orchestratorEnabled: true,
  };

  it('is true for the bundled backend with no DATABASE_URL anywhere', () => {
    expect(wantsDefaultDatabase(bundled, defaults, {})).toBe(true);
  });

  it('is false for a remote backend, another command, other arguments, or a DATABASE_URL of the backend or of the supervisor', () => {
    expect(wantsDefaultDatabase({ ...bundled, orchestratorEnabled: false }, defaults, {})).toBe(false);
    expect(wantsDefaultDatabase({ ...bundled, command: '/opt/app/server' }, defaults, {})).toBe(false);
    expect(wantsDefaultDatabase({ ...bundled, args: ['/other.js'] }, defaults, {})).toBe(false);
    expect(wantsDefaultDatabase({ ...bundled, args: [...bundled.args, '--x'] }, defaults, {})).toBe(false);
    expect(wantsDefaultDatabase({ ...bundled, env: { DATABASE_URL: 'postgres://a@b/c' } }, defaults, {})).toBe(false);
    expect(wantsDefaultDatabase(bundled, defaults, { DATABASE_URL: 'postgres://a@b/c' })).toBe(false);
    // An empty variable is no database (as `PORT=` is no port).
    expect(wantsDefaultDatabase(bundled, defaults, { DATABASE_URL: '' })).toBe(true);
  });
});

describe('resolveDefaultDatabase', () => {
  it('keeps the remembered port while it is free, and writes the file 0600', async () => {
    const dir = tempDir();
    const port = await occupy();
    await new Promise((r) => servers.pop()!.close(r));
    writeFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), `${port}\n`, { mode: 0o600 });
    expect(await resolveDefaultDatabase(dir)).toEqual({ port });
    expect(statSync(join(dir, DEFAULT_DATABASE_PORT_FILE)).mode & 0o777).toBe(0o600);
  });

  it('never takes a port something else listens on: another is chosen and remembered', async () => {
    const dir = tempDir();
    const taken = await occupy();
    writeFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), `${taken}\n`);
    const { port } = await resolveDefaultDatabase(dir);
    expect(port).not.toBe(taken);
    expect(Number(readFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), 'utf8'))).toBe(port);
    expect(await resolveDefaultDatabase(dir)).toEqual({ port });
  });

  it('ignores a file that holds no port', async () => {
    for (const text of ['', 'abc', '0', '65536', '5432.5', '-1']) {
      const dir = tempDir();
      writeFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), text);
      const { port } = await resolveDefaultDatabase(dir);
      expect(port >= 1 && port <= 65_535).toBe(true);
      expect(Number(readFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), 'utf8'))).toBe(port);
    }
  });
});

describe('envStack', () => {
  it('without a database: the one primary service backend', () => {
    const stack = envStack(testConfig(1234, { dataDir: tempDir() }));
    expect(stack.services.map((s) => s.name)).toEqual(['backend']);
  });

  it('with a database: postgres first, backend depending on it healthy and given its URL', () => {
    const config = testConfig(1234, { dataDir: tempDir() });
    const stack = envStack(config, { port: 54_999 });
    expect(stack.file).toBeNull();
    expect(stack.services.map((s) => [s.name, s.primary, s.kind])).toEqual([
      ['postgres', false, 'postgres'],
      ['backend', true, undefined],
    ]);
    const [db, backend] = stack.services;
    expect(db!.stopSignal).toBe('SIGINT');
    expect(db!.stopEscalation).toEqual(['SIGQUIT']);
    expect(db!.config.args).toEqual(expect.arrayContaining(['-p', '54999']));
    expect(backend!.dependsOn).toEqual([{ service: 'postgres', condition: 'service_healthy' }]);
    const url = new URL(backend!.config.env['DATABASE_URL']!);
    expect([url.protocol, url.hostname, url.port, url.username, url.pathname]).toEqual([
      'postgres:',
      '127.0.0.1',
      '54999',
      'app',
      '/app',
    ]);
    // The backend's own environment is kept beside it.
    expect(Object.keys(backend!.config.env)).toEqual(expect.arrayContaining(Object.keys(config.env)));
  });
});
