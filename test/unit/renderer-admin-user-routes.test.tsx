// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import type { Order, Product, UserProfile } from '../../src/shared/entities';
import { DetailedApiError } from '../../src/renderer/src/api';
import { AdminPage } from '../../src/renderer/src/pages/admin-page';

const ADMIN: UserProfile = {
  id: '1',
  email: 'admin@example.com',
  name: 'Administrator',
  role: 'admin',
  created_at: '2026-01-01T09:00:00Z',
};
const NEWCOMER: UserProfile = {
  id: '9',
  email: 'new@example.com',
  name: 'New Person',
  role: 'user',
  created_at: '2026-02-01T09:00:00Z',
};

const PRODUCTS: Product[] = [
  {
    id: 1,
    name: 'Margherita',
    description: '',
    price: 12.5,
    category: 'pizza',
    ingredients: ['mozzarella'],
    available: true,
  },
  { id: 2, name: 'Caprese', description: '', price: 8, category: 'salads', ingredients: [], available: false },
  { id: 3, name: 'Lemonade', description: '', price: 3, category: 'drinks', ingredients: [], available: true },
];

function order(id: number, userId: string, extra: Partial<Order> = {}): Order {
  return {
    id,
    user_id: userId,
    status: 'pending',
    total: 12.5,
    items: [{ product_id: 1, name: 'Margherita', quantity: 1, price: 12.5 }],
    comment: null,
    created_at: '2026-01-05T10:00:00Z',
    updated_at: '2026-01-05T10:00:00Z',
    ...extra,
  };
}

/** A fake SupervisorApi (the pattern of renderer-admin.test.tsx): canned answers per channel, and a log of every call. */
class FakeApi extends FakeSupervisorApi {
  orders: Order[] = [order(1, '2'), order(2, '1', { status: 'delivered' })];

  constructor(user: UserProfile | null = ADMIN) {
    super();
    this.answers['auth:session'] = async () => ({ user, remembered: false });
    this.answers['admin:stats'] = async () => ({
      total_users: 2,
      total_orders: this.orders.length,
      total_revenue: 0,
      orders_by_status: {},
    });
    this.answers['admin:listUsers'] = async () => ({ items: [ADMIN], total: 1 });
    this.answers['admin:listOrders'] = async () => ({ items: [...this.orders], total: this.orders.length });
    this.answers['orders:mine'] = async () => [...this.orders];
    this.answers['admin:listIngredients'] = async () => [];
    this.answers['products:list'] = async () => PRODUCTS;
  }
}

function renderAdmin(api: FakeApi, hash = '#/admin/stats') {
  window.location.hash = hash;
  // env="test": no transitions and no portals, so menus and modals render in place at once.
  return renderWithApi(api, <AdminPage />, { env: 'test' });
}

/** Picks `label` in a Mantine Select found by its test id. */
async function pick(testId: string, label: RegExp) {
  fireEvent.click(screen.getByTestId(testId));
  fireEvent.click(await screen.findByRole('option', { name: label }));
}

beforeEach(() => {
  window.location.hash = '';
});
afterEach(cleanup);

