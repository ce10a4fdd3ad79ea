/**
 * Adversarial cases of the default stack's database and the `postgres` service (issue 12),
 * the in-process ones: the remembered port file when it is not the plain file the supervisor
 * wrote, and where a root supervisor's cluster lives once it has been made. The cases that
 * need real PostgreSQL, other users or a hung child are in
 * test/integration/postgres-adversary.test.ts.
 */
import { chmodSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/main/core/errors';
import { DEFAULT_DATABASE_PORT_FILE, resolveDefaultDatabase } from '../../src/main/core/stack/default-stack';
import { postgresDataDir, ROOT_POSTGRES_DATA_ROOT } from '../../src/main/core/stack/postgres-entry';
import { tempDir, testConfig } from '../helpers/supervise';

describe('the remembered port file <data>/postgres.port', () => {
  it('a symbolic link there: the file it names is left as it was, the link replaced by a plain file', async () => {
    const dir = tempDir('bsup-pgport-');
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const file = join(dir, DEFAULT_DATABASE_PORT_FILE);
    symlinkSync(victim, file);
    const { port } = await resolveDefaultDatabase(dir);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(lstatSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(`${port}\n`);
  });

  it('a dangling symbolic link there: no file is made where it points', async () => {
    const dir = tempDir('bsup-pgport-');
    const target = join(dir, 'made-through-the-link');
    const file = join(dir, DEFAULT_DATABASE_PORT_FILE);
    symlinkSync(target, file);
    const { port } = await resolveDefaultDatabase(dir);
    expect(() => lstatSync(target)).toThrow(/ENOENT/);
    expect(readFileSync(file, 'utf8')).toBe(`${port}\n`);
  });

  it('a folder there: a configuration error naming the file (exit 2), not a crash', async () => {
    const dir = tempDir('bsup-pgport-');
    const file = join(dir, DEFAULT_DATABASE_PORT_FILE);
    mkdirSync(file);
    const error = await resolveDefaultDatabase(dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(file);
  });

  it('a port that is not one (a huge number, garbage): another is chosen and remembered', async () => {
    for (const text of ['99999999999999999999\n', 'garbage', '-5', '0']) {
      const dir = tempDir('bsup-pgport-');
      writeFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), text);
      const { port } = await resolveDefaultDatabase(dir);
      expect(port).toBeGreaterThan(0);
      expect(readFileSync(join(dir, DEFAULT_DATABASE_PORT_FILE), 'utf8')).toBe(`${port}\n`);
    }
  });
});

describe('where a root supervisor keeps a postgres service with no data_dir', () => {
  it('in the data folder once the service folder is there, even when the data folder was closed (chmod 700) since', () => {
    const base = testConfig(1);
    // Made when the data folder could be entered by anyone; closed since.
    const name = `adv-${process.pid}-closed`;
    mkdirSync(join(base.dataDir, name));
    chmodSync(base.dataDir, 0o700);
    // Not a new, empty cluster in /var/lib/backend-supervisor: the one made, whose start then
    // says which folder to open.
    expect(postgresDataDir(name, undefined, base.dataDir, base, true)).toBe(join(base.dataDir, name));
    expect(postgresDataDir(`${name}-new`, undefined, base.dataDir, base, true)).toBe(
      join(ROOT_POSTGRES_DATA_ROOT, `${name}-new`),
    );
  });
});
