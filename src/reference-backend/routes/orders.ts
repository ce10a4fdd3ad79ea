import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth-guard';
import { requireDb, type AppContext } from '../context';
import { ORDER_STATUSES } from '../entities';
import { parseInput } from '../errors';
import { changeOrderStatus, createOrder, getOrder, listOrders } from '../orders';
import { parsePage, setTotalCount } from '../pagination';
import { INT4_MAX, intIdParam } from '../params';

/** How many orders `GET /orders/recent` returns. */
export const RECENT_ORDERS = 10;
/** Most lines one order may have. */
export const MAX_ORDER_LINES = 100;
/** Largest quantity of one line. */
export const MAX_LINE_QUANTITY = 1000;

// z.object, not strictObject: a client may send its own `total` (or other fields); they are ignored.
const NewOrderBody = z.object({
  items: z
    .array(
      z.object({
        product_id: z.number().int().min(1).max(INT4_MAX),
        quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
      }),
    )
    .min(1)
    .max(MAX_ORDER_LINES),
  comment: z
    .string()
    .trim()
    .max(1000)
    .nullish()
    .transform((c) => (c ? c : null)),
});

const StatusBody = z.strictObject({ status: z.enum(ORDER_STATUSES) });

const StatusQuery = z.object({ status: z.enum(ORDER_STATUSES).optional() });

/**
 * Order routes (backend-contract.md, "Orders"); all need a Bearer token:
 * - `GET /orders` → the caller's orders (every order for an admin), newest first, paged.
 * - `GET /orders/recent` → the caller's last {@link RECENT_ORDERS}, newest first.
 * - `POST /orders` `{items: [{product_id, quantity}], comment?}` → 201 `Order`
 *   (total from product prices; consumes ingredients); 400 BAD_REQUEST for an unknown
 *   or unavailable product.
 * - `GET /admin/orders[?status=]` (admin) → all orders, newest first, paged, filterable.
 * - `PUT /admin/orders/{id}` (admin) `{status}` → 200 `Order`; 409 CONFLICT for a
 *   transition that is not allowed; 404 NOT_FOUND.
 */
export function registerOrderRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/orders', async (request, reply) => {
    const user = await authenticate(ctx, request);
    const page = parsePage(request.query);
    const { orders, total } = await listOrders(requireDb(ctx), user.role === 'admin' ? {} : { userId: user.id }, page);
    setTotalCount(reply, total);
    return orders;
  });

  app.get('/orders/recent', async (request) => {
    const user = await authenticate(ctx, request);
    const { orders } = await listOrders(requireDb(ctx), { userId: user.id }, { limit: RECENT_ORDERS, offset: 0 });
    return orders;
  });

  app.post('/orders', async (request, reply) => {
    const user = await authenticate(ctx, request);
    const body = parseInput(NewOrderBody, request.body);
    const order = await requireDb(ctx).transaction(async (tx) => {
      const id = await createOrder(tx, user.id, body.items, body.comment);
      return getOrder(tx, id);
    });
    return reply.code(201).send(order);
  });

  app.get('/admin/orders', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const page = parsePage(request.query);
    const { status } = parseInput(StatusQuery, request.query ?? {}, 'query');
    const { orders, total } = await listOrders(requireDb(ctx), status !== undefined ? { status } : {}, page);
    setTotalCount(reply, total);
    return orders;
  });

  app.put('/admin/orders/:id', async (request) => {
    await authenticate(ctx, request, 'admin');
    const id = intIdParam(request.params, 'order');
    const body = parseInput(StatusBody, request.body);
    return requireDb(ctx).transaction(async (tx) => {
      await changeOrderStatus(tx, id, body.status);
      return getOrder(tx, id);
    });
  });
}
