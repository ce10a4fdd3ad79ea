import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDesktopFlags } from '../../src/main/app/desktop-flags';
import { loadConfig, type ConfigDefaults } from '../../src/main/core/config';
import { ConfigError } from '../../src/main/core/errors';
import type { HealthProbe } from '../../src/main/core/health-probe';
import { SettingsError, SettingsFileError } from '../../src/main/core/settings/settings-errors';
import { ConfSettingsStore, readSettingsFile } from '../../src/main/core/settings/settings-file-store';
import { SettingsService, type SettingsSource } from '../../src/main/core/settings/settings-service';
import type { SupervisorConfig } from '../../src/shared/config';

const DEFAULTS: ConfigDefaults = { command: '/bin/true' };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-config-issues-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** The message is the issues' messages after `invalid configuration: `, joined with `; ` (the text printed). */
function expectMessageOfIssues(err: ConfigError): void {
  expect(err.message).toBe(`invalid configuration: ${err.issues.map((issue) => issue.message).join('; ')}`);
}

describe('ConfigError issues', () => {
  it('plain strings are issues of unknown source; no issues by default', () => {
    expect(new ConfigError('bad', ['one', 'two']).issues).toEqual([
      { source: '', message: 'one' },
      { source: '', message: 'two' },
    ]);
    expect(new ConfigError('bad').issues).toEqual([]);
    const issue = { source: 'X', field: 'x', message: 'X: wrong' };
    expect(ConfigError.invalid([issue])).toMatchObject({ message: 'invalid configuration: X: wrong', issues: [issue] });
  });

  it('loadConfig: a variable that does not read is an issue with the variable (the alias used) and its key', () => {
    const err = caught(() =>
      loadConfig(
        { SUPERVISOR_DATA_DIR: dir, BACKEND_COMMAND: '', STOP_TIMEOUT: 'soon', LOG_FILE_COUNT: '2.5' },
        DEFAULTS,
      ),
    ) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues.map(({ source, field }) => ({ source, field }))).toEqual([
      { source: 'STOP_TIMEOUT', field: 'stopTimeoutMs' },
      { source: 'LOG_FILE_COUNT', field: 'logFileCount' },
    ]);
    expect(err.issues[0]?.message).toBe('STOP_TIMEOUT="soon" is not a number of seconds (e.g. 5 or 0.5)');
    expectMessageOfIssues(err);
  });

  it('loadConfig: a value failing the schema names the variable it came from, or the key’s variable for a file value', () => {
    const err = caught(() =>
      loadConfig({ SUPERVISOR_DATA_DIR: dir, BACKEND_URL: 'not a url' }, DEFAULTS, { stopTimeoutMs: 99_999_000 }),
    ) as ConfigError;
    expect(err.issues.map(({ source, field }) => ({ source, field }))).toEqual(
      expect.arrayContaining([
        { source: 'BACKEND_URL', field: 'backendUrl' },
        { source: 'STOP_TIMEOUT', field: 'stopTimeoutMs' },
      ]),
    );
    expect(err.issues).toHaveLength(2);
    expectMessageOfIssues(err);
  });

  it('loadConfig: the checks across values name the key they refuse', () => {
    const delay = caught(() =>
      loadConfig({ SUPERVISOR_DATA_DIR: dir, RESTART_DELAY: '20', MAX_RESTART_DELAY: '5' }, DEFAULTS),
    ) as ConfigError;
    expect(delay.issues).toEqual([
      {
        source: 'MAX_RESTART_DELAY',
        field: 'maxRestartDelayMs',
        message: 'MAX_RESTART_DELAY (5 s) is below RESTART_DELAY (20 s)',
      },
    ]);
    expectMessageOfIssues(delay);
    const host = caught(() =>
      loadConfig({ SUPERVISOR_DATA_DIR: dir, CONTROL_HOST: '0.0.0.0' }, DEFAULTS),
    ) as ConfigError;
    expect(host.issues).toMatchObject([{ source: 'CONTROL_HOST', field: 'controlHost' }]);
    expectMessageOfIssues(host);
  });

  it('readDesktopFlags: each bad variable is an issue naming it', () => {
    const err = caught(() => readDesktopFlags({ DESKTOP_TRAY: 'maybe', START_AT_LOGIN: 'often' })) as ConfigError;
    expect(err.issues.map((issue) => issue.source)).toEqual(['START_AT_LOGIN', 'DESKTOP_TRAY']);
    expectMessageOfIssues(err);
  });

  it('readSettingsFile: each failing field is an issue with the file as its source', () => {
    const file = join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ logFileCount: -1, stopTimeoutMs: 'x' }));
    const err = caught(() => readSettingsFile(file)) as SettingsFileError;
    expect(err).toBeInstanceOf(SettingsFileError);
    expect(err.issues.map(({ source, field }) => ({ source, field }))).toEqual([
      { source: file, field: 'stopTimeoutMs' },
      { source: file, field: 'logFileCount' },
    ]);
    expect(err.field).toBe('stopTimeoutMs');
    writeFileSync(file, '{"logFileCount": 5,');
    const truncated = caught(() => readSettingsFile(file)) as SettingsFileError;
    expect(truncated.issues).toHaveLength(1);
    expect(truncated.issues[0]).toMatchObject({ source: file });
    expect(truncated.issues[0]?.field).toBeUndefined();
  });
});

describe('SettingsService.save reads the refused key from the issues, not from the text', () => {
  function refusing(error: ConfigError): SettingsService {
    const store = new ConfSettingsStore(join(dir, 'settings.json'));
    const running = loadConfig({ SUPERVISOR_DATA_DIR: dir }, DEFAULTS);
    const source: SettingsSource = {
      store,
      resolve: (values): SupervisorConfig => {
        if (Object.keys(values).length > 0) throw error;
        return running;
      },
      overrides: new Map(),
    };
    return new SettingsService(source, () => running, {} as HealthProbe);
  }

  it('the first issue whose field is a settings key; the message as it was', () => {
    // The text names STOP_TIMEOUT first; the issues say the refusal is about logFileCount.
    const error = new ConfigError('invalid configuration: STOP_TIMEOUT and LOG_FILE_COUNT', [
      { source: 'SUPERVISOR_DATA_DIR', field: 'dataDir', message: 'not a setting' },
      { source: 'LOG_FILE_COUNT', field: 'logFileCount', message: 'LOG_FILE_COUNT: too many' },
      { source: 'STOP_TIMEOUT', field: 'stopTimeoutMs', message: 'STOP_TIMEOUT: too long' },
    ]);
    const err = caught(() => refusing(error).save({ logFileCount: 3 })) as SettingsError;
    expect(err).toBeInstanceOf(SettingsError);
    expect(err.code).toBe('BAD_ARGUMENTS');
    expect(err.field).toBe('logFileCount');
    expect(err.message).toBe('these settings would not start: invalid configuration: STOP_TIMEOUT and LOG_FILE_COUNT');
  });

  it('no field when no issue is about a settings key, whatever the text names', () => {
    const err = caught(() =>
      refusing(new ConfigError('invalid configuration: STOP_TIMEOUT is wrong')).save({ logFileCount: 3 }),
    ) as SettingsError;
    expect(err.code).toBe('BAD_ARGUMENTS');
    expect(err.field).toBeUndefined();
  });
});
