import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';

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

describe('dashboard in Chromium against `serve`', () => {
  it('asks for the token once, then shows the backend running', async () => {
    await page.goto(server.url);
    await page.getByTestId('token-input').fill(server.token);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');
    const pid = Number(await page.getByTestId('pid').textContent());
    expect(pid).toBeGreaterThan(0);
    expect(await page.getByTestId('restart-count').textContent()).toBe('0');
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
  });

  it('a click on Restart changes the PID and raises the restart count', async () => {
    const before = await page.getByTestId('pid').textContent();
    await page.getByTestId('btn-restart').click();
    await expect.poll(() => page.getByTestId('restart-count').textContent(), { timeout: 30_000 }).toBe('1');
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');
    const after = await page.getByTestId('pid').textContent();
    expect(Number(after)).toBeGreaterThan(0);
    expect(after).not.toBe(before);
  });

  it('keeps the token across a reload and shows the live log tail', async () => {
    await page.reload();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByTestId('nav-logs').click();
    await expect.poll(() => page.getByTestId('log-line').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const text = (await page.getByTestId('log-line').allTextContents()).join('\n');
    expect(text).toContain('restart requested by user-ui');
  });
});
