import { describe, expect, it } from 'vitest';
import { importEnvSettings, parseDotEnv } from '../../src/main/core/settings/env-import';

describe('parseDotEnv', () => {
  it('reads KEY=VALUE lines, skipping blanks and comments, with export and spaces around =', () => {
    const { entries, problems } = parseDotEnv(
      ['# the seed', '', 'A=1', 'export B = two words ', '  C=3 # trailing comment', 'D=', 'E=#not a value'].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { name: 'A', value: '1', line: 3 },
      { name: 'B', value: 'two words', line: 4 },
      { name: 'C', value: '3', line: 5 },
      { name: 'D', value: '', line: 6 },
      { name: 'E', value: '', line: 7 },
    ]);
  });

  it('honours quotes: single literal, double with escapes and # inside, multi-line, backticks; CRLF', () => {
    const text = [
      `S='a # b \\n'`,
      `D="say \\"hi\\"\\tnow # not a comment" # a comment`,
      `M="line 1`,
      `line 2"`,
      'B=`x y`',
    ].join('\r\n');
    const { entries, problems } = parseDotEnv(text);
    expect(problems).toEqual([]);
    expect(entries).toEqual([
      { name: 'S', value: 'a # b \\n', line: 1 },
      { name: 'D', value: 'say "hi"\tnow # not a comment', line: 2 },
      { name: 'M', value: 'line 1\nline 2', line: 3 },
      { name: 'B', value: 'x y', line: 5 },
    ]);
  });

  it('reports malformed lines and unclosed quotes by line number, and goes on', () => {
    const { entries, problems } = parseDotEnv(['just words', 'X="a" b', 'OK=1', "Q='never closed"].join('\n'));
    expect(problems).toEqual([
      'line 1: not a KEY=VALUE line: "just words"',
      'line 2: X: text after the closing " ignored: "b"',
      "line 4: Q: the opening ' is never closed",
    ]);
    expect(entries.map((e) => e.name)).toEqual(['X', 'OK']);
  });
});

describe('importEnvSettings', () => {
  it("turns the seed's variables into settings: seconds → ms, MiB → bytes, booleans, args", () => {
    const result = importEnvSettings(
      [
        'ORCHESTRATOR_ENABLED=true',
        'GO_BACKEND_BINARY="/opt/my api/server"',
        `BACKEND_ARGS=--port 3000 --name "my app"`,
        'GO_BACKEND_URL=http://127.0.0.1:3100',
        'HEALTH_CHECK_PATH=/healthz',
        'HEALTH_CHECK_INTERVAL=30 # seconds',
        "HEALTH_CHECK_TIMEOUT='2.5'",
        'HEALTH_FAILURE_THRESHOLD=4',
        'AUTO_RESTART=no',
        'MAX_RESTART_ATTEMPTS=5',
        'STOP_TIMEOUT=0.5',
        'LOG_FILE_MAX_MB=1.5',
        'CONTROL_PORT=8001',
      ].join('\n'),
    );
    expect(result.problems).toEqual([]);
    expect(result.ignored).toEqual([]);
    expect(result.values).toEqual({
      orchestratorEnabled: true,
      command: '/opt/my api/server',
      args: ['--port', '3000', '--name', 'my app'],
      backendUrl: 'http://127.0.0.1:3100',
      healthCheckPath: '/healthz',
      healthCheckIntervalMs: 30_000,
      healthCheckTimeoutMs: 2_500,
      healthFailureThreshold: 4,
      autoRestart: false,
      maxRestartAttempts: 5,
      stopTimeoutMs: 500,
      logFileMaxBytes: 1.5 * 1024 * 1024,
      controlPort: 8001,
    });
  });

  it('takes aliases; the seed name wins over its alias, the last of a repeated name wins', () => {
    const result = importEnvSettings(
      [
        'BACKEND_COMMAND=/bin/alias',
        'BACKEND_URL=http://a:1',
        'GO_BACKEND_URL=http://b:2',
        'STOP_TIMEOUT=1',
        'STOP_TIMEOUT=2',
      ].join('\n'),
    );
    expect(result.values).toEqual({ command: '/bin/alias', backendUrl: 'http://b:2', stopTimeoutMs: 2_000 });
    expect(result.ignored).toEqual(['BACKEND_URL (line 2): GO_BACKEND_URL is used instead']);
  });

  it('reports bad values by line and variable, and keeps the good ones', () => {
    const result = importEnvSettings(
      [
        'HEALTH_CHECK_INTERVAL=soon',
        'HEALTH_CHECK_TIMEOUT=0.001',
        'HEALTH_CHECK_PATH=health',
        'GO_BACKEND_URL=ftp://x',
        'AUTO_RESTART=maybe',
        'CONTROL_PORT=99999',
        'BACKEND_ARGS=a | b',
        'MAX_RESTART_ATTEMPTS=2',
      ].join('\n'),
    );
    expect(result.values).toEqual({ maxRestartAttempts: 2 });
    expect(result.problems).toEqual([
      'line 1: HEALTH_CHECK_INTERVAL="soon" is not a number of seconds (e.g. 5 or 0.5)',
      'line 2: HEALTH_CHECK_TIMEOUT="0.001": must be at least 0.01 s',
      'line 3: HEALTH_CHECK_PATH="health": must start with /',
      'line 4: GO_BACKEND_URL="ftp://x": must be an http:// or https:// URL',
      'line 5: AUTO_RESTART="maybe" is not a boolean (use true or false)',
      'line 6: CONTROL_PORT="99999": must be at most 65535',
      'line 7: BACKEND_ARGS contains a shell operator ({"op":"|"}); give plain arguments',
    ]);
  });

  it('ignores what is not a setting: secrets, the data folder, the backend’s own variables, empty values', () => {
    const result = importEnvSettings(
      [
        'CONTROL_TOKEN=0123456789abcdef0123',
        'SUPERVISOR_DATA_DIR=/var/lib/x',
        'DATABASE_URL=postgres://db',
        'JWT_SECRET=s3cret',
        'LOG_DIR=',
        'STARTUP_TIMEOUT=45',
      ].join('\n'),
    );
    expect(result.values).toEqual({ startupTimeoutMs: 45_000 });
    expect(result.problems).toEqual([]);
    expect(result.ignored).toEqual([
      'CONTROL_TOKEN (line 1): a secret: keep it in the environment or the token file, never in the settings file',
      expect.stringMatching(/^SUPERVISOR_DATA_DIR \(line 2\): not a setting/),
      'DATABASE_URL (line 3): not a supervisor setting',
      'JWT_SECRET (line 4): not a supervisor setting',
      'LOG_DIR (line 5): empty, left unset',
    ]);
    expect(JSON.stringify(result)).not.toContain('0123456789abcdef0123');
  });

  it('reports values that do not fit together', () => {
    const result = importEnvSettings('RESTART_DELAY=10\nMAX_RESTART_DELAY=5\n');
    expect(result.values).toEqual({ restartDelayMs: 10_000, maxRestartDelayMs: 5_000 });
    expect(result.problems).toEqual(['maxRestartDelayMs: must not be below the restart delay']);
  });
});
