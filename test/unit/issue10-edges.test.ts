// Edge cases of issue 10's changes, as someone planting files in the reference backend's
// data folder, or probing its access log, would try them.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchPathWarnings } from '../../src/main/core/settings-paths';
import { CREDENTIALS_FILE, saveGeneratedCredentials } from '../../src/reference-backend/credentials';
import { tempDir } from '../helpers/supervise';

const PASSWORD = 'generated-password-xyz';
const admin = [{ account: 'admin', email: 'admin@example.com', password: PASSWORD }];

describe('the initial-credentials file against what is already at its path', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function dataDir(): string {
    const dir = tempDir('issue10-creds-');
    dirs.push(dir);
    return dir;
  }

  it('refuses a symbolic link there: nothing is read through it, its target is untouched', async () => {
    const dir = dataDir();
    const target = join(dir, 'someone-elses-file');
    writeFileSync(target, 'root:x:0:0:secret line\n', { mode: 0o644 });
    symlinkSync(target, join(dir, CREDENTIALS_FILE));
    await expect(saveGeneratedCredentials(dir, admin)).rejects.toThrow(/initial-credentials.*not a regular file/);
    expect(readFileSync(target, 'utf8')).toBe('root:x:0:0:secret line\n');
    expect(lstatSync(join(dir, CREDENTIALS_FILE)).isSymbolicLink()).toBe(true);
  });

  it('does not write through a symbolic link planted at its temporary file', async () => {
    const dir = dataDir();
    const target = join(dir, 'victim');
    writeFileSync(target, 'keep me\n', { mode: 0o644 });
    symlinkSync(target, join(dir, `${CREDENTIALS_FILE}.${process.pid}.tmp`));
    const file = await saveGeneratedCredentials(dir, admin);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
    expect(readFileSync(file, 'utf8')).toContain(PASSWORD);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses a FIFO there at once instead of waiting forever for a writer', async () => {
    const dir = dataDir();
    execFileSync('mkfifo', [join(dir, CREDENTIALS_FILE)]);
    // A hang here is the defect: the test's own timeout fails it.
    await expect(saveGeneratedCredentials(dir, admin)).rejects.toThrow(/initial-credentials.*not a regular file/);
  });

  it('refuses a folder there', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, CREDENTIALS_FILE));
    await expect(saveGeneratedCredentials(dir, admin)).rejects.toThrow(/initial-credentials.*not a regular file/);
  });

  it('keeps what a 0644 file there held and leaves it 0600', async () => {
    const dir = dataDir();
    writeFileSync(join(dir, CREDENTIALS_FILE), 'earlier: password=old\n', { mode: 0o644 });
    const file = await saveGeneratedCredentials(dir, admin);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('earlier: password=old\n')).toBe(true);
    expect(text).toContain(PASSWORD);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(existsSync(`${file}.${process.pid}.tmp`)).toBe(false);
  });

  it('fails with the path when the data folder is a file', async () => {
    const dir = join(dataDir(), 'not-a-folder');
    writeFileSync(dir, '');
    await expect(saveGeneratedCredentials(dir, admin)).rejects.toThrow(/not-a-folder/);
  });
});

describe('settings path warnings for paths no file can have', () => {
  const launch = { orchestratorEnabled: true, env: {} };

  it('names a NUL character in the command instead of calling an existing file missing', () => {
    const warnings = launchPathWarnings({ ...launch, command: '/bin/sh\0x' }, '/');
    expect(warnings.command).toBe(
      'backend command contains a NUL character (\\0), which no file name can: /bin/sh\\0x',
    );
  });

  it('names a NUL character in the working directory instead of an error code', () => {
    const warnings = launchPathWarnings({ ...launch, command: '/bin/sh', workingDir: '/tmp\0x' }, '/');
    expect(warnings.workingDir).toBe(
      'working directory contains a NUL character (\\0), which no file name can: /tmp\\0x',
    );
  });

  it('answers a 10,000-character command with a warning, not an exception', () => {
    const warnings = launchPathWarnings({ ...launch, command: `/${'a'.repeat(10_000)}` }, '/');
    expect(warnings.command).toMatch(/^backend command not found: \/a{10000}$/);
  });

  it('does not open a FIFO given as the command, nor as its #! interpreter (no hang)', () => {
    const dir = tempDir('issue10-fifo-');
    try {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const script = join(dir, 'script');
      writeFileSync(script, `#!${fifo}\n`, { mode: 0o755 });
      expect(launchPathWarnings({ ...launch, command: fifo }, dir).command).toBe(
        `backend command is not a file: ${fifo}`,
      );
      expect(launchPathWarnings({ ...launch, command: script }, dir).command).toMatch(/^interpreter is not a file: /);
      expect(launchPathWarnings({ ...launch, command: '/dev/zero' }, dir).command).toBe(
        'backend command is not a file: /dev/zero',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
