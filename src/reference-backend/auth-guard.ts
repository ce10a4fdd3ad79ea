import type { FastifyRequest } from 'fastify';
import { requireDb, type AppContext } from './context';
import { USER_COLUMNS, type UserRow } from './entities';
import { ApiError } from './errors';
import { isUuid } from './params';
import type { Role } from './tokens';

/**
 * The user behind the request's `Authorization: Bearer <JWT>`, loaded from the database,
 * so a deleted user or a changed role takes effect at once rather than when the token
 * expires.
 * @throws ApiError 401 UNAUTHORIZED (no token, bad token, user gone), 403 FORBIDDEN
 * (`requiredRole` is `admin` and the user is not), 503 UNAVAILABLE (database starting).
 */
export async function authenticate(ctx: AppContext, request: FastifyRequest, requiredRole?: Role): Promise<UserRow> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1]) throw new ApiError(401, 'UNAUTHORIZED', 'missing bearer token');
  const claims = await ctx.tokens.verify(match[1]);
  // Our tokens always carry a uuid; checking keeps a malformed `sub` from reaching SQL as an error.
  if (!claims || !isUuid(claims.userId)) throw new ApiError(401, 'UNAUTHORIZED', 'invalid or expired token');
  const { rows } = await requireDb(ctx).query<UserRow>(`select ${USER_COLUMNS} from users where id = $1`, [
    claims.userId,
  ]);
  const user = rows[0];
  if (!user) throw new ApiError(401, 'UNAUTHORIZED', 'user no longer exists');
  if (requiredRole === 'admin' && user.role !== 'admin') throw new ApiError(403, 'FORBIDDEN', 'admin role required');
  return user;
}
