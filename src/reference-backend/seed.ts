import { lockSchema, type Db, type Queryable } from './db';
import type { OrderStatus } from './entities';
import { changeOrderStatus, createOrder } from './orders';
import { generatePassword, hashPassword } from './passwords';

/** A product to seed (without id). */
interface SeedProduct {
  name: string;
  description: string;
  price: number;
  category: string;
  ingredients: string[];
  available?: boolean;
}

/** The demo menu. Names with accents on purpose: the client's search is accent-insensitive. */
export const SEED_PRODUCTS: readonly SeedProduct[] = [
  {
    name: 'Margherita',
    description: 'Tomato sauce, mozzarella and fresh basil on a thin crust',
    price: 12.5,
    category: 'pizza',
    ingredients: ['pizza dough', 'tomato sauce', 'mozzarella', 'basil'],
  },
  {
    name: 'Pepperoni',
    description: 'Spicy pepperoni with mozzarella',
    price: 14,
    category: 'pizza',
    ingredients: ['pizza dough', 'tomato sauce', 'mozzarella', 'pepperoni'],
  },
  {
    name: 'Caesar Salad',
    description: 'Romaine, grilled chicken, parmesan and croutons',
    price: 9.9,
    category: 'salads',
    ingredients: ['romaine lettuce', 'chicken breast', 'parmesan', 'croutons', 'caesar dressing'],
  },
  {
    name: 'Borscht',
    description: 'Beetroot soup served with sour cream',
    price: 7.5,
    category: 'soups',
    ingredients: ['beetroot', 'cabbage', 'potato', 'carrot', 'sour cream'],
  },
  {
    name: 'Ribeye Steak',
    description: '300 g ribeye with roasted potatoes',
    price: 25.5,
    category: 'mains',
    ingredients: ['ribeye', 'potato', 'butter', 'rosemary'],
  },
  {
    name: 'Crème Brûlée',
    description: 'Vanilla custard with a caramelised sugar top',
    price: 6.75,
    category: 'desserts',
    ingredients: ['cream', 'egg yolk', 'sugar', 'vanilla'],
  },
  {
    name: 'Lemonade',
    description: 'Fresh lemons, mint and a little sugar',
    price: 3.5,
    category: 'drinks',
    ingredients: ['lemon', 'sugar', 'mint', 'water'],
  },
  {
    name: 'Wild Mushroom Soup',
    description: 'Seasonal; back in autumn',
    price: 8,
    category: 'soups',
    ingredients: ['mushrooms', 'cream', 'onion'],
    available: false,
  },
];

/** Stock to seed: some under their minimum so the admin view shows low stock. */
const SEED_INGREDIENTS: readonly { name: string; unit: string; quantity: number; min_quantity: number }[] = [
  { name: 'mozzarella', unit: 'kg', quantity: 5, min_quantity: 1 },
  { name: 'tomato sauce', unit: 'l', quantity: 3, min_quantity: 1 },
  { name: 'basil', unit: 'g', quantity: 200, min_quantity: 50 },
  { name: 'beetroot', unit: 'kg', quantity: 4, min_quantity: 1 },
  { name: 'ribeye', unit: 'kg', quantity: 2, min_quantity: 3 },
  { name: 'cream', unit: 'l', quantity: 2, min_quantity: 0.5 },
  { name: 'egg yolk', unit: 'pcs', quantity: 60, min_quantity: 24 },
  { name: 'lemon', unit: 'pcs', quantity: 10, min_quantity: 20 },
  { name: 'chicken breast', unit: 'kg', quantity: 3, min_quantity: 1 },
];

/**
 * Per-portion amounts (in the ingredient's unit) that an order of the product consumes:
 * `[product name, ingredient name, amount]`. Only names present in both tables are linked.
 */
export const SEED_RECIPES: readonly (readonly [string, string, number])[] = [
  ['Margherita', 'mozzarella', 0.125],
  ['Margherita', 'tomato sauce', 0.08],
  ['Margherita', 'basil', 5],
  ['Pepperoni', 'mozzarella', 0.15],
  ['Pepperoni', 'tomato sauce', 0.08],
  ['Caesar Salad', 'chicken breast', 0.15],
  ['Borscht', 'beetroot', 0.2],
  ['Ribeye Steak', 'ribeye', 0.3],
  ['Crème Brûlée', 'cream', 0.12],
  ['Crème Brûlée', 'egg yolk', 3],
  ['Lemonade', 'lemon', 1],
  ['Wild Mushroom Soup', 'cream', 0.05],
];

/** E-mail of the seeded regular user who owns the demo orders. */
export const DEMO_USER_EMAIL = 'user@example.com';

