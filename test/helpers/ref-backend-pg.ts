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

/** The PostgreSQL that `.ci/run` sets up (role `bsup` with CREATEDB on the local cluster). */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://bsup:bsup@127.0.0.1:5432/postgres';

/**
 * The second PostgreSQL the reference backend's tests run on, besides the embedded one of
 * `embedded-pg.ts`: `TEST_DATABASE_URL` (a role with CREATEDB), else the server `.ci/run`
 * sets up (PostgreSQL 15). They always run: without a reachable PostgreSQL they fail with
 * the connection error and {@link MISSING_POSTGRES}, never skip.
 */
export function postgresTarget(env: NodeJS.ProcessEnv = process.env): { url: string } {
  return { url: env['TEST_DATABASE_URL'] || DEFAULT_TEST_DATABASE_URL };
}

/** How to provide a PostgreSQL for the tests. */
export const MISSING_POSTGRES =
  "the contract suite runs on CI's PostgreSQL 15 too: run `bash .ci/run` once (it installs and starts " +
  'PostgreSQL 15 with a role bsup), or set TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/db ' +
  'for a role with CREATEDB (see src/reference-backend/README.md)';

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
    throw new Error(`cannot connect to ${safe.toString()}: ${(err as Error).message}; ${MISSING_POSTGRES}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
