import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database created for one test run; `drop()` removes it (closing leftover connections). */
export interface TestDatabase {
  /** Connection URL of the new database (same server, role and options as the admin URL). */
  url: string;
  /** Its name, `<prefix>_<random>`. */
  name: string;
  drop(): Promise<void>;
}

/**
 * Where the PostgreSQL tests run: `TEST_DATABASE_URL` (a role with CREATEDB), or why not.
 * `required` is true on CI (`CI` set and not `false`/`0`), where a missing URL must fail
 * the run rather than skip PostgreSQL silently.
 */
export function postgresTarget(env: NodeJS.ProcessEnv = process.env): { url: string | undefined; required: boolean } {
  const ci = env['CI'];
  return {
    url: env['TEST_DATABASE_URL'] || undefined,
    required: ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0',
  };
}

/** Explains how to provide `TEST_DATABASE_URL`; shown when CI lacks it. */
export const MISSING_TEST_DATABASE_URL =
  'TEST_DATABASE_URL is not set, but CI must run the contract suite against PostgreSQL too: ' +
  'install PostgreSQL 15, create a role with CREATEDB and set ' +
  'TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/db (see src/reference-backend/README.md)';

/**
 * Creates a fresh, empty database `<prefix>_<random>` on the server of `adminUrl`, so that
 * runs never see each other's data. The role in `adminUrl` needs CREATEDB.
 * @throws the connection or permission error, with the password left out of the message.
 */
export async function createTestDatabase(adminUrl: string, prefix = 'refbackend_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`create database ${pg.escapeIdentifier(name)}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    // `with (force)` (PostgreSQL ≥ 13) ends connections a failed test may have left open.
    drop: async () => {
      await withClient(adminUrl, (c) => c.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`));
    },
  };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    const safe = new URL(url);
    if (safe.password) safe.password = '***';
    throw new Error(`cannot connect to ${safe.toString()}: ${(err as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
