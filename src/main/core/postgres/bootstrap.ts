import pg from 'pg';
import { ConfigError } from '../errors';

/** A database or role name: lower-case, digits and `_`, not starting with a digit, at most 63 bytes (NAMEDATALEN − 1). */
const NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Most databases one service makes. */
export const MAX_DATABASES = 64;

/** Budget of the whole bootstrap (connect, role, databases), ms. */
export const BOOTSTRAP_TIMEOUT_MS = 30_000;

/** SQLSTATEs of "already there" (a concurrent bootstrap made it first). */
const DUPLICATE_DATABASE = '42P04';
const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';

/**
 * Checks a `databases` list: 1 to {@link MAX_DATABASES} distinct names of the form
 * `[a-z_][a-z0-9_]*`, at most 63 characters, none of PostgreSQL's own (`postgres`, `template0`, `template1`).
 * @throws ConfigError naming the first bad entry.
 */
export function assertDatabaseNames(databases: readonly string[]): void {
  if (databases.length === 0) throw new ConfigError('databases: name at least one database');
  if (databases.length > MAX_DATABASES) {
    throw new ConfigError(`databases: at most ${MAX_DATABASES} databases (${databases.length} given)`);
  }
  const seen = new Set<string>();
  for (const [i, name] of databases.entries()) {
    if (!NAME.test(name)) {
      throw new ConfigError(
        `databases[${i}]: ${JSON.stringify(name)} is not a database name (a-z, 0-9 and _, not starting with a digit, at most 63 characters)`,
      );
    }
    if (name === 'postgres' || name === 'template0' || name === 'template1') {
      throw new ConfigError(`databases[${i}]: ${name} is PostgreSQL's own database`);
    }
    if (seen.has(name)) throw new ConfigError(`databases[${i}]: ${name} is named twice`);
    seen.add(name);
  }
}

/** `postgres://user:password@host:port/database`, each part percent-encoded. */
export function connectionUrl(parts: {
  user: string;
  password: string;
  host?: string;
  port: number;
  database: string;
}): string {
  const host = parts.host ?? '127.0.0.1';
  return `postgres://${encodeURIComponent(parts.user)}:${encodeURIComponent(parts.password)}@${host}:${parts.port}/${encodeURIComponent(parts.database)}`;
}

/** What {@link bootstrapDatabases} needs. */
export interface BootstrapOptions {
  /** The superuser's connection URL. */
  superuserUrl: string;
  /** The application's role (a name as {@link assertDatabaseNames} takes). */
  role: string;
  /** Its password (set on every call, so the role always matches the password file). */
  password: string;
  /** The databases it owns. */
  databases: readonly string[];
  /** Budget, ms (default {@link BOOTSTRAP_TIMEOUT_MS}). */
  timeoutMs?: number;
}

/** What a bootstrap made: the role when it was new, and the databases that were. */
export interface BootstrapResult {
  createdRole: boolean;
  createdDatabases: string[];
}

/**
 * Makes the application's role (LOGIN, no other privilege) and its databases on a running
 * server, idempotently: a role that exists gets the password again, a database that exists
 * is left as it is. A new database is owned by the role, and PUBLIC loses CONNECT and
 * TEMPORARY on it (other roles are denied by default). Two bootstraps at once both succeed.
 * @throws ConfigError on a bad name; pg's error when the server refuses.
 */
export async function bootstrapDatabases(options: BootstrapOptions): Promise<BootstrapResult> {
  assertDatabaseNames(options.databases);
  if (!NAME.test(options.role) || options.role === 'postgres') {
    throw new ConfigError(`role: ${JSON.stringify(options.role)} is not an application role name`);
  }
  const timeoutMs = options.timeoutMs ?? BOOTSTRAP_TIMEOUT_MS;
  const client = new pg.Client({
    connectionString: options.superuserUrl,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    application_name: 'backend-supervisor-bootstrap',
  });
  client.on('error', () => undefined); // a dropped connection also rejects the query in flight
  const role = client.escapeIdentifier(options.role);
  const password = client.escapeLiteral(options.password);
  const result: BootstrapResult = { createdRole: false, createdDatabases: [] };
  try {
    await client.connect();
    const existing = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [options.role]);
    if (existing.rowCount === 0) {
      try {
        await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${password}`);
        result.createdRole = true;
      } catch (err) {
        if (!isDuplicate(err)) throw err;
      }
    }
    await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${password}`);
    for (const name of options.databases) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount !== 0) continue;
      const database = client.escapeIdentifier(name);
      try {
        await client.query(`CREATE DATABASE ${database} OWNER ${role} ENCODING 'UTF8'`);
      } catch (err) {
        if (isDuplicate(err)) continue;
        throw err;
      }
      await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${database} FROM PUBLIC`);
      result.createdDatabases.push(name);
    }
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isDuplicate(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === DUPLICATE_DATABASE || code === DUPLICATE_OBJECT || code === UNIQUE_VIOLATION;
}
