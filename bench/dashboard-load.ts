/**
 * The dashboard's weight and first load (issue 13): `npx tsx bench/run.ts --only dashboard`
 * (and part of `npm run bench`), written to the `dashboard` section of bench/results.md.
 *
 *   - weight: the built dashboard's bytes as the control server sends them (raw, and the
 *     precompressed `.gz`/`.br` files it serves to a browser that accepts them), for the first
 *     page (index.html, what it references and the Status page's chunks) and for every file;
 *   - first load: headless Chromium, a fresh profile each run (empty cache, the token already
 *     in localStorage), navigation to `/` → the Status page shows the backend `running`
 *     (its title and state badge drawn), timed by the page's own clock (performance.now(),
 *     0 at the navigation's start); beside it DOMContentLoaded and the bytes the page received;
 *   - reload: the same profile navigates again (index.html revalidated, the hashed assets
 *     from the cache).
 * The headless supervisor (`serve`) runs the fault backend (test/fixtures/fault-backend.mjs)
 * on loopback. Runs: BENCH_DASHBOARD_RUNS (default 9); figures are medians, min–max beside.
 * It builds first (`npm run build`) unless BENCH_SKIP_BUILD=1. Everything it starts, it stops.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import type { Browser } from 'playwright-core';
import { writeResultsSection } from './results-file';
import { launchChromium } from '../test/helpers/browser';
import { firstPageFiles, servedBytes, servedFiles, type ServedBytes } from '../test/helpers/dashboard-assets';
import { startHeadless } from '../test/helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil } from '../test/helpers/supervise';
import { median } from './tools';

const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 9);
const TOKEN_KEY = 'backend-supervisor.token';
const VIEWPORT = { width: 1200, height: 800 };
/** Longest a page may take to show the Status page before the run fails, ms (a busy machine). */
const RENDER_DEADLINE_MS = 30_000;

/** One page load, ms from the navigation's start, and bytes. */
export interface LoadResult {
  /** The Status page shows the backend `running`. */
  renderedMs: number;
  domContentLoadedMs: number;
  /** The last JS or CSS file arrived (the Status page's chunks are the last ones asked for). */
  assetsLoadedMs: number;
  /** The `backend:status` answer arrived (the Status page asks once its chunk runs). */
  statusAnswerMs: number;
  /** Bytes received for the document and every resource (headers included, as Chromium counts them). */
  transferredBytes: number;
  /** Requests for JS and CSS files. */
  assetRequests: number;
  /**
   * The page's main thread by the render (Chromium's Performance metrics), ms: JS, style
   * recalculation, layout and all tasks (wall clock, so time the thread waited for a core
   * counts), and the CPU time it had (ThreadTime).
   */
  scriptMs: number;
  styleMs: number;
  layoutMs: number;
  taskMs: number;
  cpuMs: number;
}

/** What the page functions below use of the browser (this file compiles without the DOM lib). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
  performance: {
    now(): number;
    getEntriesByType(
      type: string,
    ): { name: string; transferSize: number; responseEnd: number; domContentLoadedEventEnd?: number }[];
  };
  localStorage: { setItem(key: string, value: string): void };
}

/**
 * Loads the dashboard at `url` in a fresh context of `browser` (empty cache), the control
 * token set beforehand, then once more in the same context (the reload); resolves with both.
 * @throws when the Status page does not show `running` within {@link RENDER_DEADLINE_MS}.
 */
