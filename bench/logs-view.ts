/**
 * The dashboard's Logs view with 100,000 lines in the supervisor (issue 13):
 * `npx tsx bench/run.ts --only logs` (and part of `npm run bench`), written to the
 * `logs-view` section of bench/results.md.
 *
 * The headless supervisor runs the fault backend with FLOOD_LINES=100000 and
 * LOG_BUFFER_LINES=100000, so its ring buffer holds 100,000 lines. The view loads the
 * newest page (1,000 lines), then older pages (2,000 each) as it is scrolled to its top.
 * Each run, in a fresh Chromium context (empty cache, the token in localStorage):
 *   - navigation to `#/logs` → the newest line rendered (and → the first page answered);
 *   - the same context, a reload (the dashboard's files cached) → the newest line rendered;
 *   - the same context, navigation to `#/` (the Status page), then a click on Logs → the
 *     newest line rendered (opening the view in the running dashboard, its code cached);
 *   - paused, scrolled to the top again and again: each time → the older page rendered,
 *     until the beginning of the buffer (all 100,000 lines held); the JS heap after a GC
 *     and the DOM nodes then;
 *   - scrolling from the top to the bottom with 50 wheel steps: frames (requestAnimationFrame
 *     deltas: median, p95, max), frames with a blank gap in view.
 * Runs: BENCH_RUNS (default 5); medians with min–max. It builds first (`npm run build`)
 * unless BENCH_SKIP_BUILD=1. Everything it starts, it stops.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import type { Browser, Page } from 'playwright-core';
import { writeResultsSection } from './results-file';
import { launchChromium } from '../test/helpers/browser';
import { startHeadless, type HeadlessServer } from '../test/helpers/headless-server';
import { FAULT_BACKEND, freePort, pollUntil } from '../test/helpers/supervise';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LINES = 100_000;
const WHEEL_STEPS = 50;
const TOKEN_KEY = 'backend-supervisor.token';
const VIEWPORT = { width: 1200, height: 800 };

/** What the page functions below use of the browser (this file compiles without the DOM lib). */
interface ElementLike {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  querySelector(selector: string): ElementLike | null;
  querySelectorAll(selector: string): ArrayLike<ElementLike>;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  document: { querySelector(selector: string): ElementLike | null };
  performance: {
    now(): number;
    getEntriesByType(type: string): { name: string; startTime: number; responseEnd: number }[];
  };
  requestAnimationFrame(callback: (time: number) => void): number;
  localStorage: { setItem(key: string, value: string): void };
  benchFrames?: number[];
  benchRecording?: boolean;
  benchGaps?: number;
}

interface RunResult {
  /** Navigation to `#/logs` (fresh context) → the first page (`logs:tail`) asked for, ms (the dashboard's own load before it). */
  tailRequestMs: number;
  /** Navigation to `#/logs` (fresh context) → the first page (`logs:tail`) answered, ms. */
  tailResponseMs: number;
  /** Navigation to `#/logs` → the newest line rendered, ms. */
  lastLineMs: number;
  /** The same context (the dashboard's files cached), a reload of `#/logs` → the newest line rendered, ms. */
  reloadMs: number;
  /** The Status page shown, a click on Logs → the newest line rendered, ms. */
  openMs: number;
  /** Each scroll to the top → the older page rendered, ms, in order. */
  pageMs: number[];
  /** Lines held once the beginning of the buffer was reached. */
  heldAtStart: number;
  heapMb: number;
  domNodes: number;
  scrollMs: number;
  frames: number;
  frameMedianMs: number;
  frameP95Ms: number;
  frameMaxMs: number;
  /** Frames in which the rows did not cover the view (a blank gap painted). */
  gapFrames: number;
  reachedEnd: boolean;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
}

