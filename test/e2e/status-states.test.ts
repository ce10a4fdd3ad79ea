/**
 * The Status page in Chromium against `serve` (issue 10 item 2): in each state every card
 * describes the current process or says there is none. Set SCREENSHOT_DIR to keep a
 * screenshot of each state (starting, running, crashed, remote-down).
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort } from '../helpers/supervise';

let browser: Browser;
const servers: HeadlessServer[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const server of servers) expect(await server.stop()).toBe(0);
});

/** A page on `server`'s dashboard, past the token dialog. */
async function openDashboard(server: HeadlessServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(server.url);
  await page.getByTestId('token-input').fill(server.token);
  await page.getByTestId('token-submit').click();
  await page.getByTestId('state-badge').waitFor({ timeout: 30_000 });
  return page;
}

async function shoot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOT_DIR) {
    await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, `status-${name}.png`), fullPage: true });
  }
}

const text = (page: Page, id: string): Promise<string | null> => page.getByTestId(id).textContent();

describe('Status page in Chromium: each card describes the current process', () => {
  it('starting (a slow start), running, then crashed', async () => {
    const backendPort = await freePort();
    // /health answers 503 for its first 6 s, then 200; the backend exits 1 at 14 s; no restart.
    const server = await startHeadless({
      GO_BACKEND_BINARY: process.execPath,
      BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
      GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
      PORT: String(backendPort),
      READY_AFTER_MS: '6000',
      CRASH_AFTER_MS: '14000',
      MAX_RESTART_ATTEMPTS: '0',
      STARTUP_TIMEOUT: '60',
    });
    servers.push(server);
    const page = await openDashboard(server);

    expect(await text(page, 'state-badge')).toBe('starting');
    await expect
      .poll(() => text(page, 'health-detail'), { timeout: 10_000 })
      .toMatch(/^\d{2,} startup probes · last: answered HTTP 503, \d+s ago$/);
    const pid = await text(page, 'pid');
    expect(Number(pid)).toBeGreaterThan(0);
    expect(await text(page, 'uptime-detail')).toBe(`process ${pid}`);
    expect(await text(page, 'health')).toBe('starting');
    await shoot(page, 'starting');

    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('running');
    await expect.poll(() => text(page, 'health-detail'), { timeout: 10_000 }).toMatch(/^checked \d+s ago$/);
    expect(await text(page, 'health')).toBe('healthy');
    expect(await text(page, 'pid')).toBe(pid);
    await shoot(page, 'running');

    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('crashed');
    expect(await text(page, 'pid')).toBe('—');
    expect(await text(page, 'uptime')).toBe('—');
    expect(await text(page, 'health')).toBe('—');
    expect(await text(page, 'health-detail')).toBe('no process');
    expect(await text(page, 'last-exit')).toBe('exit code 1 · unexpected');
    expect(await page.getByTestId('btn-start').isDisabled()).toBe(false);
    await shoot(page, 'crashed');

    await page.getByTestId('nav-incidents').click();
    await expect.poll(() => page.getByTestId('incident').count(), { timeout: 10_000 }).toBe(1);
    expect(await text(page, 'incident-summary')).toBe(
      'exited unexpectedly (exited with code 1) — stderr: crashing now',
    );
    await page.close();
  });

  it('remote mode with the remote backend down', async () => {
    const deadPort = await freePort();
    const server = await startHeadless({
      ORCHESTRATOR_ENABLED: 'false',
      GO_BACKEND_URL: `http://127.0.0.1:${deadPort}`,
    });
    servers.push(server);
    const page = await openDashboard(server);

    await expect.poll(() => text(page, 'state-badge'), { timeout: 30_000 }).toBe('unhealthy');
    await expect
      .poll(() => text(page, 'health-detail'), { timeout: 10_000 })
      .toMatch(/^checked \d+s ago · [2-9]\d* failed in a row$/);
    expect(await text(page, 'health')).toBe('unhealthy');
    expect(await text(page, 'uptime')).toBe('—');
    expect(await text(page, 'uptime-detail')).toBe('remote backend not answering');
    expect(await text(page, 'restart-count')).toBe('—');
    await shoot(page, 'remote-down');

    await page.getByTestId('nav-incidents').click();
    await expect.poll(() => page.getByTestId('incident').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByTestId('incident').getAttribute('data-kind')).toBe('remote-down');
    await page.close();
  });
});
