/**
 * The Logs view's paging (`logs:tail` with `before` and `limit`) against a real
 * `serve --stack` over real HTTP: a service removed by a reload and added again, garbage
 * `before`/`limit` values, the read-only token, and many clients paging a ring of long
 * lines at once (the supervisor's peak memory, read from /proc).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/shared/status';
import { startServe, type ServeProcess } from '../helpers/stack';
import { pollUntil, tempDir } from '../helpers/supervise';

/** Clients paging at once in the hammering test, and the pages each asks for. */
const CLIENTS = 32;
const PAGES_EACH = 2;

const READ_TOKEN = 'read-only-token-0123456789abcdef0123';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Serve, SIGTERMed (then SIGKILLed) after the test. */
async function serveTracked(file: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const serve = await startServe(file, env);
  cleanups.push(async () => {
    if (serve.process.exitCode !== null || serve.process.signalCode !== null) return;
    serve.process.kill('SIGTERM');
    const killer = setTimeout(() => serve.process.kill('SIGKILL'), 15_000);
    await serve.exited;
    clearTimeout(killer);
  });
  return serve;
}

/** A service printing `count` lines `<name> line <n>` (or `text` each) then idling, with no health check. */
function printer(name: string, count: number, text?: string): Record<string, unknown> {
  const body =
    text === undefined
      ? `for (let i = 0; i < ${count}; i++) console.log(${JSON.stringify(name)} + ' line ' + i);`
      : `const t = ${JSON.stringify(text)}; let i = 0; const pump = () => { while (i < ${count}) { i++; if (!process.stdout.write(t + '\\n')) return process.stdout.once('drain', pump); } }; pump();`;
  return { command: [process.execPath, '-e', `${body} setInterval(() => {}, 1e6);`], stop_grace_period: 2 };
}

function writeStack(file: string, services: Record<string, Record<string, unknown>>): void {
  writeFileSync(file, JSON.stringify({ services }, null, 2));
}