/** A demo order: placed `placedMinutesAgo`, then moved through the statuses up to `status`. */
interface DemoOrder {
  placedMinutesAgo: number;
  changedMinutesAgo: number;
  status: OrderStatus;
  items: readonly (readonly [string, number])[];
  comment?: string;
}

/** Orders of the demo user, one or more per status, so the admin views have data. */
export const DEMO_ORDERS: readonly DemoOrder[] = [
  {
    placedMinutesAgo: 6 * 1440,
    changedMinutesAgo: 6 * 1440 - 50,
    status: 'delivered',
    items: [
      ['Margherita', 2],
      ['Lemonade', 2],
    ],
  },
  {
    placedMinutesAgo: 5 * 1440,
    changedMinutesAgo: 5 * 1440 - 65,
    status: 'delivered',
    items: [
      ['Ribeye Steak', 1],
      ['Crème Brûlée', 1],
    ],
    comment: 'medium rare, please',
  },
  {
    placedMinutesAgo: 3 * 1440,
    changedMinutesAgo: 3 * 1440 - 5,
    status: 'cancelled',
    items: [['Pepperoni', 1]],
    comment: 'ordered twice by mistake',
  },
  { placedMinutesAgo: 1440, changedMinutesAgo: 1440 - 30, status: 'ready', items: [['Borscht', 2]] },
  {
    placedMinutesAgo: 180,
    changedMinutesAgo: 170,
    status: 'preparing',
    items: [
      ['Caesar Salad', 1],
      ['Lemonade', 1],
    ],
  },
  { placedMinutesAgo: 45, changedMinutesAgo: 40, status: 'confirmed', items: [['Pepperoni', 2]] },
  {
    placedMinutesAgo: 10,
    changedMinutesAgo: 10,
    status: 'pending',
    items: [
      ['Margherita', 1],
      ['Crème Brûlée', 2],
    ],
    comment: 'no basil on the pizza',
  },
];

/** What to seed: the admin's credentials and the demo user's password (undefined = generate). */
export interface SeedOptions {
  adminEmail: string;
  adminPassword: string | undefined;
  demoUserPassword: string | undefined;
  /**
   * Runs inside the seeding transaction, before it commits, with what was seeded: the place
   * to store generated passwords. When it throws, nothing is seeded (the next start tries
   * again), so a password is never in the database without having been kept somewhere.
   */
  beforeCommit?: (result: SeedResult) => Promise<void>;
}

/**
 * What {@link seedIfEmpty} did. `seeded`: the admin, menu and stock were created now;
 * `generatedPassword` is set only when the admin's was made up; `demoUser` is set when the
 * demo user and orders were created now (with `generatedPassword` when made up).
 */
export interface SeedResult {
  seeded: boolean;
  adminEmail?: string;
  generatedPassword?: string;
  demoUser?: { email: string; generatedPassword?: string };
}

/** `meta` key set once the admin, menu and stock are seeded. */
const BASE_MARKER = 'seeded_at';
/** `meta` key set once recipes, the demo user and demo orders are seeded (added later: old databases get them on upgrade). */
const DEMO_MARKER = 'demo_seeded_at';

async function markers(db: Queryable): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>('select key from meta where key = any($1::text[])', [
    [BASE_MARKER, DEMO_MARKER],
  ]);
  return new Set(rows.map((r) => r.key));
}

/**
 * Seeds once per database (`meta` rows mark each step, so a later start with other
 * ADMIN_* values changes nothing): (1) the admin user, the demo menu and the stock (the
 * opening stock as `purchase` movements); (2) the recipes (`product_ingredients`), the demo
 * user {@link DEMO_USER_EMAIL} and {@link DEMO_ORDERS}, placed and moved through their
 * statuses by the same code as the API (so they consume stock), then back-dated. Step 2
 * also runs on a database seeded by an earlier version. Passwords not given are generated,
 * handed to `beforeCommit` (to be stored) and returned. One transaction holding the schema lock: all
 * or nothing, and two processes starting at once seed once.
 */
