import { describe, expect, it, vi } from 'vitest';
import { BackendClient } from '../../src/main/client/backend-client';
import { HttpError } from '../../src/main/client/errors';
import { createRpcHandlers, dispatchRpc, type RpcDeps } from '../../src/main/core/rpc';
import { channels } from '../../src/shared/contract';
import type { Order, UserProfile } from '../../src/shared/entities';

const USER: UserProfile = {
  id: '7',
  email: 'new@example.com',
  name: 'New User',
  role: 'user',
  created_at: '2026-01-01T09:00:00Z',
};
const ORDER: Order = {
  id: 42,
  user_id: '7',
  status: 'pending',
  total: 25,
  items: [{ product_id: 1, name: 'Margherita', quantity: 2, price: 12.5 }],
  comment: null,
  created_at: '2026-01-01T10:00:00Z',
  updated_at: '2026-01-01T10:00:00Z',
};

/** Handlers over a stub client whose user-route methods record their calls. */
function stubbed() {
  const client = {
    auth: {
      register: vi.fn(async () => USER),
      verifyCurrent: vi.fn(async () => ({
        valid: true,
        user_id: '7',
        role: 'user',
        expires_at: '2026-01-02T09:00:00Z',
      })),
      profile: vi.fn(async () => USER),
    },
    orders: {
      list: vi.fn(async () => [ORDER]),
      recent: vi.fn(async () => [ORDER]),
      create: vi.fn(async () => ORDER),
    },
  };
  const handlers = createRpcHandlers({ client: async () => client } as unknown as RpcDeps);
  return { client, handlers };
}

const NEW_CHANNELS = ['auth:register', 'auth:verify', 'auth:profile', 'orders:mine', 'orders:recent', 'orders:create'];

describe('user routes in the contract', () => {
  it('are channels', () => {
    expect(Object.keys(channels)).toEqual(expect.arrayContaining(NEW_CHANNELS));
  });
});

