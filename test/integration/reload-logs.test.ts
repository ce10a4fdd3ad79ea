/**
 * The log settings a reload applies in place, on a real `serve --stack` over real HTTP: the
 * in-memory buffer's size (LOG_BUFFER_LINES), the log folder (LOG_DIR: new lines go to the
 * new folder's file, none lost or doubled across the move) and the rotation count
 * (LOG_FILE_COUNT: lowered, the files past it go), each with the service's pid kept.
 */
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloadResult } from '../../src/shared/reload';
import type { ServiceStatus } from '../../src/shared/services';
import type { LogLine } from '../../src/shared/status';
import { endServe, postReload, servicesOf, startServe, type ServeProcess } from '../helpers/stack';
import { pollUntil, tempDir } from '../helpers/supervise';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A data folder (with its settings file `settings`) and a stack of `services`; serve on them, ended after the test. */
async function serveWith(
  settings: Record<string, unknown>,
  services: Record<string, Record<string, unknown>>,
): Promise<{ serve: ServeProcess; dir: string; writeSettings: (s: Record<string, unknown>) => void }> {
  const dir = tempDir('bsup-reload-logs-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const writeSettings = (s: Record<string, unknown>): void =>
    writeFileSync(join(dir, 'settings.json'), JSON.stringify(s));
  writeSettings(settings);
  const file = join(dir, 'stack.yaml');
  writeFileSync(file, JSON.stringify({ services }, null, 2));
  const serve = await startServe(file, { SUPERVISOR_DATA_DIR: dir });
  cleanups.push(() => endServe(serve, 'SIGKILL'));
  return { serve, dir, writeSettings };
}

/** A folder removed after the test. */
function scratchDir(): string {
  const dir = tempDir('bsup-reload-logdir-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A service running `body` in Node, then idling; no health check. */
const node = (body: string): Record<string, unknown> => ({
  command: [process.execPath, '-e', `${body} setInterval(() => {}, 1e6);`],
  stop_grace_period: 2,
});

async function tail(serve: ServeProcess, service: string): Promise<LogLine[]> {
  const res = await fetch(`${serve.url}/api/v1/rpc/logs:tail`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args: [{ service }] }),
  });
  const answer = (await res.json()) as { ok: boolean; data?: LogLine[] };
  if (!answer.ok || !answer.data) throw new Error(`logs:tail ${service}: ${JSON.stringify(answer)}`);
  return answer.data;
}

const pidOf = (list: ServiceStatus[], name: string): number | null | undefined =>
  list.find((s) => s.name === name)?.pid;

