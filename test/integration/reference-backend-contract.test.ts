/**
 * The whole backend contract (shared/design/backend-contract.md) against the reference
 * backend, once on the embedded PostgreSQL the supervisor ships (a throwaway server for this
 * file) and once on the PostgreSQL of `TEST_DATABASE_URL` (CI's PostgreSQL 15 by default),
 * each on a fresh database. Every answer is parsed with the client's zod schemas from src/shared/entities.ts,
 * so the round trip backend → client is checked, not just our own types.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { BackendConfig } from '../../src/reference-backend/config';
import { MIGRATIONS, migrate, openPostgres } from '../../src/reference-backend/db';
import { DEMO_ORDERS, DEMO_USER_EMAIL, SEED_PRODUCTS } from '../../src/reference-backend/seed';
import { startServer, type RunningServer } from '../../src/reference-backend/server';
import {
  IngredientMovementSchema,
  IngredientSchema,
  LoginResponseSchema,
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  OrderSchema,
  ProductSchema,
  StatsSchema,
  UserProfileSchema,
  type Ingredient,
  type Order,
  type OrderStatus,
  type Product,
} from '../../src/shared/entities';
import { useEmbeddedPostgres } from '../helpers/embedded-pg';
import { createTestDatabase, postgresTarget } from '../helpers/ref-backend-pg';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery staple';
const DEMO_PASSWORD = 'demo user password';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ErrorSchema = z.strictObject({
  error: z.string().min(1),
  code: z.enum([
    'BAD_REQUEST',
    'VALIDATION_FAILED',
    'UNAUTHORIZED',
    'FORBIDDEN',
    'NOT_FOUND',
    'CONFLICT',
    'INTERNAL',
    'UNAVAILABLE',
  ]),
  timestamp: z.string().regex(RFC3339),
});
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

/** A started backend for one suite and how to throw it away. */
interface Started {
  server: RunningServer;
  stop(): Promise<void>;
}

async function startOn(databaseUrl: string): Promise<Started> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ref-backend-contract-'));
  const config: BackendConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
    jwtSecret: undefined,
    instanceId: undefined,
    databaseUrl,
    demoUserPassword: DEMO_PASSWORD,
  };
  const errors: string[] = [];
  const server = await startServer(config, { log: () => undefined, logError: (l) => errors.push(l) });
  try {
    await server.ready;
  } catch (err) {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    server,
    stop: async () => {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
      // Unexpected errors (500s) are logged here; none may happen during the suite.
      expect(errors).toEqual([]);
    },
  };
}

/** An HTTP answer with its JSON body (undefined for an empty body). */
interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Money compared to the cent (JSON numbers from decimals). */
function cents(n: number): number {
  return Math.round(n * 100);
}

/** Quantities compared to the thousandth (numeric(14, 3)). */
function milli(n: number): number {
  return Math.round(n * 1000);
}

