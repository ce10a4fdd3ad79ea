import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth-guard';
import { requireDb, type AppContext } from '../context';
import { USER_COLUMNS, toUserProfile, type UserRow } from '../entities';
import { ApiError, parseInput, rfc3339 } from '../errors';
import { hashPassword, verifyPassword } from '../passwords';
import { EMAIL_TAKEN } from './users';

const LoginBody = z.object({
  // No e-mail format check here: a malformed address simply matches no user (401),
  // which tells an attacker nothing new.
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(1024),
});

const VerifyBody = z.object({ token: z.string().min(1).max(8192) });

const RegisterBody = z.object({
  email: z.email().max(320),
  password: z
    .string()
    .min(8)
    // bcrypt only looks at the first 72 bytes; a longer password would accept any suffix.
    .refine((s) => Buffer.byteLength(s, 'utf8') <= 72, { error: 'must be at most 72 bytes' }),
  name: z.string().trim().min(1).max(200),
});

/**
 * Auth routes (backend-contract.md, "Auth"):
 * - `POST /auth/login` `{email, password}` → 200 `{token, user}`; 401 UNAUTHORIZED.
 * - `POST /auth/register` `{email, password (8..72 bytes), name}` → 201 `{token, user}` with
 *   role `user`; 409 CONFLICT when the e-mail exists; 400 VALIDATION_FAILED.
 * - `POST /auth/verify` `{token}` → 200 `{valid: true, user_id, role, expires_at}` or `{valid: false}`.
 * - `GET /user/profile` (Bearer) → 200 `UserProfile`.
 * E-mails compare case-insensitively (stored lower-cased).
 */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.post('/auth/login', async (request) => {
    const body = parseInput(LoginBody, request.body);
    const { rows } = await requireDb(ctx).query<UserRow>(`select ${USER_COLUMNS} from users where email = $1`, [
      body.email.toLowerCase(),
    ]);
    const user = rows[0];
    // Same message and (thanks to verifyPassword) same time for unknown e-mail and wrong password.
    if (!(await verifyPassword(body.password, user?.password_hash)) || !user) {
      throw new ApiError(401, 'UNAUTHORIZED', 'invalid email or password');
    }
    return { token: await ctx.tokens.sign(user.id, user.role), user: toUserProfile(user) };
  });

  app.post('/auth/register', async (request, reply) => {
    const body = parseInput(RegisterBody, request.body);
    const email = body.email.toLowerCase();
    const db = requireDb(ctx);
    // Checked before hashing to spare the bcrypt time; the insert below re-checks atomically.
    const existing = await db.query('select 1 from users where email = $1', [email]);
    if (existing.rows.length > 0) throw new ApiError(409, 'CONFLICT', EMAIL_TAKEN);
    const hash = await hashPassword(body.password);
    const { rows } = await db.query<UserRow>(
      `insert into users (email, name, role, password_hash) values ($1, $2, 'user', $3)
       on conflict (email) do nothing returning ${USER_COLUMNS}`,
      [email, body.name, hash],
    );
    const user = rows[0];
    if (!user) throw new ApiError(409, 'CONFLICT', EMAIL_TAKEN);
    return reply.code(201).send({ token: await ctx.tokens.sign(user.id, user.role), user: toUserProfile(user) });
  });

  app.post('/auth/verify', async (request) => {
    const body = parseInput(VerifyBody, request.body);
    const claims = await ctx.tokens.verify(body.token);
    if (!claims) return { valid: false };
    // The role and existence come from the database: a token outlives role changes.
    const { rows } = await requireDb(ctx).query<Pick<UserRow, 'id' | 'role'>>(
      'select id, role from users where id::text = $1',
      [claims.userId],
    );
    const user = rows[0];
    if (!user) return { valid: false };
    return { valid: true, user_id: user.id, role: user.role, expires_at: rfc3339(claims.expiresAt) };
  });

  app.get('/user/profile', async (request) => toUserProfile(await authenticate(ctx, request)));
}