/** The `tick <n>` numbers of a log file's lines (`<time> out tick <n>`), in file order. */
function ticksIn(path: string): number[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((line) => /^\S+ out tick (\d+)$/.exec(line)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/** Reloads (after a dry run that must name `setting` in `service`'s update) and expects it applied. */
async function reloadNaming(serve: ServeProcess, service: string, setting: string): Promise<void> {
  const plan = (await postReload(serve, true)).body as unknown as ReloadResult;
  expect(plan.services.find((s) => s.service === service)).toEqual({
    service,
    action: 'update',
    changes: [setting],
  });
  expect(plan.needs_supervisor_restart).toEqual([]);
  const applied = await postReload(serve);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  expect((applied.body as unknown as ReloadResult).result?.success).toBe(true);
}

describe('a reload applies the log settings in place', () => {
  it('LOG_BUFFER_LINES: the buffer keeps the newest lines of the new count, seq going on, the pid kept', async () => {
    const { serve, writeSettings } = await serveWith(
      { logBufferLines: 200 },
      { printer: node(`for (let i = 0; i < 300; i++) console.log('line ' + i);`) },
    );
    let before: LogLine[] = [];
    await pollUntil(
      async () => {
        before = await tail(serve, 'printer');
        return before.some((l) => l.text === 'line 299');
      },
      20_000,
      25,
      'the 300 lines',
    );
    expect(before).toHaveLength(200);
    const pid = pidOf(await servicesOf(serve), 'printer');
    expect(pid).toBeGreaterThan(0);

    writeSettings({ logBufferLines: 20 });
    await reloadNaming(serve, 'printer', 'logBufferLines');
    const after = await tail(serve, 'printer');
    expect(after).toHaveLength(20);
    // The newest: the last printed lines, then the reload's own line, numbered on from before.
    const last = before[before.length - 1] as LogLine;
    expect(after.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, k) => last.seq - 18 + k));
    expect(after[18]?.text).toBe('line 299');
    expect(after[19]?.text).toMatch(/^reload \(.*\): logBufferLines changed: applied in place$/);
    expect(pidOf(await servicesOf(serve), 'printer')).toBe(pid);
  });

  it('LOG_DIR: new lines go to the new folder, the old file keeps every line before; none lost or doubled', async () => {
    const outside = scratchDir();
    const ticker = node(
      `let i = 0; setInterval(() => { for (let k = 0; k < 5; k++) console.log('tick ' + i++); }, 2);`,
    );
    const { serve, dir, writeSettings } = await serveWith({ logDir: join(outside, 'old') }, { ticker });
    const oldFile = join(outside, 'old', 'ticker.log');
    await pollUntil(() => ticksIn(oldFile).length >= 200, 20_000, 25, '200 ticks in the old folder');
    const pid = pidOf(await servicesOf(serve), 'ticker');
    const newDir = join(dir, 'new');
    writeSettings({ logDir: newDir });
    // A service added by the same reload opens its log in the new folder only.
    writeFileSync(
      join(dir, 'stack.yaml'),
      JSON.stringify({ services: { ticker, late: node(`console.log('late line');`) } }),
    );
    await reloadNaming(serve, 'ticker', 'logDir');
    const newFile = join(newDir, 'ticker.log');
    await pollUntil(() => ticksIn(newFile).length >= 200, 20_000, 25, '200 ticks in the new folder');
    expect(pidOf(await servicesOf(serve), 'ticker')).toBe(pid);
    await pollUntil(
      async () => (await tail(serve, 'late')).some((l) => l.text === 'late line'),
      10_000,
      25,
      "the added service's line",
    );
    await endServe(serve, 'SIGTERM');

    const old = ticksIn(oldFile);
    const moved = ticksIn(newFile);
    const all = [...old, ...moved];
    expect(all[0]).toBe(0);
    // Every tick once, in order: the old file's are followed by the new one's.
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => k));
    expect(old.length).toBeGreaterThanOrEqual(200);
    expect(existsSync(join(newDir, 'supervisor.log'))).toBe(true);
    expect(readFileSync(join(newDir, 'late.log'), 'utf8')).toMatch(/ out late line\n/);
    expect(existsSync(join(outside, 'old', 'late.log'))).toBe(false);
  });

  it('LOG_DIR A → B → A during a flood rotating every 4 KiB: every tick once, each folder in order on disk', async () => {
    const outside = scratchDir();
    const [a, b] = [join(outside, 'a'), join(outside, 'b')];
    const ticker = node(
      `let i = 0; setInterval(() => { for (let k = 0; k < 20; k++) console.log('tick ' + i++); }, 1);`,
    );
    const base = { logFileMaxBytes: 4096, logFileCount: 1000 };
    const { serve, writeSettings } = await serveWith({ ...base, logDir: a }, { ticker });
    const rotated = (folder: string): number => readdirSync(folder).filter((f) => f.startsWith('ticker.log.')).length;
    await pollUntil(() => rotated(a) >= 20, 20_000, 10, '20 rotations in a');
    writeSettings({ ...base, logDir: b });
    expect((await postReload(serve)).status).toBe(200);
    await pollUntil(() => existsSync(b) && rotated(b) >= 20, 20_000, 10, '20 rotations in b');
    writeSettings({ ...base, logDir: a });
    expect((await postReload(serve)).status).toBe(200);
    const before = rotated(a);
    await pollUntil(() => rotated(a) >= before + 20, 20_000, 10, '20 more rotations in a');
    await endServe(serve, 'SIGTERM');
    /** A folder's ticks, oldest first: `.N.gz` … `.1.gz`, then the pending ones, then the file. */
    const ticksOf = (folder: string): number[] => {
      const entries = readdirSync(folder).filter((f) => f.startsWith('ticker.log'));
      const gz = entries
        .map((f) => /^ticker\.log\.(\d+)\.gz$/.exec(f)?.[1])
        .filter((k): k is string => k !== undefined)
        .map(Number)
        .sort((x, y) => y - x);
      expect(gz).toEqual(Array.from({ length: gz.length }, (_, i) => gz.length - i));
      const texts = gz.map((k) => gunzipSync(readFileSync(join(folder, `ticker.log.${k}.gz`))).toString('utf8'));
      for (const f of entries.filter((e) => e.includes('.pending-')).sort())
        texts.push(readFileSync(join(folder, f), 'utf8'));
      texts.push(readFileSync(join(folder, 'ticker.log'), 'utf8'));
      return texts
        .join('')
        .split('\n')
        .map((line) => /^\S+ out tick (\d+)$/.exec(line)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number);
    };
    const inA = ticksOf(a);
    const inB = ticksOf(b);
    expect(inA).toEqual([...inA].sort((x, y) => x - y));
    expect(inB).toEqual([...inB].sort((x, y) => x - y));
    const all = [...inA, ...inB].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: all.length }, (_, k) => k));
  });

  it('LOG_DIR to a folder others can write in is refused (as at the start): nothing changes', async () => {
    const { serve, dir, writeSettings } = await serveWith(
      {},
      { ticker: node(`let i = 0; setInterval(() => console.log('tick ' + i++), 5);`) },
    );
    const open = scratchDir();
    chmodSync(open, 0o777);
    writeSettings({ logDir: open });
    for (const dryRun of [true, false]) {
      const refused = await postReload(serve, dryRun);
      expect(refused.status).not.toBe(200);
      // The field it is about, as the RPC channel names it: the page marks it.
      expect(refused.body).toMatchObject({ code: 'SETTINGS_FILE_INVALID', field: 'logDir' });
      expect(JSON.stringify(refused.body)).toContain('writable by other users');
    }
    // Still written where it was, nothing in the refused folder.
    const file = join(dir, 'logs', 'ticker.log');
    const seen = ticksIn(file).length;
    await pollUntil(() => ticksIn(file).length > seen + 5, 10_000, 25, 'new ticks in the running folder');
    expect(readdirSync(open)).toEqual([]);
  });

  it('LOG_DIR at a file, or under one, is refused (as at the start): nothing changes, no line dropped', async () => {
    const { serve, dir, writeSettings } = await serveWith(
      {},
      { ticker: node(`let i = 0; setInterval(() => console.log('tick ' + i++), 5);`) },
    );
    const plain = join(scratchDir(), 'a-file');
    writeFileSync(plain, 'not a folder\n', { mode: 0o600 });
    for (const logDir of [plain, join(plain, 'logs')]) {
      writeSettings({ logDir });
      for (const dryRun of [true, false]) {
        const refused = await postReload(serve, dryRun);
        expect(refused.status, JSON.stringify(refused.body)).not.toBe(200);
        expect(refused.body).toMatchObject({ code: 'SETTINGS_FILE_INVALID' });
        expect(JSON.stringify(refused.body)).toContain('not a folder');
      }
    }
    const file = join(dir, 'logs', 'ticker.log');
    const seen = ticksIn(file).length;
    await pollUntil(() => ticksIn(file).length > seen + 5, 10_000, 25, 'new ticks in the running folder');
    expect(readFileSync(plain, 'utf8')).toBe('not a folder\n');
  });

  it('LOG_FILE_COUNT lowered: the rotated files past the new count are removed', async () => {
    const text = 'x'.repeat(60);
    const { serve, dir, writeSettings } = await serveWith(
      { logFileMaxBytes: 1024, logFileCount: 5 },
      // 20 chunks of 20 lines (~1.8 KiB each, past the 1 KiB size): a rotation before each.
      {
        printer: node(
          `let i = 0; const t = setInterval(() => { for (let k = 0; k < 20; k++) console.log(${JSON.stringify(text)} + i++); if (i >= 400) clearInterval(t); }, 5);`,
        ),
      },
    );
    const logs = join(dir, 'logs');
    const rotated = (): string[] =>
      readdirSync(logs)
        .filter((f) => f.startsWith('printer.log.'))
        .sort();
    // 5 kept, all compressed.
    await pollUntil(
      async () => {
        const files = rotated();
        const lines = await tail(serve, 'printer');
        return (
          lines.some((l) => l.text === `${text}399`) &&
          files.join() === [1, 2, 3, 4, 5].map((n) => `printer.log.${n}.gz`).join()
        );
      },
      20_000,
      25,
      'five compressed rotated files',
    );
    writeSettings({ logFileMaxBytes: 1024, logFileCount: 2 });
    await reloadNaming(serve, 'printer', 'logFileCount');
    await pollUntil(
      () => rotated().join() === 'printer.log.1.gz,printer.log.2.gz',
      10_000,
      25,
      `only two rotated files left, not ${rotated().join()}`,
    );
  });
});
