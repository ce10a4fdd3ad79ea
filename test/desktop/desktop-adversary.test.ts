/**
 * The desktop app attacked through its window (test/desktop/desktop-app.ts): a hostile page or
 * frame calling `window.api` (wrong arguments, prototype keys, unknown channels, a 100 MB
 * string, a flood), links and windows it opens, a page of another port of the dev server's
 * host, and quitting while the stack restarts and while the backend crashes.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../helpers/supervise';
import { buildUnderTest, launchDesktop, prepareBuild, removeBuildCopy, type DesktopApp } from './desktop-app';
import type { StandInSnapshot } from './protocol';

type Envelope = { ok: boolean; data?: unknown; error?: { code: string; message: string } };
type Api = { api: { invoke(c: string, a: unknown): Promise<Envelope> } };

/** `window.api.invoke(channel, args)` in `page` (or one of its frames): the envelope, or `{rejected}`. */
async function invoke(
  page: Page | ReturnType<Page['frames']>[number],
  channel: string,
  args: unknown,
): Promise<Envelope | { rejected: string }> {
  return page.evaluate(
    ([c, a]) =>
      (globalThis as unknown as Api).api.invoke(c, a).then(
        (answer) => answer,
        (err: Error) => ({ rejected: err.message }),
      ),
    [channel, args] as const,
  );
}

/** Processes whose command line names `folder` (a PostgreSQL left on its cluster, a backend). */
function processesUsing(folder: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(folder)) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A server on 127.0.0.1:`port` answering `handler`, or null when the port is taken. */
function listenOn(port: number, handler: Parameters<typeof createServer>[1]): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.once('error', () => resolve(null));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const closeServer = (server: Server | null | undefined): Promise<unknown> =>
  new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));

afterAll(() => removeBuildCopy());

