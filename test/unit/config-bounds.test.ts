/**
 * Duration bounds and decimal-only numbers, in every reader of the one schema: the
 * environment (loadConfig), the settings file, `.env` import and the settings form; the
 * data-folder lock's address and the folder maker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_INTERVAL_MS,
  MAX_WAIT_MS,
  parseDecimal,
  parseWholeNumber,
  SupervisorConfigSchema,
} from '../../src/shared/config';
import { SettingsSchema, describeSettingsError } from '../../src/shared/settings';
import { ENV_VARIABLES, loadConfig } from '../../src/main/core/config';
import { lockFileOf, windowsLockPipe } from '../../src/main/core/data-dir-lock';
import { importEnvSettings } from '../../src/main/core/settings/env-import';
import { makeFolder } from '../../src/main/core/writable-folder';
import { formToSettings, settingsToForm } from '../../src/renderer/src/components/settings/settings-fields';
import { tempDir } from '../helpers/supervise';

const defaults = { command: '/bin/true' };

/** Each duration key, its variable and its maximum (ms). */
const DURATIONS = ENV_VARIABLES.filter((v) => v.key.endsWith('Ms')).map((v) => {
  const max = (SupervisorConfigSchema.shape[v.key] as unknown as { unwrap(): { maxValue: number | null } }).unwrap()
    .maxValue;
  return { name: v.names[0] as string, key: v.key, max: max as number };
});

describe('duration bounds (one place: src/shared/config.ts)', () => {
  it('every duration has a maximum, 24 h or 1 h, far below the 2^31 − 1 ms of Node timers', () => {
    expect(DURATIONS.map((d) => d.name).sort()).toEqual(
      [
        'HEALTH_CHECK_INTERVAL',
        'HEALTH_CHECK_TIMEOUT',
        'HEALTH_CONFIRM_DELAY',
        'MAX_RESTART_DELAY',
        'RESTART_DELAY',
        'RESTART_RESET_AFTER',
        'STARTUP_TIMEOUT',
        'STOP_TIMEOUT',
      ].sort(),
    );
    for (const d of DURATIONS) {
      expect([MAX_INTERVAL_MS, MAX_WAIT_MS]).toContain(d.max);
      expect(d.max).toBeLessThan(2 ** 31 - 1);
    }
    expect(DURATIONS.find((d) => d.name === 'STOP_TIMEOUT')?.max).toBe(MAX_WAIT_MS);
    expect(DURATIONS.find((d) => d.name === 'HEALTH_CHECK_INTERVAL')?.max).toBe(MAX_INTERVAL_MS);
  });

  it.each(DURATIONS)('$name: the maximum is accepted, 1 ms more is refused in seconds', ({ name, key, max }) => {
    // The restart delay may not exceed its cap (30 s by default): raise the cap with it.
    const cap = name === 'RESTART_DELAY' ? { MAX_RESTART_DELAY: String(MAX_INTERVAL_MS / 1000) } : {};
    const ok = loadConfig({ ...cap, [name]: String(max / 1000) }, defaults);
    expect(ok[key]).toBe(max);
    expect(() => loadConfig({ ...cap, [name]: String((max + 1) / 1000) }, defaults)).toThrow(
      `invalid configuration: ${name}: must be at most ${max / 1000} s`,
    );
  });

  it('the settings file, .env import and the settings form refuse the same values, in seconds', () => {
    const file = SettingsSchema.safeParse({ stopTimeoutMs: MAX_WAIT_MS + 1 });
    expect(file.error && describeSettingsError(file.error)).toBe('stopTimeoutMs: must be at most 3600 s');
    expect(SettingsSchema.safeParse({ stopTimeoutMs: MAX_WAIT_MS }).success).toBe(true);

    const imported = importEnvSettings('STOP_TIMEOUT=3600\nHEALTH_CHECK_INTERVAL=86400.001\nRESTART_DELAY=0x10\n');
    expect(imported.values).toEqual({ stopTimeoutMs: MAX_WAIT_MS });
    expect(imported.problems).toEqual([
      'line 2: HEALTH_CHECK_INTERVAL="86400.001": must be at most 86400 s',
      'line 3: RESTART_DELAY="0x10" is not a number of seconds (e.g. 5 or 0.5)',
    ]);

    const empty = settingsToForm({});
    const form = formToSettings({
      ...empty,
      stopTimeoutMs: '3600.001',
      healthCheckIntervalMs: '0x10',
      logFileCount: '0o7',
    });
    expect(form.errors.stopTimeoutMs).toBe('Must be at most 3600 s');
    expect(form.errors.healthCheckIntervalMs).toMatch(/number of seconds/);
    expect(form.errors.logFileCount).toMatch(/whole number/);
    expect(formToSettings({ ...empty, stopTimeoutMs: '3600' }).values).toEqual({ stopTimeoutMs: MAX_WAIT_MS });
  });
});

describe('numbers are decimal', () => {
  it.each([
    ['5', 5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    [' 12 ', 12],
    ['0010', 10],
  ])('parseDecimal(%j) = %d', (text, n) => expect(parseDecimal(text)).toBe(n));

  it.each(['0x10', '0X10', '0o7', '0b11', '1e3', '1E3', 'Infinity', '-1', '+1', '', ' ', '1_000', '1,5', 'NaN'])(
    'parseDecimal(%j) is refused',
    (text) => expect(parseDecimal(text)).toBeNull(),
  );

  it('whole numbers: digits and a minus sign only', () => {
    expect(parseWholeNumber('42')).toBe(42);
    expect(parseWholeNumber('-1')).toBe(-1);
    for (const text of ['0x10', '1e3', '2.5', '', 'Infinity']) expect(parseWholeNumber(text)).toBeNull();
    expect(() => loadConfig({ CONTROL_PORT: '0x1F90' }, defaults)).toThrow(
      'CONTROL_PORT="0x1F90" is not a whole number',
    );
    expect(() => loadConfig({ MAX_RESTART_ATTEMPTS: '99999999999999999999' }, defaults)).toThrow(/not a whole number/);
  });
});

describe('the data-folder lock address', () => {
  it('a lock file in the folder (its real path); on Windows a named pipe after the path', () => {
    expect(lockFileOf('/srv/data')).toBe('/srv/data/.supervisor.lock');
    const a = windowsLockPipe('C:\\data');
    expect(a).toMatch(/^\\\\\.\\pipe\\backend-supervisor-[0-9a-f]{32}$/);
    expect(windowsLockPipe('c:\\DATA')).toBe(a);
    expect(windowsLockPipe('C:\\other')).not.toBe(a);
  });
});

describe('makeFolder', () => {
  it('creates the missing levels, accepts an existing folder, refuses a path through a file', () => {
    const base = tempDir();
    makeFolder(join(base, 'a', 'b', 'c'));
    makeFolder(join(base, 'a', 'b', 'c'));
    mkdirSync(join(base, 'a', 'b', 'c', 'd'));
    writeFileSync(join(base, 'file'), '');
    expect(() => makeFolder(join(base, 'file', 'x'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeFolder(join(base, 'file'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  it('returns (ENOENT) for a folder under /proc, where recursive mkdir spins', () => {
    expect(() => makeFolder('/proc/1/nope/deeper')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
