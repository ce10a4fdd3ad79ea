/**
 * The backend client against the real reference backend (the bundled process, on a fresh
 * database of this file's embedded PostgreSQL): every route of the contract.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient } from '../../src/main/client/backend-client';
import { HttpHealthProbe } from '../../src/main/core/health-probe';
import { useEmbeddedPostgres } from '../helpers/embedded-pg';
import { createTestDatabase } from '../helpers/ref-backend-pg';
import { freePort, pollUntil, tempDir } from '../helpers/supervise';

const SERVER = join(import.meta.dirname, '..', '..', 'out', 'reference-backend', 'server.js');
let backend: ChildProcess;
let client: BackendClient;
let baseUrl: string;
const postgres = useEmbeddedPostgres();

beforeAll(async () => {
  const db = await createTestDatabase(postgres().url);
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  backend = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      PORT: String(port),
      DATA_DIR: tempDir(),
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'correct-horse-battery',
      DATABASE_URL: db.url,
    },
    stdio: 'ignore',
  });
  const probe = new HttpHealthProbe();
  await pollUntil(
    async () => (await probe.probe(`${baseUrl}/health/ready`, 1_000)).ok,
    30_000,
    50,
    'the reference backend',
  );
  await probe.close();
  client = new BackendClient({ baseUrl });
});
afterAll(async () => {
  await client?.close();
  if (backend && backend.exitCode === null && backend.signalCode === null) {
    const exited = new Promise((resolve) => backend.once('exit', resolve));
    backend.kill('SIGTERM');
    await exited;
  }
});

describe('backend client ↔ reference backend', () => {
  it('logs in, keeps the session, reads the profile', async () => {
    const user = await client.auth.login('admin@example.com', 'correct-horse-battery', true);
    expect(user).toMatchObject({ email: 'admin@example.com', role: 'admin' });
    expect(await client.auth.current()).toEqual({ user, remembered: true });
    expect(await client.auth.profile()).toMatchObject({ email: 'admin@example.com' });
    expect((await client.auth.verify(client.session.token as string)).valid).toBe(true);
    await expect(new BackendClient({ baseUrl }).auth.login('admin@example.com', 'wrong')).rejects.toMatchObject({
      code: 'BACKEND_UNAUTHORIZED',
    });
  });

  it('lists products and applies the helpers', async () => {
    const products = await client.products.list();
    expect(products.length).toBeGreaterThan(0);
    const first = products[0]!;
    expect(await client.products.findByName(first.name.toUpperCase())).toMatchObject({ id: first.id });
    const ingredient = products.find((p) => p.ingredients.length > 0)!.ingredients[0]!;
    const withIt = await client.products.filterByIngredient(ingredient);
    expect(withIt.length).toBeGreaterThan(0);
    expect(withIt.every((p) => p.ingredients.some((i) => i.toLowerCase().includes(ingredient.toLowerCase())))).toBe(
      true,
    );
  });

  it('registers a user who places an order; the admin moves it through allowed statuses only', async () => {
    const email = `u${Date.now()}@example.com`;
    const customer = new BackendClient({ baseUrl });
    await customer.auth.register(email, 'a-long-password', 'Customer');
    const product = (await customer.products.list()).find((p) => p.available)!;
    const order = await customer.orders.create([{ product_id: product.id, quantity: 2 }], 'no onions');
    expect(order).toMatchObject({ status: 'pending', total: product.price * 2, comment: 'no onions' });
    expect((await customer.orders.recent())[0]?.id).toBe(order.id);
    expect((await customer.orders.list()).map((o) => o.id)).toContain(order.id);
    await expect(customer.admin.stats()).rejects.toMatchObject({ code: 'BACKEND_HTTP', status: 403 });

    const pending = await client.admin.listOrders({ status: 'pending' });
    expect(pending.items.map((o) => o.id)).toContain(order.id);
    expect(pending.total).toBeGreaterThanOrEqual(1);
    const before = await client.admin.stats();
    expect(await client.admin.updateOrderStatus(order.id, 'confirmed')).toMatchObject({ status: 'confirmed' });
    await expect(client.admin.updateOrderStatus(order.id, 'delivered')).rejects.toMatchObject({
      status: 409,
      backendCode: 'CONFLICT',
    });
    await client.admin.updateOrderStatus(order.id, 'cancelled');
    const after = await client.admin.stats();
    expect(after.total_revenue).toBeCloseTo(before.total_revenue - order.total, 2);
    expect(after.orders_by_status.cancelled).toBe((before.orders_by_status.cancelled ?? 0) + 1);
    await customer.close();
  });

  it('administers users', async () => {
    const page = await client.admin.listUsers({ limit: 1 });
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
    const email = `v${Date.now()}@example.com`;
    const other = new BackendClient({ baseUrl });
    const user = await other.auth.register(email, 'a-long-password', 'Victor');
    await other.close();
    expect(await client.admin.updateUser(user.id, { name: 'Victoria', role: 'admin' })).toMatchObject({
      name: 'Victoria',
      role: 'admin',
    });
    await client.admin.deleteUser(user.id);
    expect((await client.admin.listUsers({ limit: 500 })).items.map((u) => u.id)).not.toContain(user.id);
  });

  it('administers ingredients with movements', async () => {
    const created = await client.admin.createIngredient({
      name: `Saffron ${Date.now()}`,
      unit: 'g',
      quantity: 10,
      min_quantity: 5,
    });
    expect(created).toMatchObject({ quantity: 10, low_stock: false });
    const updated = await client.admin.updateIngredient(created.id, { quantity: 4 });
    expect(updated).toMatchObject({ quantity: 4, low_stock: true });
    const movements = await client.admin.ingredientMovements(created.id);
    expect(movements[0]).toMatchObject({ reason: 'adjustment', delta: -6 });
    expect((await client.admin.listIngredients()).map((i) => i.id)).toContain(created.id);
    await client.admin.deleteIngredient(created.id);
    expect((await client.admin.listIngredients()).map((i) => i.id)).not.toContain(created.id);
  });

  it('logs out', async () => {
    await client.auth.logout();
    await expect(client.admin.stats()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
  });
});