describe('dispatchRpc refuses bad arguments of the user routes before the handler runs', () => {
  const good = { email: 'new@example.com', password: 'long-enough', name: 'New User' };
  it.each([
    ['auth:register', [{ ...good, password: 'short' }], 'password'],
    ['auth:register', [{ ...good, password: 'x'.repeat(1025) }], 'password'],
    ['auth:register', [{ ...good, name: '' }], 'name'],
    ['auth:register', [{ ...good, name: 'n'.repeat(201) }], 'name'],
    ['auth:register', [{ ...good, role: 'admin' }], 'role'],
    ['auth:register', [{ email: 'a@b.c', password: 'long-enough' }], 'name'],
    ['orders:create', [{ items: [] }], 'items'],
    ['orders:create', [{ items: [{ product_id: 0, quantity: 1 }] }], 'items.0.product_id'],
    ['orders:create', [{ items: [{ product_id: 1.5, quantity: 1 }] }], 'items.0.product_id'],
    ['orders:create', [{ items: [{ product_id: 1, quantity: 0 }] }], 'items.0.quantity'],
    ['orders:create', [{ items: [{ product_id: 1, quantity: 1001 }] }], 'items.0.quantity'],
    ['orders:create', [{ items: [{ product_id: 1, quantity: 1, price: 0 }] }], 'items.0'],
    ['orders:create', [{ items: Array.from({ length: 101 }, () => ({ product_id: 1, quantity: 1 })) }], 'items'],
    ['orders:create', [{ items: [{ product_id: 1, quantity: 1 }], comment: 'c'.repeat(501) }], 'comment'],
    ['orders:create', [{ items: [{ product_id: 1, quantity: 1 }], total: 0 }], 'total'],
  ] as const)('%s %j → BAD_ARGUMENTS (%s)', async (channel, args, field) => {
    const { client, handlers } = stubbed();
    const res = await dispatchRpc(handlers, channel, args, 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS', field } });
    expect(client.auth.register).not.toHaveBeenCalled();
    expect(client.orders.create).not.toHaveBeenCalled();
  });

  it.each(['auth:verify', 'auth:profile', 'orders:mine', 'orders:recent'])('%s takes no arguments', async (channel) => {
    const { handlers } = stubbed();
    const res = await dispatchRpc(handlers, channel, [{ token: 'someone-else' }], 'user-ui');
    expect(res).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
  });
});

describe('user-route handlers call the client', () => {
  it('auth:register registers and answers the user', async () => {
    const { client, handlers } = stubbed();
    const res = await dispatchRpc(
      handlers,
      'auth:register',
      [{ email: 'new@example.com', password: 'long-enough', name: '  New User ' }],
      'user-ui',
    );
    expect(res).toEqual({ ok: true, data: { user: USER } });
    expect(client.auth.register).toHaveBeenCalledWith('new@example.com', 'long-enough', 'New User');
  });

  it('auth:register passes a 409 of the backend on with its status', async () => {
    const { client, handlers } = stubbed();
    client.auth.register.mockRejectedValueOnce(new HttpError(409, 'email already registered', 'CONFLICT'));
    const res = await dispatchRpc(
      handlers,
      'auth:register',
      [{ email: 'new@example.com', password: 'long-enough', name: 'New' }],
      'user-ui',
    );
    expect(res).toEqual({
      ok: false,
      error: { code: 'BACKEND_HTTP', message: 'email already registered', status: 409, backend_code: 'CONFLICT' },
    });
  });

  it('auth:verify, auth:profile, orders:mine and orders:recent answer what the client answers', async () => {
    const { client, handlers } = stubbed();
    expect(await dispatchRpc(handlers, 'auth:verify', [], 'user-ui')).toMatchObject({
      ok: true,
      data: { valid: true, expires_at: '2026-01-02T09:00:00Z' },
    });
    expect(await dispatchRpc(handlers, 'auth:profile', [], 'user-ui')).toEqual({ ok: true, data: USER });
    expect(await dispatchRpc(handlers, 'orders:mine', [], 'user-ui')).toEqual({ ok: true, data: [ORDER] });
    expect(await dispatchRpc(handlers, 'orders:recent', [], 'user-ui')).toEqual({ ok: true, data: [ORDER] });
    expect(client.auth.verifyCurrent).toHaveBeenCalledTimes(1);
    expect(client.auth.profile).toHaveBeenCalledTimes(1);
    expect(client.orders.list).toHaveBeenCalledTimes(1);
    expect(client.orders.recent).toHaveBeenCalledTimes(1);
  });

  it('orders:create passes the items and the comment', async () => {
    const { client, handlers } = stubbed();
    const items = [
      { product_id: 1, quantity: 2 },
      { product_id: 3, quantity: 1 },
    ];
    expect(await dispatchRpc(handlers, 'orders:create', [{ items, comment: 'no onions' }], 'user-ui')).toEqual({
      ok: true,
      data: ORDER,
    });
    expect(client.orders.create).toHaveBeenCalledWith(items, 'no onions');
    await dispatchRpc(handlers, 'orders:create', [{ items }], 'user-ui');
    expect(client.orders.create).toHaveBeenLastCalledWith(items, undefined);
  });
});

describe('auth:verify with the real client', () => {
  it('answers NOT_LOGGED_IN without a session, without a request', async () => {
    // Port 1: nothing listens; the call must fail before any request.
    const client = new BackendClient({ baseUrl: 'http://127.0.0.1:1', maxAttempts: 1 });
    try {
      const handlers = createRpcHandlers({ client: async () => client } as unknown as RpcDeps);
      expect(await dispatchRpc(handlers, 'auth:verify', [], 'user-ui')).toMatchObject({
        ok: false,
        error: { code: 'NOT_LOGGED_IN' },
      });
    } finally {
      await client.close();
    }
  });
});
