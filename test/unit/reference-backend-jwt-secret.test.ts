import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JWT_SECRET_FILE, loadJwtSecret } from '../../src/reference-backend/tokens';
import { tempDir } from '../helpers/supervise';

describe('the reference backend keeps its JWT secret in a private file', () => {
  it('generates it 0600 on first use and reads the same one back', async () => {
    const dir = tempDir('ref-jwt-');
    const secret = await loadJwtSecret(dir, undefined);
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, JWT_SECRET_FILE)).mode & 0o777).toBe(0o600);
    expect(await loadJwtSecret(dir, undefined)).toBe(secret);
  });

  it('does not write through a symbolic link planted at its temporary file', async () => {
    const dir = tempDir('ref-jwt-');
    const victim = join(tempDir('ref-jwt-victim-'), 'victim');
    writeFileSync(victim, 'keep me\n');
    symlinkSync(victim, join(dir, `${JWT_SECRET_FILE}.${process.pid}.tmp`));
    const secret = await loadJwtSecret(dir, undefined);
    expect(readFileSync(victim, 'utf8')).toBe('keep me\n');
    expect(readFileSync(join(dir, JWT_SECRET_FILE), 'utf8').trim()).toBe(secret);
  });

  it('refuses a FIFO, a symbolic link or a folder at its path at once, naming it', async () => {
    const fifoDir = tempDir('ref-jwt-');
    execFileSync('mkfifo', [join(fifoDir, JWT_SECRET_FILE)]);
    await expect(loadJwtSecret(fifoDir, undefined)).rejects.toThrow(/is not a regular file \(a FIFO\)/);

    const linkDir = tempDir('ref-jwt-');
    const elsewhere = join(tempDir('ref-jwt-other-'), 'secret');
    writeFileSync(elsewhere, 'x'.repeat(40));
    symlinkSync(elsewhere, join(linkDir, JWT_SECRET_FILE));
    await expect(loadJwtSecret(linkDir, undefined)).rejects.toThrow(/is not a regular file \(a symbolic link\)/);

    const folderDir = tempDir('ref-jwt-');
    mkdirSync(join(folderDir, JWT_SECRET_FILE));
    await expect(loadJwtSecret(folderDir, undefined)).rejects.toThrow(/is not a regular file \(a directory\)/);
  });
});
