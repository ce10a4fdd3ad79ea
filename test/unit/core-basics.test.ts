import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../src/main/core/ring-buffer';
import { CUT_MARKER, LineSplitter } from '../../src/main/core/line-splitter';
import { backoffDelay, decideRestart } from '../../src/main/core/restart-policy';
import { loadConfig, parseArgs } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import { resolveCommand } from '../../src/main/core/launcher';

describe('RingBuffer', () => {
  it('keeps the newest items up to its capacity, oldest first', () => {
    const rb = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) rb.push(i);
    expect(rb.toArray()).toEqual([3, 4, 5]);
    expect(rb.toArray(2)).toEqual([4, 5]);
    expect(rb.toArray(10)).toEqual([3, 4, 5]);
    expect(rb.size).toBe(3);
    rb.clear();
    expect(rb.toArray()).toEqual([]);
  });
  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(/positive integer/);
  });
});

describe('LineSplitter', () => {
  const split = (chunks: (string | Buffer)[], max?: number): string[] => {
    const lines: string[] = [];
    const s = new LineSplitter((batch) => {
      const texts = batch.bytes.toString('utf8').split('\n');
      expect(texts).toHaveLength(batch.count);
      lines.push(...texts);
    }, max);
    chunks.forEach((c) => s.write(typeof c === 'string' ? Buffer.from(c) : c));
    s.end();
    return lines;
  };
  it('joins lines across chunks and strips CRLF', () => {
    expect(split(['a\nb', 'c\r\n', 'd'])).toEqual(['a', 'bc', 'd']);
  });
  it('keeps a multi-byte character split across chunks and replaces invalid UTF-8', () => {
    const euro = Buffer.from('€\n');
    expect(split([euro.subarray(0, 1), euro.subarray(1)])).toEqual(['€']);
    expect(split([Buffer.from([0x61, 0xff, 0x62, 0x0a])])).toEqual(['a\uFFFDb']);
  });
  it('cuts a line over the cap, marks it, and drops the rest of it', () => {
    expect(split(['x'.repeat(25) + '\nnext\n'], 10)).toEqual(['x'.repeat(10) + CUT_MARKER, 'next']);
    expect(split(['y'.repeat(8), 'y'.repeat(8), 'y'.repeat(8), '\nok\n'], 10)).toEqual([
      'y'.repeat(10) + CUT_MARKER,
      'ok',
    ]);
  });
});

describe('restart policy', () => {
  const config = { autoRestart: true, maxRestartAttempts: 5, restartDelayMs: 1000, maxRestartDelayMs: 5000 };
  it('restarts at once the first time, then doubles the delay up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(config, n))).toEqual([0, 1000, 2000, 4000, 5000]);
  });
  it('gives up after the configured attempts, or at once with auto-restart off', () => {
    expect(decideRestart(config, 5)).toEqual({ action: 'restart', attempt: 5, delayMs: 5000 });
    expect(decideRestart(config, 6)).toMatchObject({
      action: 'give-up',
      reason: 'gave up after 5 consecutive restart attempts',
    });
    expect(decideRestart({ ...config, autoRestart: false }, 1)).toMatchObject({
      action: 'give-up',
      reason: 'auto-restart is off',
    });
  });
});

