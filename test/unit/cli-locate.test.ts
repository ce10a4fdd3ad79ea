// Where the command-line client finds the supervisor and its token: flags, environment, the
// data folder's files (real files in a temporary data folder).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROL_URL_FILE, readControlUrl, writeControlUrl } from '../../src/main/cli/control-url-file';
import { CommandFailedError, UnreachableError, UsageError } from '../../src/main/cli/errors';
import { locate } from '../../src/main/cli/locate';
import { tempDir } from '../helpers/supervise';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data folder with the given files. */
function dataDir(files: Record<string, string> = {}): string {
  const dir = tempDir('bsup-cli-locate-');
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CONTROL = 'c'.repeat(43);
const READ = 'r'.repeat(43);

describe('locate: the URL', () => {
  it('--url, then BACKEND_SUPERVISOR_URL, then <data dir>/control-url, then CONTROL_HOST/PORT, settings, the default', () => {
    const dir = dataDir({ 'control-token': `${CONTROL}\n`, [CONTROL_URL_FILE]: 'http://127.0.0.1:4001\n' });
    const env = { SUPERVISOR_DATA_DIR: dir, BACKEND_SUPERVISOR_URL: 'http://127.0.0.1:4002/', CONTROL_PORT: '4003' };
    expect(locate({ url: 'http://127.0.0.1:4000' }, env, false)).toMatchObject({
      url: 'http://127.0.0.1:4000',
      urlSource: '--url',
    });
    expect(locate({}, env, false)).toMatchObject({ url: 'http://127.0.0.1:4002', urlSource: 'BACKEND_SUPERVISOR_URL' });
    const { BACKEND_SUPERVISOR_URL: _, ...withoutUrl } = env;
    expect(locate({}, withoutUrl, false)).toMatchObject({
      url: 'http://127.0.0.1:4001',
      urlSource: join(dir, CONTROL_URL_FILE),
    });
    rmSync(join(dir, CONTROL_URL_FILE));
    expect(locate({}, withoutUrl, false).url).toBe('http://127.0.0.1:4003');
    expect(locate({}, { ...withoutUrl, CONTROL_HOST: '::1' }, false).url).toBe('http://[::1]:4003');
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir }, false).url).toBe('http://127.0.0.1:8000');
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ controlPort: 4005 }));
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir }, false).url).toBe('http://127.0.0.1:4005');
  });

  it('--data-dir over SUPERVISOR_DATA_DIR', () => {
    const a = dataDir({ 'control-token': CONTROL, [CONTROL_URL_FILE]: 'http://127.0.0.1:5001' });
    const b = dataDir({ 'control-token': CONTROL, [CONTROL_URL_FILE]: 'http://127.0.0.1:5002' });
    expect(locate({ dataDir: b }, { SUPERVISOR_DATA_DIR: a }, false).url).toBe('http://127.0.0.1:5002');
  });

  it('refuses what is not an http(s) URL, as a usage error', () => {
    const dir = dataDir({ 'control-token': CONTROL });
    expect(() => locate({ url: 'ftp://x' }, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(UsageError);
    expect(() => locate({ url: 'not a url' }, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(UsageError);
    expect(() => locate({}, { SUPERVISOR_DATA_DIR: dir, CONTROL_PORT: 'eighty' }, false)).toThrow(UsageError);
  });
});

describe('locate: the token', () => {
  it('--token-file, then BACKEND_SUPERVISOR_TOKEN_FILE, then CONTROL_TOKEN, then <data dir>/control-token', () => {
    const dir = dataDir({ 'control-token': `${CONTROL}\n`, other: ' other-token \n' });
    const other = join(dir, 'other');
    expect(locate({ tokenFile: other }, { SUPERVISOR_DATA_DIR: dir }, false)).toMatchObject({
      token: 'other-token',
      tokenSource: other,
    });
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir, BACKEND_SUPERVISOR_TOKEN_FILE: other }, false).token).toBe(
      'other-token',
    );
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir, CONTROL_TOKEN: 'from-env' }, false)).toMatchObject({
      token: 'from-env',
      tokenSource: 'CONTROL_TOKEN',
    });
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir }, false)).toMatchObject({
      token: CONTROL,
      tokenSource: join(dir, 'control-token'),
      readOnly: false,
    });
  });

  it('a command that only reads takes the read-only token when there is no control token; a control one does not', () => {
    const dir = dataDir({ 'control-read-token': READ });
    expect(locate({}, { SUPERVISOR_DATA_DIR: dir }, true)).toMatchObject({ token: READ, readOnly: true });
    expect(() => locate({}, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(UnreachableError);
  });

  it('no token in the data folder: no supervisor found (exit 3), naming the folder', () => {
    const dir = dataDir();
    expect(() => locate({}, { SUPERVISOR_DATA_DIR: dir }, true)).toThrow(`no supervisor found: no token in ${dir}`);
  });

  it('a named token file that is missing is a usage error; an empty one fails', () => {
    const dir = dataDir({ empty: '\n' });
    expect(() => locate({ tokenFile: join(dir, 'nope') }, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(UsageError);
    expect(() => locate({ tokenFile: join(dir, 'empty') }, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(
      CommandFailedError,
    );
    // A token "file" that is a folder cannot be read: a failure naming it, not a crash.
    mkdirSync(join(dir, 'folder'));
    expect(() => locate({ tokenFile: join(dir, 'folder') }, { SUPERVISOR_DATA_DIR: dir }, false)).toThrow(
      `cannot read the token file ${join(dir, 'folder')}`,
    );
  });
});

describe('control-url', () => {
  it('is written whole and read back; a missing or empty file is none', () => {
    const dir = dataDir();
    expect(readControlUrl(dir)).toBeNull();
    writeControlUrl(dir, 'http://127.0.0.1:8123');
    expect(readControlUrl(dir)).toBe('http://127.0.0.1:8123');
    writeFileSync(join(dir, CONTROL_URL_FILE), '\n');
    expect(readControlUrl(dir)).toBeNull();
  });
});
