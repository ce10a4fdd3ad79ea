import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { tempDir } from '../helpers/supervise';

let server: HeadlessServer;
let browser: Browser;
let page: Page;
let settingsFile: string;

const storedSettings = (): unknown =>
  existsSync(settingsFile) ? JSON.parse(readFileSync(settingsFile, 'utf8')) : null;

beforeAll(async () => {
  const dataDir = tempDir('bsup-e2e-settings-');
  settingsFile = join(dataDir, 'settings.json');
  server = await startHeadless({ SUPERVISOR_DATA_DIR: dataDir });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
});

describe('Settings page in Chromium against `serve`', () => {
  it('opens from the header and shows what overrides what', async () => {
    await page.goto(server.url);
    // The token dialog says where the token is: here, CONTROL_TOKEN (startHeadless sets it).
    await expect
      .poll(() => page.getByTestId('token-file').textContent(), { timeout: 10_000 })
      .toContain('CONTROL_TOKEN');
    await page.getByTestId('token-input').fill(server.token);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 30_000 }).toBe('running');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-save').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('settings-path').textContent()).toBe(settingsFile);
    // startHeadless sets HEALTH_CHECK_INTERVAL=1 and --control-port.
    expect(await page.getByTestId('settings-source-healthCheckIntervalMs').textContent()).toBe(
      'Overridden by HEALTH_CHECK_INTERVAL in the environment: 1 s',
    );
    expect(await page.getByTestId('settings-source-controlPort').textContent()).toContain('--control-port');
  });

  it('a bad value: an error beside the field, nothing saved', async () => {
    await page.getByTestId('settings-field-healthCheckPath').fill('health');
    await page.getByTestId('settings-field-healthCheckIntervalMs').fill('0.01');
    await page.getByTestId('settings-save').click();
    await expect
      .poll(() => page.getByTestId('settings-error-healthCheckPath').textContent(), { timeout: 5_000 })
      .toBe('Must start with /');
    expect(await page.getByTestId('settings-error-healthCheckIntervalMs').textContent()).toBe('Must be at least 0.1 s');
    expect(storedSettings()).toBeNull();
  });

  it('a good value is saved to <dataDir>/settings.json (seconds stored as ms)', async () => {
    await page.getByTestId('settings-field-healthCheckPath').fill('/health');
    await page.getByTestId('settings-field-healthCheckIntervalMs').fill('');
    await page.getByTestId('settings-field-maxRestartAttempts').fill('5');
    await page.getByTestId('settings-field-stopTimeoutMs').fill('2.5');
    expect(await page.getByTestId('settings-error-healthCheckPath').count()).toBe(0);
    await page.getByTestId('settings-save').click();
    await expect
      .poll(() => page.getByTestId('settings-saved').textContent(), { timeout: 10_000 })
      .toBe('Saved. Apply them to use them now (no restart of Backend Supervisor).');
    expect(storedSettings()).toEqual({ healthCheckPath: '/health', maxRestartAttempts: 5, stopTimeoutMs: 2_500 });
    expect(await page.getByTestId('settings-source-maxRestartAttempts').textContent()).toContain('Saved: 5');
  });

  it('Test health URL probes the running backend and shows ok', async () => {
    await page.getByTestId('settings-test-health').click();
    const result = page.getByTestId('settings-test-health-result');
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 10_000 }).toBe('true');
    expect(await result.textContent()).toContain(`http://127.0.0.1:${server.backendPort}/health`);
  });

  it('Import .env puts the values in the form for review; Save writes them', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('settings-import-env').click();
    await (
      await chooser
    ).setFiles({
      name: '.env',
      mimeType: 'text/plain',
      buffer: Buffer.from('# from the seed\nHEALTH_CHECK_TIMEOUT="2.5"\nAUTO_RESTART=false\nSTOP_TIMEOUT=soon\n'),
    });
    const summary = page.getByTestId('settings-import-result');
    await summary.waitFor({ timeout: 10_000 });
    expect(await summary.textContent()).toContain('Imported 2 values from .env');
    expect(await page.getByTestId('settings-import-problem').textContent()).toContain('line 4: STOP_TIMEOUT');
    expect(await page.getByTestId('settings-field-healthCheckTimeoutMs').inputValue()).toBe('2.5');
    expect(await page.getByTestId('settings-field-autoRestart').inputValue()).toBe('false');
    // Not saved until Save.
    expect(storedSettings()).toEqual({ healthCheckPath: '/health', maxRestartAttempts: 5, stopTimeoutMs: 2_500 });
    await page.getByTestId('settings-save').click();
    await expect.poll(storedSettings, { timeout: 10_000 }).toEqual({
      healthCheckPath: '/health',
      healthCheckTimeoutMs: 2_500,
      autoRestart: false,
      maxRestartAttempts: 5,
      stopTimeoutMs: 2_500,
    });
  });

  it('Import .env with paths the next start would fail on: warnings beside the fields, saved anyway, summary cleared', async () => {
    const missing = join(tempDir('bsup-e2e-missing-'), 'restaurant');
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('settings-import-env').click();
    await (
      await chooser
    ).setFiles({
      name: '.env',
      mimeType: 'text/plain',
      buffer: Buffer.from(`GO_BACKEND_BINARY=./bin/server\nBACKEND_WORKING_DIR=${missing}\n`),
    });
    await expect
      .poll(() => page.getByTestId('settings-warning-workingDir').textContent(), { timeout: 10_000 })
      .toBe(`Warning: working directory not found: ${missing}`);
    expect(await page.getByTestId('settings-import-result').count()).toBe(1);
    await page.getByTestId('settings-save').click();
    await expect
      .poll(() => (storedSettings() as { workingDir?: string } | null)?.workingDir, { timeout: 10_000 })
      .toBe(missing);
    await expect.poll(() => page.getByTestId('settings-import-result').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('settings-warning-workingDir').textContent()).toContain(missing);
    // Put the earlier values back for the reload below.
    await page.getByTestId('settings-field-command').fill('');
    await page.getByTestId('settings-field-workingDir').fill('');
    await page.getByTestId('settings-save').click();
    await expect
      .poll(() => (storedSettings() as { workingDir?: string }).workingDir, { timeout: 10_000 })
      .toBe(undefined);
  });

  it('a reload keeps the page and shows the stored values', async () => {
    await page.reload();
    await page.getByTestId('settings-save').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('settings-field-maxRestartAttempts').inputValue()).toBe('5');
    expect(await page.getByTestId('settings-field-stopTimeoutMs').inputValue()).toBe('2.5');
    expect(await page.getByTestId('settings-restart-needed').count()).toBe(1);
    if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  });
});
