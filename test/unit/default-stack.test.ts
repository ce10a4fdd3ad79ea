import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DATABASE_PORT_FILE,
  envStack,
  ephemeralPortRange,
  pickPort,
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

  it('with 5432 taken, picks a free port outside the ephemeral range (where outgoing connections take theirs) and remembers it', async () => {
    // 5432 is taken either by a system PostgreSQL or, when free, by this test.
    await occupy(5432).catch(() => undefined);
    const rangeFile = '/proc/sys/net/ipv4/ip_local_port_range';
    const [low, high] = existsSync(rangeFile)
      ? readFileSync(rangeFile, 'utf8').trim().split(/\s+/).map(Number)
      : [32_768, 60_999];
    for (let i = 0; i < 5; i++) {
      const dir = tempDir();
      const { port } = await resolveDefaultDatabase(dir);
      expect(port).not.toBe(5432);
      expect(port < low! || port > high!, `${port} is in the ephemeral range ${low}-${high}`).toBe(true);
      expect(Number(readFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), 'utf8'))).toBe(port);
      // Free: this test can listen on it.
      await occupy(port);
    }
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

describe('ephemeralPortRange', () => {
  it('reads the two numbers of the file, else gives Linux default 32768-60999', () => {
    const dir = tempDir();
    const file = join(dir, 'range');
    writeFileSync(file, '40000\t50000\n');
    expect(ephemeralPortRange(file)).toEqual({ low: 40_000, high: 50_000 });
    for (const text of ['', 'abc', '40000', '50000 40000', '0 100', '1 65536', '1 2 3']) {
      writeFileSync(file, text);
      expect(ephemeralPortRange(file), JSON.stringify(text)).toEqual({ low: 32_768, high: 60_999 });
    }
    expect(ephemeralPortRange(join(dir, 'missing'))).toEqual({ low: 32_768, high: 60_999 });
  });
});

describe('pickPort', () => {
  it('picks from 20000 up to the range start - 1, else above the range end, else leaves it to the system', async () => {
    for (let i = 0; i < 10; i++) {
      const below = await pickPort({ low: 32_768, high: 60_999 });
      expect(below >= 20_000 && below < 32_768, String(below)).toBe(true);
      const above = await pickPort({ low: 10_000, high: 40_000 });
      expect(above > 40_000 && above <= 65_535, String(above)).toBe(true);
    }
    const any = await pickPort({ low: 1024, high: 65_535 });
    expect(any >= 1 && any <= 65_535).toBe(true);
  });

  it('checks each pick free: with the one port outside the range taken, the system picks another', async () => {
    // 20000 is taken: by this test, or already by something else when this listen fails.
    await occupy(20_000).catch(() => undefined);
    const port = await pickPort({ low: 20_001, high: 65_535 });
    expect(port).not.toBe(20_000);
    expect(port >= 1 && port <= 65_535).toBe(true);
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