async function rpc<T>(server: HeadlessServer, channel: string, ...args: unknown[]): Promise<T> {
  const response = await fetch(`${server.url}/api/v1/rpc/${channel}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  const envelope = (await response.json()) as { ok: boolean; data: T };
  if (!envelope.ok) throw new Error(`${channel} failed: ${JSON.stringify(envelope)}`);
  return envelope.data;
}

/** Waits (polling each frame) until the row of `seq` is rendered; resolves with performance.now() then. */
async function lineRendered(page: Page, seq: number): Promise<number> {
  const handle = await page.waitForFunction(
    (want) => {
      const w = globalThis as unknown as PageGlobals;
      return w.document.querySelector(`[data-testid="log-line"][data-seq="${want}"]`) ? w.performance.now() : null;
    },
    seq,
    { polling: 'raf', timeout: 120_000 },
  );
  return (await handle.jsonValue()) as number;
}

/**
 * Scrolls the (paused) list to its top again and again; each time, ms until the older page
 * is rendered (the line count changed, then a frame), until the row above the first line
 * says the buffer begins there (or that the view holds its 100,000 lines, its cap). A string: the bundler's name helpers do not exist in the page.
 */
async function pageToStart(page: Page): Promise<number[]> {
  return (await page.evaluate(`(async () => {
    const view = document.querySelector('[data-testid="log-view"]');
    const count = () => document.querySelector('[data-testid="log-count"]').textContent;
    const state = () => document.querySelector('[data-testid="log-start"] [data-state]')?.getAttribute('data-state');
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    const times = [];
    while (state() !== 'start' && state() !== 'full') {
      if (times.length >= 200) throw new Error('more than 200 pages');
      const before = count();
      const t0 = performance.now();
      view.scrollTop = 0;
      while (count() === before) {
        if (performance.now() - t0 > 60000) throw new Error('no older page within 60 s: ' + JSON.stringify({ c: count(), s: state(), top: view.scrollTop, h: view.scrollHeight, n: times.length }));
        await frame();
      }
      await frame();
      times.push(performance.now() - t0);
    }
    return times;
  })()`)) as number[];
}

/** One run: a fresh context, the first page, the view opened from the Status page, every page to the top, a scroll. */
async function run(browser: Browser, server: HeadlessServer, lastSeq: number): Promise<RunResult> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addInitScript(
      ([key, token]) => (globalThis as unknown as PageGlobals).localStorage.setItem(key, token),
      [TOKEN_KEY, server.token] as const,
    );
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    // performance.now() counts from the navigation's start.
    await page.goto(`${server.url}/#/logs`, { waitUntil: 'commit' });
    const lastLineMs = await lineRendered(page, lastSeq);
    const [tailRequestMs, tailResponseMs] = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const entry = w.performance
        .getEntriesByType('resource')
        .find((e) => decodeURIComponent(e.name).includes('/rpc/logs:tail'));
      return entry ? [entry.startTime, entry.responseEnd] : [Number.NaN, Number.NaN];
    });

    // Again with the dashboard's files in the cache (index.html revalidated).
    await page.reload({ waitUntil: 'commit' });
    const reloadMs = await lineRendered(page, lastSeq);

    // Opening the view in the running dashboard: the Status page first, then a click on Logs.
    await page.goto(`${server.url}/#/`, { waitUntil: 'load' });
    await page.getByTestId('nav-logs').waitFor({ timeout: 60_000 });
    await page.getByTestId('state-badge').first().waitFor({ timeout: 60_000 });
    const clickedAt = (await page.evaluate(`(() => {
      const t0 = performance.now();
      document.querySelector('[data-testid="nav-logs"]').click();
      return t0;
    })()`)) as number;
    const openMs = (await lineRendered(page, lastSeq)) - clickedAt;

    await page.getByTestId('log-follow').click();
    await pollUntil(async () => (await page.getByTestId('log-follow').getAttribute('aria-pressed')) === 'false', 5_000);
    const pageMs = await pageToStart(page);
    const heldAtStart = Number(((await page.getByTestId('log-count').textContent()) ?? '').replace(/\D/g, ''));

    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    const heapMb = metric('JSHeapUsedSize') / 1024 / 1024;
    const domNodes = metric('Nodes');

    const scroll = await scrollTopToBottom(page);
    return {
      tailRequestMs,
      tailResponseMs,
      lastLineMs,
      reloadMs,
      openMs,
      pageMs,
      heldAtStart,
      heapMb,
      domNodes,
      ...scroll,
    };
  } finally {
    await context.close();
  }
}

/** Goes to the top (following already paused), then 50 wheel steps to the bottom, recording frames. */
async function scrollTopToBottom(
  page: Page,
): Promise<
  Pick<RunResult, 'scrollMs' | 'frames' | 'frameMedianMs' | 'frameP95Ms' | 'frameMaxMs' | 'gapFrames' | 'reachedEnd'>