describe('config from the environment', () => {
  const defaults = { command: '/opt/bundled/node', args: ['server.js'] };
  it('applies the documented defaults', () => {
    const c = loadConfig({ SUPERVISOR_DATA_DIR: '/tmp/x' }, defaults);
    expect(c).toMatchObject({
      orchestratorEnabled: true,
      command: '/opt/bundled/node',
      args: ['server.js'],
      backendUrl: 'http://127.0.0.1:3000',
      healthCheckPath: '/health',
      healthCheckIntervalMs: 30_000,
      healthCheckTimeoutMs: 5_000,
      healthFailureThreshold: 3,
      startupTimeoutMs: 30_000,
      autoRestart: true,
      maxRestartAttempts: 3,
      restartDelayMs: 1_000,
      maxRestartDelayMs: 30_000,
      stopTimeoutMs: 10_000,
      controlHost: '127.0.0.1',
      controlPort: 8000,
      dataDir: '/tmp/x',
      workingDir: '/opt/bundled',
    });
  });
  it('reads the seed variables and their aliases, seconds into ms', () => {
    const c = loadConfig(
      {
        GO_BACKEND_BINARY: '/srv/app/server',
        GO_BACKEND_URL: 'http://127.0.0.1:8080',
        HEALTH_CHECK_INTERVAL: '60',
        HEALTH_CHECK_TIMEOUT: '0.5',
        AUTO_RESTART: 'false',
        MAX_RESTART_ATTEMPTS: '5',
        BACKEND_ARGS: '--port 8080 --name "my app"',
        ORCHESTRATOR_ENABLED: 'true',
      },
      defaults,
    );
    expect(c).toMatchObject({
      command: '/srv/app/server',
      args: ['--port', '8080', '--name', 'my app'],
      workingDir: '/srv/app',
      backendUrl: 'http://127.0.0.1:8080',
      healthCheckIntervalMs: 60_000,
      healthCheckTimeoutMs: 500,
      autoRestart: false,
      maxRestartAttempts: 5,
    });
    expect(loadConfig({ BACKEND_COMMAND: 'server', BACKEND_URL: 'https://h:1' }, defaults)).toMatchObject({
      command: 'server',
      backendUrl: 'https://h:1',
    });
  });
  it('names every bad variable and what is wrong with it', () => {
    const bad = () =>
      loadConfig({ HEALTH_CHECK_INTERVAL: 'soon', AUTO_RESTART: 'maybe', MAX_RESTART_ATTEMPTS: '2.5' }, defaults);
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(
      /HEALTH_CHECK_INTERVAL="soon" is not a number of seconds.*AUTO_RESTART="maybe" is not a boolean.*MAX_RESTART_ATTEMPTS="2.5" is not a whole number/,
    );
    expect(() => loadConfig({ GO_BACKEND_URL: 'ftp://x' }, defaults)).toThrow(/GO_BACKEND_URL: must be an http/);
    expect(() => loadConfig({ HEALTH_CHECK_PATH: 'health' }, defaults)).toThrow(
      /HEALTH_CHECK_PATH: must start with \//,
    );
    expect(() => loadConfig({ CONTROL_PORT: '70000' }, defaults)).toThrow(/CONTROL_PORT/);
    expect(() => loadConfig({ RESTART_DELAY: '10', MAX_RESTART_DELAY: '5' }, defaults)).toThrow(
      /MAX_RESTART_DELAY \(5 s\) is below RESTART_DELAY/,
    );
  });
  it('reads BACKEND_ARGS as a JSON array or shell words, refusing shell operators', () => {
    expect(parseArgs('["a b","c"]', 'BACKEND_ARGS')).toEqual(['a b', 'c']);
    expect(parseArgs(`-x 'two words'`, 'BACKEND_ARGS')).toEqual(['-x', 'two words']);
    expect(() => parseArgs('a | b', 'BACKEND_ARGS')).toThrow(/shell operator/);
    expect(() => parseArgs('[1,2]', 'BACKEND_ARGS')).toThrow(/JSON array of strings/);
  });
  it('refuses a non-loopback control address unless it is explicitly allowed', () => {
    expect(() => loadConfig({ CONTROL_HOST: '0.0.0.0' }, defaults)).toThrow(
      /CONTROL_HOST=0.0.0.0 would expose the control API.*CONTROL_ALLOW_REMOTE=true/,
    );
    expect(loadConfig({ CONTROL_HOST: '0.0.0.0', CONTROL_ALLOW_REMOTE: 'true' }, defaults).controlHost).toBe('0.0.0.0');
    expect(loadConfig({ CONTROL_HOST: '127.0.0.2' }, defaults).controlHost).toBe('127.0.0.2');
  });
  it('reads log rotation settings', () => {
    expect(loadConfig({ LOG_FILE_MAX_MB: '2', LOG_FILE_COUNT: '3' }, defaults)).toMatchObject({
      logFileMaxBytes: 2 * 1024 * 1024,
      logFileCount: 3,
    });
    expect(() => loadConfig({ LOG_FILE_MAX_MB: 'big' }, defaults)).toThrow(
      /LOG_FILE_MAX_MB="big" is not a size in MiB/,
    );
  });
  it('lets command-line flags win over the environment', () => {
    expect(loadConfig({ CONTROL_PORT: '9000' }, defaults, {}, { controlPort: 9100 }).controlPort).toBe(9100);
  });
});

describe('resolveCommand', () => {
  it('finds a bare name in PATH and reports a missing or non-executable path clearly', () => {
    expect(resolveCommand('node', '/', process.env.PATH)).toMatch(/node$/);
    expect(() => resolveCommand('/nope/server', '/')).toThrow(/backend command not found: \/nope\/server/);
    expect(() => resolveCommand('no-such-cmd-xyz', '/', '/usr/bin')).toThrow(/not found in PATH: no-such-cmd-xyz/);
    const plain = join(mkdtempSync(join(tmpdir(), 'bsup-')), 'server');
    writeFileSync(plain, 'not a program', { mode: 0o644 });
    expect(() => resolveCommand(plain, '/')).toThrow(`backend command is not executable: ${plain}`);
    expect(() => resolveCommand('/tmp', '/')).toThrow(/not a file/);
  });
});