describe('a hostile page in the window of the built renderer', () => {
  let app: DesktopApp;
  let page: Page;
  let foreign: Server;
  let foreignUrl: string;
  const foreignRequests: string[] = [];

  beforeAll(async () => {
    foreign = createServer((req, res) => {
      foreignRequests.push(req.url ?? '');
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const address = foreign.address();
    foreignUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    app = await launchDesktop();
    page = app.page;
    await pollUntil(
      async () => (await page.getByTestId('state-badge').textContent()) === 'running',
      90_000,
      200,
      'the backend running',
    );
  });

  afterAll(async () => {
    await app?.kill();
    if (app) rmSync(app.userData, { recursive: true, force: true });
    await closeServer(foreign);
  });

  const snapshot = (): Promise<StandInSnapshot> => app.snapshot();

  it('a frame inside the window, of the same file: origin or not, gets FORBIDDEN', async () => {
    await page.evaluate(() => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): Record<string, unknown> } })
        .document;
      const frame = doc.createElement('iframe');
      // The renderer's own file: what the main frame's sender check would trust but for the parent.
      const here = (globalThis as unknown as { location: { href: string } }).location.href.split('#')[0]!;
      frame.src = `${here.split('?')[0]!}?framed`;
      (doc as unknown as { body: { appendChild(n: unknown): void } }).body.appendChild(frame);
    });
    await expect.poll(() => page.frames().length, { timeout: 10_000 }).toBeGreaterThan(1);
    const child = page.frames().find((f) => f.parentFrame() !== null)!;
    await expect.poll(() => child.url(), { timeout: 10_000 }).toMatch(/^file:.*index\.html\?framed$/);
    await expect.poll(() => child.evaluate(() => typeof (globalThis as unknown as Partial<Api>).api)).toBe('object');
    expect(await invoke(child, 'backend:status', [{}])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await invoke(child, 'backend:stop', [])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // The page's CSP (default-src 'self') keeps another origin out of a frame.
    await page.evaluate((url) => {
      const doc = (globalThis as unknown as { document: { createElement(t: string): Record<string, unknown> } })
        .document;
      const frame = doc.createElement('iframe');
      frame.src = `${url}/framed`;
      (doc as unknown as { body: { appendChild(n: unknown): void } }).body.appendChild(frame);
    }, foreignUrl);
    await expect.poll(() => page.frames().length, { timeout: 10_000 }).toBe(3);
    expect(foreignRequests).toEqual([]);
    await page.evaluate(() => {
      for (const frame of (
        globalThis as unknown as { document: { querySelectorAll(s: string): { remove(): void }[] } }
      ).document.querySelectorAll('iframe'))
        frame.remove();
    });
    expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: true, data: { status: 'running' } });
  });

  it('a file beside the renderer whose URL starts with its URL gets FORBIDDEN', async () => {
    const renderer = join(buildUnderTest(), 'renderer');
    // `…/index.html` is a prefix of `…/index.html.evil.html` (and of `…/index.html/…`).
    writeFileSync(join(renderer, 'index.html.evil.html'), '<!doctype html><title>beside</title>');
    const beside = pathToFileURL(join(renderer, 'index.html.evil.html')).href;
    const home = pathToFileURL(join(renderer, 'index.html')).href;
    try {
      await app.request({ op: 'load-url', url: beside });
      await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(beside);
      expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      await app.request({ op: 'load-url', url: `${home}?again#/status` });
    }
    // The renderer itself, with a query and a hash, is trusted.
    await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(`${home}?again#/status`);
    await expect.poll(() => invoke(page, 'backend:status', [{}]), { timeout: 30_000 }).toMatchObject({ ok: true });
  });

  it('wrong arguments, prototype keys and unknown channels are answered, never run, and the app goes on', async () => {
    const bad: [string, unknown][] = [
      ['backend:status', 'not an array'],
      ['backend:status', [{ service: 42 }]],
      ['backend:stop', [{ constructor: { prototype: { polluted: true } } }]],
      ['logs:tail', [{ limit: -1 }]],
      ['logs:tail', [{ limit: 'all' }]],
      ['auth:login', [null]],
      ['stack:saveFile', [{ toString: 'x' }]],
    ];
    for (const [channel, args] of bad) {
      expect(await invoke(page, channel, args), `${channel} ${JSON.stringify(args)}`).toMatchObject({
        ok: false,
        error: { code: 'BAD_ARGUMENTS' },
      });
    }
    for (const channel of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'no:such', '']) {
      expect(await invoke(page, channel, [])).toEqual({ rejected: expect.stringMatching(/No handler registered/) });
    }
    // A `__proto__` key: over Electron's structured clone an own key (refused by the strict
    // schema); here the stand-in's JSON transport makes it the object's prototype. Either way no
    // object of the main process is polluted, and a `service` only inherited is not read.
    const proto = await invoke(page, 'backend:status', JSON.parse('[{"__proto__": {"polluted": true}}]'));
    expect(proto).toMatchObject({ ok: expect.any(Boolean) });
    expect(JSON.stringify(proto)).not.toContain('polluted');
    const list = await invoke(page, 'services:list', []);
    expect(list).toMatchObject({ ok: true });
    expect(JSON.stringify(list)).not.toContain('polluted');
    // Nothing stopped: the status answers.
    const status = await invoke(page, 'backend:status', [{}]);
    expect(status).toMatchObject({ ok: true, data: { status: 'running' } });
    expect(JSON.stringify(status)).not.toContain('polluted');
  });

  it('a 100 MB string is refused by its schema with a short message', async () => {
    const answers = await page.evaluate(async () => {
      const { api } = globalThis as unknown as Api;
      const huge = 'x'.repeat(100 * 1024 * 1024);
      const results = [
        await api.invoke('auth:login', [{ email: huge, password: 'p' }]),
        await api.invoke('settings:importEnv', [huge]),
      ];
      return results.map((r) => ({ ok: r.ok, code: r.error?.code, length: r.error?.message.length ?? 0 }));
    });
    for (const answer of answers) {
      expect(answer).toMatchObject({ ok: false, code: 'BAD_ARGUMENTS' });
      expect(answer.length).toBeLessThan(1000);
    }
    expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: true });
  });

  it('a flood of 5,000 invokes at once is answered, each one, and the app goes on', async () => {
    const answers = await page.evaluate(async () => {
      const { api } = globalThis as unknown as Api;
      const all = await Promise.all(Array.from({ length: 5000 }, () => api.invoke('services:list', [])));
      const codes: Record<string, number> = {};
      for (const a of all) codes[a.ok ? 'ok' : a.error!.code] = (codes[a.ok ? 'ok' : a.error!.code] ?? 0) + 1;
      return codes;
    });
    // Each answered: listed, or refused at once when too many were under way.
    expect(Object.keys(answers).filter((code) => code !== 'ok' && code !== 'TOO_MANY_CALLS')).toEqual([]);
    expect((answers.ok ?? 0) + (answers.TOO_MANY_CALLS ?? 0)).toBe(5000);
    expect(answers.ok).toBeGreaterThan(0);
    expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: true, data: { status: 'running' } });
  });

  it('a flood of 100 restarts at once restarts the backend a bounded number of times', async () => {
    const before = (await invoke(page, 'backend:status', [{}])) as { data: { restart_count: number } };
    const answers = await page.evaluate(async () => {
      const { api } = globalThis as unknown as Api;
      const all = await Promise.all(Array.from({ length: 100 }, () => api.invoke('backend:restart', [])));
      return all.map((a) => (a.ok ? 'ok' : a.error!.code));
    });
    const ran = answers.filter((code) => code === 'ok').length;
    // 100 restarts queued one after the other (about 50 s here); at most 16 may be under way.
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThanOrEqual(16);
    expect(answers.filter((code) => code === 'TOO_MANY_CALLS')).toHaveLength(100 - ran);
    await expect
      .poll(() => invoke(page, 'backend:status', [{}]), { timeout: 60_000 })
      .toMatchObject({ ok: true, data: { status: 'running', restart_count: before.data.restart_count + ran } });
    // Once answered, the channel takes calls again.
    expect(await invoke(page, 'backend:restart', [])).toMatchObject({ ok: true });
    await expect
      .poll(() => invoke(page, 'backend:status', [{}]), { timeout: 60_000 })
      .toMatchObject({ ok: true, data: { status: 'running' } });
  });

  it('window.open of look-alike links opens nothing but the registered backend URL', async () => {
    const backend = app.backendUrl;
    const host = new URL(backend).host;
    const tricks = [
      `http://user@${host}/`,
      `http://${host}@127.0.0.2/`,
      `${backend}/%2e%2e/x`,
      `${backend}/#frag`,
      `${backend}?q`,
      `https://${host}/`,
      `file:///etc/passwd`,
      `smb://${host}/share`,
      `bsup-custom://open`,
      `javascript:alert(1)`,
      `data:text/html,<p>x`,
      `http://${host.replace('127.0.0.1', '127.1')}/`,
    ];
    const before = (await snapshot()).windows[0]!.windowOpens.length;
    await page.evaluate((urls) => {
      for (const url of urls)
        (globalThis as unknown as { open(u: string, t: string, f: string): unknown }).open(
          url,
          '_blank',
          'noopener,width=10',
        );
    }, tricks);
    await expect
      .poll(async () => (await snapshot()).windows[0]!.windowOpens.length, { timeout: 10_000 })
      .toBe(before + tricks.length);
    const { windows, opened } = await snapshot();
    expect(windows[0]!.windowOpens.slice(before).map((w) => w.action)).toEqual(tricks.map(() => 'deny'));
    // 127.1 is 127.0.0.1 written short: the same link after URL parsing, so it may open; nothing else.
    expect(opened.filter((url) => url !== `${backend}/`)).toEqual([]);
    expect(windows).toHaveLength(1);
  });

  it('a target=_blank link asks the window-open handler: another origin opens nowhere, no window is made', async () => {
    const before = (await snapshot()).windows[0]!.windowOpens.length;
    const openedBefore = (await snapshot()).opened.length;
    await page.evaluate(
      ([other, backend]) => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): Record<string, unknown> } })
          .document;
        for (const [id, href] of [
          ['to-other', `${other}/blank`],
          ['to-backend', `${backend}/`],
        ]) {
          const link = doc.createElement('a');
          Object.assign(link, { href, target: '_blank', textContent: id, id, rel: 'opener' });
          (doc as unknown as { body: { prepend(n: unknown): void } }).body.prepend(link);
        }
      },
      [foreignUrl, app.backendUrl] as const,
    );
    // As a script on the page would: the links' own click (the page's layout covers them).
    await page.evaluate(() => {
      for (const id of ['to-other', 'to-backend'])
        (globalThis as unknown as { document: { getElementById(i: string): { click(): void } } }).document
          .getElementById(id)
          .click();
    });
    await expect
      .poll(async () => (await snapshot()).windows[0]!.windowOpens.slice(before), { timeout: 10_000 })
      .toEqual([
        { url: `${foreignUrl}/blank`, action: 'deny' },
        { url: `${app.backendUrl}/`, action: 'deny' },
      ]);
    expect((await snapshot()).opened.slice(openedBefore)).toEqual([`${app.backendUrl}/`]);
    expect(
      page
        .context()
        .pages()
        .filter((p) => p.url() !== 'about:blank' && p !== page),
    ).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.evaluate(() => {
      for (const id of ['to-other', 'to-backend'])
        (globalThis as unknown as { document: { getElementById(i: string): { remove(): void } } }).document
          .getElementById(id)
          .remove();
    });
  });

  it('closing and opening the window 30 times keeps one window, and a reload keeps one delivery per listener', async () => {
    for (let i = 0; i < 30; i++) {
      expect(await app.request({ op: 'window-close' })).toBe(false);
      await app.request({ op: i % 2 ? 'tray-click' : 'tray-menu-click', label: 'Open dashboard' } as never);
    }
    const { windows } = await snapshot();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ visible: true, destroyed: false });
    // Five reloads, then one listener: a restart's states arrive once each, not once per reload.
    for (let i = 0; i < 5; i++) await page.reload();
    await pollUntil(
      async () => (await page.getByTestId('state-badge').textContent()) === 'running',
      30_000,
      100,
      'run',
    );
    await page.evaluate(() => {
      const g = globalThis as unknown as { seen: string[]; api: { on(e: string, l: (p: unknown) => void): unknown } };
      g.seen = [];
      g.api.on('backend:state', (p) => g.seen.push(JSON.stringify(p)));
    });
    expect(await invoke(page, 'backend:restart', [])).toMatchObject({ ok: true });
    await expect
      .poll(() => invoke(page, 'backend:status', [{}]), { timeout: 60_000 })
      .toMatchObject({
        data: { status: 'running' },
      });
    const seen = await page.evaluate(() => (globalThis as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('navigating the window away (file:, data:, javascript:, another origin) leaves the dashboard', async () => {
    const before = (await snapshot()).windows[0]!.navigations.length;
    for (const url of ['data:text/html,<p>x', 'javascript:void 0', `${foreignUrl}/away`]) {
      await page.evaluate((u) => {
        (globalThis as unknown as { location: { href: string } }).location.href = u;
      }, url);
    }
    await expect
      .poll(async () => (await snapshot()).windows[0]!.navigations.slice(before), { timeout: 10_000 })
      .toEqual([{ url: `${foreignUrl}/away`, prevented: true }]);
    expect(page.url()).toMatch(/^file:.*index\.html/);
    expect(foreignRequests).toEqual([]);
    expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: true });
  });

  it('Quit during Restart all, with the backend crashing meanwhile, leaves no process', async () => {
    const status = await invoke(page, 'backend:status', [{}]);
    const pid = (status as { data: { pid: number } }).data.pid;
    expect(pid).toBeGreaterThan(0);
    let leftAtExit: string[] | null = null;
    app.beforeExit(() => {
      leftAtExit = processesUsing(app.userData);
    });
    await app.request({ op: 'tray-menu-click', label: 'Restart all' });
    await app.request({ op: 'tray-menu-click', label: 'Quit' });
    process.kill(pid, 'SIGKILL');
    // Clicked again while it quits: neither restarts anything.
    await app.request({ op: 'tray-menu-click', label: 'Restart all' }).catch(() => undefined);
    await app.request({ op: 'tray-menu-click', label: 'Start all' }).catch(() => undefined);
    expect(await app.exited).toBe(0);
    expect(leftAtExit).toEqual([]);
    expect(processesUsing(app.userData)).toEqual([]);
  });
});

