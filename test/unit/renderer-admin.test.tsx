// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';
import { ApiError } from '../../src/shared/contract';
import {
  ORDER_STATUSES,
  ORDER_TRANSITIONS,
  type Ingredient,
  type IngredientMovement,
  type Order,
  type Product,
  type Stats,
  type UserProfile,
} from '../../src/shared/entities';
import { DetailedApiError, errorDetails } from '../../src/renderer/src/api';
import { unwrapEnvelope } from '../../src/renderer/src/api/envelope';
import { ingredientNames } from '../../src/renderer/src/components/admin/products-view';
import { AdminPage } from '../../src/renderer/src/pages/admin-page';

const ADMIN: UserProfile = {
  id: '1',
  email: 'admin@example.com',
  name: 'Administrator',
  role: 'admin',
  created_at: '2026-01-01T09:00:00Z',
};
const CUSTOMER: UserProfile = {
  id: '2',
  email: 'user@example.com',
  name: 'Demo User',
  role: 'user',
  created_at: '2026-01-02T09:00:00Z',
};

/** One order per status; order `i + 1` has status `ORDER_STATUSES[i]`. */
function ordersOfEveryStatus(): Order[] {
  return ORDER_STATUSES.map((status, index) => ({
    id: index + 1,
    user_id: '2',
    status,
    total: 12.5 * (index + 1),
    items: [{ product_id: 1, name: 'Margherita', quantity: index + 1, price: 12.5 }],
    comment: null,
    created_at: `2026-01-0${index + 1}T10:00:00Z`,
    updated_at: `2026-01-0${index + 1}T10:00:00Z`,
  }));
}

const STATS: Stats = {
  total_users: 2,
  total_orders: 6,
  total_revenue: 1234.5,
  orders_by_status: { pending: 1, confirmed: 1, preparing: 1, ready: 1, delivered: 1, cancelled: 1 },
};

const INGREDIENTS: Ingredient[] = [
  {
    id: 1,
    name: 'mozzarella',
    unit: 'kg',
    quantity: 5,
    min_quantity: 1,
    low_stock: false,
    updated_at: '2026-01-01T10:00:00Z',
  },
  {
    id: 2,
    name: 'ribeye',
    unit: 'kg',
    quantity: 2,
    min_quantity: 3,
    low_stock: true,
    updated_at: '2026-01-01T10:00:00Z',
  },
];

const MOVEMENTS: IngredientMovement[] = [
  { id: 1, ingredient_id: 2, delta: 5, reason: 'purchase', order_id: null, created_at: '2026-01-01T08:00:00Z' },
  { id: 3, ingredient_id: 2, delta: -1, reason: 'adjustment', order_id: null, created_at: '2026-01-03T08:00:00Z' },
  { id: 2, ingredient_id: 2, delta: -2, reason: 'order', order_id: 7, created_at: '2026-01-02T08:00:00Z' },
];

const PRODUCTS: Product[] = [
  {
    id: 1,
    name: 'Margherita',
    description: '',
    price: 12.5,
    category: 'pizza',
    ingredients: ['tomato sauce', 'mozzarella', 'Basil'],
    available: true,
  },
  {
    id: 2,
    name: 'Caprese',
    description: '',
    price: 8,
    category: 'salads',
    ingredients: ['tomato', 'Mozzarella', 'basil'],
    available: false,
  },
];

/** A fake SupervisorApi: canned answers per channel, and a log of every call. */
class FakeApi extends FakeSupervisorApi {
  constructor(user: UserProfile | null = ADMIN) {
    super();
    this.answers['auth:session'] = async () => ({ user, remembered: false });
    this.answers['admin:stats'] = async () => STATS;
    this.answers['admin:listUsers'] = async () => ({ items: [ADMIN, CUSTOMER], total: 2 });
    this.answers['admin:listOrders'] = async () => ({ items: ordersOfEveryStatus(), total: 6 });
    this.answers['admin:listIngredients'] = async () => INGREDIENTS;
    this.answers['admin:ingredientMovements'] = async () => MOVEMENTS;
    this.answers['products:list'] = async () => PRODUCTS;
  }
}

function backendError(code: string, message: string, extra: { status?: number; backend_code?: string } = {}) {
  return new DetailedApiError({ code, message, ...extra });
}

