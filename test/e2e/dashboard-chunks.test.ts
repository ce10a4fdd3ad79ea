// Issue 13: the dashboard split per page, in Chromium. The Status page at `/` loads exactly the
// files the first page's budget counts (test/helpers/dashboard-assets.ts), each as brotli;
// another page loads neither the Status page nor its charts; and the build works where the
// desktop app loads it, from file:// with the IPC bridge (a stand-in here for the preload's
// `window.api`, passing each call to the headless server as the main process would).
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { firstPageFiles, RENDERER_DIR } from '../helpers/dashboard-assets';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { FAULT_BACKEND, freePort } from '../helpers/supervise';

const TOKEN_KEY = 'backend-supervisor.token';

let server: HeadlessServer;
let browser: Browser;

beforeAll(async () => {
  const backendPort = await freePort();
  server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
  });
  // file:// pages may load the build's other files (Electron lets its app's pages do so).
  browser = await launchChromium(['--allow-file-access-from-files']);
});
afterAll(async () => {
  await browser?.close();
  expect(await server?.stop()).toBe(0);
});

/** A fresh context (empty cache) holding the control token, and the dashboard files its page fetches (path → Content-Encoding). */
async function freshPage(): Promise<{ context: BrowserContext; page: Page; assets: Map<string, string> }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  await context.addInitScript(`localStorage.setItem(${JSON.stringify(TOKEN_KEY)}, ${JSON.stringify(server.token)})`);
  const page = await context.newPage();
  const assets = new Map<string, string>();
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname;
    if (path.startsWith('/assets/')) assets.set(path.slice(1), response.headers()['content-encoding'] ?? 'identity');
  });
  return { context, page, assets };
}

/**
 * Until the Status page shows the backend running and its charts' code has come: their cards
 * say `loading` until then (and while the history is asked for), then what the history holds.
 */
async function statusPageDrawn(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');
  await expect
    .poll(() => page.getByTestId('chart-latency').getAttribute('data-state'), { timeout: 30_000 })
    .toMatch(/^(empty|no-values|ready)$/);
}

describe('the dashboard, split per page', () => {
  it('the Status page loads the files the first page’s budget counts, no more, each as brotli', async () => {
    const { context, page, assets } = await freshPage();
    try {
      await page.goto(`${server.url}/`);
      await statusPageDrawn(page);
      const counted = firstPageFiles().filter((f) => f.startsWith('assets/'));
      expect([...assets.keys()].sort()).toEqual(counted.sort());
      expect([...assets.entries()].filter(([, encoding]) => encoding !== 'br')).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('another page loads neither the Status page nor its charts, and they come when it is opened', async () => {
    const { context, page, assets } = await freshPage();
    try {
      await page.goto(`${server.url}/#/logs`);
      await expect.poll(() => page.getByTestId('log-line').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      const loaded = (): string => [...assets.keys()].join(' ');
      expect(loaded()).toMatch(/assets\/logs-page-/);
      expect(loaded()).not.toMatch(/assets\/(status-page|metrics-charts|admin-page|settings-page)-/);

      await page.getByTestId('nav-status').click();
      await statusPageDrawn(page);
      expect(loaded()).toMatch(
        /assets\/status-page-.*assets\/metrics-charts-|assets\/metrics-charts-.*assets\/status-page-/,
      );
    } finally {
      await context.close();
    }
  });

  it('works from file:// over the IPC bridge, as the desktop app loads it', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      // The main process's side of the bridge: each call answered by the supervisor's RPC.
      await context.exposeFunction('bsupInvoke', async (channel: string, args: unknown[]) => {
        const response = await fetch(`${server.url}/api/v1/rpc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ args }),
        });
        return response.json();
      });
      // A string: the bundler's name helpers do not exist in the page. No events: queries poll.
      await context.addInitScript(
        'window.api = { invoke: (channel, args) => window.bsupInvoke(channel, args), on: () => () => {} };',
      );
      const page = await context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      await page.goto(pathToFileURL(join(RENDERER_DIR, 'index.html')).toString());
      await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('ipc');
      await statusPageDrawn(page);
      await page.getByTestId('nav-logs').click();
      await expect.poll(() => page.getByTestId('log-line').count(), { timeout: 30_000 }).toBeGreaterThan(0);
      expect(failed.filter((url) => url.includes('/assets/'))).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