export async function seedIfEmpty(db: Db, options: SeedOptions): Promise<SeedResult> {
  const before = await markers(db);
  if (before.has(BASE_MARKER) && before.has(DEMO_MARKER)) return { seeded: false };

  const adminPassword = options.adminPassword ?? generatePassword();
  const demoPassword = options.demoUserPassword ?? generatePassword();
  // Hash outside the transaction: bcrypt is slow and holds nothing in the database.
  const [adminHash, demoHash] = await Promise.all([
    before.has(BASE_MARKER) ? '' : hashPassword(adminPassword),
    before.has(DEMO_MARKER) ? '' : hashPassword(demoPassword),
  ]);

  return db.transaction(async (tx) => {
    await lockSchema(tx);
    // Another process may have seeded while we were hashing.
    const done = await markers(tx);
    const result: SeedResult = { seeded: false };
    if (!done.has(BASE_MARKER) && adminHash !== '') {
      await seedBase(tx, options.adminEmail, adminHash);
      result.seeded = true;
      result.adminEmail = options.adminEmail;
      if (options.adminPassword === undefined) result.generatedPassword = adminPassword;
    }
    if (!done.has(DEMO_MARKER) && demoHash !== '') {
      await seedDemo(tx, demoHash);
      result.demoUser =
        options.demoUserPassword === undefined
          ? { email: DEMO_USER_EMAIL, generatedPassword: demoPassword }
          : { email: DEMO_USER_EMAIL };
    }
    await options.beforeCommit?.(result);
    return result;
  });
}

async function seedBase(tx: Queryable, adminEmail: string, hash: string): Promise<void> {
  await tx.query(
    `insert into users (email, name, role, password_hash) values ($1, 'Administrator', 'admin', $2)
     on conflict (email) do nothing`,
    [adminEmail.toLowerCase(), hash],
  );
  for (const p of SEED_PRODUCTS) {
    await tx.query(
      `insert into products (name, description, price, category, ingredients, available)
       values ($1, $2, $3, $4, $5, $6)`,
      [p.name, p.description, p.price, p.category, p.ingredients, p.available ?? true],
    );
  }
  for (const i of SEED_INGREDIENTS) {
    const { rows } = await tx.query<{ id: number }>(
      'insert into ingredients (name, unit, quantity, min_quantity) values ($1, $2, $3, $4) returning id',
      [i.name, i.unit, i.quantity, i.min_quantity],
    );
    // The opening stock is a purchase (a week ago, before the demo orders), so the
    // movement history adds up to the quantity.
    await tx.query(
      `insert into ingredient_movements (ingredient_id, delta, reason, created_at)
       values ($1, $2, 'purchase', now() - interval '7 days')`,
      [rows[0]?.id, i.quantity],
    );
  }
  await tx.query(`insert into meta (key, value) values ('${BASE_MARKER}', now()::text)`);
}

// pending → … → status along the normal path; cancelled straight from pending.
function statusPath(status: OrderStatus): OrderStatus[] {
  if (status === 'cancelled') return ['cancelled'];
  const main: OrderStatus[] = ['pending', 'confirmed', 'preparing', 'ready', 'delivered'];
  return main.slice(1, main.indexOf(status) + 1);
}

async function seedDemo(tx: Queryable, hash: string): Promise<void> {
  for (const [product, ingredient, amount] of SEED_RECIPES) {
    await tx.query(
      `insert into product_ingredients (product_id, ingredient_id, amount)
       select p.id, i.id, $3::numeric from products p, ingredients i
       where p.name = $1 and lower(i.name) = lower($2)
       on conflict do nothing`,
      [product, ingredient, String(amount)],
    );
  }
  await tx.query(
    `insert into users (email, name, role, password_hash) values ($1, 'Demo User', 'user', $2)
     on conflict (email) do nothing`,
    [DEMO_USER_EMAIL, hash],
  );
  const user = await tx.query<{ id: string }>('select id from users where email = $1', [DEMO_USER_EMAIL]);
  const userId = user.rows[0]!.id;
  const products = await tx.query<{ id: number; name: string }>('select id, name from products where available');
  const idOf = new Map(products.rows.map((p) => [p.name, p.id]));
  for (const demo of DEMO_ORDERS) {
    const lines = demo.items.map(([name, quantity]) => ({ product_id: idOf.get(name), quantity }));
    // A database whose menu differs from ours: skip the orders we cannot place.
    if (lines.some((l) => l.product_id === undefined)) continue;
    const id = await createOrder(
      tx,
      userId,
      lines.map((l) => ({ product_id: l.product_id!, quantity: l.quantity })),
      demo.comment ?? null,
    );
    for (const status of statusPath(demo.status)) await changeOrderStatus(tx, id, status);
    await tx.query(
      `update orders set created_at = now() - make_interval(mins => $2::int),
                         updated_at = now() - make_interval(mins => $3::int)
       where id = $1`,
      [id, demo.placedMinutesAgo, demo.changedMinutesAgo],
    );
    // Consumption when placed, a cancellation's return when changed.
    await tx.query(
      `update ingredient_movements m
       set created_at = case when m.delta < 0 then o.created_at else o.updated_at end
       from orders o where o.id = $1 and m.order_id = o.id`,
      [id],
    );
  }
  await tx.query(`insert into meta (key, value) values ('${DEMO_MARKER}', now()::text)`);
}