function renderAdmin(api: FakeApi, hash = '#/admin/stats') {
  window.location.hash = hash;
  // env="test": no transitions and no portals, so menus and modals render in place at once.
  return renderWithApi(api, <AdminPage />, { env: 'test' });
}

beforeEach(() => {
  window.location.hash = '';
});
afterEach(cleanup);

describe('Admin: login', () => {
  it('shows the login form without a session and BACKEND_UNAUTHORIZED as "wrong e-mail or password"', async () => {
    const api = new FakeApi(null);
    api.answers['auth:login'] = async () => {
      throw backendError('BACKEND_UNAUTHORIZED', 'HTTP 401 from POST /auth/login', { status: 401 });
    };
    renderAdmin(api);
    fireEvent.change(await screen.findByTestId('login-email'), { target: { value: 'admin@example.com' } });
    fireEvent.change(screen.getByTestId('login-password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByTestId('login-remember'));
    fireEvent.click(screen.getByTestId('login-submit'));
    const error = await screen.findByTestId('login-error');
    expect(error.textContent).toMatch(/wrong e-mail or password/i);
    expect(api.calls.find((call) => call.channel === 'auth:login')?.args).toEqual([
      { email: 'admin@example.com', password: 'nope', remember: true },
    ]);
    // Still the form: no admin view, no admin call.
    expect(screen.queryByTestId('admin-tab-stats')).toBeNull();
    expect(api.count('admin:stats')).toBe(0);
  });

  it('after login shows the user, the tabs and a Log out button that brings the form back', async () => {
    const api = new FakeApi(null);
    api.answers['auth:login'] = async () => ({ user: ADMIN });
    api.answers['auth:logout'] = async () => null;
    renderAdmin(api);
    fireEvent.change(await screen.findByTestId('login-email'), { target: { value: 'admin@example.com' } });
    fireEvent.change(screen.getByTestId('login-password'), { target: { value: 'correct-horse-battery' } });
    fireEvent.click(screen.getByTestId('login-submit'));
    expect((await screen.findByTestId('admin-user')).textContent).toContain('admin@example.com');
    expect(await screen.findByTestId('stats-total-orders')).toHaveProperty('textContent', '6');
    fireEvent.click(screen.getByTestId('logout'));
    expect(await screen.findByTestId('login-form')).toBeTruthy();
    expect(api.count('auth:logout')).toBe(1);
  });

  it('SESSION_EXPIRED from any admin call brings the login form back with "Session expired, log in again"', async () => {
    const api = new FakeApi(ADMIN);
    api.answers['admin:stats'] = async () => {
      throw backendError('SESSION_EXPIRED', 'session expired: log in again', { status: 401 });
    };
    renderAdmin(api);
    expect(await screen.findByTestId('login-form')).toBeTruthy();
    expect(screen.getByTestId('login-error').textContent).toBe('Session expired, log in again');
    expect(screen.queryByTestId('admin-tab-stats')).toBeNull();
  });

  it('NOT_LOGGED_IN brings the login form back without the expiry notice', async () => {
    const api = new FakeApi(ADMIN);
    api.answers['admin:listIngredients'] = async () => {
      throw backendError('NOT_LOGGED_IN', 'not logged in to the backend');
    };
    renderAdmin(api, '#/admin/ingredients');
    expect(await screen.findByTestId('login-form')).toBeTruthy();
    expect(screen.queryByTestId('login-error')).toBeNull();
  });

  it('tells a non-admin user that the account is not an administrator', async () => {
    const api = new FakeApi(CUSTOMER);
    renderAdmin(api);
    expect((await screen.findByTestId('admin-not-admin')).textContent).toContain(
      'This account is not an administrator',
    );
    expect(screen.getByTestId('logout')).toBeTruthy();
    expect(api.count('admin:stats')).toBe(0);
  });
});

describe('Admin: orders', () => {
  it('offers only the transitions ORDER_TRANSITIONS allows, none for delivered and cancelled', async () => {
    renderAdmin(new FakeApi(), '#/admin/orders');
    await screen.findByTestId('order-row-1');
    for (const [index, status] of ORDER_STATUSES.entries()) {
      const id = index + 1;
      expect(screen.getByTestId(`order-status-${id}`).textContent).toBe(status);
      const control = screen.getByTestId(`order-status-change-${id}`);
      if (ORDER_TRANSITIONS[status].length === 0) {
        expect(control).toHaveProperty('disabled', true);
        continue;
      }
      fireEvent.click(control);
      const menu = await screen.findByTestId(`order-status-menu-${id}`);
      const offered = within(menu)
        .getAllByRole('menuitem')
        .map((item) => item.getAttribute('data-status'));
      expect(offered).toEqual([...ORDER_TRANSITIONS[status]]);
      // Close it again (Escape) before the next row.
      fireEvent.keyDown(menu, { key: 'Escape' });
      await waitFor(() => expect(screen.queryByTestId(`order-status-menu-${id}`)).toBeNull());
    }
  });

  it('a status change calls admin:updateOrderStatus and refetches orders and stats', async () => {
    const api = new FakeApi();
    let orders = ordersOfEveryStatus();
    api.answers['admin:listOrders'] = async () => ({ items: orders, total: orders.length });
    api.answers['admin:updateOrderStatus'] = async (id, status) => {
      orders = orders.map((order) => (order.id === id ? { ...order, status } : order));
      return orders.find((order) => order.id === id) as Order;
    };
    renderAdmin(api, '#/admin/orders');
    fireEvent.click(await screen.findByTestId('order-status-change-1'));
    const ordersBefore = api.count('admin:listOrders');
    const statsBefore = api.count('admin:stats');
    fireEvent.click(await screen.findByTestId('order-status-option-1-confirmed'));
    await waitFor(() => expect(screen.getByTestId('order-status-1').textContent).toBe('confirmed'));
    expect(api.calls.find((call) => call.channel === 'admin:updateOrderStatus')?.args).toEqual([1, 'confirmed']);
    expect(api.count('admin:listOrders')).toBeGreaterThan(ordersBefore);
    // Stats are not on screen: their cache is invalidated, so opening the tab fetches anew.
    fireEvent.click(screen.getByTestId('admin-tab-stats'));
    await screen.findByTestId('stats-chart');
    await waitFor(() => expect(api.count('admin:stats')).toBeGreaterThan(statsBefore));
  });

  it('shows a 409 on a status change as a conflict', async () => {
    const api = new FakeApi();
    api.answers['admin:updateOrderStatus'] = async () => {
      throw backendError('BACKEND_HTTP', 'PUT /admin/orders/1: 409 not allowed', {
        status: 409,
        backend_code: 'CONFLICT',
      });
    };
    renderAdmin(api, '#/admin/orders');
    fireEvent.click(await screen.findByTestId('order-status-change-1'));
    fireEvent.click(await screen.findByTestId('order-status-option-1-confirmed'));
    const error = await screen.findByTestId('order-status-error');
    expect(error.textContent).toContain('409 CONFLICT');
    expect(error.textContent).toContain('does not allow this status change');
  });

  it('filters by status through the backend and shows the backend total', async () => {
    const api = new FakeApi();
    api.answers['admin:listOrders'] = async (options) => {
      const all = ordersOfEveryStatus();
      const items = options?.status ? all.filter((order) => order.status === options.status) : all;
      return { items, total: options?.status ? items.length : 26 };
    };
    renderAdmin(api, '#/admin/orders');
    expect((await screen.findByTestId('orders-table-range')).textContent).toContain('of 26');
    expect(screen.getByTestId('orders-table-pagination')).toBeTruthy();
    const orderCalls = api.calls.filter((call) => call.channel === 'admin:listOrders');
    expect(orderCalls[0]?.args).toEqual([{ limit: 10, offset: 0 }]);
  });
});

describe('Admin: stats', () => {
  it('shows totals, money and one bar per status with its count', async () => {
    renderAdmin(new FakeApi());
    expect(await screen.findByTestId('stats-total-users')).toHaveProperty('textContent', '2');
    expect(screen.getByTestId('stats-total-revenue').textContent).toMatch(/1.?234\.50/);
    for (const status of ORDER_STATUSES) {
      expect(screen.getByTestId(`stats-status-${status}`).textContent).toContain('1');
    }
  });

  it('says the backend is down and points at the Status page', async () => {
    const api = new FakeApi();
    api.answers['admin:stats'] = async () => {
      throw backendError('BACKEND_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:3000');
    };
    renderAdmin(api);
    const alert = await screen.findByTestId('admin-error');
    expect(alert.textContent).toContain('The backend is down');
    expect(alert.textContent).toContain('ECONNREFUSED');
    expect(screen.getByTestId('admin-error-status-link').getAttribute('href')).toBe('#/status');
  });
});

describe('Admin: ingredients', () => {
  it('highlights low stock with data-low-stock and a red badge', async () => {
    renderAdmin(new FakeApi(), '#/admin/ingredients');
    const low = await screen.findByTestId('ingredient-row-2');
    expect(low.getAttribute('data-low-stock')).toBe('true');
    expect(within(low).getByTestId('ingredient-low-2').textContent).toBe('low stock');
    const ok = screen.getByTestId('ingredient-row-1');
    expect(ok.getAttribute('data-low-stock')).toBe('false');
    expect(within(ok).queryByTestId('ingredient-low-1')).toBeNull();
    expect(screen.getByTestId('ingredients-low-count').textContent).toContain('1 low on stock');
  });

  it('shows the movements newest first with reason badges', async () => {
    renderAdmin(new FakeApi(), '#/admin/ingredients');
    fireEvent.click(await screen.findByTestId('ingredient-movements-2'));
    await waitFor(() => expect(screen.getAllByTestId('movement-row')).toHaveLength(3));
    const reasons = screen.getAllByTestId('movement-reason').map((badge) => badge.textContent);
    expect(reasons).toEqual(['adjustment', 'order', 'purchase']);
  });

  it('an edit sends only the changed fields and refetches the list', async () => {
    const api = new FakeApi();
    api.answers['admin:updateIngredient'] = async (id, patch) => ({
      ...(INGREDIENTS.find((i) => i.id === id) as Ingredient),
      ...patch,
    });
    renderAdmin(api, '#/admin/ingredients');
    fireEvent.click(await screen.findByTestId('ingredient-edit-2'));
    const quantity = await screen.findByTestId('ingredient-quantity');
    fireEvent.change(quantity, { target: { value: '7' } });
    const before = api.count('admin:listIngredients');
    await act(async () => {
      fireEvent.click(screen.getByTestId('ingredient-save'));
    });
    await waitFor(() =>
      expect(api.calls.find((call) => call.channel === 'admin:updateIngredient')?.args).toEqual([2, { quantity: 7 }]),
    );
    await waitFor(() => expect(api.count('admin:listIngredients')).toBeGreaterThan(before));
  });
});

describe('Admin: users and products', () => {
  it('shows a 409 on deleting a user who has orders', async () => {
    const api = new FakeApi();
    api.answers['admin:deleteUser'] = async () => {
      throw backendError('BACKEND_HTTP', 'DELETE /admin/users/2: 409', { status: 409, backend_code: 'CONFLICT' });
    };
    renderAdmin(api, '#/admin/users');
    // One cannot delete oneself.
    expect(await screen.findByTestId('user-delete-1')).toHaveProperty('disabled', true);
    fireEvent.click(screen.getByTestId('user-delete-2'));
    fireEvent.click(await screen.findByTestId('user-delete-confirm'));
    expect((await screen.findByTestId('confirm-error')).textContent).toContain('This user has orders');
  });

  it('lists every ingredient name found in products once', () => {
    expect(ingredientNames(PRODUCTS)).toEqual(['Basil', 'mozzarella', 'tomato', 'tomato sauce']);
  });
});

describe('DetailedApiError', () => {
  it('keeps status, backend_code and field of an error envelope', () => {
    let thrown: unknown;
    try {
      unwrapEnvelope('admin:stats', {
        ok: false,
        error: { code: 'BACKEND_HTTP', message: 'conflict', status: 409, backend_code: 'CONFLICT', field: 'x' },
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ApiError);
    expect(thrown).toMatchObject({ name: 'ApiError', code: 'BACKEND_HTTP' });
    expect(errorDetails(thrown)).toEqual({
      code: 'BACKEND_HTTP',
      message: 'conflict',
      status: 409,
      backendCode: 'CONFLICT',
      field: 'x',
    });
  });
});
