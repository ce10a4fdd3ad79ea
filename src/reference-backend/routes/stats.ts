import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth-guard';
import { requireDb, type AppContext } from '../context';
import { ORDER_STATUSES, type OrderStatus, type Stats } from '../entities';

/**
 * `GET /admin/stats` (admin; backend-contract.md, "Admin") →
 * `{total_users, total_orders, total_revenue, orders_by_status}`. `total_orders` counts
 * every order, `total_revenue` the totals of orders that are not `cancelled`;
 * `orders_by_status` has every status as a key (0 when none).
 */
export function registerStatsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/stats', async (request): Promise<Stats> => {
    await authenticate(ctx, request, 'admin');
    // One transaction so that the numbers describe the same moment.
    return requireDb(ctx).transaction(async (tx) => {
      const totals = await tx.query<{ total_users: number; total_orders: number; total_revenue: string }>(
        `select (select count(*)::int from users) as total_users,
                (select count(*)::int from orders) as total_orders,
                (select coalesce(sum(total), 0)::text from orders where status <> 'cancelled') as total_revenue`,
      );
      const byStatus = await tx.query<{ status: OrderStatus; n: number }>(
        'select status, count(*)::int as n from orders group by status',
      );
      const orders_by_status = Object.fromEntries(ORDER_STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
      for (const r of byStatus.rows) orders_by_status[r.status] = r.n;
      const t = totals.rows[0];
      return {
        total_users: t?.total_users ?? 0,
        total_orders: t?.total_orders ?? 0,
        total_revenue: Number(t?.total_revenue ?? 0),
        orders_by_status,
      };
    });
  });
}
