/**
 * Health check targets as shown and as probed: `tcp://host:port` both ways, passwords
 * masked wherever a target is shown, and the probe each kind of check gets.
 */
import { describe, expect, it } from 'vitest';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { CommandProbe } from '../../src/main/core/probes/command-probe';
import { classifyPostgresError, maskPassword, PostgresProbe } from '../../src/main/core/probes/postgres-probe';
import { createServiceProbe, healthTargetOf, probeTargetOf } from '../../src/main/core/probes/service-probe';
import { formatTcpTarget, parseTcpTarget, TcpProbe } from '../../src/main/core/probes/tcp-probe';

describe('tcp targets', () => {
  it('writes IPv6 addresses in brackets and reads them back without', () => {
    expect(formatTcpTarget('127.0.0.1', 5432)).toBe('tcp://127.0.0.1:5432');
    expect(formatTcpTarget('db.internal', 6379)).toBe('tcp://db.internal:6379');
    expect(formatTcpTarget('::1', 5432)).toBe('tcp://[::1]:5432');
    expect(formatTcpTarget('[::1]', 5432)).toBe('tcp://[::1]:5432');
    for (const [host, port] of [
      ['127.0.0.1', 1],
      ['::1', 65_535],
      ['fe80::1', 80],
      ['db.internal', 6379],
    ] as const) {
      expect(parseTcpTarget(formatTcpTarget(host, port))).toEqual({ host, port });
    }
  });

  it('refuses what is not tcp://host:port, ports outside 1–65535 included', () => {
    for (const bad of [
      'http://127.0.0.1:80',
      'tcp://127.0.0.1',
      'tcp://127.0.0.1:0',
      'tcp://127.0.0.1:65536',
      'tcp://:80',
      'tcp://user:pw@127.0.0.1:80',
      'tcp://127.0.0.1:80/path',
      'tcp://127.0.0.1:80?x=1',
      '127.0.0.1:80',
      '',
    ]) {
      expect(parseTcpTarget(bad), bad).toBeNull();
    }
  });
});

describe('maskPassword', () => {
  it('masks the password of a URL and password-like query parameters, nothing else', () => {
    expect(maskPassword('postgres://bsup:s3cret@127.0.0.1:5432/app')).toBe('postgres://bsup:***@127.0.0.1:5432/app');
    expect(maskPassword('postgres://u:p%40ss%2Fw@db/app?sslmode=require')).toBe(
      'postgres://u:***@db/app?sslmode=require',
    );
    const query = maskPassword('postgres://u@db/app?password=hunter2&sslpassword=k3y&sslmode=verify-full');
    expect(query).not.toContain('hunter2');
    expect(query).not.toContain('k3y');
    expect(query).toContain('sslmode=verify-full');
    expect(maskPassword('postgres://u@db/app')).toBe('postgres://u@db/app'); // unchanged, not re-serialised
    expect(maskPassword('pg_isready')).toBe('pg_isready');
  });

  it('masks a string that is not a URL by pattern', () => {
    expect(maskPassword('postgres://u:se cret@[bad/app')).toBe('postgres://u:***@[bad/app');
    expect(maskPassword('--password=hunter2')).toBe('--password=***');
  });
});

describe('healthTargetOf', () => {
  it('shows each kind of check, secrets masked', () => {
    expect(healthTargetOf({ kind: 'http', url: 'http://127.0.0.1:8080/health' })).toBe('http://127.0.0.1:8080/health');
    expect(healthTargetOf({ kind: 'http', url: 'http://u:pw@127.0.0.1:8080/health' })).toBe(
      'http://u:***@127.0.0.1:8080/health',
    );
    expect(healthTargetOf({ kind: 'tcp', host: '::1', port: 6379 })).toBe('tcp://[::1]:6379');
    expect(healthTargetOf({ kind: 'postgres', url: 'postgres://bsup:bsup@127.0.0.1:5432/postgres' })).toBe(
      'postgres://bsup:***@127.0.0.1:5432/postgres',
    );
    expect(healthTargetOf({ kind: 'command', argv: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'] })).toBe(
      'command: pg_isready -h 127.0.0.1 -p 5432',
    );
    expect(healthTargetOf({ kind: 'command', argv: ['sh', '-c', "test -f 'ready' && exit 0", ''] })).toBe(
      `command: sh -c 'test -f '\\''ready'\\'' && exit 0' ''`,
    );
    const withUrl = healthTargetOf({
      kind: 'command',
      argv: ['psql', 'postgres://u:hunter2@db/app', '-c', 'select 1'],
    });
    expect(withUrl).not.toContain('hunter2');
    expect(withUrl).toBe("command: psql 'postgres://u:***@db/app' -c 'select 1'");
    expect(healthTargetOf({ kind: 'none' })).toBe('none');
  });

  it('hands the http probe the real URL, the others their display target', () => {
    expect(probeTargetOf({ kind: 'http', url: 'http://u:pw@127.0.0.1:8080/health' })).toBe(
      'http://u:pw@127.0.0.1:8080/health',
    );
    expect(probeTargetOf({ kind: 'tcp', host: '::1', port: 6379 })).toBe('tcp://[::1]:6379');
    expect(probeTargetOf({ kind: 'postgres', url: 'postgres://u:pw@db/app' })).toBe('postgres://u:***@db/app');
  });
});

describe('createServiceProbe', () => {
  it('gives each kind its probe: the shared one for http, none for none', async () => {
    const http = new HttpHealthProbe();
    const deps = { http, cwd: '/', env: {} };
    try {
      expect(createServiceProbe({ kind: 'http', url: 'http://127.0.0.1/health' }, deps)).toBe(http);
      expect(createServiceProbe({ kind: 'tcp', host: '127.0.0.1', port: 1 }, deps)).toBeInstanceOf(TcpProbe);
      expect(createServiceProbe({ kind: 'postgres', url: 'postgres://u:p@db/app' }, deps)).toBeInstanceOf(
        PostgresProbe,
      );
      expect(createServiceProbe({ kind: 'command', argv: ['true'] }, deps)).toBeInstanceOf(CommandProbe);
      expect(createServiceProbe({ kind: 'none' }, deps)).toBeNull();
    } finally {
      await http.close();
    }
  });
});

describe('classifyPostgresError', () => {
  it('sorts pg timeouts as no-answer and a dropped connection as unreachable', () => {
    expect(classifyPostgresError(new Error('Query read timeout'), 500)).toEqual({
      failure: 'no-answer',
      error: 'no answer within 500 ms',
    });
    expect(classifyPostgresError(new Error('Connection terminated due to connection timeout'), 500).failure).toBe(
      'no-answer',
    );
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'), 500)).toEqual({
      failure: 'unreachable',
      error: 'connection closed',
    });
    const emfile = Object.assign(new Error('connect EMFILE'), { code: 'EMFILE' });
    expect(classifyPostgresError(emfile, 500).failure).toBe('cannot-probe');
  });
});
