/**
 * The Services page in Chromium against `serve` with a stack file (README "Several
 * services"): a row per service, live; stopping the dependency takes its dependent to
 * `waiting`, starting it again brings the dependent back. And the default stack (README
 * "Embedded PostgreSQL"). Set SCREENSHOT_DIR to keep screenshots of the page (services.png,
 * services-default.png).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort, tempDir } from '../helpers/supervise';

let browser: Browser;
const servers: HeadlessServer[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) expect(await server.stop()).toBe(0);
});

/** A stack file (JSON is YAML) of two fault backends: `backend` (primary) needs `db` healthy. */
async function twoServiceStack(): Promise<string> {
  const dir = tempDir('bsup-e2e-stack-');
  const service = (port: number) => ({
    command: [process.execPath, FAULT_BACKEND],
    environment: { PORT: String(port) },
    health: { http: `http://127.0.0.1:${port}/health`, interval: 0.5, timeout: 1, retries: 2, startup_timeout: 20 },
    restart: { policy: 'on-failure', max_attempts: 2, delay: 0.2 },
    stop_grace_period: 2,
  });
  const file = join(dir, 'stack.yaml');
  const stack = {
    services: {
      db: service(await freePort()),
      backend: { ...service(await freePort()), depends_on: { db: { condition: 'service_healthy' } } },
    },
  };
  writeFileSync(file, JSON.stringify(stack, null, 2));
  return file;
}

/** A new page on the dashboard of `server`, logged in with its token, on the Services page. */
async function openServicesPage(server: HeadlessServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 480 } });
  await page.goto(server.url);
  await page.getByTestId('token-input').fill(server.token);
  await page.getByTestId('token-submit').click();
  await page.getByTestId('nav-services').click({ timeout: 30_000 });
  return page;
}

const row = (page: Page, name: string): Locator => page.locator(`[data-testid="service-row"][data-service="${name}"]`);
const stateOf = (page: Page, name: string): Promise<string | null> => row(page, name).getAttribute('data-state');

describe('Services page in Chromium', () => {
  it('both services running; stopping the dependency takes the dependent to waiting, starting it brings it back', async () => {
    const server = await startHeadless({ BACKEND_STACK_FILE: await twoServiceStack() });
    servers.push(server);
    const page = await openServicesPage(server);

    await expect.poll(() => page.getByTestId('service-row').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('service-name').allTextContents()).toEqual(['db', 'backend']);
    expect(await row(page, 'backend').getByTestId('service-primary').count()).toBe(1);
    await expect.poll(() => stateOf(page, 'db'), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => stateOf(page, 'backend'), { timeout: 30_000 }).toBe('running');
    expect(Number(await row(page, 'db').getByTestId('service-pid').textContent())).toBeGreaterThan(0);
    expect(await row(page, 'backend').getByTestId('service-waits').textContent()).toBe('db (healthy)');

    await row(page, 'db').getByTestId('service-stop').click();
    await expect.poll(() => stateOf(page, 'db'), { timeout: 15_000 }).toBe('stopped');
    await expect.poll(() => stateOf(page, 'backend'), { timeout: 15_000 }).toBe('waiting');
    expect(await row(page, 'backend').getByTestId('service-waits').textContent()).toBe('db is not healthy');
    expect(await row(page, 'backend').getByTestId('service-pid').textContent()).toBe('—');
    expect(await page.getByTestId('services-count').textContent()).toBe('0 of 2 running');

    // The Status page of the primary says what it waits for.
    await page.getByTestId('nav-status').click();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 10_000 }).toBe('waiting');
    expect(await page.getByTestId('waiting').textContent()).toContain('db is not healthy');
    expect(await page.getByTestId('status-service').inputValue()).toBe('backend');

    await page.getByTestId('nav-services').click();
    await expect.poll(() => stateOf(page, 'backend'), { timeout: 10_000 }).toBe('waiting');
    if (process.env.SCREENSHOT_DIR) {
      await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'services.png'), fullPage: true });
    }
    await row(page, 'db').getByTestId('service-start').click();
    await expect.poll(() => stateOf(page, 'db'), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => stateOf(page, 'backend'), { timeout: 30_000 }).toBe('running');

    // Logs: the primary's by default; all services merged, each line naming its service.
    await page.getByTestId('nav-logs').click();
    const services = () =>
      page
        .getByTestId('log-line')
        .evaluateAll((rows) =>
          rows.map((r) => (r as unknown as { dataset: Record<string, string | undefined> }).dataset.service),
        );
    await expect.poll(async () => new Set(await services()), { timeout: 10_000 }).toEqual(new Set(['backend']));
    await page.getByTestId('log-service').selectOption('db');
    await expect.poll(async () => new Set(await services()), { timeout: 10_000 }).toEqual(new Set(['db']));
    await page.getByTestId('log-service').selectOption('*all');
    await expect.poll(async () => new Set(await services()), { timeout: 10_000 }).toEqual(new Set(['db', 'backend']));
    expect(await page.getByTestId('log-line-service').first().textContent()).toMatch(/^(db|backend)$/);
  });

  it('the default stack (no stack file): the embedded PostgreSQL and the reference backend, both running', async () => {
    const server = await startHeadless();
    servers.push(server);
    const page = await openServicesPage(server);

    await expect.poll(() => page.getByTestId('service-row').count(), { timeout: 10_000 }).toBe(2);
    expect(await page.getByTestId('service-name').allTextContents()).toEqual(['postgres', 'backend']);
    await expect.poll(() => stateOf(page, 'postgres'), { timeout: 60_000 }).toBe('running');
    await expect.poll(() => stateOf(page, 'backend'), { timeout: 60_000 }).toBe('running');
    expect(await row(page, 'backend').getByTestId('service-primary').count()).toBe(1);
    expect(await row(page, 'backend').getByTestId('service-waits').textContent()).toBe('postgres (healthy)');
    expect(await page.getByTestId('services-count').textContent()).toBe('2 of 2 running');
    if (process.env.SCREENSHOT_DIR) {
      await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'services-default.png'), fullPage: true });
    }
    await page.close();
  });
});
