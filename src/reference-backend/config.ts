import path from 'node:path';
import { z } from 'zod';

/** Admin e-mail seeded on first start when `ADMIN_EMAIL` is not set. */
export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';

/** Default data folder, resolved against the working directory. */
export const DEFAULT_DATA_DIR = './.data/reference-backend';

/**
 * The reference backend's settings, all taken from the environment.
 * `dataDir` is absolute. `adminPassword`/`jwtSecret` are undefined when they should be
 * generated (the password at seeding, the secret once and then kept in `dataDir`).
 */
export interface BackendConfig {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** Bind address, e.g. `127.0.0.1` or `::1`. */
  host: string;
  /** Absolute path of the data folder (the JWT secret and the initial credentials live here). */
  dataDir: string;
  /** E-mail of the admin seeded on first start (stored lower-cased). */
  adminEmail: string;
  /** Password of the admin seeded on first start; undefined = generate and print once. */
  adminPassword: string | undefined;
  /** HMAC key for JWTs; undefined = read or create `<dataDir>/jwt-secret`. */
  jwtSecret: string | undefined;
  /** Echoed in `/health` as `instance_id`; when set, stdin is the supervisor's lifeline. */
  instanceId: string | undefined;
  /**
   * `postgres://…` of the PostgreSQL (≥ 15) it keeps its data in: required. The supervisor's
   * default stack gives it its embedded PostgreSQL's URL (README "Embedded PostgreSQL").
   */
  databaseUrl: string;
  /** Password of the demo user `user@example.com` seeded once; undefined = generate and print once. */
  demoUserPassword: string | undefined;
}

/** A bad environment variable. `message` names the variable and what was expected. */
export class ConfigError extends Error {
  /** Exit code for a configuration error (like a usage error). */
  readonly exitCode = 2;
  constructor(
    message: string,
    /** Names of the offending variables. */
    readonly variables: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

// An empty variable (`PORT=`) means "not set": shells and .env files produce those
// easily, and failing on them would be unfriendly.
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

// bcrypt only looks at the first 72 bytes; a longer password would silently accept
// anything sharing that prefix.
const passwordSchema = z
  .string()
  .min(8, { error: 'expected at least 8 characters' })
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 72, { error: 'expected at most 72 bytes' });

const EnvSchema = z.object({
  PORT: optional(
    z.coerce
      .number({ error: 'expected an integer from 0 to 65535' })
      .int({ error: 'expected an integer from 0 to 65535' })
      .min(0, { error: 'expected an integer from 0 to 65535' })
      .max(65535, { error: 'expected an integer from 0 to 65535' }),
  ),
  HOST: optional(z.string().trim().min(1)),
  DATA_DIR: optional(z.string().min(1)),
  ADMIN_EMAIL: optional(z.email({ error: 'expected an e-mail address' }).max(320)),
  ADMIN_PASSWORD: optional(passwordSchema),
  DEMO_USER_PASSWORD: optional(passwordSchema),
  JWT_SECRET: optional(z.string().min(32, { error: 'expected at least 32 characters' })),
  SUPERVISOR_INSTANCE_ID: optional(z.string().max(200, { error: 'expected at most 200 characters' })),
  DATABASE_URL: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string({ error: 'is required: postgres://user:password@host:port/database of a PostgreSQL ≥ 15' })
      .refine(isPostgresUrl, { error: 'expected postgres://user:password@host:port/database' }),
  ),
});

function isPostgresUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Variables whose values never appear in messages (DATABASE_URL may carry a password). */
const SECRET_VARIABLES = new Set(['ADMIN_PASSWORD', 'DEMO_USER_PASSWORD', 'JWT_SECRET', 'DATABASE_URL']);

/**
 * `url` without its password, for log lines: `postgres://app:***@db:5432/shop`.
 * Anything unparsable becomes `(unparsable URL)`.
 */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/**
 * Reads the configuration from `env` (usually `process.env`).
 * Relative `DATA_DIR` is resolved against `cwd`.
 * @throws ConfigError naming every bad variable, e.g. `PORT: expected an integer from 0 to 65535 (got "abc")`.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): BackendConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const names: string[] = [];
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '?');
      names.push(name);
      const raw = env[name];
      // Never echo secrets back into logs.
      const shown = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(raw)})`;
      if (raw === undefined || raw === '') return `missing environment variable ${name}: ${issue.message}`;
      return `invalid environment variable ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(lines.join('\n'), names);
  }
  const e = parsed.data;
  return {
    port: e.PORT ?? 3000,
    host: e.HOST ?? '127.0.0.1',
    dataDir: path.resolve(cwd, e.DATA_DIR ?? DEFAULT_DATA_DIR),
    adminEmail: (e.ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL).toLowerCase(),
    adminPassword: e.ADMIN_PASSWORD,
    jwtSecret: e.JWT_SECRET,
    instanceId: e.SUPERVISOR_INSTANCE_ID,
    databaseUrl: e.DATABASE_URL,
    demoUserPassword: e.DEMO_USER_PASSWORD,
  };
}
