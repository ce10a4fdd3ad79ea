// Edge cases of issue 10's changes, as someone planting files in the reference backend's
// data folder, or probing its access log, would try them.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