/** The contract suite, parametrised by where the database lives. */
function contractSuite(label: string, open: () => Promise<Started>): void {
  describe(`reference backend contract (${label})`, () => {
    let started: Started | undefined;
    let base = '';
    let adminToken = '';
    let adminId = '';
    let demoToken = '';
    let demoId = '';
    let products: Product[] = [];

    beforeAll(async () => {
      started = await open();
      base = started.server.url;
      const admin = LoginResponseSchema.parse(
        (await call('POST', '/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } })).body,
      );
      adminToken = admin.token;
      adminId = admin.user.id;
      const demo = LoginResponseSchema.parse(
        (await call('POST', '/auth/login', { body: { email: DEMO_USER_EMAIL, password: DEMO_PASSWORD } })).body,
      );
      demoToken = demo.token;
      demoId = demo.user.id;
      products = z.array(ProductSchema).parse((await call('GET', '/products')).body);
    }, 60_000);

    afterAll(async () => {
      await started?.stop();
    });

    async function call(
      method: string,
      p: string,
      opts: { token?: string; body?: unknown; raw?: string } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = {};
      if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`;
      const payload = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${base}${p}`, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
    }

    /** Expects `status` with the contract's error body carrying `code`; returns the message. */
    function expectError(answer: Answer, status: number, code: string): string {
      expect({ status: answer.status, body: answer.body }).toMatchObject({ status, body: { code } });
      return ErrorSchema.parse(answer.body).error;
    }

    function totalCount(answer: Answer): number {
      const header = answer.headers.get('x-total-count');
      expect(header).toMatch(/^\d+$/);
      return Number(header);
    }

    function productId(name: string): number {
      const p = products.find((x) => x.name === name);
      if (!p) throw new Error(`no product ${name}`);
      return p.id;
    }

    async function register(name = 'Test User'): Promise<{ token: string; id: string; email: string }> {
      const email = `user-${Math.random().toString(36).slice(2)}@example.com`;
      const res = await call('POST', '/auth/register', { body: { email, password: 'password123', name } });
      expect(res.status).toBe(201);
      const login = LoginResponseSchema.parse(res.body);
      return { token: login.token, id: login.user.id, email };
    }

    async function placeOrder(token: string, items: [string, number][], extra: object = {}): Promise<Order> {
      const res = await call('POST', '/orders', {
        token,
        body: { items: items.map(([n, quantity]) => ({ product_id: productId(n), quantity })), ...extra },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return OrderSchema.parse(res.body);
    }

    async function setStatus(id: number, status: OrderStatus): Promise<Answer> {
      return call('PUT', `/admin/orders/${id}`, { token: adminToken, body: { status } });
    }

    async function ingredients(): Promise<Ingredient[]> {
      const res = await call('GET', '/admin/ingredients', { token: adminToken });
      expect(res.status).toBe(200);
      return z.array(IngredientSchema).parse(res.body);
    }

    async function ingredient(name: string): Promise<Ingredient> {
      const found = (await ingredients()).find((i) => i.name === name);
      if (!found) throw new Error(`no ingredient ${name}`);
      return found;
    }

    async function movements(id: number) {
      const res = await call('GET', `/admin/ingredients/${id}/movements`, { token: adminToken });
      expect(res.status).toBe(200);
      return z.array(IngredientMovementSchema).parse(res.body);
    }

    async function stats() {
      const res = await call('GET', '/admin/stats', { token: adminToken });
      expect(res.status).toBe(200);
      return StatsSchema.parse(res.body);
    }

    describe('auth', () => {
      it('POST /auth/register answers 201 with a user token that works', async () => {
        const res = await call('POST', '/auth/register', {
          body: { email: 'New.Person@Example.com', password: 'password123', name: '  New Person ' },
        });
        expect(res.status).toBe(201);
        const login = LoginResponseSchema.parse(res.body);
        expect(login.user).toMatchObject({ email: 'new.person@example.com', name: 'New Person', role: 'user' });
        expect(login.user.created_at).toMatch(RFC3339);
        const profile = await call('GET', '/user/profile', { token: login.token });
        expect(UserProfileSchema.parse(profile.body)).toEqual(login.user);
        const again = await call('POST', '/auth/login', {
          body: { email: 'new.person@example.com', password: 'password123' },
        });
        expect(again.status).toBe(200);
      });

      it('POST /auth/register answers 409 CONFLICT for a taken e-mail (any case)', async () => {
        const res = await call('POST', '/auth/register', {
          body: { email: 'ADMIN@example.com', password: 'password123', name: 'Impostor' },
        });
        expectError(res, 409, 'CONFLICT');
      });

      it.each([
        ['a bad e-mail', { email: 'not-an-email', password: 'password123', name: 'X' }, 'email'],
        ['a short password', { email: 'short@example.com', password: 'short', name: 'X' }, 'password'],
        ['no name', { email: 'noname@example.com', password: 'password123' }, 'name'],
        ['a blank name', { email: 'blank@example.com', password: 'password123', name: '   ' }, 'name'],
      ])('POST /auth/register with %s answers 400 VALIDATION_FAILED', async (_what, body, field) => {
        const message = expectError(await call('POST', '/auth/register', { body }), 400, 'VALIDATION_FAILED');
        expect(message).toContain(field);
      });
    });

    describe('roles', () => {
      const adminRoutes: [string, string][] = [
        ['GET', '/admin/users'],
        ['PUT', `/admin/users/${UNKNOWN_UUID}`],
        ['DELETE', `/admin/users/${UNKNOWN_UUID}`],
        ['GET', '/admin/orders'],
        ['PUT', '/admin/orders/1'],
        ['GET', '/admin/stats'],
        ['GET', '/admin/ingredients'],
        ['POST', '/admin/ingredients'],
        ['PUT', '/admin/ingredients/1'],
        ['DELETE', '/admin/ingredients/1'],
        ['GET', '/admin/ingredients/1/movements'],
      ];

      it.each(adminRoutes)('%s %s answers 401 without a token and 403 for a user', async (method, p) => {
        const body = method === 'PUT' || method === 'POST' ? {} : undefined;
        expectError(await call(method, p, { body }), 401, 'UNAUTHORIZED');
        expectError(await call(method, p, { body, token: 'not.a.token' }), 401, 'UNAUTHORIZED');
        expectError(await call(method, p, { body, token: demoToken }), 403, 'FORBIDDEN');
      });

      it.each([
        ['GET', '/orders'],
        ['GET', '/orders/recent'],
        ['POST', '/orders'],
      ])('%s %s answers 401 without a token', async (method, p) => {
        expectError(
          await call(method, p, { body: method === 'POST' ? { items: [] } : undefined }),
          401,
          'UNAUTHORIZED',
        );
      });
    });

    describe('seed', () => {
      it('has demo orders of the demo user in several statuses, all in the past', async () => {
        const res = await call('GET', '/orders', { token: demoToken });
        const orders = z.array(OrderSchema).parse(res.body);
        expect(orders.length).toBeGreaterThanOrEqual(DEMO_ORDERS.length);
        const seeded = orders.filter((o) => Date.parse(o.created_at) < Date.now() - 5 * 60_000);
        expect(seeded).toHaveLength(DEMO_ORDERS.length);
        expect(new Set(seeded.map((o) => o.status))).toEqual(new Set(DEMO_ORDERS.map((o) => o.status)));
        for (const o of seeded) {
          expect(o.user_id).toBe(demoId);
          const sum = o.items.reduce((s, i) => s + cents(i.price) * i.quantity, 0);
          expect(cents(o.total)).toBe(sum);
        }
      });

      it('every product on the menu, as seeded', () => {
        expect(products.map((p) => p.name)).toEqual(SEED_PRODUCTS.map((p) => p.name));
      });
    });

    describe('admin users', () => {
      it('GET /admin/users lists profiles with X-Total-Count, paged', async () => {
        const res = await call('GET', '/admin/users', { token: adminToken });
        expect(res.status).toBe(200);
        const users = z.array(UserProfileSchema).parse(res.body);
        expect(totalCount(res)).toBe(users.length);
        expect(users.map((u) => u.email)).toEqual(expect.arrayContaining([ADMIN_EMAIL, DEMO_USER_EMAIL]));
        for (const u of users) expect(u).not.toHaveProperty('password_hash');

        const page = await call('GET', '/admin/users?limit=1&offset=1', { token: adminToken });
        expect(
          z
            .array(UserProfileSchema)
            .parse(page.body)
            .map((u) => u.id),
        ).toEqual([users[1]?.id]);
        expect(totalCount(page)).toBe(users.length);
      });

      it('PUT /admin/users/{id} changes name, e-mail and role partially', async () => {
        const u = await register('Before');
        const renamed = await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: { name: 'After' } });
        expect(renamed.status).toBe(200);
        expect(UserProfileSchema.parse(renamed.body)).toMatchObject({ id: u.id, name: 'After', email: u.email });

        const newEmail = `Moved-${Math.random().toString(36).slice(2)}@Example.com`;
        const moved = await call('PUT', `/admin/users/${u.id}`, {
          token: adminToken,
          body: { email: newEmail, role: 'admin' },
        });
        expect(UserProfileSchema.parse(moved.body)).toMatchObject({
          name: 'After',
          email: newEmail.toLowerCase(),
          role: 'admin',
        });
        // The role comes from the database: the old token is an admin's now.
        expect((await call('GET', '/admin/stats', { token: u.token })).status).toBe(200);
        const back = await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: { role: 'user' } });
        expect(UserProfileSchema.parse(back.body).role).toBe('user');
      });

      it('PUT /admin/users/{id} answers 409 for a taken e-mail, 400 for bad input, 404 for unknown ids', async () => {
        const u = await register();
        expectError(
          await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: { email: DEMO_USER_EMAIL } }),
          409,
          'CONFLICT',
        );
        expectError(
          await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: {} }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: { password: 'x' } }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/users/${u.id}`, { token: adminToken, body: { role: 'owner' } }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/users/${UNKNOWN_UUID}`, { token: adminToken, body: { name: 'X' } }),
          404,
          'NOT_FOUND',
        );
        expectError(await call('PUT', '/admin/users/42', { token: adminToken, body: { name: 'X' } }), 404, 'NOT_FOUND');
      });

      it('PUT /admin/users/{id} refuses to demote the last admin (409)', async () => {
        const message = expectError(
          await call('PUT', `/admin/users/${adminId}`, { token: adminToken, body: { role: 'user' } }),
          409,
          'CONFLICT',
        );
        expect(message).toContain('last admin');
      });

      it('DELETE /admin/users/{id} answers 204, then the user is gone', async () => {
        const u = await register();
        const res = await call('DELETE', `/admin/users/${u.id}`, { token: adminToken });
        expect(res.status).toBe(204);
        expect(res.body).toBeUndefined();
        expectError(await call('GET', '/user/profile', { token: u.token }), 401, 'UNAUTHORIZED');
        expectError(
          await call('POST', '/auth/login', { body: { email: u.email, password: 'password123' } }),
          401,
          'UNAUTHORIZED',
        );
        expectError(await call('DELETE', `/admin/users/${u.id}`, { token: adminToken }), 404, 'NOT_FOUND');
      });

      it('DELETE /admin/users/{id} answers 409 for a user with orders and for oneself', async () => {
        const withOrders = expectError(
          await call('DELETE', `/admin/users/${demoId}`, { token: adminToken }),
          409,
          'CONFLICT',
        );
        expect(withOrders).toMatch(/orders/);
        const self = expectError(
          await call('DELETE', `/admin/users/${adminId}`, { token: adminToken }),
          409,
          'CONFLICT',
        );
        expect(self).toMatch(/own account/);
        expect((await call('GET', '/user/profile', { token: demoToken })).status).toBe(200);
      });
    });

    describe('orders', () => {
      it('POST /orders computes the total from product prices, ignoring a client total', async () => {
        const u = await register();
        const order = await placeOrder(
          u.token,
          [
            ['Margherita', 2],
            ['Lemonade', 1],
          ],
          { total: 0.01, status: 'delivered', comment: '  extra napkins ' },
        );
        expect(order).toMatchObject({ user_id: u.id, status: 'pending', total: 28.5, comment: 'extra napkins' });
        expect(order.items).toEqual([
          { product_id: productId('Margherita'), name: 'Margherita', quantity: 2, price: 12.5 },
          { product_id: productId('Lemonade'), name: 'Lemonade', quantity: 1, price: 3.5 },
        ]);
        expect(order.created_at).toMatch(RFC3339);
        expect(order.updated_at).toMatch(RFC3339);
        const noComment = await placeOrder(u.token, [['Borscht', 1]]);
        expect(noComment.comment ?? null).toBeNull();
      });

      it('POST /orders consumes ingredients and records order movements', async () => {
        const before = new Map((await ingredients()).map((i) => [i.name, i]));
        const u = await register();
        const order = await placeOrder(u.token, [
          ['Margherita', 2],
          ['Lemonade', 1],
        ]);
        const after = new Map((await ingredients()).map((i) => [i.name, i]));
        const used = (name: string) => milli(before.get(name)!.quantity) - milli(after.get(name)!.quantity);
        expect(used('mozzarella')).toBe(250);
        expect(used('tomato sauce')).toBe(160);
        expect(used('basil')).toBe(10_000);
        expect(used('lemon')).toBe(1000);
        expect(used('ribeye')).toBe(0);

        const mozzarella = after.get('mozzarella')!;
        const [latest] = await movements(mozzarella.id);
        expect(latest).toMatchObject({
          ingredient_id: mozzarella.id,
          reason: 'order',
          order_id: order.id,
          delta: -0.25,
        });
      });

      it('POST /orders takes only what is in stock, never below 0, and still accepts the order', async () => {
        const ribeye = await ingredient('ribeye');
        const set = await call('PUT', `/admin/ingredients/${ribeye.id}`, {
          token: adminToken,
          body: { quantity: 0.5 },
        });
        expect(set.status).toBe(200);
        const u = await register();
        const order = await placeOrder(u.token, [['Ribeye Steak', 2]]);
        expect(order.total).toBe(51);
        const after = await ingredient('ribeye');
        expect(after.quantity).toBe(0);
        expect(after.low_stock).toBe(true);
        const [latest] = await movements(ribeye.id);
        expect(latest).toMatchObject({ reason: 'order', order_id: order.id, delta: -0.5 });

        // Out of stock entirely: accepted, no zero movement.
        const again = await placeOrder(u.token, [['Ribeye Steak', 1]]);
        const [still] = await movements(ribeye.id);
        expect(still?.order_id).toBe(order.id);
        expect(again.status).toBe('pending');
        await call('PUT', `/admin/ingredients/${ribeye.id}`, { token: adminToken, body: { quantity: 2 } });
      });

      it('POST /orders answers 400 for unknown or unavailable products and bad items', async () => {
        const u = await register();
        const unknown = expectError(
          await call('POST', '/orders', { token: u.token, body: { items: [{ product_id: 999_999, quantity: 1 }] } }),
          400,
          'BAD_REQUEST',
        );
        expect(unknown).toContain('999999');
        const soup = productId('Wild Mushroom Soup');
        expect(products.find((p) => p.id === soup)?.available).toBe(false);
        expectError(
          await call('POST', '/orders', { token: u.token, body: { items: [{ product_id: soup, quantity: 1 }] } }),
          400,
          'BAD_REQUEST',
        );
        for (const body of [
          { items: [] },
          { items: [{ product_id: productId('Borscht'), quantity: 0 }] },
          { items: [{ product_id: productId('Borscht'), quantity: 1.5 }] },
          { items: [{ product_id: 'x', quantity: 1 }] },
          {},
        ]) {
          expectError(await call('POST', '/orders', { token: u.token, body }), 400, 'VALIDATION_FAILED');
        }
        // Nothing was created by the refused requests.
        expect((await call('GET', '/orders', { token: u.token })).body).toEqual([]);
      });

      it('GET /orders gives a user their own orders and an admin all, with X-Total-Count', async () => {
        const a = await register();
        const b = await register();
        const mine = await placeOrder(a.token, [['Borscht', 1]]);
        await placeOrder(b.token, [['Lemonade', 3]]);
        const res = await call('GET', '/orders', { token: a.token });
        expect(
          z
            .array(OrderSchema)
            .parse(res.body)
            .map((o) => o.id),
        ).toEqual([mine.id]);
        expect(totalCount(res)).toBe(1);

        const all = await call('GET', '/orders', { token: adminToken });
        const orders = z.array(OrderSchema).parse(all.body);
        expect(totalCount(all)).toBe(orders.length);
        expect(new Set(orders.map((o) => o.user_id)).size).toBeGreaterThanOrEqual(3);
        const page = await call('GET', '/orders?limit=2&offset=1', { token: adminToken });
        expect(
          z
            .array(OrderSchema)
            .parse(page.body)
            .map((o) => o.id),
        ).toEqual(orders.slice(1, 3).map((o) => o.id));
        expect(totalCount(page)).toBe(orders.length);
      });

      it('GET /orders/recent gives the caller’s last 10, newest first', async () => {
        const u = await register();
        const placed: number[] = [];
        for (let i = 0; i < 12; i++) placed.push((await placeOrder(u.token, [['Lemonade', 1]])).id);
        const res = await call('GET', '/orders/recent', { token: u.token });
        expect(res.status).toBe(200);
        const recent = z.array(OrderSchema).parse(res.body);
        expect(recent.map((o) => o.id)).toEqual(placed.slice(-10).reverse());

        // The admin's recent orders are the admin's own, not everyone's.
        const adminRecent = z
          .array(OrderSchema)
          .parse((await call('GET', '/orders/recent', { token: adminToken })).body);
        for (const o of adminRecent) expect(o.user_id).toBe(adminId);
      });
    });

    describe('admin orders', () => {
      it('GET /admin/orders filters by status, pages, and sends X-Total-Count', async () => {
        const all = await call('GET', '/admin/orders', { token: adminToken });
        const orders = z.array(OrderSchema).parse(all.body);
        expect(totalCount(all)).toBe(orders.length);
        const s = await stats();
        expect(orders.length).toBe(s.total_orders);

        for (const status of ORDER_STATUSES) {
          const res = await call('GET', `/admin/orders?status=${status}`, { token: adminToken });
          const filtered = z.array(OrderSchema).parse(res.body);
          expect(filtered.every((o) => o.status === status)).toBe(true);
          expect(totalCount(res)).toBe(s.orders_by_status[status]);
          expect(filtered.length).toBe(orders.filter((o) => o.status === status).length);
        }

        const page = await call('GET', '/admin/orders?status=delivered&limit=1&offset=1', { token: adminToken });
        expect(z.array(OrderSchema).parse(page.body)).toHaveLength(1);
        expect(totalCount(page)).toBe(s.orders_by_status.delivered);

        // Newest first.
        const times = orders.map((o) => Date.parse(o.created_at));
        expect(times).toEqual([...times].sort((x, y) => y - x));

        expectError(await call('GET', '/admin/orders?status=lost', { token: adminToken }), 400, 'VALIDATION_FAILED');
        expectError(await call('GET', '/admin/orders?limit=0', { token: adminToken }), 400, 'VALIDATION_FAILED');
      });

      it('PUT /admin/orders/{id} walks the normal path and refuses skips and moves back (409)', async () => {
        const u = await register();
        const order = await placeOrder(u.token, [['Borscht', 1]]);
        const confirmed = await setStatus(order.id, 'confirmed');
        expect(confirmed.status).toBe(200);
        expect(OrderSchema.parse(confirmed.body)).toMatchObject({ id: order.id, status: 'confirmed', total: 7.5 });

        const skip = expectError(await setStatus(order.id, 'delivered'), 409, 'CONFLICT');
        expect(skip).toContain('preparing');
        for (const next of ['preparing', 'ready', 'delivered'] as const) {
          expect((await setStatus(order.id, next)).status).toBe(200);
        }
        expectError(await setStatus(order.id, 'cancelled'), 409, 'CONFLICT');
        expectError(await setStatus(order.id, 'pending'), 409, 'CONFLICT');
        const [final] = z.array(OrderSchema).parse((await call('GET', '/orders', { token: u.token })).body);
        expect(final?.status).toBe('delivered');
        expect(Date.parse(final!.updated_at)).toBeGreaterThan(Date.parse(final!.created_at) - 1000);
      });

      it('PUT /admin/orders/{id} allows exactly the transitions of the shared ORDER_TRANSITIONS', async () => {
        const u = await register();
        const main: OrderStatus[] = ['pending', 'confirmed', 'preparing', 'ready', 'delivered'];
        for (const from of ORDER_STATUSES) {
          for (const to of ORDER_STATUSES) {
            const order = await placeOrder(u.token, [['Lemonade', 1]]);
            const walk = from === 'cancelled' ? ['cancelled' as const] : main.slice(1, main.indexOf(from) + 1);
            for (const step of walk) expect((await setStatus(order.id, step)).status).toBe(200);
            const res = await setStatus(order.id, to);
            const allowed = ORDER_TRANSITIONS[from].includes(to);
            expect({ from, to, status: res.status }).toEqual({ from, to, status: allowed ? 200 : 409 });
            if (allowed) expect(OrderSchema.parse(res.body).status).toBe(to);
            else expectError(res, 409, 'CONFLICT');
          }
        }
      });

      it('PUT /admin/orders/{id} answers 404 for unknown orders and 400 for a bad status', async () => {
        expectError(await setStatus(999_999, 'confirmed'), 404, 'NOT_FOUND');
        expectError(
          await call('PUT', '/admin/orders/abc', { token: adminToken, body: { status: 'confirmed' } }),
          404,
          'NOT_FOUND',
        );
        expectError(
          await call('PUT', '/admin/orders/99999999999', { token: adminToken, body: { status: 'confirmed' } }),
          404,
          'NOT_FOUND',
        );
        const u = await register();
        const order = await placeOrder(u.token, [['Lemonade', 1]]);
        expectError(
          await call('PUT', `/admin/orders/${order.id}`, { token: adminToken, body: { status: 'eaten' } }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/orders/${order.id}`, { token: adminToken, body: {} }),
          400,
          'VALIDATION_FAILED',
        );
      });

      it('cancelling a pending or confirmed order puts its ingredients back; from preparing it does not', async () => {
        const u = await register();
        const egg = await ingredient('egg yolk');
        const first = await placeOrder(u.token, [['Crème Brûlée', 2]]);
        expect(milli((await ingredient('egg yolk')).quantity)).toBe(milli(egg.quantity) - 6000);
        expect((await setStatus(first.id, 'confirmed')).status).toBe(200);
        expect((await setStatus(first.id, 'cancelled')).status).toBe(200);
        expect((await ingredient('egg yolk')).quantity).toBe(egg.quantity);
        const [back, taken] = await movements(egg.id);
        expect(back).toMatchObject({ reason: 'order', order_id: first.id, delta: 6 });
        expect(taken).toMatchObject({ reason: 'order', order_id: first.id, delta: -6 });

        const second = await placeOrder(u.token, [['Crème Brûlée', 1]]);
        for (const s of ['confirmed', 'preparing', 'cancelled'] as const) {
          expect((await setStatus(second.id, s)).status).toBe(200);
        }
        expect(milli((await ingredient('egg yolk')).quantity)).toBe(milli(egg.quantity) - 3000);
        const [latest] = await movements(egg.id);
        expect(latest).toMatchObject({ order_id: second.id, delta: -3 });
      });
    });

    describe('stats', () => {
      it('GET /admin/stats counts users, orders and revenue without cancelled orders', async () => {
        const before = await stats();
        expect(Object.keys(before.orders_by_status).sort()).toEqual([...ORDER_STATUSES].sort());
        const users = await call('GET', '/admin/users', { token: adminToken });
        expect(before.total_users).toBe(totalCount(users));
        expect(Object.values(before.orders_by_status).reduce((a, b) => a + b, 0)).toBe(before.total_orders);
        const all = z.array(OrderSchema).parse((await call('GET', '/admin/orders', { token: adminToken })).body);
        const revenue = all.filter((o) => o.status !== 'cancelled').reduce((s, o) => s + cents(o.total), 0);
        expect(cents(before.total_revenue)).toBe(revenue);

        const u = await register();
        const order = await placeOrder(u.token, [['Ribeye Steak', 1]]);
        const placed = await stats();
        expect(placed.total_users).toBe(before.total_users + 1);
        expect(placed.total_orders).toBe(before.total_orders + 1);
        expect(placed.orders_by_status.pending).toBe(before.orders_by_status.pending! + 1);
        expect(cents(placed.total_revenue)).toBe(cents(before.total_revenue) + 2550);

        await setStatus(order.id, 'cancelled');
        const cancelled = await stats();
        expect(cancelled.total_orders).toBe(before.total_orders + 1);
        expect(cancelled.orders_by_status.cancelled).toBe(before.orders_by_status.cancelled! + 1);
        expect(cancelled.orders_by_status.pending).toBe(before.orders_by_status.pending);
        expect(cents(cancelled.total_revenue)).toBe(cents(before.total_revenue));
      });
    });

    describe('ingredients', () => {
      it('POST /admin/ingredients creates one (201) with a purchase movement; 409 for a taken name', async () => {
        const res = await call('POST', '/admin/ingredients', {
          token: adminToken,
          body: { name: 'Saffron', unit: 'g', quantity: 12.5, min_quantity: 2 },
        });
        expect(res.status).toBe(201);
        const saffron = IngredientSchema.parse(res.body);
        expect(saffron).toMatchObject({
          name: 'Saffron',
          unit: 'g',
          quantity: 12.5,
          min_quantity: 2,
          low_stock: false,
        });
        expect(saffron.updated_at).toMatch(RFC3339);
        expect(await movements(saffron.id)).toEqual([
          expect.objectContaining({ ingredient_id: saffron.id, delta: 12.5, reason: 'purchase' }),
        ]);
        expectError(
          await call('POST', '/admin/ingredients', {
            token: adminToken,
            body: { name: 'SAFFRON', unit: 'g', quantity: 0, min_quantity: 0 },
          }),
          409,
          'CONFLICT',
        );
        const empty = IngredientSchema.parse(
          (
            await call('POST', '/admin/ingredients', {
              token: adminToken,
              body: { name: 'Truffle', unit: 'g', quantity: 0, min_quantity: 0 },
            })
          ).body,
        );
        expect(empty.low_stock).toBe(true);
        expect(await movements(empty.id)).toEqual([]);
      });

      it.each([
        ['an unknown unit', { name: 'A', unit: 'cups', quantity: 1, min_quantity: 0 }],
        ['a negative quantity', { name: 'B', unit: 'g', quantity: -1, min_quantity: 0 }],
        ['a missing min_quantity', { name: 'C', unit: 'g', quantity: 1 }],
        ['a quantity as a string', { name: 'D', unit: 'g', quantity: '1', min_quantity: 0 }],
        ['an empty name', { name: ' ', unit: 'g', quantity: 1, min_quantity: 0 }],
      ])('POST /admin/ingredients with %s answers 400 VALIDATION_FAILED', async (_what, body) => {
        expectError(await call('POST', '/admin/ingredients', { token: adminToken, body }), 400, 'VALIDATION_FAILED');
      });

      it('PUT /admin/ingredients/{id} updates partially; a quantity change is an adjustment movement', async () => {
        const created = IngredientSchema.parse(
          (
            await call('POST', '/admin/ingredients', {
              token: adminToken,
              body: { name: 'Pistachio', unit: 'kg', quantity: 3, min_quantity: 1 },
            })
          ).body,
        );
        const down = await call('PUT', `/admin/ingredients/${created.id}`, {
          token: adminToken,
          body: { quantity: 0.75 },
        });
        expect(down.status).toBe(200);
        expect(IngredientSchema.parse(down.body)).toMatchObject({ quantity: 0.75, min_quantity: 1, low_stock: true });
        const renamed = await call('PUT', `/admin/ingredients/${created.id}`, {
          token: adminToken,
          body: { name: 'Pistachios', unit: 'g', min_quantity: 0.5 },
        });
        expect(IngredientSchema.parse(renamed.body)).toMatchObject({
          name: 'Pistachios',
          unit: 'g',
          quantity: 0.75,
          min_quantity: 0.5,
          low_stock: false,
        });
        // Same quantity again: no movement.
        await call('PUT', `/admin/ingredients/${created.id}`, { token: adminToken, body: { quantity: 0.75 } });
        const up = await call('PUT', `/admin/ingredients/${created.id}`, { token: adminToken, body: { quantity: 5 } });
        expect(IngredientSchema.parse(up.body).quantity).toBe(5);

        const history = await movements(created.id);
        expect(history.map((m) => [m.reason, m.delta])).toEqual([
          ['adjustment', 4.25],
          ['adjustment', -2.25],
          ['purchase', 3],
        ]);
        for (const m of history) expect(m.order_id ?? null).toBeNull();
        // Newest first: by time, then by id.
        const keys = history.map((m) => [Date.parse(m.created_at), m.id] as const);
        const sorted = [...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]);
        expect(keys).toEqual(sorted);
      });

      it('PUT /admin/ingredients/{id} answers 400, 404 and 409 where due', async () => {
        const [first, second] = await ingredients();
        expectError(
          await call('PUT', `/admin/ingredients/${first!.id}`, { token: adminToken, body: { name: second!.name } }),
          409,
          'CONFLICT',
        );
        expectError(
          await call('PUT', `/admin/ingredients/${first!.id}`, { token: adminToken, body: {} }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/ingredients/${first!.id}`, { token: adminToken, body: { reason: 'waste' } }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', `/admin/ingredients/${first!.id}`, { token: adminToken, body: { quantity: -2 } }),
          400,
          'VALIDATION_FAILED',
        );
        expectError(
          await call('PUT', '/admin/ingredients/999999', { token: adminToken, body: { quantity: 1 } }),
          404,
          'NOT_FOUND',
        );
      });

      it('GET /admin/ingredients pages with X-Total-Count; low_stock is quantity <= min_quantity', async () => {
        const all = await ingredients();
        for (const i of all) expect(i.low_stock).toBe(milli(i.quantity) <= milli(i.min_quantity));
        expect(all.some((i) => i.low_stock)).toBe(true);
        const page = await call('GET', '/admin/ingredients?limit=2&offset=1', { token: adminToken });
        expect(
          z
            .array(IngredientSchema)
            .parse(page.body)
            .map((i) => i.id),
        ).toEqual(all.slice(1, 3).map((i) => i.id));
        expect(totalCount(page)).toBe(all.length);
      });

      it('GET /admin/ingredients/{id}/movements pages newest first with X-Total-Count', async () => {
        const mozzarella = await ingredient('mozzarella');
        const history = await movements(mozzarella.id);
        expect(history.length).toBeGreaterThan(2);
        expect(history.at(-1)?.reason).toBe('purchase');
        const page = await call('GET', `/admin/ingredients/${mozzarella.id}/movements?limit=2&offset=1`, {
          token: adminToken,
        });
        expect(
          z
            .array(IngredientMovementSchema)
            .parse(page.body)
            .map((m) => m.id),
        ).toEqual(history.slice(1, 3).map((m) => m.id));
        expect(totalCount(page)).toBe(history.length);
      });

      it('the movements of every ingredient add up to its quantity', async () => {
        for (const i of await ingredients()) {
          const sum = (await movements(i.id)).reduce((s, m) => s + milli(m.delta), 0);
          expect({ name: i.name, sum }).toEqual({ name: i.name, sum: milli(i.quantity) });
        }
      });

      it('DELETE /admin/ingredients/{id} answers 204, then 404 everywhere', async () => {
        const created = IngredientSchema.parse(
          (
            await call('POST', '/admin/ingredients', {
              token: adminToken,
              body: { name: 'Vanishing Cream', unit: 'ml', quantity: 100, min_quantity: 10 },
            })
          ).body,
        );
        const res = await call('DELETE', `/admin/ingredients/${created.id}`, { token: adminToken });
        expect(res.status).toBe(204);
        expect(res.body).toBeUndefined();
        expect((await ingredients()).map((i) => i.id)).not.toContain(created.id);
        expectError(await call('DELETE', `/admin/ingredients/${created.id}`, { token: adminToken }), 404, 'NOT_FOUND');
        expectError(
          await call('GET', `/admin/ingredients/${created.id}/movements`, { token: adminToken }),
          404,
          'NOT_FOUND',
        );
        expectError(
          await call('PUT', `/admin/ingredients/${created.id}`, { token: adminToken, body: { quantity: 1 } }),
          404,
          'NOT_FOUND',
        );
        expectError(await call('GET', '/admin/ingredients/x/movements', { token: adminToken }), 404, 'NOT_FOUND');
      });

      it('a deleted ingredient is no longer consumed by orders', async () => {
        const basil = await ingredient('basil');
        expect((await call('DELETE', `/admin/ingredients/${basil.id}`, { token: adminToken })).status).toBe(204);
        const u = await register();
        const order = await placeOrder(u.token, [['Margherita', 1]]);
        expect(order.total).toBe(12.5);
      });
    });
  });
}

