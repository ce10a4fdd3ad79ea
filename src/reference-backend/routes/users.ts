import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth-guard';
import { requireDb, type AppContext } from '../context';
import { isForeignKeyViolation, isUniqueViolation } from '../db';
import { USER_COLUMNS, toUserProfile, type UserRow } from '../entities';
import { ApiError, parseInput } from '../errors';
import { parsePage, setTotalCount } from '../pagination';
import { notFound, uuidParam } from '../params';

// strictObject: a typo (or a `password` field) must not silently change nothing.
const UserPatchBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.email().max(320).optional(),
    role: z.enum(['user', 'admin']).optional(),
  })
  .refine((p) => p.name !== undefined || p.email !== undefined || p.role !== undefined, {
    error: 'give at least one of name, email, role',
  });

/** The 409 answered when an e-mail belongs to another account. */
export const EMAIL_TAKEN = 'an account with this e-mail already exists';

/**
 * Admin user routes (backend-contract.md, "Auth"); admin Bearer token required:
 * - `GET /admin/users` → `UserProfile[]` by creation time, paged, `X-Total-Count`.
 * - `PUT /admin/users/{id}` partial `{name?, email?, role?}` → 200 `UserProfile`;
 *   409 CONFLICT when the e-mail is taken or when it would demote the last admin.
 * - `DELETE /admin/users/{id}` → 204; 409 CONFLICT for the caller's own account and for
 *   a user who has orders (orders are revenue history and are never deleted with a user).
 * Unknown ids answer 404 NOT_FOUND.
 */
export function registerUserRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.get('/admin/users', async (request, reply) => {
    await authenticate(ctx, request, 'admin');
    const page = parsePage(request.query);
    const db = requireDb(ctx);
    const count = await db.query<{ total: number }>('select count(*)::int as total from users');
    const { rows } = await db.query<UserRow>(
      `select ${USER_COLUMNS} from users order by created_at, email limit $1 offset $2`,
      [page.limit ?? null, page.offset],
    );
    setTotalCount(reply, count.rows[0]?.total ?? 0);
    return rows.map(toUserProfile);
  });

  app.put('/admin/users/:id', async (request) => {
    await authenticate(ctx, request, 'admin');
    const id = uuidParam(request.params, 'user');
    const patch = parseInput(UserPatchBody, request.body);
    try {
      return await requireDb(ctx).transaction(async (tx) => {
        const { rows } = await tx.query<UserRow>(`select ${USER_COLUMNS} from users where id = $1 for update`, [id]);
        const user = rows[0];
        if (!user) throw notFound('user', id);
        if (patch.role === 'user' && user.role === 'admin') {
          // Locking every admin row serialises two admins demoting each other at once.
          const admins = await tx.query<{ id: string }>("select id from users where role = 'admin' for update");
          if (admins.rows.length <= 1) {
            throw new ApiError(409, 'CONFLICT', 'cannot demote the last admin; promote another user first');
          }
        }
        const updated = await tx.query<UserRow>(
          `update users set name = coalesce($2, name), email = coalesce($3, email), role = coalesce($4, role)
           where id = $1 returning ${USER_COLUMNS}`,
          [id, patch.name ?? null, patch.email?.toLowerCase() ?? null, patch.role ?? null],
        );
        return toUserProfile(updated.rows[0]!);
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ApiError(409, 'CONFLICT', EMAIL_TAKEN);
      throw err;
    }
  });

  app.delete('/admin/users/:id', async (request, reply) => {
    const admin = await authenticate(ctx, request, 'admin');
    const id = uuidParam(request.params, 'user');
    if (id === admin.id) throw new ApiError(409, 'CONFLICT', 'you cannot delete your own account');
    try {
      await requireDb(ctx).transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>('select id from users where id = $1 for update', [id]);
        if (rows.length === 0) throw notFound('user', id);
        const orders = await tx.query<{ n: number }>('select count(*)::int as n from orders where user_id = $1', [id]);
        const n = orders.rows[0]?.n ?? 0;
        if (n > 0) throw hasOrders(n);
        await tx.query('delete from users where id = $1', [id]);
      });
    } catch (err) {
      // An order placed between the count and the delete: the foreign key refuses.
      if (isForeignKeyViolation(err)) throw hasOrders(undefined);
      throw err;
    }
    return reply.code(204).send();
  });
}

function hasOrders(n: number | undefined): ApiError {
  const what = n === undefined ? 'orders' : n === 1 ? '1 order' : `${n} orders`;
  return new ApiError(
    409,
    'CONFLICT',
    `user has ${what}; orders are kept as revenue history, so a user with orders cannot be deleted`,
  );
}
