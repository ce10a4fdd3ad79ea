import type { FastifyInstance } from 'fastify';
import { requireDb, type AppContext } from '../context';
import { PRODUCT_COLUMNS, toProduct, type ProductRow } from '../entities';
import { parsePage, setTotalCount } from '../pagination';

/**
 * `GET /products` (public): `Product[]` ordered by id, optionally paged with
 * `?limit=1..500&offset=n`; `X-Total-Count` is the number of all products.
 * Unavailable products are listed too (with `available: false`); clients filter.
 */
export function registerProductRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/products', async (request, reply) => {
    const page = parsePage(request.query);
    const db = requireDb(ctx);
    const count = await db.query<{ total: number }>('select count(*)::int as total from products');
    // `limit null` in PostgreSQL means "no limit", which is what an absent ?limit asks for.
    const { rows } = await db.query<ProductRow>(
      `select ${PRODUCT_COLUMNS} from products order by id limit $1 offset $2`,
      [page.limit ?? null, page.offset],
    );
    setTotalCount(reply, count.rows[0]?.total ?? 0);
    return rows.map(toProduct);
  });
}