/** `POST /api/v1/rpc/<channel>` with a raw body text; the status and the parsed answer. */
async function rpcRaw(
  serve: ServeProcess,
  channel: string,
  body: string,
  token = serve.token,
  query = '',
): Promise<{ status: number; body: { ok: boolean; data?: unknown; error?: { code: string; field?: string } } }> {
  const res = await fetch(`${serve.url}/api/v1/rpc/${channel}${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, body: (await res.json()) as never };
}

async function tail(serve: ServeProcess, options: Record<string, unknown>): Promise<LogLine[]> {
  const answer = await rpcRaw(serve, 'logs:tail', JSON.stringify({ args: [options] }));
  if (!answer.body.ok) throw new Error(`logs:tail ${JSON.stringify(options)}: ${JSON.stringify(answer.body)}`);
  return answer.body.data as LogLine[];
}

async function reload(serve: ServeProcess): Promise<void> {
  const res = await fetch(`${serve.url}/api/v1/config/reload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** Peak resident memory of a process so far (VmHWM), bytes. */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('logs:tail pages on a real serve --stack', () => {
  it('a service a reload removed and added again goes on counting its lines: a view left on it sees no seq go back', async () => {
    const dir = tempDir('bsup-logpages-');
    const file = join(dir, 'stack.yaml');
    writeStack(file, { api: printer('api', 5), worker: printer('worker', 200) });
    const serve = await serveTracked(file);
    let before: LogLine[] = [];
    await pollUntil(
      async () => {
        before = await tail(serve, { service: 'worker' });
        return before.some((l) => l.text === 'worker line 199');
      },
      20_000,
      50,
      "the worker's 200 lines",
    );
    const lastSeq = before.at(-1)!.seq;
    writeStack(file, { api: printer('api', 5) });
    await reload(serve);
    writeStack(file, { api: printer('api', 5), worker: printer('worker', 200) });
    await reload(serve);
    let after: LogLine[] = [];
    await pollUntil(
      async () => {
        after = await tail(serve, { service: 'worker' });
        return after.some((l) => l.text === 'worker line 199');
      },
      20_000,
      50,
      "the re-added worker's 200 lines",
    );
    // Every line of the new run numbered past the old run's last: a view that showed up to
    // `lastSeq` appends them (it drops a line whose seq is not above its last as a duplicate).
    expect(after[0]!.seq).toBeGreaterThan(lastSeq);
    expect(after.map((l) => l.seq)).toEqual(after.map((_, i) => after[0]!.seq + i));
    // Paging back from the new run: nothing (the ring started empty), which the view counts as dropped.
    expect(await tail(serve, { service: 'worker', before: after[0]!.seq })).toEqual([]);
  }, 90_000);

  it('garbage before/limit answer 400 BAD_ARGUMENTS naming the field; the read-only token may not page nor stream', async () => {
    const dir = tempDir('bsup-logpages-');
    const file = join(dir, 'stack.yaml');
    writeStack(file, { backend: printer('backend', 50) });
    const serve = await serveTracked(file, { CONTROL_READ_TOKEN: READ_TOKEN });
    await pollUntil(async () => (await tail(serve, {})).length >= 50, 20_000, 50, 'the lines');
    const bad: [string, string][] = [
      ['{"args":[{"before":"10"}]}', 'before'],
      ['{"args":[{"before":1.5}]}', 'before'],
      ['{"args":[{"before":-1}]}', 'before'],
      ['{"args":[{"before":9007199254740992}]}', 'before'],
      ['{"args":[{"before":1e400}]}', 'before'],
      ['{"args":[{"before":[10]}]}', 'before'],
      ['{"args":[{"before":null}]}', 'before'],
      ['{"args":[{"before":{"valueOf":10}}]}', 'before'],
      ['{"args":[{"before":true}]}', 'before'],
      ['{"args":[{"limit":"1000"}]}', 'limit'],
      ['{"args":[{"limit":0}]}', 'limit'],
      ['{"args":[{"limit":100001}]}', 'limit'],
      ['{"args":[{"limit":-5}]}', 'limit'],
      // Duplicate keys: the last one counts, as JSON.parse has it.
      ['{"args":[{"before":5,"before":"x"}]}', 'before'],
    ];
    for (const [body, field] of bad) {
      const answer = await rpcRaw(serve, 'logs:tail', body);
      expect(answer.status, body).toBe(400);
      expect(answer.body.error, body).toMatchObject({ code: 'BAD_ARGUMENTS' });
      expect(answer.body.error?.field ?? '', body).toContain(field);
    }
    // NaN is no JSON; an unknown key (a typo) is refused, not ignored.
    expect((await rpcRaw(serve, 'logs:tail', '{"args":[{"before":NaN}]}')).status).toBe(400);
    expect((await rpcRaw(serve, 'logs:tail', '{"args":[{"befor":10}]}')).status).toBe(400);
    expect((await rpcRaw(serve, 'logs:tail', '{"args":[{}, {}]}')).status).toBe(400);
    // Well-formed edge values: -0 and 2^53-1 are integers in range; query keys are not arguments.
    const ok = [
      '{"args":[{"before":-0,"limit":1}]}',
      `{"args":[{"before":${Number.MAX_SAFE_INTEGER},"limit":3}]}`,
      '{"args":[{"before":"x","before":40,"limit":100000}]}',
    ];
    const answers = await Promise.all(ok.map((body) => rpcRaw(serve, 'logs:tail', body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.body.data).toEqual([]);
    expect((answers[1]!.body.data as LogLine[]).length).toBe(3);
    expect((answers[2]!.body.data as LogLine[]).map((l) => l.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const queried = await rpcRaw(serve, 'logs:tail', '{"args":[{"limit":2}]}', serve.token, '?before=abc&before=1');
    expect((queried.body.data as LogLine[]).length).toBe(2);
    // The read-only token reads status and metrics only.
    const readOnly = await rpcRaw(serve, 'logs:tail', '{"args":[{"before":10}]}', READ_TOKEN);
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error).toMatchObject({ code: 'FORBIDDEN' });
    const events = await fetch(`${serve.url}/api/v1/events`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(events.status).toBe(403);
    await events.body?.cancel();
  }, 60_000);

  it('32 clients paging a 100,000-line ring of 16 KiB lines of escapes at once: each answered, each answer bounded, peak memory bounded', async () => {
    const dir = tempDir('bsup-logpages-');
    const file = join(dir, 'stack.yaml');
    // 2,000 lines of 16 KiB of ESC: the ring (25.6 MB of text) keeps about 1,560; each is
    // 96 KiB as JSON, so an unbounded answer of them all is 153 MB.
    writeStack(file, { backend: printer('backend', 2_000, '\x1b'.repeat(16_384)) });
    const serve = await serveTracked(file, { LOG_BUFFER_LINES: '100000' });
    let newest: LogLine[] = [];
    await pollUntil(
      async () => {
        newest = await tail(serve, { limit: 1 });
        return (newest[0]?.seq ?? 0) >= 1_999 && newest[0]!.text.length === 16_384;
      },
      60_000,
      200,
      'the 2,000 long lines',
    );
    const pid = serve.process.pid!;
    const baseline = peakRss(pid);
    const top = newest[0]!.seq + 1;
    const sizes: number[] = [];
    const statuses: Record<number, number> = {};
    const started = Date.now();
    let pages = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        // Each client pages back from its own place, a 100,000-line page each time.
        let before = top - client * 13;
        for (let k = 0; k < PAGES_EACH; k++) {
          const res = await fetch(`${serve.url}/api/v1/rpc/logs:tail`, {
            method: 'POST',
            headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ args: [{ limit: 100_000, before }] }),
          });
          const text = await res.text();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          expect(res.status).toBe(200);
          sizes.push(text.length);
          pages++;
          const page = (JSON.parse(text) as { data: LogLine[] }).data;
          if (page.length === 0) break;
          before = page[0]!.seq;
        }
      }),
    );
    const growth = peakRss(pid) - baseline;
    console.log(
      `${CLIENTS} clients, ${pages} pages in ${Date.now() - started} ms (${JSON.stringify(statuses)}): largest answer ${(Math.max(...sizes) / 1e6).toFixed(1)} MB, peak RSS ${(peakRss(pid) / 1e6).toFixed(0)} MB (+${(growth / 1e6).toFixed(0)} MB)`,
    );
    expect(statuses).toEqual({ 200: CLIENTS * PAGES_EACH });
    expect(Math.max(...sizes)).toBeLessThan(32 * 1024 * 1024 + 200_000);
    // All at once, 32 answers of 34 MB (twice over: the string and its bytes) grew it by 3 GB;
    // two at a time (LOG_ANSWERS_IN_FLIGHT), under 1 GB was measured.
    expect(growth).toBeLessThan(1.5 * 1024 ** 3);
    // And it still answers.
    expect((await tail(serve, { limit: 1 })).length).toBe(1);
  }, 300_000);
});
