/**
 * The Russian dashboard in Chromium against `serve` (issue 14 part 3): a browser whose locale is
 * ru-RU gets the Status page in Russian (state, uptime, the restart count's plural forms), the
 * header's switch turns it to English and back, and the choice outlives a reload (localStorage,
 * over the browser's locale). Set SCREENSHOT_DIR to keep a screenshot (dashboard-ru.png).
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort } from '../helpers/supervise';

let browser: Browser;
let context: BrowserContext;
let server: HeadlessServer;

beforeAll(async () => {
  browser = await launchChromium();
  const backendPort = await freePort();
  server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
  });
  context = await browser.newContext({ locale: 'ru-RU', viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  if (server) expect(await server.stop()).toBe(0);
});

const text = (page: Page, id: string): Promise<string | null> => page.getByTestId(id).first().textContent();

/** Logs in with the token when the dialog asks (the first visit; the token is kept after). */
async function open(page: Page): Promise<void> {
  await page.goto(server.url);
  const gate = page.getByTestId('token-input');
  const badge = page.getByTestId('state-badge');
  await gate.or(badge).first().waitFor({ timeout: 30_000 });
  if (await gate.isVisible()) {
    await gate.fill(server.token);
    await page.getByTestId('token-submit').click();
  }
  await badge.waitFor({ timeout: 30_000 });
}

/** The restart count and its words, read at once (they change together). */
async function restarts(page: Page): Promise<[string | null, string | null]> {
  // A string: this file is type-checked without the DOM's types.
  return page.evaluate(
    `['restart-count', 'restart-total'].map((id) => document.querySelector('[data-testid="' + id + '"]')?.textContent ?? null)`,
  );
}

describe('the dashboard in Russian (Chromium, locale ru-RU)', () => {
  it('shows the Status page in Russian, switches to English and back, and remembers the choice', async () => {
    const page = await context.newPage();
    await open(page);

    // The browser's language decides on the first visit.
    expect(await page.evaluate('navigator.language')).toBe('ru-RU');
    expect(await page.locator('html').getAttribute('lang')).toBe('ru');
    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('работает');
    expect(await page.getByTestId('state-badge').getAttribute('data-state')).toBe('running');
    expect(await text(page, 'nav-status')).toBe('Состояние');
    expect(await page.getByTestId('language-switch').inputValue()).toBe('ru');
    // Uptime in Russian units (`5 с`, `1 мин 05 с`) and the process in words.
    await expect.poll(() => text(page, 'uptime'), { timeout: 10_000 }).toMatch(/^(\d+ мин \d{2} с|\d+ с)$/);
    const pid = await text(page, 'pid');
    expect(await text(page, 'uptime-detail')).toBe(`процесс ${pid}`);
    expect(await text(page, 'health')).toBe('здоров');
    expect(await restarts(page)).toEqual(['0', '0 перезапусков']);

    // Russian's plural forms of the restart count: 1 перезапуск, 2 перезапуска.
    await page.getByTestId('btn-restart').click();
    await expect.poll(() => restarts(page), { timeout: 30_000 }).toEqual(['1', '1 перезапуск']);
    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('работает');
    await page.getByTestId('btn-restart').click();
    await expect.poll(() => restarts(page), { timeout: 30_000 }).toEqual(['2', '2 перезапуска']);
    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('работает');
    // The restart's answer is back (the button no longer spins), then its label reads in Russian.
    await page.locator('[data-testid="btn-restart"]:not([data-loading])').waitFor({ timeout: 30_000 });
    expect(await text(page, 'btn-restart')).toBe('Перезапустить');
    if (process.env.SCREENSHOT_DIR) {
      // For the picture only: the charts once they have samples (the history samples every 10 s).
      await page.locator('[data-testid="chart-latency"][data-state="ready"]').waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'dashboard-ru.png'), fullPage: true });
    }

    // To English: the same figures in English, at once (no reload).
    await page.getByTestId('language-switch').selectOption('en');
    await expect.poll(() => text(page, 'state-badge'), { timeout: 10_000 }).toBe('running');
    expect(await text(page, 'nav-status')).toBe('Status');
    expect(await restarts(page)).toEqual(['2', '2 restarts']);
    await expect.poll(() => text(page, 'uptime'), { timeout: 10_000 }).toMatch(/^(\d+m \d{2}s|\d+s)$/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');

    // Remembered over the browser's ru-RU on a reload.
    await open(page);
    expect(await text(page, 'state-badge')).toBe('running');
    expect(await page.getByTestId('language-switch').inputValue()).toBe('en');

    // And back to Russian, remembered too.
    await page.getByTestId('language-switch').selectOption('ru');
    await expect.poll(() => text(page, 'state-badge'), { timeout: 10_000 }).toBe('работает');
    expect(await restarts(page)).toEqual(['2', '2 перезапуска']);
    await open(page);
    expect(await text(page, 'state-badge')).toBe('работает');
    expect(await text(page, 'nav-logs')).toBe('Журналы');
    await page.close();
  });
});
