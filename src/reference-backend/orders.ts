import type { Queryable } from './db';
import {
  ORDER_COLUMNS,
  ORDER_ITEM_COLUMNS,
  ORDER_TRANSITIONS,
  toOrder,
  type Order,
  type OrderItemRow,
  type OrderRow,
  type OrderStatus,
} from './entities';
import { ApiError } from './errors';
import type { Page } from './pagination';
import { notFound } from './params';

/** One line of a new order as the client sends it. */
export interface OrderLineInput {
  product_id: number;
  quantity: number;
}

/** Which orders a list shows: all, one user's, one status, or both. */
export interface OrderFilter {
  userId?: string;
  status?: OrderStatus;
}

/** Largest order total, cents: what `numeric(12, 2)` holds. */
const MAX_TOTAL_CENTS = 999_999_999_999;

/**
 * Statuses from which a cancellation puts the consumed ingredients back. From `preparing`
 * on, the kitchen has used them: they stay consumed.
 */
export const RESTOCK_ON_CANCEL_FROM: readonly OrderStatus[] = ['pending', 'confirmed'];

// "12.50" → 1250. Exact: prices have at most two decimals and stay far below 2^53 cents.
function toCents(price: string): number {
  return Math.round(Number(price) * 100);
}

async function withItems(db: Queryable, rows: OrderRow[]): Promise<Order[]> {
  if (rows.length === 0) return [];
  const { rows: items } = await db.query<OrderItemRow>(
    `select ${ORDER_ITEM_COLUMNS} from order_items where order_id = any($1::int[]) order by order_id, id`,
    [rows.map((r) => r.id)],
  );
  const byOrder = new Map<number, OrderItemRow[]>();
  for (const item of items) {
    const list = byOrder.get(item.order_id) ?? [];
    list.push(item);
    byOrder.set(item.order_id, list);
  }
  return rows.map((r) => toOrder(r, byOrder.get(r.id) ?? []));
}

/**
 * One page of orders matching `filter`, newest first (`created_at`, then id), and the
 * number of all matching orders (for `X-Total-Count`).
 */
