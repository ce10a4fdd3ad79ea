/**
 * Issue 14, part 2, in Chromium against `serve` on the default stack (the reference backend
 * on the embedded PostgreSQL): Save + Apply shows which services will restart before anything
 * changes, a probe-only change keeps every pid, a new backend URL restarts the backend only
 * (PostgreSQL keeps its process), Cancel changes nothing, the fields only a restart of the
 * supervisor applies say so, and remote mode switched there removes the embedded PostgreSQL
 * (and brings it back), the pages following.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceStatus } from '../../src/shared/services';
import { launchChromium } from '../helpers/browser';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';

const REPO = join(import.meta.dirname, '..', '..');

let server: HeadlessServer;
let browser: Browser;
let page: Page;

async function services(): Promise<ServiceStatus[]> {
  const res = await fetch(`${server.url}/api/v1/services`, { headers: { authorization: `Bearer ${server.token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as ServiceStatus[];
}
const pidOf = (list: ServiceStatus[], name: string): number | null | undefined =>
  list.find((s) => s.name === name)?.pid;
const allRunning = async (): Promise<boolean> => (await services()).every((s) => s.status === 'running');

beforeAll(async () => {
  server = await startHeadless();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  const code = await server?.stop();
  expect(code).toBe(0);
});

describe('Settings page: Save + Apply in Chromium against `serve`', () => {
  it('opens, and marks the fields that wait for a restart of the supervisor', async () => {
    await page.goto(server.url);
    await page.getByTestId('token-input').fill(server.token);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 60_000 }).toBe('running');
    await expect.poll(allRunning, { timeout: 60_000 }).toBe(true);
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-save-apply').waitFor({ timeout: 10_000 });
    for (const key of ['controlHost', 'controlPort']) {
      expect(await page.getByTestId(`settings-restart-only-${key}`).textContent()).toContain(
        'Applies after a restart of Backend Supervisor',
      );
    }
    for (const key of ['healthCheckTimeoutMs', 'orchestratorEnabled']) {
      expect(await page.getByTestId(`settings-restart-only-${key}`).count()).toBe(0);
    }
  });

  it('a probe-only change: the plan says "in place", Apply keeps every pid', async () => {
    const before = await services();
    await page.getByTestId('settings-field-healthCheckTimeoutMs').fill('3');
    await page.getByTestId('settings-save-apply').click();
    const plan = page.getByTestId('reload-plan');
    await plan.waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('reload-plan-update').textContent()).toContain('health.timeout changed');
    expect(await page.getByTestId('reload-plan-restart').count()).toBe(0);
    await page.getByTestId('reload-confirm').click();
    await expect
      .poll(() => page.getByTestId('reload-outcome').textContent(), { timeout: 30_000 })
      .toContain('backend: updated in place (health.timeout changed)');
    const after = await services();
    expect(pidOf(after, 'backend')).toBe(pidOf(before, 'backend'));
    expect(pidOf(after, 'postgres')).toBe(pidOf(before, 'postgres'));
    const health = await fetch(`${server.url}/api/v1/admin/backend/status`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(health.status).toBe(200);
  });

  it('a new working directory: the plan lists the backend to restart; Cancel changes nothing; Apply restarts it only', async () => {
    const before = await services();
    // The same folder by another name (startHeadless sets GO_BACKEND_URL, which the form cannot override).
    await page.getByTestId('settings-field-workingDir').fill(`${join(REPO, 'out', 'reference-backend')}/.`);
    await page.getByTestId('settings-save-apply').click();
    await page.getByTestId('reload-plan-restart').waitFor({ timeout: 10_000 });
    const restart = await page.getByTestId('reload-plan-restart').textContent();
    expect(restart).toContain('backend');
    expect(restart).toContain('working_dir changed');
    expect(restart).not.toContain('postgres');
    await page.getByTestId('reload-cancel').click();
    await page.getByTestId('reload-plan').waitFor({ state: 'detached', timeout: 10_000 });
    expect(pidOf(await services(), 'backend')).toBe(pidOf(before, 'backend'));

    // Saved but not applied: the page offers to apply them.
    await page.getByTestId('settings-apply').click();
    await page.getByTestId('reload-plan-restart').waitFor({ timeout: 10_000 });
    await page.getByTestId('reload-confirm').click();
    await expect
      .poll(() => page.getByTestId('reload-outcome').textContent(), { timeout: 60_000 })
      .toContain('backend: restarted');
    await expect.poll(allRunning, { timeout: 60_000 }).toBe(true);
    const after = await services();
    expect(pidOf(after, 'backend')).not.toBe(pidOf(before, 'backend'));
    expect(pidOf(after, 'postgres')).toBe(pidOf(before, 'postgres'));
    const res = await fetch(`http://127.0.0.1:${server.backendPort}/health`);
    expect(res.status).toBe(200);
  });

  it('remote mode switched on the page: PostgreSQL goes, the backend is watched; switched back, both run again', async () => {
    await page.getByTestId('settings-field-orchestratorEnabled').selectOption('false');
    await page.getByTestId('settings-save-apply').click();
    await page.getByTestId('reload-plan-restart').waitFor({ timeout: 10_000 });
    const restart = await page.getByTestId('reload-plan-restart').textContent();
    expect(restart).toContain('backend');
    // The setting by its label on the page, and no restart of the supervisor asked for.
    expect(restart).toContain('Supervise a local process');
    expect(await page.getByTestId('reload-plan-stop').textContent()).toContain('postgres');
    expect(await page.getByTestId('reload-plan-supervisor-restart').count()).toBe(0);
    await page.getByTestId('reload-confirm').click();
    await expect
      .poll(() => page.getByTestId('reload-outcome').textContent(), { timeout: 60_000 })
      .toContain('postgres: stopped and removed');
    const watched = await services();
    expect(watched.map((s) => s.name)).toEqual(['backend']);
    expect(watched[0]).toMatchObject({ orchestrator_enabled: false, pid: null });
    // The page follows: the Status page says remote mode, the Services tab goes with the second service.
    await page.getByTestId('nav-status').click();
    await page.getByTestId('remote-mode').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('nav-services').count()).toBe(0);

    // Back to the default (not set: a local process).
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('settings-field-orchestratorEnabled').selectOption('');
    await page.getByTestId('settings-save-apply').click();
    await page.getByTestId('reload-plan-start').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('reload-plan-start').textContent()).toContain('postgres');
    await page.getByTestId('reload-confirm').click();
    await expect
      .poll(() => page.getByTestId('reload-outcome').textContent(), { timeout: 60_000 })
      .toContain('backend: restarted');
    await expect.poll(allRunning, { timeout: 60_000 }).toBe(true);
    expect((await services()).map((s) => s.name)).toEqual(['postgres', 'backend']);
    await page.getByTestId('nav-status').click();
    await expect.poll(() => page.getByTestId('state-badge').textContent(), { timeout: 60_000 }).toBe('running');
    expect(await page.getByTestId('remote-mode').count()).toBe(0);
    await page.getByTestId('nav-services').waitFor({ timeout: 10_000 });
  });
});