> {
  const view = page.getByTestId('log-view');
  await view.evaluate((element: ElementLike) => {
    element.scrollTop = 0;
  });
  await pollUntil(
    async () => (await view.locator('[data-testid="log-line"]').first().getAttribute('data-index')) === '0',
    10_000,
    25,
    'the first line at the top',
  );
  const box = await view.boundingBox();
  if (!box) throw new Error('no log view');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const distance = await view.evaluate((element: ElementLike) => element.scrollHeight - element.clientHeight);
  const step = Math.ceil(distance / WHEEL_STEPS);

  // A string: the bundler's name helpers (`__name`) do not exist in the page.
  // Each frame also checks that rows cover the whole view (no blank gap is painted).
  await page.evaluate(`(() => {
    window.benchFrames = [];
    window.benchGaps = 0;
    window.benchRecording = true;
    const view = document.querySelector('[data-testid="log-view"]');
    const loop = (time) => {
      window.benchFrames.push(time);
      const box = view.getBoundingClientRect();
      const rows = view.querySelectorAll('[data-testid="log-line"]');
      const first = rows[0] && rows[0].getBoundingClientRect();
      const last = rows[rows.length - 1] && rows[rows.length - 1].getBoundingClientRect();
      if (!first || !last || first.top > box.top + 7 || last.bottom < box.bottom - 7) window.benchGaps++;
      if (window.benchRecording) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  })()`);
  for (let i = 0; i < WHEEL_STEPS; i++) {
    await page.mouse.wheel(0, step);
    // One frame per step at least: the rows of the new position are rendered before the next.
    await page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          (globalThis as unknown as PageGlobals).requestAnimationFrame(() => resolve());
        }),
    );
  }
  const end = await page.waitForFunction(
    () => {
      const w = globalThis as unknown as PageGlobals;
      const element = w.document.querySelector('[data-testid="log-view"]');
      return element !== null && element.scrollHeight - element.scrollTop - element.clientHeight <= 4;
    },
    undefined,
    { polling: 'raf', timeout: 10_000 },
  );
  const reachedEnd = (await end.jsonValue()) === true;
  const { frames, gaps } = await page.evaluate(() => {
    const w = globalThis as unknown as PageGlobals;
    w.benchRecording = false;
    return { frames: w.benchFrames ?? [], gaps: w.benchGaps ?? 0 };
  });
  const deltas = frames.slice(1).map((t, i) => t - frames[i]!);
  return {
    scrollMs: frames.length > 1 ? frames[frames.length - 1]! - frames[0]! : Number.NaN,
    frames: deltas.length,
    frameMedianMs: median(deltas),
    frameP95Ms: percentile(deltas, 95),
    frameMaxMs: Math.max(...deltas),
    gapFrames: gaps,
    reachedEnd,
  };
}

/** A Markdown table with padded columns (as prettier writes it). */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, c) => Math.max(h.length, 3, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)];
}

/** `median (min–max)` of `xs`, each shown by `show`. */
function spread(xs: number[], show: (x: number) => string): string {
  return `${show(median(xs))} (${show(Math.min(...xs))}–${show(Math.max(...xs))})`;
}