describe('the dev server renderer (ELECTRON_RENDERER_URL) and a page of a look-alike origin', () => {
  let app: DesktopApp;
  let dev: Server | null = null;
  let lookAlike: Server | null = null;
  let devUrl: string;
  let lookAlikeUrl: string;

  beforeAll(async () => {
    const renderer = join(await prepareBuild(), 'renderer');
    const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
    const serveRenderer: Parameters<typeof createServer>[1] = (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const file = join(renderer, path === '/' ? 'index.html' : path);
      try {
        const body = readFileSync(file);
        res.setHeader('content-type', types[extname(file)] ?? 'application/octet-stream');
        res.end(body);
      } catch {
        res.statusCode = 404;
        res.end();
      }
    };
    // The dev server on port P, the look-alike on P0…P9: `http://127.0.0.1:P` is a prefix of its URL.
    for (let attempt = 0; attempt < 50 && !lookAlike; attempt++) {
      const port = 1024 + Math.floor(Math.random() * (6553 - 1024));
      dev = await listenOn(port, serveRenderer);
      if (!dev) continue;
      for (let digit = 0; digit < 10 && !lookAlike; digit++) {
        lookAlike = await listenOn(port * 10 + digit, serveRenderer);
        if (lookAlike) lookAlikeUrl = `http://127.0.0.1:${port * 10 + digit}/`;
      }
      if (!lookAlike) await closeServer(dev);
      else devUrl = `http://127.0.0.1:${port}`;
    }
    if (!lookAlike) throw new Error('no free pair of ports P and P0…P9');
    // As electron-vite sets it: no trailing slash.
    app = await launchDesktop(undefined, { ELECTRON_RENDERER_URL: devUrl });
  });

  afterAll(async () => {
    await app?.kill();
    if (app) rmSync(app.userData, { recursive: true, force: true });
    await closeServer(dev);
    await closeServer(lookAlike);
  });

  it("the dev server's page is trusted; a page of port P0 (its URL starts with the dev URL) gets FORBIDDEN", async () => {
    const { page } = app;
    await expect.poll(() => invoke(page, 'backend:status', [{}]), { timeout: 60_000 }).toMatchObject({ ok: true });
    try {
      await app.request({ op: 'load-url', url: lookAlikeUrl });
      await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(lookAlikeUrl);
      await expect.poll(() => page.evaluate(() => typeof (globalThis as unknown as Partial<Api>).api)).toBe('object');
      expect(await invoke(page, 'backend:status', [{}])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(await invoke(page, 'backend:stop', [])).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    } finally {
      await app.request({ op: 'load-url', url: devUrl });
    }
    await expect.poll(() => page.url(), { timeout: 10_000 }).toBe(`${devUrl}/`);
    await expect.poll(() => invoke(page, 'backend:status', [{}]), { timeout: 30_000 }).toMatchObject({ ok: true });
  });
});
