import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type ConfigDefaults } from '../../src/main/core/config';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { SettingsError, SettingsFileError } from '../../src/main/core/settings/settings-errors';
import {
  ConfSettingsStore,
  JsonSettingsStore,
  MAX_SETTINGS_FILE_BYTES,
  readSettingsFile,
  type SettingsLibrary,
} from '../../src/main/core/settings/settings-file-store';
import { settingsDataDir, settingsFileIn } from '../../src/main/core/settings/settings-location';
import { overridesOf, SettingsService, type SettingsSource } from '../../src/main/core/settings/settings-service';
import { main } from '../../src/main/headless';
import type { Settings } from '../../src/shared/settings';
import Conf from 'conf';
import { runInChild } from '../helpers/child-run';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-settings-'));
  file = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` and returns a check that the file's bytes are still exactly those. */
function corrupt(text: string): () => void {
  writeFileSync(file, text);
  const before = readFileSync(file);
  return () => expect(readFileSync(file).equals(before)).toBe(true);
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('ConfSettingsStore (conf, headless)', () => {
  it('loads {} without a file and does not create one', () => {
    const store = new ConfSettingsStore(file);
    expect(store.path).toBe(file);
    expect(store.load()).toEqual({});
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('round-trips values through the file (JSON object of the keys given, ms as in the config)', () => {
    const values: Settings = {
      command: '/usr/local/bin/api',
      args: ['--port', '3000', '--name', 'my app'],
      backendUrl: 'http://[::1]:3000',
      healthCheckIntervalMs: 2_500,
      autoRestart: false,
      logFileMaxBytes: 5 * 1024 * 1024,
    };
    expect(new ConfSettingsStore(file).save(values)).toEqual(values);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(values);
    expect(new ConfSettingsStore(file).load()).toEqual(values);
  });

  it('replaces the stored values: a key left out is removed (falls back to env/default)', () => {
    const store = new ConfSettingsStore(file);
    store.save({ command: '/bin/a', stopTimeoutMs: 3_000 });
    store.save({ stopTimeoutMs: 4_000 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ stopTimeoutMs: 4_000 });
  });

  it('refuses a bad value naming the field, and writes nothing', () => {
    const store = new ConfSettingsStore(file);
    const err = caught(() => store.save({ healthCheckPath: 'health' }));
    expect(err).toBeInstanceOf(SettingsError);
    expect((err as SettingsError).code).toBe('BAD_ARGUMENTS');
    expect((err as SettingsError).field).toBe('healthCheckPath');
    expect(err.message).toContain('healthCheckPath: must start with /');
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('truncated JSON: a clear error naming the file; load and save leave the bytes untouched', () => {
    const unchanged = corrupt('{\n  "healthCheckIntervalMs": 20');
    const store = new ConfSettingsStore(file);
    const err = caught(() => store.load());
    expect(err).toBeInstanceOf(SettingsFileError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not valid JSON.*truncated/);
    expect(err.message).toContain('left unchanged');
    unchanged();
    expect(() => store.save({ stopTimeoutMs: 1_000 })).toThrow(SettingsFileError);
    unchanged();
  });

  it('an empty file is reported as empty (truncated), not read as {}', () => {
    const unchanged = corrupt('');
    expect(() => new ConfSettingsStore(file).load()).toThrow(/is empty; it may be truncated/);
    unchanged();
  });

  it('a field failing its schema is named, with the rule in the units people use', () => {
    const unchanged = corrupt(JSON.stringify({ healthCheckIntervalMs: 5, backendUrl: 'http://127.0.0.1:3000' }));
    const err = caught(() => new ConfSettingsStore(file).load()) as SettingsFileError;
    expect(err).toBeInstanceOf(SettingsFileError);
    expect(err.field).toBe('healthCheckIntervalMs');
    expect(err.message).toContain(`settings file ${file}: field "healthCheckIntervalMs": must be at least 0.1 s`);
    unchanged();
  });

  it('names a wrong type, an unknown key (a typo) and a non-object', () => {
    corrupt(JSON.stringify({ autoRestart: 'yes' }));
    expect(caught(() => readSettingsFile(file)).message).toContain('field "autoRestart": must be true or false');
    corrupt(JSON.stringify({ healthCheckInterval: 30 }));
    const typo = caught(() => readSettingsFile(file)) as SettingsFileError;
    expect(typo.message).toContain('unknown setting: healthCheckInterval');
    expect(typo.field).toBe('healthCheckInterval');
    corrupt('[1, 2]');
    expect(caught(() => readSettingsFile(file)).message).toContain('must hold one JSON object');
    corrupt(JSON.stringify({ restartDelayMs: 5_000, maxRestartDelayMs: 1_000 }));
    expect(caught(() => readSettingsFile(file)).message).toContain(
      'field "maxRestartDelayMs": must not be below the restart delay',
    );
  });

  it('hands conf a JSON schema of its own (schema-checked writes) and never lets it reset a file', () => {
    let library: SettingsLibrary | undefined;
    const store = new JsonSettingsStore(file, (options, name) => {
      expect(options.clearInvalidConfig).toBe(false);
      library = new Conf<Settings>({ ...options, configName: name });
      return library;
    });
    store.save({ controlPort: 8100 });
    expect(() => {
      (library as SettingsLibrary).store = { controlPort: 70_000 };
    }).toThrow(/schema violation.*controlPort/);
    expect(() => {
      (library as SettingsLibrary).store = { typo: 1 } as Settings;
    }).toThrow(/additional properties/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ controlPort: 8100 });
  });

  it('works with a --settings file of any name (no .json extension)', () => {
    const other = join(dir, 'backend-supervisor.conf');
    const store = new ConfSettingsStore(other);
    store.save({ maxRestartAttempts: 7 });
    expect(JSON.parse(readFileSync(other, 'utf8'))).toEqual({ maxRestartAttempts: 7 });
    expect(store.load()).toEqual({ maxRestartAttempts: 7 });
  });
});

describe('where the settings file is', () => {
  it('is <dataDir>/settings.json: --data-dir, then SUPERVISOR_DATA_DIR, then the fallback', () => {
    expect(settingsFileIn('/data')).toBe('/data/settings.json');
    expect(settingsDataDir({ SUPERVISOR_DATA_DIR: '/env' }, { dataDir: '/flag' }, '/fb')).toBe('/flag');
    expect(settingsDataDir({ SUPERVISOR_DATA_DIR: '/env' }, {}, '/fb')).toBe('/env');
    expect(settingsDataDir({ SUPERVISOR_DATA_DIR: '' }, {}, '/fb')).toBe('/fb');
    expect(settingsDataDir({ XDG_DATA_HOME: '/xdg' }, {}, undefined)).toMatch(/backend-supervisor$/);
  });

  it('names the variable or flag that overrides a key, seed name before alias, flags last', () => {
    const overrides = overridesOf(
      { BACKEND_URL: 'http://a', GO_BACKEND_URL: 'http://b', HEALTH_CHECK_INTERVAL: '', CONTROL_TOKEN: 'x'.repeat(20) },
      { controlPort: '--control-port' },
    );
    expect(Object.fromEntries(overrides)).toEqual({
      backendUrl: { kind: 'environment', name: 'GO_BACKEND_URL' },
      controlPort: { kind: 'flag', name: '--control-port' },
    });
  });
});

describe('a settings file that is not a small regular file', () => {
  it(`reads one of exactly ${MAX_SETTINGS_FILE_BYTES} bytes; one byte more is refused, naming the file`, () => {
    writeFileSync(file, `{${' '.repeat(MAX_SETTINGS_FILE_BYTES - 3)}}\n`);
    expect(readFileSync(file).length).toBe(MAX_SETTINGS_FILE_BYTES);
    expect(readSettingsFile(file)).toEqual({});
    writeFileSync(file, `{${' '.repeat(MAX_SETTINGS_FILE_BYTES - 2)}}\n`);
    const err = caught(() => readSettingsFile(file));
    expect(err).toBeInstanceOf(SettingsFileError);
    expect(err.message).toBe(
      `settings file ${file}: is larger than ${MAX_SETTINGS_FILE_BYTES} bytes; fix or remove the file (it was left unchanged)`,
    );
  });

  it('a link to /dev/zero is refused at once (it read until the memory ran out)', () => {
    symlinkSync('/dev/zero', file);
    expect(caught(() => readSettingsFile(file)).message).toContain(`settings file ${file}: is not a regular file`);
  });

  it('a FIFO nobody writes is refused at once in a real process (the read hung in open(2))', () => {
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    // In a child: a read that hangs would block this worker's event loop, and no timeout ends it.
    const run = runInChild(
      `import { readSettingsFile } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/core/settings/settings-file-store.ts'))};
         try { readSettingsFile(process.argv[1]); } catch (err) { console.log(err.message); }`,
      [file],
    );
    expect(run.signal, run.stderr).toBeNull();
    expect(run.stdout).toContain(`settings file ${file}: is not a regular file`);
  });
});

describe('headless entry with a corrupt settings file', () => {
  it('prints the file and the field and exits with code 2, leaving the file as it was', async () => {
    const unchanged = corrupt(JSON.stringify({ stopTimeoutMs: -1 }));
    const lines: string[] = [];
    const output = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), backlog: () => 0 };
    expect(await main(['serve', '--data-dir', dir, '--no-start'], output)).toBe(2);
    expect(lines.join('\n')).toContain(`settings file ${file}: field "stopTimeoutMs": must be at least 0 s`);
    unchanged();
    const other = join(dir, 'custom.json');
    writeFileSync(other, '{"stopTimeoutMs": ');
    lines.length = 0;
    expect(await main(['serve', '--data-dir', dir, '--settings', other, '--no-start'], output)).toBe(2);
    expect(lines.join('\n')).toContain(`settings file ${other}: is not valid JSON`);
    expect(readFileSync(other, 'utf8')).toBe('{"stopTimeoutMs": ');
  });
});

// ---------------------------------------------------------------- the service behind the channels

const DEFAULTS: ConfigDefaults = { command: '/opt/bundled/node', args: ['/opt/bundled/server.js'] };

function service(env: Record<string, string> = {}, flags: { controlPort?: number } = {}) {
  const store = new ConfSettingsStore(file);
  const overrides = { dataDir: dir, ...flags };
  const source: SettingsSource = {
    store,
    resolve: (values) => loadConfig(env, DEFAULTS, values, overrides),
    overrides: overridesOf(env, flags.controlPort !== undefined ? { controlPort: '--control-port' } : {}),
  };
  const running = source.resolve(store.load());
  const probe = new HttpHealthProbe();
  probes.push(probe);
  return new SettingsService(source, () => running, probe);
}
const probes: HttpHealthProbe[] = [];
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
});

describe('SettingsService', () => {
  it('get: stored values, effective config, and where each value comes from', () => {
    writeFileSync(file, JSON.stringify({ healthCheckIntervalMs: 2_000, stopTimeoutMs: 3_000 }));
    const view = service({ HEALTH_CHECK_INTERVAL: '1' }, { controlPort: 9100 }).get();
    expect(view.values).toEqual({ healthCheckIntervalMs: 2_000, stopTimeoutMs: 3_000 });
    expect(view.effective).toMatchObject({
      healthCheckIntervalMs: 1_000,
      stopTimeoutMs: 3_000,
      controlPort: 9100,
      command: '/opt/bundled/node',
      healthCheckPath: '/health',
    });
    expect(view.sources).toMatchObject({
      healthCheckIntervalMs: { kind: 'environment', name: 'HEALTH_CHECK_INTERVAL' },
      stopTimeoutMs: { kind: 'settings' },
      controlPort: { kind: 'flag', name: '--control-port' },
      healthCheckPath: { kind: 'default' },
    });
    expect(view).toMatchObject({ path: file, restartNeeded: false, fileError: null });
  });

  it('save: writes the file, and says a restart is needed when the next start differs', () => {
    const settings = service();
    const view = settings.save({ maxRestartAttempts: 9 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ maxRestartAttempts: 9 });
    expect(view).toMatchObject({ values: { maxRestartAttempts: 9 }, restartNeeded: true });
    expect(view.effective.maxRestartAttempts).toBe(9);
    expect(settings.get().restartNeeded).toBe(true);
    // Saving what runs already needs no restart.
    expect(settings.save({}).restartNeeded).toBe(false);
  });

  it('save: refuses values that would not start (with the environment), naming the field; nothing written', () => {
    const settings = service({ RESTART_DELAY: '20' });
    const err = caught(() => settings.save({ maxRestartDelayMs: 5_000 })) as SettingsError;
    expect(err).toBeInstanceOf(SettingsError);
    expect(err.code).toBe('BAD_ARGUMENTS');
    expect(err.field).toBe('maxRestartDelayMs');
    const host = caught(() => settings.save({ controlHost: '0.0.0.0' })) as SettingsError;
    expect(host.field).toBe('controlHost');
    expect(host.message).toContain('would expose the control API');
    expect(settings.save({ controlHost: '0.0.0.0', controlAllowRemote: true }).values.controlHost).toBe('0.0.0.0');
  });

  it('a corrupt file: get reports it (defaults shown), save is refused and the bytes stay', () => {
    const settings = service();
    const unchanged = corrupt('{"logFileCount": 5,');
    const view = settings.get();
    expect(view.values).toEqual({});
    expect(view.fileError).toContain(file);
    expect(view.restartNeeded).toBe(false);
    const err = caught(() => settings.save({ logFileCount: 3 })) as SettingsError;
    expect(err.code).toBe('SETTINGS_FILE_INVALID');
    expect(err.message).toContain(file);
    unchanged();
  });

  it('testHealthUrl: one probe of url + path, ok or the reason', async () => {
    const server: Server = createServer((req, res) => {
      res.statusCode = req.url === '/ready' ? 200 : 503;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const settings = service();
      const ok = await settings.testHealthUrl({ url: `http://127.0.0.1:${port}`, path: '/ready', timeoutMs: 2_000 });
      expect(ok).toMatchObject({ ok: true, status_code: 200, error: null, url: `http://127.0.0.1:${port}/ready` });
      expect(ok).not.toHaveProperty('body');
      const bad = await settings.testHealthUrl({ url: `http://127.0.0.1:${port}`, path: '/health', timeoutMs: 2_000 });
      expect(bad).toMatchObject({ ok: false, status_code: 503, error: 'answered HTTP 503' });
    } finally {
      await new Promise((r) => server.close(r));
    }
    const refused = await service().testHealthUrl({ url: `http://127.0.0.1:${port}`, path: '/', timeoutMs: 1_000 });
    expect(refused).toMatchObject({ ok: false, error: 'connection refused' });
  });
});
