import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';

/** What the page functions use of an element (the Node type-check has no DOM library). */
interface Attributed {
  getAttribute(name: string): string | null;
}

/** The reference backend's admin, as startHeadless sets ADMIN_EMAIL / ADMIN_PASSWORD. */
const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct-horse-battery';

let server: HeadlessServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startHeadless();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
});

/** The count of one status in the Stats chart. */
async function statusCount(status: string): Promise<number> {
  return Number(await page.getByTestId(`stats-count-${status}`).textContent());
}

describe('admin views in Chromium against `serve` and the reference backend', () => {
  it('logs in as the admin after the backend is up', async () => {
    await page.goto(server.url);
    await page.getByTestId('token-input').fill(server.token);
    await page.getByTestId('token-submit').click();
    // The backend (and its seeded database) must be up before logging in to it.
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');

    await page.getByTestId('nav-admin').click();
    await page.getByTestId('login-email').fill(ADMIN_EMAIL);
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect
      .poll(() => page.getByTestId('login-error').textContent(), { timeout: 10_000 })
      .toMatch(/wrong e-mail or password/i);

    await page.getByTestId('login-password').fill(ADMIN_PASSWORD);
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('admin-user').textContent(), { timeout: 10_000 }).toContain(ADMIN_EMAIL);
    await page.getByTestId('stats-chart').waitFor({ timeout: 10_000 });
  });

  it('confirms a pending order in Orders; the list and the Stats counts follow', async () => {
    const pendingBefore = await statusCount('pending');
    const confirmedBefore = await statusCount('confirmed');
    const ordersBefore = Number(await page.getByTestId('stats-total-orders').textContent());
    expect(pendingBefore).toBeGreaterThan(0);

    await page.getByTestId('admin-tab-orders').click();
    const pendingRow = page.locator('[data-testid^="order-row-"][data-status="pending"]').first();
    await pendingRow.waitFor({ timeout: 10_000 });
    const id = (await pendingRow.getAttribute('data-testid'))?.replace('order-row-', '');
    expect(id).toMatch(/^\d+$/);
    expect(await page.getByTestId(`order-status-${id}`).textContent()).toBe('pending');

    await page.getByTestId(`order-status-change-${id}`).click();
    const offered = await page.getByTestId(`order-status-menu-${id}`).getByRole('menuitem').allTextContents();
    expect(offered).toEqual(['confirmed', 'cancelled']);
    await page.getByTestId(`order-status-option-${id}-confirmed`).click();
    await expect
      .poll(() => page.getByTestId(`order-status-${id}`).textContent(), { timeout: 10_000 })
      .toBe('confirmed');

    await page.getByTestId('admin-tab-stats').click();
    await expect.poll(() => statusCount('pending'), { timeout: 10_000 }).toBe(pendingBefore - 1);
    expect(await statusCount('confirmed')).toBe(confirmedBefore + 1);
    expect(Number(await page.getByTestId('stats-total-orders').textContent())).toBe(ordersBefore);
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  });

  it('filters the orders by status through the backend', async () => {
    await page.getByTestId('admin-tab-orders').click();
    await page.locator('[data-testid^="order-row-"]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('orders-status-filter').click();
    await page.getByRole('option', { name: 'delivered', exact: true }).click();
    await expect
      .poll(
        async () => {
          const statuses = await page
            .locator('[data-testid^="order-row-"]')
            .evaluateAll((rows) => rows.map((row) => (row as unknown as Attributed).getAttribute('data-status')));
          return statuses.length > 0 && statuses.every((status) => status === 'delivered');
        },
        { timeout: 10_000 },
      )
      .toBe(true);
  });

  it('places an order through New order; it shows in the Orders list as pending', async () => {
    await page.getByTestId('admin-tab-orders').click();
    await page.locator('[data-testid^="order-row-"]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('order-create').click();
    await page.getByTestId('order-create-modal').waitFor({ timeout: 10_000 });
    await page.getByTestId('order-product').click();
    // The product list's options (the header's language menu has options too).
    await page.getByRole('listbox').getByRole('option').first().click();
    await page.getByTestId('order-quantity').fill('2');
    await page.getByTestId('order-add-item').click();
    await page.locator('[data-testid^="order-line-"]').first().waitFor({ timeout: 10_000 });
    await page.getByTestId('order-comment').fill('e2e: no onions');
    await page.getByTestId('order-submit').click();

    const created = page.getByTestId('order-created');
    await created.waitFor({ timeout: 10_000 });
    const id = await created.getAttribute('data-order-id');
    expect(id).toMatch(/^\d+$/);
    await page.getByTestId('order-create-modal').waitFor({ state: 'detached', timeout: 10_000 });

    // Newest first: the new order is on the first page of the pending orders.
    await page.getByTestId('orders-status-filter').click();
    await page.getByRole('option', { name: 'pending', exact: true }).click();
    const row = page.getByTestId(`order-row-${id}`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await page.getByTestId(`order-status-${id}`).textContent()).toBe('pending');
    expect(await row.textContent()).toContain('e2e: no onions');
  });

  it('shows low stock in Ingredients and logs out', async () => {
    await page.getByTestId('admin-tab-ingredients').click();
    await page.locator('[data-testid^="ingredient-row-"]').first().waitFor({ timeout: 10_000 });
    // The reference backend seeds some ingredients under their minimum.
    expect(await page.locator('[data-low-stock="true"]').count()).toBeGreaterThan(0);

    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
  });
});
