import type { Db } from './db';
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
];

/** What {@link seedIfEmpty} did. `generatedPassword` is set only when it made one up. */
export interface SeedResult {
  seeded: boolean;
  adminEmail?: string;
  generatedPassword?: string;
}

/**
 * Seeds the admin user, the demo menu and the stock, once per database (a `meta` row
 * `seeded_at` marks it, so a later start with other ADMIN_* values changes nothing).
 * Without `adminPassword` a random one is generated and returned for the caller to show
 * once. Runs in one transaction: all or nothing.
 */
export async function seedIfEmpty(db: Db, admin: { email: string; password: string | undefined }): Promise<SeedResult> {
  const marker = await db.query<{ value: string }>("select value from meta where key = 'seeded_at'");
  if (marker.rows.length > 0) return { seeded: false };

  const password = admin.password ?? generatePassword();
  // Hash outside the transaction: bcrypt is slow and holds nothing in the database.
  const hash = await hashPassword(password);

  await db.transaction(async (tx) => {
    await tx.query(
      `insert into users (email, name, role, password_hash) values ($1, 'Administrator', 'admin', $2)
       on conflict (email) do nothing`,
      [admin.email.toLowerCase(), hash],
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
      // The opening stock is a purchase, so the movement history adds up to the quantity.
      await tx.query("insert into ingredient_movements (ingredient_id, delta, reason) values ($1, $2, 'purchase')", [
        rows[0]?.id,
        i.quantity,
      ]);
    }
    await tx.query("insert into meta (key, value) values ('seeded_at', now()::text)");
  });

  return admin.password === undefined
    ? { seeded: true, adminEmail: admin.email, generatedPassword: password }
    : { seeded: true, adminEmail: admin.email };
}