export async function loadDashboard(
  browser: Browser,
  url: string,
  token: string,
): Promise<{ first: LoadResult; reload: LoadResult }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addInitScript(
      ([key, value]) => (globalThis as unknown as PageGlobals).localStorage.setItem(key, value),
      [TOKEN_KEY, token] as const,
    );
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const once = async (): Promise<LoadResult> => {
      // Performance metrics count from their enabling: enabled afresh for each load.
      await cdp.send('Performance.disable');
      await cdp.send('Performance.enable');
      await page.goto(`${url}/`, { waitUntil: 'commit' });
      const rendered = await page.waitForFunction(
        () => {
          const w = globalThis as unknown as PageGlobals;
          const title = w.document.querySelector('[data-testid="status-title"]');
          const badge = w.document.querySelector('[data-testid="state-badge"]');
          return title && badge?.textContent === 'running' ? w.performance.now() : null;
        },
        undefined,
        { polling: 'raf', timeout: RENDER_DEADLINE_MS },
      );
      const renderedMs = (await rendered.jsonValue()) as number;
      const { metrics } = await cdp.send('Performance.getMetrics');
      const seconds = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
      const mainThread = {
        scriptMs: seconds('ScriptDuration') * 1000,
        styleMs: seconds('RecalcStyleDuration') * 1000,
        layoutMs: seconds('LayoutDuration') * 1000,
        taskMs: seconds('TaskDuration') * 1000,
        cpuMs: seconds('ThreadTime') * 1000,
      };
      const entries = await page.evaluate(() => {
        const w = globalThis as unknown as PageGlobals;
        const navigation = w.performance.getEntriesByType('navigation')[0];
        const resources = w.performance.getEntriesByType('resource');
        const assets = resources.filter((e) => /\/assets\/[^?]+\.(js|css)$/.test(e.name));
        const status = resources.find((e) => decodeURIComponent(e.name).endsWith('/api/v1/rpc/backend:status'));
        return {
          domContentLoadedMs: navigation?.domContentLoadedEventEnd ?? Number.NaN,
          assetsLoadedMs: Math.max(...assets.map((e) => e.responseEnd)),
          statusAnswerMs: status?.responseEnd ?? Number.NaN,
          transferredBytes: [navigation, ...resources].reduce((sum, e) => sum + (e?.transferSize ?? 0), 0),
          assetRequests: assets.length,
        };
      });
      return { renderedMs, ...entries, ...mainThread };
    };
    const first = await once();
    const reload = await once();
    return { first, reload };
  } finally {
    await context.close();
  }
}

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(1)} kB`;

/** "median (min–max)" of `xs` formatted by `format`. */
function spread(xs: number[], format: (x: number) => string): string {
  return `${format(median(xs))} (${format(Math.min(...xs))}–${format(Math.max(...xs))})`;
}

/** A row of the weight table. */
function weightRow(what: string, bytes: ServedBytes, files: number): string {
  return `| ${what} | ${files} | ${kB(bytes.raw)} | ${kB(bytes.gzip)} | ${kB(bytes.brotli)} |`;
}

/** Builds (unless BENCH_SKIP_BUILD=1), measures, writes the `dashboard` section of bench/results.md. */
export async function dashboardLoadBench(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    console.error('dashboard: building (npm run build)…');
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const first = firstPageFiles();
  const all = servedFiles();
  const firstBytes = servedBytes(first);
  const allBytes = servedBytes(all);

  const backendPort = await freePort();
  const server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
    HEALTH_CHECK_INTERVAL: '5',
  });
  let browser: Browser | undefined;
  try {
    await pollUntil(() => server.output().includes('Backend started successfully'), 30_000, 25, 'the backend');
    browser = await launchChromium();
    // One load first, not counted: Chromium's own first start (its caches, the profile) is not the page's.
    await loadDashboard(browser, server.url, server.token);
    const runs: { first: LoadResult; reload: LoadResult }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const run = await loadDashboard(browser, server.url, server.token);
      console.error(
        `dashboard run ${i + 1}/${RUNS}: first load ${run.first.renderedMs.toFixed(0)} ms ` +
          `(${kB(run.first.transferredBytes)}), reload ${run.reload.renderedMs.toFixed(0)} ms`,
      );
      runs.push(run);
    }
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    const pick = (which: 'first' | 'reload', field: keyof LoadResult): number[] => runs.map((r) => r[which][field]);
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
    const md = [
      '## Dashboard: weight and first load',
      '',
      `Written by \`npx tsx bench/run.ts --only dashboard\` on ${new Date().toISOString()}: Chromium ${browser.version()}`,
      `(headless, no GPU) at ${VIEWPORT.width}×${VIEWPORT.height}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length};`,
      `the headless supervisor serving out/renderer on loopback, supervising the fault backend; load average at the end ${load}.`,
      '',
      'Weight, as the control server sends the files (gzip and brotli: the precompressed `.gz`/`.br` beside each',
      'file, raw where there is none). First page: index.html, what it references, the Status page chunk with its',
      'CSS and the chunks it imports, and those it loads once shown (its charts), from Vite’s manifest.',
      '',
      '| files | count | raw | gzip | brotli |',
      '| --- | --- | --- | --- | --- |',
      weightRow('first page (Status)', firstBytes, first.length),
      weightRow('all of the dashboard', allBytes, all.length),
      '',
      `Load: navigation → the Status page shows the backend \`running\`; medians of ${RUNS} runs (min–max), each in a`,
      'fresh profile (empty cache, the token in localStorage), then a reload in that profile. Goal: first load ≤ 300 ms,',
      'first page ≤ 300 kB compressed.',
      '',
      '| measure | first load | reload |',
      '| --- | --- | --- |',
      `| navigation → Status page rendered | ${spread(pick('first', 'renderedMs'), ms)} | ${spread(pick('reload', 'renderedMs'), ms)} |`,
      `| navigation → DOMContentLoaded | ${spread(pick('first', 'domContentLoadedMs'), ms)} | ${spread(pick('reload', 'domContentLoadedMs'), ms)} |`,
      `| navigation → last JS/CSS file arrived | ${spread(pick('first', 'assetsLoadedMs'), ms)} | ${spread(pick('reload', 'assetsLoadedMs'), ms)} |`,
      `| navigation → \`backend:status\` answered | ${spread(pick('first', 'statusAnswerMs'), ms)} | ${spread(pick('reload', 'statusAnswerMs'), ms)} |`,
      `| main thread by then: JS | ${spread(pick('first', 'scriptMs'), ms)} | ${spread(pick('reload', 'scriptMs'), ms)} |`,
      `| main thread by then: style recalculation | ${spread(pick('first', 'styleMs'), ms)} | ${spread(pick('reload', 'styleMs'), ms)} |`,
      `| main thread by then: layout | ${spread(pick('first', 'layoutMs'), ms)} | ${spread(pick('reload', 'layoutMs'), ms)} |`,
      `| main thread by then: all tasks (wall clock) | ${spread(pick('first', 'taskMs'), ms)} | ${spread(pick('reload', 'taskMs'), ms)} |`,
      `| main thread by then: CPU time | ${spread(pick('first', 'cpuMs'), ms)} | ${spread(pick('reload', 'cpuMs'), ms)} |`,
      `| bytes received (document and resources) | ${spread(pick('first', 'transferredBytes'), kB)} | ${spread(pick('reload', 'transferredBytes'), kB)} |`,
      `| JS and CSS files loaded | ${spread(pick('first', 'assetRequests'), String)} | ${spread(pick('reload', 'assetRequests'), String)} |`,
      '',
    ].join('\n');
    writeResultsSection('dashboard', md);
    console.log(md);
  } finally {
    await browser?.close();
    await server.stop();
  }
}
