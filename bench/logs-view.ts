/**
 * `npx tsx bench/logs-view.ts`: how the dashboard's Logs view copes with 100,000 lines in
 * Chromium, written to bench/logs-view-results.md (and printed).
 *
 * The headless supervisor runs the fault backend with FLOOD_LINES=100000 and
 * LOG_BUFFER_LINES=100000, so its ring buffer holds 100,000 lines. Each run opens a fresh
 * page on `#/logs` whose `logs:tail` asks for all 100,000 (the request is rewritten: the view
 * asks for 10,000 by default), then measures:
 *   - navigation → the tail's response, and navigation → the newest line rendered;
 *   - the JS heap after a GC (CDP) and the DOM nodes, with 100,000 lines held;
 *   - scrolling from the top to the bottom with 50 wheel steps: frames (requestAnimationFrame
 *     deltas: median, p95, max) and the time it took.
 * Runs: BENCH_RUNS (default 5); figures are medians over the runs. It builds first
 * (`npm run build`) unless BENCH_SKIP_BUILD=1. Everything it starts, it stops.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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
  performance: { now(): number; getEntriesByType(type: string): { name: string; responseEnd: number }[] };
  requestAnimationFrame(callback: (time: number) => void): number;
  localStorage: { setItem(key: string, value: string): void };
  benchFrames?: number[];
  benchRecording?: boolean;
  benchGaps?: number;
}

interface RunResult {
  tailResponseMs: number;
  lastLineMs: number;
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

/** One run: a fresh page, the 100,000-line tail, the heap, then a scroll from top to bottom. */
async function run(browser: Browser, server: HeadlessServer, lastSeq: number): Promise<RunResult> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    await context.addInitScript(
      ([key, token]) => (globalThis as unknown as PageGlobals).localStorage.setItem(key, token),
      [TOKEN_KEY, server.token] as const,
    );
    const page = await context.newPage();
    // The view asks for 10,000 lines; this run wants everything the server holds.
    await page.route(
      (url) => decodeURIComponent(url.pathname).endsWith('/api/v1/rpc/logs:tail'),
      (route) => route.continue({ postData: JSON.stringify({ args: [{ limit: LINES }] }) }),
    );
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    await page.goto(`${server.url}/#/logs`, { waitUntil: 'commit' });
    // performance.now() counts from the navigation's start.
    const lastLine = await page.waitForFunction(
      (seq) => {
        const w = globalThis as unknown as PageGlobals;
        return w.document.querySelector(`[data-testid="log-line"][data-seq="${seq}"]`) ? w.performance.now() : null;
      },
      lastSeq,
      { polling: 'raf', timeout: 120_000 },
    );
    const lastLineMs = (await lastLine.jsonValue()) as number;
    const tailResponseMs = await page.evaluate(() => {
      const w = globalThis as unknown as PageGlobals;
      const entry = w.performance
        .getEntriesByType('resource')
        .find((e) => decodeURIComponent(e.name).includes('/rpc/logs:tail'));
      return entry ? entry.responseEnd : Number.NaN;
    });
    const count = await page.getByTestId('log-count').textContent();
    if (count !== `${LINES.toLocaleString('en')} lines`) throw new Error(`the view holds ${count}, not ${LINES}`);

    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
    const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
    const heapMb = metric('JSHeapUsedSize') / 1024 / 1024;
    const domNodes = metric('Nodes');

    const scroll = await scrollTopToBottom(page);
    return { tailResponseMs, lastLineMs, heapMb, domNodes, ...scroll };
  } finally {
    await context.close();
  }
}

/** Pauses following, goes to the top, then 50 wheel steps to the bottom, recording frames. */
async function scrollTopToBottom(
  page: Page,
): Promise<
  Pick<RunResult, 'scrollMs' | 'frames' | 'frameMedianMs' | 'frameP95Ms' | 'frameMaxMs' | 'gapFrames' | 'reachedEnd'>