export async function listOrders(
  db: Queryable,
  filter: OrderFilter,
  page: Page,
): Promise<{ orders: Order[]; total: number }> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.userId !== undefined) {
    params.push(filter.userId);
    conditions.push(`user_id = $${params.length}`);
  }
  if (filter.status !== undefined) {
    params.push(filter.status);
    conditions.push(`status = $${params.length}`);
  }
  const where = conditions.length > 0 ? `where ${conditions.join(' and ')}` : '';
  const count = await db.query<{ total: number }>(`select count(*)::int as total from orders ${where}`, params);
  // `limit null` means no limit in PostgreSQL.
  const { rows } = await db.query<OrderRow>(
    `select ${ORDER_COLUMNS} from orders ${where} order by created_at desc, id desc
     limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, page.limit ?? null, page.offset],
  );
  return { orders: await withItems(db, rows), total: count.rows[0]?.total ?? 0 };
}

/**
 * The order with `id`.
 * @throws ApiError 404 NOT_FOUND when there is none.
 */
export async function getOrder(db: Queryable, id: number): Promise<Order> {
  const { rows } = await db.query<OrderRow>(`select ${ORDER_COLUMNS} from orders where id = $1`, [id]);
  const [order] = await withItems(db, rows);
  if (!order) throw notFound('order', id);
  return order;
}

/**
 * Creates a `pending` order for `userId` inside the caller's transaction `tx` and returns
 * its id. Prices and names come from the products table (a client-sent total is never
 * looked at); `total` = Σ price × quantity. Then consumes the ingredients (see
 * {@link consumeIngredients}).
 * @throws ApiError 400 BAD_REQUEST for an unknown or unavailable product or a total too large to store.
 */
export async function createOrder(
  tx: Queryable,
  userId: string,
  lines: readonly OrderLineInput[],
  comment: string | null,
): Promise<number> {
  const ids = [...new Set(lines.map((l) => l.product_id))];
  const { rows: products } = await tx.query<{ id: number; name: string; price: string; available: boolean }>(
    'select id, name, price, available from products where id = any($1::int[])',
    [ids],
  );
  const byId = new Map(products.map((p) => [p.id, p]));
  let totalCents = 0;
  for (const line of lines) {
    const product = byId.get(line.product_id);
    if (!product) throw new ApiError(400, 'BAD_REQUEST', `product ${line.product_id} does not exist`);
    if (!product.available) {
      throw new ApiError(400, 'BAD_REQUEST', `product ${line.product_id} (${product.name}) is not available`);
    }
    totalCents += toCents(product.price) * line.quantity;
  }
  if (totalCents > MAX_TOTAL_CENTS) throw new ApiError(400, 'BAD_REQUEST', 'order total too large');

  const { rows } = await tx.query<{ id: number }>(
    `insert into orders (user_id, status, total, comment) values ($1, 'pending', $2, $3) returning id`,
    [userId, (totalCents / 100).toFixed(2), comment],
  );
  const orderId = rows[0]!.id;
  for (const line of lines) {
    // Name and price are copied: later product edits must not change this order.
    await tx.query(
      `insert into order_items (order_id, product_id, name, quantity, price)
       select $1::int, id, name, $3::int, price from products where id = $2`,
      [orderId, line.product_id, line.quantity],
    );
  }
  await consumeIngredients(tx, orderId, lines);
  return orderId;
}

/**
 * Takes the ingredients of an order out of stock: for each product, the per-portion
 * amounts of `product_ingredients` whose ingredient name is one of the product's
 * `ingredients` (compared case-insensitively), times the quantity. Stock never goes below
 * 0: when it is short, only what is there is taken (the order is still accepted). Each
 * non-zero change is an `order` movement with the order's id, so the movements of an
 * ingredient always add up to its quantity. Rows are locked in id order (no deadlocks
 * between concurrent orders).
 */
export async function consumeIngredients(
  tx: Queryable,
  orderId: number,
  lines: readonly OrderLineInput[],
): Promise<void> {
  const { rows: needs } = await tx.query<{ ingredient_id: number; amount: string }>(
    `select pi.ingredient_id, sum(pi.amount * x.quantity)::text as amount
     from unnest($1::int[], $2::int[]) as x (product_id, quantity)
     join products p on p.id = x.product_id
     join product_ingredients pi on pi.product_id = p.id
     join ingredients i on i.id = pi.ingredient_id
     where lower(i.name) in (select lower(n) from unnest(p.ingredients) as n)
     group by pi.ingredient_id
     order by pi.ingredient_id`,
    [lines.map((l) => l.product_id), lines.map((l) => l.quantity)],
  );
  for (const need of needs) {
    const { rows } = await tx.query<{ used: string; positive: boolean }>(
      `select least(quantity, $2::numeric)::text as used, least(quantity, $2::numeric) > 0 as positive
       from ingredients where id = $1 for update`,
      [need.ingredient_id, need.amount],
    );
    const row = rows[0];
    if (!row?.positive) continue;
    await tx.query('update ingredients set quantity = quantity - $2::numeric, updated_at = now() where id = $1', [
      need.ingredient_id,
      row.used,
    ]);
    await tx.query(
      `insert into ingredient_movements (ingredient_id, delta, reason, order_id) values ($1, -($2::numeric), 'order', $3)`,
      [need.ingredient_id, row.used, orderId],
    );
  }
}

/**
 * Moves order `id` to `next` inside `tx` (row locked). Cancelling from a status in
 * {@link RESTOCK_ON_CANCEL_FROM} puts back what the order consumed: one positive `order`
 * movement per ingredient (with the order's id), so the order's movements net to zero.
 * @throws ApiError 404 NOT_FOUND for an unknown order, 409 CONFLICT for a transition
 * {@link ORDER_TRANSITIONS} does not allow (the message names the allowed ones).
 */
export async function changeOrderStatus(tx: Queryable, id: number, next: OrderStatus): Promise<void> {
  const { rows } = await tx.query<{ status: OrderStatus }>('select status from orders where id = $1 for update', [id]);
  const current = rows[0]?.status;
  if (current === undefined) throw notFound('order', id);
  const allowed = ORDER_TRANSITIONS[current];
  if (!allowed.includes(next)) {
    const options = allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : `${current} is final`;
    throw new ApiError(409, 'CONFLICT', `cannot change order ${id} from ${current} to ${next} (${options})`);
  }
  await tx.query('update orders set status = $2, updated_at = now() where id = $1', [id, next]);
  if (next === 'cancelled' && RESTOCK_ON_CANCEL_FROM.includes(current)) await restock(tx, id);
}

async function restock(tx: Queryable, orderId: number): Promise<void> {
  const { rows } = await tx.query<{ ingredient_id: number; amount: string }>(
    `select ingredient_id, (-sum(delta))::text as amount from ingredient_movements
     where order_id = $1 and reason = 'order'
     group by ingredient_id having sum(delta) < 0
     order by ingredient_id`,
    [orderId],
  );
  for (const r of rows) {
    await tx.query('update ingredients set quantity = quantity + $2::numeric, updated_at = now() where id = $1', [
      r.ingredient_id,
      r.amount,
    ]);
    await tx.query(
      `insert into ingredient_movements (ingredient_id, delta, reason, order_id) values ($1, $2::numeric, 'order', $3)`,
      [r.ingredient_id, r.amount, orderId],
    );
  }
}
