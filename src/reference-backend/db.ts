import pg from 'pg';

/** Result of a query: the rows as plain objects keyed by column name. */
export interface QueryResult<T> {
  rows: T[];
}

/**
 * What route code needs from a database: parameterised queries (`$1`, `$2`, …), through
 * `pg` ({@link openPostgres}); SQL must run on PostgreSQL ≥ 15. Value types `pg` returns:
 * int → number, numeric → string, timestamptz → Date, uuid → string, text[] → string[],
 * bigint → string (so cast counts with `::int`).
 */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs one or more statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
}

/** An open database. */
export interface Db extends Queryable {
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<R>(fn: (tx: Queryable) => Promise<R>): Promise<R>;
  /** Closes the database; pending queries finish first. Safe to call twice. */
  close(): Promise<void>;
}

/** Connections the PostgreSQL pool keeps at most. */
export const PG_POOL_SIZE = 10;
/** How long getting a PostgreSQL connection may take before the query fails, ms. */
export const PG_CONNECT_TIMEOUT_MS = 5000;
/** Server-side limit for one statement, ms: a stuck query must not hold a request forever. */
export const PG_STATEMENT_TIMEOUT_MS = 30_000;

/**
 * Connects to a real PostgreSQL (≥ 15) through a `pg` pool and checks it answers.
 * `onError` gets errors of idle pooled connections (server restart, network loss); the
 * pool replaces such connections by itself, and queries meanwhile fail (health says so).
 * @throws the connection error (wrong host, password, database) of the first query.
 */
export async function openPostgres(url: string, onError: (message: string) => void): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: PG_POOL_SIZE,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    statement_timeout: PG_STATEMENT_TIMEOUT_MS,
    application_name: 'reference-backend',
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (err) => onError(`PostgreSQL connection lost: ${err.message}`));
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T>(sql: string, params?: unknown[]) => {
      const r = await q.query(sql, params);
      return { rows: r.rows as T[] };
    },
    // Without parameters pg uses the simple protocol, which runs several statements.
    exec: async (sql: string) => {
      await q.query(sql);
    },
  });
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    ...wrap(pool),
    transaction: async (fn) => {
      const client = await pool.connect();
      // A connection whose rollback failed is in an unknown state: destroy it, don't reuse it.
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const result = await fn(wrap(client));
        await client.query('commit');
        return result;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => (broken = e));
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => (closing ??= pool.end()),
  };
}

/** SQLSTATE of a unique-constraint violation. */
const UNIQUE_VIOLATION = '23505';
/** SQLSTATE of a foreign-key violation. */
const FOREIGN_KEY_VIOLATION = '23503';

/** True when `err` is a PostgreSQL unique violation. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/** True when `err` is a PostgreSQL foreign-key violation. */
export function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === FOREIGN_KEY_VIOLATION;
}

/**
 * Key of the transaction-scoped advisory lock that serialises migrations and seeding
 * across processes sharing one PostgreSQL database. Any constant other software is
 * unlikely to use.
 */
export const SCHEMA_LOCK_KEY = 7_265_662_011;

/** Takes {@link SCHEMA_LOCK_KEY} until the transaction ends (waits while another holds it). */
export async function lockSchema(tx: Queryable): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`);
}

/** One schema step. Versions only grow; a shipped migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema of the whole contract (users, products, orders, order items, ingredients,
 * ingredient movements), so later routes only add queries. Add new steps at the end.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      create table meta (
        key text primary key,
        value text not null
      );

      create table users (
        id uuid primary key default gen_random_uuid(),
        -- stored lower-cased so that log-in and uniqueness ignore case
        email text not null unique check (email = lower(email)),
        name text not null,
        role text not null default 'user' check (role in ('user', 'admin')),
        password_hash text not null,
        created_at timestamptz not null default now()
      );

      create table products (
        id integer generated by default as identity primary key,
        name text not null unique,
        description text not null default '',
        price numeric(12, 2) not null check (price >= 0),
        category text not null,
        ingredients text[] not null default '{}',
        available boolean not null default true,
        image_url text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );

      create table orders (
        id integer generated by default as identity primary key,
        -- restrict: deleting a user must not silently erase revenue history
        user_id uuid not null references users (id) on delete restrict,
        status text not null default 'pending'
          check (status in ('pending', 'confirmed', 'preparing', 'ready', 'delivered', 'cancelled')),
        total numeric(12, 2) not null check (total >= 0),
        comment text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );
      create index orders_user_created on orders (user_id, created_at desc);

      create table order_items (
        id integer generated by default as identity primary key,
        order_id integer not null references orders (id) on delete cascade,
        product_id integer not null references products (id) on delete restrict,
        -- name and price are copied at order time: later product edits must not change old orders
        name text not null,
        quantity integer not null check (quantity >= 1),
        price numeric(12, 2) not null check (price >= 0)
      );
      create index order_items_order on order_items (order_id);

      create table ingredients (
        id integer generated by default as identity primary key,
        name text not null unique,
        unit text not null check (unit in ('g', 'kg', 'ml', 'l', 'pcs')),
        quantity numeric(14, 3) not null default 0,
        min_quantity numeric(14, 3) not null default 0 check (min_quantity >= 0),
        updated_at timestamptz not null default now()
      );

      create table ingredient_movements (
        id integer generated by default as identity primary key,
        ingredient_id integer not null references ingredients (id) on delete cascade,
        delta numeric(14, 3) not null,
        reason text not null check (reason in ('purchase', 'order', 'adjustment', 'waste')),
        order_id integer references orders (id) on delete set null,
        created_at timestamptz not null default now()
      );
      create index ingredient_movements_ingredient_created
        on ingredient_movements (ingredient_id, created_at desc, id desc);
    `,
  },
  {
    version: 2,
    name: 'recipes and order lookups',
    sql: `
      -- How much of an ingredient one portion of a product uses (in the ingredient's unit).
      create table product_ingredients (
        product_id integer not null references products (id) on delete cascade,
        ingredient_id integer not null references ingredients (id) on delete cascade,
        amount numeric(14, 3) not null check (amount > 0),
        primary key (product_id, ingredient_id)
      );
      create index product_ingredients_ingredient on product_ingredients (ingredient_id);

      -- Orders find ingredients by name case-insensitively, so names must differ in more than case.
      create unique index ingredients_name_lower on ingredients (lower(name));

      create index orders_status_created on orders (status, created_at desc);
      create index orders_created on orders (created_at desc, id desc);
      create index ingredient_movements_order on ingredient_movements (order_id) where order_id is not null;
    `,
  },
];

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own
 * transaction. Returns the versions applied now (empty when up to date).
 * Safe when several processes start at once against one PostgreSQL: each step holds
 * {@link lockSchema} and re-checks whether another process applied it meanwhile.
 * @throws when a migration fails (that migration is rolled back; earlier ones stay).
 */
export async function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  // Concurrent `create table if not exists` can still collide in the catalog; the lock prevents that.
  const done = await db.transaction(async (tx) => {
    await lockSchema(tx);
    await tx.exec(`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`);
    const { rows } = await tx.query<{ version: number }>('select version from schema_migrations');
    return new Set(rows.map((r) => r.version));
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    const ran = await db.transaction(async (tx) => {
      await lockSchema(tx);
      const { rows } = await tx.query('select 1 from schema_migrations where version = $1', [m.version]);
      if (rows.length > 0) return false;
      await tx.exec(m.sql);
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}