> {
  const view = page.getByTestId('log-view');
  await page.getByTestId('log-follow').click();
  await pollUntil(async () => (await page.getByTestId('log-follow').getAttribute('aria-pressed')) === 'false', 5_000);
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

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_BUILD !== '1') {
    console.error('building (npm run build)…');
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
      console.error(
        `run ${i + 1}/${RUNS}: last line ${result.lastLineMs.toFixed(0)} ms, heap ${result.heapMb.toFixed(1)} MiB, ` +
          `scroll ${result.scrollMs.toFixed(0)} ms / ${result.frames} frames (median ${result.frameMedianMs.toFixed(1)} ms)`,
      );
      results.push(result);
    }
    const m = (pick: (r: RunResult) => number): number => median(results.map(pick));
    const ms = (value: number): string => `${value.toFixed(1)} ms`;
    const all = (pick: (r: RunResult) => number, digits = 0): string =>
      results.map((r) => pick(r).toFixed(digits)).join(', ');
    const rows = [
      [
        'navigation → `logs:tail` (100,000 lines) answered',
        ms(m((r) => r.tailResponseMs)),
        all((r) => r.tailResponseMs),
      ],
      ['navigation → newest line rendered', ms(m((r) => r.lastLineMs)), all((r) => r.lastLineMs)],
      [
        'tail answered → newest line rendered (parse, check, filter, first render)',
        ms(m((r) => r.lastLineMs - r.tailResponseMs)),
        all((r) => r.lastLineMs - r.tailResponseMs),
      ],
      ['JS heap used after GC, 100,000 lines held', `${m((r) => r.heapMb).toFixed(1)} MiB`, all((r) => r.heapMb, 1)],
      ['DOM nodes of the page (virtualized list)', `${m((r) => r.domNodes).toFixed(0)}`, all((r) => r.domNodes)],
      [`scroll top → bottom, ${WHEEL_STEPS} wheel steps: time`, ms(m((r) => r.scrollMs)), all((r) => r.scrollMs)],
      [`scroll: frames drawn`, `${m((r) => r.frames).toFixed(0)}`, all((r) => r.frames)],
      ['scroll: median frame time (rAF delta)', ms(m((r) => r.frameMedianMs)), all((r) => r.frameMedianMs, 1)],
      ['scroll: p95 frame time', ms(m((r) => r.frameP95Ms)), all((r) => r.frameP95Ms, 1)],
      ['scroll: longest frame', ms(m((r) => r.frameMaxMs)), all((r) => r.frameMaxMs, 1)],
      ['scroll: frames with a blank gap in view', `${m((r) => r.gapFrames).toFixed(0)}`, all((r) => r.gapFrames)],
    ];
    const md = [
      '# Logs view benchmark',
      '',
      `Written by \`npx tsx bench/logs-view.ts\` on ${new Date().toISOString()}: Chromium ${browser.version()} (headless,`,
      `no GPU) at ${VIEWPORT.width}×${VIEWPORT.height}, Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}.`,
      `Medians of ${RUNS} runs (each run a fresh page); every run's value after the median.`,
      '',
      `The headless supervisor holds ${LINES.toLocaleString('en')} lines (fault backend, FLOOD_LINES=${LINES}, LOG_BUFFER_LINES=${LINES});`,
      `the page's \`logs:tail\` asks for all of them. Scrolling: the list paused at the top, then ${WHEEL_STEPS} mouse-wheel`,
      `steps of 1/${WHEEL_STEPS} of its height each (every step lands on rows never rendered before), one frame`,
      'awaited per step; frame times are requestAnimationFrame deltas. The scroll time is bounded by the driver (one',
      'wheel command and one frame round trip per step), not by the page: the frame times say how smooth it is.',
      `Bottom reached in every run: ${results.every((r) => r.reachedEnd) ? 'yes' : 'no'}.`,
      '',
      ...table(['measure', 'median', 'runs'], rows),
      '',
    ].join('\n');
    writeFileSync(join(import.meta.dirname, 'logs-view-results.md'), md);
    console.log(md);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

await main();