describe('Admin: create an account', () => {
  it('"Create an account" shows the name field and submits auth:register; the new user is logged in', async () => {
    const api = new FakeApi(null);
    api.answers['auth:register'] = async () => ({ user: NEWCOMER });
    renderAdmin(api);
    await screen.findByTestId('login-form');
    expect(screen.queryByTestId('register-name')).toBeNull();

    fireEvent.click(screen.getByTestId('login-register-toggle'));
    fireEvent.change(screen.getByTestId('register-name'), { target: { value: '  New Person ' } });
    fireEvent.change(screen.getByTestId('login-email'), { target: { value: 'new@example.com' } });
    fireEvent.change(screen.getByTestId('login-password'), { target: { value: 'short' } });
    // Too short for the backend: not sent.
    expect((screen.getByTestId('register-submit') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('login-password'), { target: { value: 'long-enough-pw' } });
    fireEvent.click(screen.getByTestId('register-submit'));

    await waitFor(() => expect(screen.getByTestId('admin-user').textContent).toContain('new@example.com'));
    expect(api.argsOf('auth:register')).toEqual([
      { email: 'new@example.com', password: 'long-enough-pw', name: 'New Person' },
    ]);
    expect(api.count('auth:login')).toBe(0);
    // A new account is a plain user.
    expect(screen.getByTestId('admin-not-admin')).toBeTruthy();
  });

  it('tells a 409 as "An account with this e-mail exists"', async () => {
    const api = new FakeApi(null);
    api.answers['auth:register'] = async () => {
      throw new DetailedApiError({
        code: 'BACKEND_HTTP',
        message: 'email already registered',
        status: 409,
        backend_code: 'CONFLICT',
      });
    };
    renderAdmin(api);
    fireEvent.click(await screen.findByTestId('login-register-toggle'));
    fireEvent.change(screen.getByTestId('register-name'), { target: { value: 'Admin Again' } });
    fireEvent.change(screen.getByTestId('login-email'), { target: { value: 'admin@example.com' } });
    fireEvent.change(screen.getByTestId('login-password'), { target: { value: 'long-enough-pw' } });
    fireEvent.click(screen.getByTestId('register-submit'));
    const error = await screen.findByTestId('login-error');
    expect(error.textContent).toBe('An account with this e-mail exists');
    expect(screen.getByTestId('login-form')).toBeTruthy();
  });
});

describe('Admin: profile', () => {
  it('opens the profile with the session check and my recent orders', async () => {
    const api = new FakeApi();
    api.answers['auth:profile'] = async () => ADMIN;
    api.answers['auth:verify'] = async () => ({
      valid: true,
      user_id: '1',
      role: 'admin',
      expires_at: '2026-03-01T12:00:00Z',
    });
    api.answers['orders:recent'] = async () => [order(2, '1', { status: 'delivered' })];
    renderAdmin(api);
    fireEvent.click(await screen.findByTestId('profile-open'));
    const modal = await screen.findByTestId('profile-modal');
    await waitFor(() => expect(within(modal).getByTestId('profile-user').textContent).toContain('admin@example.com'));
    await waitFor(() =>
      expect(within(modal).getByTestId('profile-session').textContent).toMatch(/^Session valid until /),
    );
    await waitFor(() => expect(within(modal).getByTestId('my-recent-order-2').textContent).toContain('delivered'));
    expect(api.count('auth:verify')).toBe(1);
  });
});

describe('Admin: orders', () => {
  it('New order submits the items and the comment, then refetches the orders', async () => {
    const api = new FakeApi();
    api.answers['orders:create'] = async (input) => {
      const created = order(3, '1', {
        items: input.items.map((item) => ({ ...item, name: `product ${item.product_id}`, price: 1 })),
        comment: input.comment ?? null,
      });
      api.orders = [created, ...api.orders];
      return created;
    };
    renderAdmin(api, '#/admin/orders');
    await screen.findByTestId('order-row-1');
    const listsBefore = api.count('admin:listOrders');

    fireEvent.click(screen.getByTestId('order-create'));
    await screen.findByTestId('order-create-modal');
    expect((screen.getByTestId('order-submit') as HTMLButtonElement).disabled).toBe(true);
    // Only available products are offered.
    fireEvent.click(screen.getByTestId('order-product'));
    expect(await screen.findByRole('option', { name: /Margherita/ })).toBeTruthy();
    expect(screen.queryByRole('option', { name: /Caprese/ })).toBeNull();
    fireEvent.click(screen.getByRole('option', { name: /Margherita/ }));
    fireEvent.change(screen.getByTestId('order-quantity'), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('order-add-item'));
    await pick('order-product', /Lemonade/);
    fireEvent.click(screen.getByTestId('order-add-item'));
    await screen.findByTestId('order-line-3');
    fireEvent.change(screen.getByTestId('order-comment'), { target: { value: ' no onions ' } });
    fireEvent.click(screen.getByTestId('order-submit'));

    await waitFor(() => expect(screen.getByTestId('order-created').textContent).toContain('#3'));
    expect(api.argsOf('orders:create')).toEqual([
      {
        items: [
          { product_id: 1, quantity: 2 },
          { product_id: 3, quantity: 1 },
        ],
        comment: 'no onions',
      },
    ]);
    expect(screen.queryByTestId('order-create-modal')).toBeNull();
    await screen.findByTestId('order-row-3');
    expect(api.count('admin:listOrders')).toBeGreaterThan(listsBefore);
  });

  it('"Mine only" lists orders:mine (the logged-in user\'s orders)', async () => {
    const api = new FakeApi();
    renderAdmin(api, '#/admin/orders');
    await screen.findByTestId('order-row-1');
    expect(api.count('orders:mine')).toBe(0);
    fireEvent.click(screen.getByTestId('orders-mine'));
    await screen.findByTestId('order-row-2');
    await waitFor(() => expect(screen.queryByTestId('order-row-1')).toBeNull());
    expect(api.count('orders:mine')).toBe(1);
  });
});