const embedded = useEmbeddedPostgres();

/** Where the suites run: an admin URL (a role that may CREATE DATABASE) per PostgreSQL. */
const TARGETS: { label: string; adminUrl: () => string }[] = [
  { label: 'embedded PostgreSQL', adminUrl: () => embedded().url },
  { label: 'PostgreSQL of TEST_DATABASE_URL', adminUrl: () => postgresTarget().url },
];

let dropAfter: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of dropAfter) await drop();
  dropAfter = [];
});

/** A fresh database on the target's server, dropped after the file. */
async function freshDatabase(adminUrl: string): Promise<string> {
  const db = await createTestDatabase(adminUrl);
  dropAfter.push(db.drop);
  return db.url;
}

for (const { label, adminUrl } of TARGETS) {
  contractSuite(label, async () => startOn(await freshDatabase(adminUrl())));

  describe(`reference backend on ${label}: concurrent starts`, () => {
    it('two migrations at once apply each step exactly once', async () => {
      const url = await freshDatabase(adminUrl());
      const noise = () => undefined;
      const [a, b] = await Promise.all([openPostgres(url, noise), openPostgres(url, noise)]);
      try {
        const [appliedA, appliedB] = await Promise.all([migrate(a), migrate(b)]);
        expect([...appliedA, ...appliedB].sort()).toEqual(MIGRATIONS.map((m) => m.version).sort());
        const { rows } = await a.query<{ version: number }>('select version from schema_migrations order by version');
        expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('two backends starting at once on a new database seed it once', async () => {
      const url = await freshDatabase(adminUrl());
      const results = await Promise.allSettled([startOn(url), startOn(url)]);
      const running = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) {
        await Promise.all(running.map((r) => r.stop()));
        throw failed.reason;
      }
      const [one, two] = running as [Started, Started];
      try {
        const res = await fetch(`${one.server.url}/products`);
        expect(z.array(ProductSchema).parse(await res.json())).toHaveLength(SEED_PRODUCTS.length);
        const db = await openPostgres(url, () => undefined);
        try {
          const users = await db.query<{ n: number }>('select count(*)::int as n from users');
          expect(users.rows[0]?.n).toBe(2);
          const orders = await db.query<{ n: number }>('select count(*)::int as n from orders');
          expect(orders.rows[0]?.n).toBe(DEMO_ORDERS.length);
        } finally {
          await db.close();
        }
        expect((await fetch(`${two.server.url}/health`)).status).toBe(200);
      } finally {
        await Promise.all([one.stop(), two.stop()]);
      }
    });
  });
}