/** Builds (unless BENCH_SKIP_BUILD=1), measures, writes the `logs-view` section of bench/results.md. */
export async function logsViewBench(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    console.error('logs view: building (npm run build)…');
    execFileSync('npm', ['run', 'build', '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const backendPort = await freePort();
  const server = await startHeadless({
    GO_BACKEND_BINARY: process.execPath,
    BACKEND_ARGS: JSON.stringify([FAULT_BACKEND]),
    GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
    PORT: String(backendPort),
    FLOOD_LINES: String(LINES),
    LOG_BUFFER_LINES: String(LINES),
  });
  let browser: Browser | undefined;
  try {
    // The flood is over and the ring buffer full when the tail holds "flood done" and 100,000 lines.
    await pollUntil(
      async () => {
        const tail = await rpc<{ text: string }[]>(server, 'logs:tail', { limit: LINES });
        return tail.length === LINES && tail.some((line) => line.text === 'flood done');
      },
      120_000,
      250,
      'the flood to fill the buffer',
    );
    const [last] = await rpc<{ seq: number }[]>(server, 'logs:tail', { limit: 1 });
    browser = await launchChromium();
    const results: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      const result = await run(browser, server, last!.seq);
      if (result.heldAtStart !== LINES) throw new Error(`the view holds ${result.heldAtStart} lines, not ${LINES}`);
      console.error(
        `logs view run ${i + 1}/${RUNS}: newest line ${result.lastLineMs.toFixed(0)} ms after navigation, ` +
          `${result.openMs.toFixed(0)} ms after the click; ${result.pageMs.length} older pages, ` +
          `median ${median(result.pageMs).toFixed(0)} ms; heap ${result.heapMb.toFixed(1)} MiB`,
      );
      results.push(result);
    }
    const pick = (f: (r: RunResult) => number): number[] => results.map(f);
    const ms = (x: number): string => `${x.toFixed(0)} ms`;
    const ms1 = (x: number): string => `${x.toFixed(1)} ms`;
    const rows = [
      [
        'navigation to `#/logs` → first page (`logs:tail`, 1,000 lines) asked for',
        spread(
          pick((r) => r.tailRequestMs),
          ms,
        ),
      ],
      [
        'navigation to `#/logs` → first page (`logs:tail`, 1,000 lines) answered',
        spread(
          pick((r) => r.tailResponseMs),
          ms,
        ),
      ],
      [
        'navigation to `#/logs` → newest line rendered',
        spread(
          pick((r) => r.lastLineMs),
          ms,
        ),
      ],
      [
        'reload of `#/logs` (files cached) → newest line rendered',
        spread(
          pick((r) => r.reloadMs),
          ms,
        ),
      ],
      [
        'Status page shown, click on Logs → newest line rendered',
        spread(
          pick((r) => r.openMs),
          ms,
        ),
      ],
      [
        'older pages loaded to the beginning of the buffer',
        spread(
          pick((r) => r.pageMs.length),
          String,
        ),
      ],
      [
        'scroll to the top → older page (2,000 lines) rendered: median of a run',
        spread(
          pick((r) => median(r.pageMs)),
          ms,
        ),
      ],
      [
        'scroll to the top → older page rendered: slowest of a run',
        spread(
          pick((r) => Math.max(...r.pageMs)),
          ms,
        ),
      ],
      [
        'all the pages back to the beginning (100,000 lines held)',
        spread(
          pick((r) => r.pageMs.reduce((a, b) => a + b, 0)),
          ms,
        ),
      ],
      [
        'JS heap used after GC, 100,000 lines held',
        spread(
          pick((r) => r.heapMb),
          (x) => `${x.toFixed(1)} MiB`,
        ),
      ],
      [
        'DOM nodes of the page (virtualized list)',
        spread(
          pick((r) => r.domNodes),
          (x) => x.toFixed(0),
        ),
      ],
      [
        `scroll top → bottom, ${WHEEL_STEPS} wheel steps: frames drawn`,
        spread(
          pick((r) => r.frames),
          String,
        ),
      ],
      [
        'scroll: median frame time (rAF delta)',
        spread(
          pick((r) => r.frameMedianMs),
          ms1,
        ),
      ],
      [
        'scroll: p95 frame time',
        spread(
          pick((r) => r.frameP95Ms),
          ms1,
        ),
      ],
      [
        'scroll: longest frame',
        spread(
          pick((r) => r.frameMaxMs),
          ms1,
        ),
      ],
      [
        'scroll: frames with a blank gap in view',
        spread(
          pick((r) => r.gapFrames),
          String,
        ),
      ],
    ];
    const md = [
      '## Logs view: 100,000 lines, paged',
      '',
      `Written by \`npx tsx bench/run.ts --only logs\` on ${new Date().toISOString()}: Chromium ${browser.version()}`,
      `(headless, no GPU) at ${VIEWPORT.width}×${VIEWPORT.height}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length};`,
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(
          ', ',
        )}. Medians of ${RUNS} runs (min–max), each in a fresh context (empty cache, the token in localStorage).`,
      '',
      `The headless supervisor holds ${LINES.toLocaleString('en')} lines (fault backend, FLOOD_LINES=${LINES}, LOG_BUFFER_LINES=${LINES}).`,
      'The view asks for the newest 1,000 lines at open and for 2,000 older ones (`logs:tail` with `before` the first',
      "`seq` held) each time its list nears the top; times are the page's own clock (performance.now(), 0 at the",
      'navigation\'s start; the click: from the click), the newest line "rendered" when its row is in the DOM at a',
      'frame. Scrolling: following paused, the list set to its top, then older pages until the row above the first',
      'line says the buffer begins there or the view holds its cap, 100,000 lines; then 50 mouse-wheel steps of',
      `1/50 of its height each, one frame awaited per step. Bottom reached in every run: ${results.every((r) => r.reachedEnd) ? 'yes' : 'no'}.`,
      'Before (the whole tail at open; bench/logs-view-results.md of d6fa74b, the page asking for all 100,000 lines):',
      'navigation → newest line 1,364 ms, `logs:tail` answered at 986 ms.',
      '',
      ...table(['measure', 'median (min–max)'], rows),
      '',
    ].join('\n');
    writeResultsSection('logs-view', md);
    console.log(md);
  } finally {
    await browser?.close();
    await server.stop();
  }
}
