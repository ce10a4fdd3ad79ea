/**
 * The start-up's defences, in process: the private-folder check, the flock lock (two holders
 * in one process are two open files, so the second is refused), the console that survives a
 * gone reader, and the signal guard that never drops a caught signal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE_NAME, lockDataDir } from '../../src/main/core/data-dir-lock';
import { assertPrivateFolder, FolderError, isOwnPrivateGroup } from '../../src/main/core/writable-folder';
import { consoleOutput, oneLine } from '../../src/main/console-output';
import { loadConfig } from '../../src/main/core/config';
import { readSettingsFile } from '../../src/main/core/settings/settings-file-store';
import { ConfigError } from '../../src/main/core/errors';
import { tempDir } from '../helpers/supervise';

describe('assertPrivateFolder', () => {
  it.each([0o700, 0o750, 0o755, 0o705])('accepts a folder of ours with mode %o', (mode) => {
    const dir = tempDir();
    chmodSync(dir, mode);
    expect(() => assertPrivateFolder(dir, 'data folder')).not.toThrow();
  });

  it.each([0o720, 0o702, 0o777, 0o1777, 0o2770])('refuses mode %o: group or others may write', (mode) => {
    const dir = tempDir();
    // A group other users are in (nogroup): its write bit is theirs.
    chownSync(dir, process.getuid?.() ?? 0, 65534);
    chmodSync(dir, mode);
    expect(() => assertPrivateFolder(dir, 'data folder')).toThrow(FolderError);
    expect(() => assertPrivateFolder(dir, 'data folder')).toThrow(/writable by other users \(mode \d{4}\)/);
  });

  it('accepts a group-writable folder whose group is our private group (umask 002), and refuses it for another group', () => {
    const dir = tempDir();
    chmodSync(dir, 0o770);
    const gid = process.getegid?.() ?? 0;
    chownSync(dir, process.getuid?.() ?? 0, gid);
    // Only meaningful where our primary group is a private one (root's "root" group here).
    expect(isOwnPrivateGroup(gid)).toBe(true);
    expect(() => assertPrivateFolder(dir, 'data folder')).not.toThrow();
    chownSync(dir, process.getuid?.() ?? 0, 65534);
    expect(() => assertPrivateFolder(dir, 'data folder')).toThrow(/writable by other users \(mode 0770\)/);
  });

  it('isOwnPrivateGroup: the group must carry the user name and have no other member', () => {
    const file = join(tempDir(), 'group');
    writeFileSync(file, 'root:x:0:\nsite:x:1000:\nstaff:x:50:site,bob\nsolo:x:1001:site\ndev:x:1002:alice\n');
    expect(isOwnPrivateGroup(1000, file, 'site')).toBe(true);
    expect(isOwnPrivateGroup(1001, file, 'site')).toBe(false); // another name
    expect(isOwnPrivateGroup(50, file, 'site')).toBe(false); // shared
    expect(isOwnPrivateGroup(1002, file, 'dev')).toBe(false); // alice is in it
    expect(isOwnPrivateGroup(4242, file, 'site')).toBe(false); // unknown gid
    expect(isOwnPrivateGroup(1000, join(tempDir(), 'missing'), 'site')).toBe(false); // unreadable
  });

  it('is not checked on Windows, which has no modes', () => {
    const dir = tempDir();
    chmodSync(dir, 0o777);
    expect(() => assertPrivateFolder(dir, 'data folder', { platform: 'win32' })).not.toThrow();
  });
});

describe('lockDataDir (flock on .supervisor.lock)', () => {
  it('a second lock on the folder, by any spelling, is refused naming our pid; after release it is free', async () => {
    const base = tempDir();
    const dir = join(base, 'data');
    mkdirSync(dir, { mode: 0o700 });
    symlinkSync(dir, join(base, 'link'));
    const lock = await lockDataDir(dir);
    expect(lock.address).toBe(join(dir, LOCK_FILE_NAME));
    expect(readFileSync(lock.address, 'utf8')).toBe(`${process.pid}\n`);
    for (const spelling of [dir, `${dir}/`, join(base, 'link'), join(base, 'link', '..', 'data')]) {
      await expect(lockDataDir(spelling)).rejects.toEqual(new DataDirInUseError(dir, process.pid));
    }
    // Another process sees it held too (flock locks the open file, not the process).
    expect(spawnSync('flock', ['--nonblock', lock.address, 'true']).status).toBe(1);
    await lock.release();
    await lock.release(); // idempotent
    expect(readFileSync(lock.address, 'utf8')).toBe('');
    expect(spawnSync('flock', ['--nonblock', lock.address, 'true']).status).toBe(0);
    const again = await lockDataDir(join(base, 'link'));
    await again.release();
  });

  it('a lock held by a process that wrote no pid: refused, pid unknown', async () => {
    const dir = tempDir();
    const file = join(dir, LOCK_FILE_NAME);
    const held = spawn('flock', ['--exclusive', file, 'sleep', '30'], { stdio: 'ignore' });
    try {
      // Held once flock runs its command.
      for (let i = 0; i < 200 && spawnSync('flock', ['--nonblock', file, 'true']).status === 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await expect(lockDataDir(dir)).rejects.toEqual(new DataDirInUseError(dir, null));
    } finally {
      held.kill('SIGKILL');
    }
  });

  it('refuses a lock file that is a symbolic link (never follows one)', async () => {
    const dir = tempDir();
    symlinkSync(join(tempDir(), 'elsewhere'), join(dir, LOCK_FILE_NAME));
    await expect(lockDataDir(dir)).rejects.toThrow(
      new ConfigError(
        `cannot lock the data folder: cannot open ${join(dir, LOCK_FILE_NAME)}: ELOOP: too many symbolic links encountered, open '${join(dir, LOCK_FILE_NAME)}'`,
      ),
    );
  });
});

describe('consoleOutput', () => {
  it('a stream that failed (EPIPE) is skipped from then on, never thrown', () => {
    const stdout = new PassThrough() as unknown as NodeJS.WriteStream;
    const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
    const output = consoleOutput(stdout, stderr);
    output.out('one');
    stdout.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(() => output.out('two')).not.toThrow();
    expect(output.backlog()).toBe(0);
    output.err('still on stderr');
    expect((stderr as unknown as PassThrough).read()?.toString()).toBe('still on stderr\n');
  });

  it('close ends the process with its code when a stream is still not taken after the grace', async () => {
    // A pipe whose reader never reads: the write never completes.
    const stdout = new Writable({ write: () => undefined }) as unknown as NodeJS.WriteStream;
    const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
    const exits: number[] = [];
    const output = consoleOutput(stdout, stderr, (code) => exits.push(code));
    output.out('x'.repeat(1024));
    expect(output.backlog()).toBeGreaterThan(0);
    const started = performance.now();
    await output.close?.(50, 3);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(exits).toEqual([3]);
  });

  it('close does not end the process when everything was taken', async () => {
    const exits: number[] = [];
    const stdout = new Writable({ write: (_c, _e, cb) => cb() }) as unknown as NodeJS.WriteStream;
    const output = consoleOutput(stdout, new PassThrough() as unknown as NodeJS.WriteStream, (c) => exits.push(c));
    output.out('taken');
    await output.close?.(5_000, 0);
    expect(exits).toEqual([]);
  });
});

describe('numbers as people mistype them', () => {
  const defaults = { command: '/bin/true' };
  it.each(['+5', '-0', '１０', '٣', '5s', '5 s', '1e400', '9'.repeat(400), 'NaN', '0x10', '5,5'])(
    'STOP_TIMEOUT=%j is refused in one line',
    (text) => {
      expect(() => loadConfig({ STOP_TIMEOUT: text }, defaults)).toThrow(
        `invalid configuration: STOP_TIMEOUT=${JSON.stringify(text)} is not a number of seconds (e.g. 5 or 0.5)`,
      );
    },
  );

  it('blanks around a number are ignored; a fraction of a millisecond is rounded', () => {
    expect(loadConfig({ STOP_TIMEOUT: ' 5 ' }, defaults).stopTimeoutMs).toBe(5_000);
    expect(loadConfig({ STOP_TIMEOUT: '\t0.0004\n' }, defaults).stopTimeoutMs).toBe(0);
    expect(() => loadConfig({ HEALTH_CHECK_INTERVAL: '0.0004' }, defaults)).toThrow(/must be at least 0.1 s/);
  });

  it.each([
    ['1e400 (Infinity once parsed)', '{"stopTimeoutMs": 1e400}', /field "stopTimeoutMs"/],
    ['a number as a text', '{"stopTimeoutMs": "5"}', /field "stopTimeoutMs": must be a number/],
    ['NaN as a text', '{"stopTimeoutMs": "NaN"}', /field "stopTimeoutMs": must be a number/],
    ['2^31', `{"stopTimeoutMs": ${2 ** 31}}`, /field "stopTimeoutMs": must be at most 3600 s/],
    ['a fraction of a ms', '{"stopTimeoutMs": 5.5}', /field "stopTimeoutMs": must be a whole number/],
    ['a negative', '{"stopTimeoutMs": -1}', /field "stopTimeoutMs": must be at least 0 s/],
  ])('the settings file with %s is refused naming the field', (_name, json, problem) => {
    const file = join(tempDir(), 'settings.json');
    writeFileSync(file, json);
    expect(() => readSettingsFile(file)).toThrow(problem);
    expect(readFileSync(file, 'utf8')).toBe(json);
  });

  it('the settings file: -0 is 0 and 1e3 is 1000 (JSON numbers, not text)', () => {
    const file = join(tempDir(), 'settings.json');
    writeFileSync(file, '{"stopTimeoutMs": -0, "healthCheckIntervalMs": 1e3}');
    const read = readSettingsFile(file);
    // -0 stays -0 (zod keeps it): equal to 0, printed as 0, a 0 ms timer to Node.
    expect(read.stopTimeoutMs === 0 && `${read.stopTimeoutMs}` === '0').toBe(true);
    expect(read.healthCheckIntervalMs).toBe(1000);
  });
});

describe('oneLine', () => {
  it('escapes control characters, keeps the rest', () => {
    expect(oneLine('a\nb\r\tc\u001b[31m ünï ☃')).toBe('a\\nb\\r\\tc\\u001b[31m ünï ☃');
    expect(oneLine('/plain/path with spaces')).toBe('/plain/path with spaces');
  });
});
