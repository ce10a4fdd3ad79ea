/**
 * Per-service alerts (README "Alerts") with real parts: a fault backend that crashes, a real
 * HTTP receiver, real commands. The stack file's `notify` through createRuntime; the rate
 * limit, a receiver that hangs, and every way a delivery fails, on a real supervisor.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { parseStackText } from '../../src/main/core/stack/stack-file';
import type { Stack } from '../../src/main/core/stack/stack';
import type { LogStore } from '../../src/main/core/log-store';
import type { HttpHealthProbe } from '../../src/main/core/health-probe';
import { StackAlerts } from '../../src/main/core/alerts/stack-alerts';
import { createMetrics } from '../../src/main/core/metrics';
import type { AlertPayload } from '../../src/main/core/alerts/alert-payload';
import type { NotifyTarget } from '../../src/main/core/alerts/notify-schema';
import { fixtureStackText, livePids } from '../helpers/stack';
import {
  freePort,
  pidAlive,
  pollUntil,
  realSupervisor,
  stackOf,
  tempDir,
  testConfig,
  waitForState,
} from '../helpers/supervise';

/** One request the receiver got. */
interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: AlertPayload;
  at: number;
  /** Still open: not answered, not closed by the sender. */
  open: boolean;
}

/** A real webhook receiver: `/ok` 200, `/fail` 500, `/redirect` 307 to `/ok`, `/hang` never answers, `/endless` 200 and a body without end. */
async function receiver(): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertPayload,
        at: Date.now(),
        open: true,
      };
      got.push(entry);
      res.on('close', () => (entry.open = false));
      const path = entry.path.split('?')[0];
      if (path?.endsWith('/hang')) held.push(res);
      else if (path?.endsWith('/redirect')) res.writeHead(307, { location: '/ok' }).end();
      else if (path?.endsWith('/fail')) res.writeHead(500).end('no');
      else if (path?.endsWith('/endless')) {
        // 200, then an answer that never ends: the sender reads 4 KiB of it and hangs up.
        res.writeHead(200);
        const drip = setInterval(() => res.write(Buffer.alloc(1024, 120)), 5);
        res.on('close', () => clearInterval(drip));
      } else res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A command target's script: appends `{stdin, env}` as a line to `out`; `mode` exit3 fails, hang never exits. */
function commandScript(dir: string): string {
  const file = join(dir, 'alert-command.mjs');
  writeFileSync(
    file,
    [
      "import { appendFileSync } from 'node:fs';",
      'const [out, mode] = process.argv.slice(2);',
      "if (mode === 'hang') { appendFileSync(out, `${process.pid}\\n`); setInterval(() => {}, 1000); }",
      "let text = '';",
      "process.stdin.on('data', (c) => (text += c));",
      "process.stdin.on('end', () => {",
      "  if (mode === 'exit3') { process.stderr.write('paging failed: boom\\n'); process.exit(3); }",
      '  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("SUPERVISOR_ALERT_")));',
      '  appendFileSync(out, JSON.stringify({ stdin: JSON.parse(text), env }) + "\\n");',
      '});',
    ].join('\n'),
  );
  return file;
}

const linesOf = (logs: LogStore, match: string): string[] =>
  logs
    .tail(5000)
    .map((l) => l.text)
    .filter((t) => t.includes(match));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A real supervisor of the fault backend with `env` knobs, in a one-service stack whose `backend` has `notify`. */
async function crashingStack(env: Record<string, string>, overrides: Parameters<typeof testConfig>[1] = {}) {
  const port = await freePort();
  const config = testConfig(port, { env: { PORT: String(port), ...env }, ...overrides });
  const { supervisor, logs, probe } = realSupervisor(config);
  const stack = stackOf(supervisor, logs);
  cleanups.push(async () => {
    await stack.dispose();
    await (probe as HttpHealthProbe).close();
  });
  const notify = (targets: NotifyTarget[]): void => {
    stack.member('backend').definition.notify = targets;
  };
  return { supervisor, logs, stack, notify };
}

function watch(stack: Stack, windowMs?: number): StackAlerts {
  const alerts = new StackAlerts(stack, windowMs === undefined ? {} : { windowMs });
  cleanups.push(() => alerts.close());
  return alerts;
}

const webhook = (url: string, extra: Partial<NotifyTarget> = {}): NotifyTarget =>
  ({
    kind: 'webhook',
    url,
    headers: {},
    events: ['crash', 'hang', 'failed-start', 'give-up'],
    timeoutMs: 10_000,
    ...extra,
  }) as NotifyTarget;
const command = (argv: string[], timeoutMs = 10_000): NotifyTarget => ({
  kind: 'command',
  argv,
  cwd: tempDir('bsup-alert-cwd-'),
  events: ['crash', 'hang', 'failed-start', 'give-up'],
  timeoutMs,
});

describe('alerts from the stack file', () => {
  let runtime: SupervisorRuntime | null = null;
  afterEach(async () => {
    await runtime?.shutdown();
    runtime = null;
  });

  it('a crash of a real backend POSTs the JSON with its headers and runs the command with it on stdin', async () => {
    const dir = tempDir('bsup-alerts-');
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const script = commandScript(dir);
    const out = join(dir, 'command.out');
    const { text, services } = await fixtureStackText(dir, {
      api: {
        env: { CRASH_AFTER_MS: '1500' },
        restart: { policy: 'always', max_attempts: 5, delay: 0.1, max_delay: 1 },
      },
    });
    const file = JSON.parse(text) as { services: Record<string, Record<string, unknown>> };
    file.services.api!.notify = [
      {
        url: `${hook.url}/hooks/PATH-S3CRET/ok?token=QUERY-S3CRET`,
        headers: { Authorization: 'Bearer HEADER-S3CRET' },
      },
      { command: [process.execPath, script, out], events: ['crash', 'give-up'] },
    ];
    const base = testConfig(1, { dataDir: dir });
    const definition = parseStackText(JSON.stringify(file), 'stack.yaml', dir, base);
    runtime = createRuntime(base, undefined, undefined, undefined, definition);
    const { logs } = runtime.stack.member('api');
    await runtime.stack.start('user-ui');

    await pollUntil(() => hook.got.length >= 1 && existsSync(out), 20_000, 25, 'the first alert at both targets');
    const [first] = hook.got;
    expect(first!.path).toBe('/hooks/PATH-S3CRET/ok?token=QUERY-S3CRET');
    expect(first!.headers['authorization']).toBe('Bearer HEADER-S3CRET');
    expect(first!.headers['content-type']).toBe('application/json');
    expect(first!.body).toMatchObject({
      service: 'api',
      event: 'crash',
      suppressed: { count: 0, events: {}, since: null },
      incident: { service: 'api', kind: 'crash', exit: { code: 1, signal: null } },
    });
    expect(first!.body.at).toBe(first!.body.incident.at);
    expect(first!.body.summary).toBe(first!.body.incident.summary);
    expect(first!.body.incident.logs.length).toBeGreaterThan(0);

    const ran = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!) as {
      stdin: AlertPayload;
      env: Record<string, string>;
    };
    expect(ran.stdin).toEqual(first!.body);
    expect(ran.env).toEqual({
      SUPERVISOR_ALERT_SERVICE: 'api',
      SUPERVISOR_ALERT_EVENT: 'crash',
      SUPERVISOR_ALERT_AT: first!.body.at,
      SUPERVISOR_ALERT_SUMMARY: first!.body.summary,
      SUPERVISOR_ALERT_SUPPRESSED: '0',
    });
    await pollUntil(() => linesOf(logs, 'alert (crash) sent to').length === 2, 10_000, 25, 'both deliveries said');
    expect(linesOf(logs, 'alert (crash) sent to').sort()).toEqual([
      `alert (crash) sent to command ${process.execPath}`,
      `alert (crash) sent to webhook ${hook.url}`,
    ]);

    // The backend keeps crashing and restarting: within the minute no second alert goes.
    await pollUntil(
      () => (runtime?.stack.member('api').supervisor.status().restart_count ?? 0) >= 2,
      20_000,
      25,
      'two restarts',
    );
    expect(hook.got).toHaveLength(1);

    await runtime.shutdown();
    await pollUntil(() => livePids(services.api!).length === 0, 5_000, 25, 'no backend left');
    const eventsLog = readFileSync(join(dir, 'logs', 'supervisor.log'), 'utf8');
    expect(eventsLog).toContain(`alert (crash) sent to webhook ${hook.url}`);
    for (const secret of ['HEADER-S3CRET', 'PATH-S3CRET', 'QUERY-S3CRET']) {
      expect(eventsLog).not.toContain(secret);
      expect(logs.tail(5000).some((l) => l.text.includes(secret))).toBe(false);
    }
  }, 60_000);
});

describe('alerts of a real supervisor', () => {
  it('a crash loop sends one alert at once and the give-up when the window ends, counting the two between', async () => {
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const WINDOW_MS = 8_000;
    const { supervisor, logs, stack, notify } = await crashingStack(
      { CRASH_AFTER_MS: '200' },
      { maxRestartAttempts: 3, restartDelayMs: 100, maxRestartDelayMs: 200 },
    );
    notify([webhook(`${hook.url}/ok`)]);
    watch(stack, WINDOW_MS);
    await supervisor.start('user-ui');
    await waitForState(supervisor, 'crashed', 30_000);
    // Four failures: three the policy retried, the fourth it gave up on.
    await pollUntil(() => hook.got.length === 2, WINDOW_MS + 10_000, 25, 'the give-up alert');
    const [first, second] = hook.got;
    expect(['crash', 'failed-start']).toContain(first!.body.event);
    expect(first!.body.suppressed.count).toBe(0);
    expect(second!.body.event).toBe('give-up');
    expect(second!.body.incident.action).toMatch(/^gave up after 3 /);
    expect(second!.body.suppressed.count).toBe(2);
    const counted = Object.values(second!.body.suppressed.events).reduce((a, b) => a + b, 0);
    expect(counted).toBe(2);
    expect(second!.body.suppressed.since).not.toBeNull();
    // Not before the window's end (timers may fire a few ms early against the wall clock).
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(WINDOW_MS - 100);
    // The receiver has the request before the sender has its answer and says it was sent.
    await pollUntil(() => linesOf(logs, 'sent to webhook').length === 2, 10_000, 25, 'the give-up said sent');
    expect(linesOf(logs, 'sent to webhook')).toEqual([
      `alert (${first!.body.event}) sent to webhook ${hook.url}`,
      `alert (give-up, 2 held back before it) sent to webhook ${hook.url}`,
    ]);
  }, 60_000);

  it('a confirmed hang alerts as hang, and a start that never turns healthy as failed-start', async () => {
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const hung = await crashingStack({ HANG_AFTER_MS: '300' });
    hung.notify([webhook(`${hook.url}/ok?hung`)]);
    watch(hung.stack);
    const failing = await crashingStack({ HEALTH_STATUS: '503' }, { startupTimeoutMs: 1500, autoRestart: false });
    failing.notify([webhook(`${hook.url}/ok?failing`)]);
    watch(failing.stack);
    await Promise.all([hung.supervisor.start('user-ui'), failing.supervisor.start('user-ui')]);
    await pollUntil(() => hook.got.length >= 2, 30_000, 25, 'both alerts');
    const of = (which: string) => hook.got.find((g) => g.path.endsWith(which))!.body;
    expect(of('?hung')).toMatchObject({ event: 'hang', incident: { kind: 'hang' } });
    // With restarts off the one failed start is also the give-up.
    expect(of('?failing')).toMatchObject({ event: 'give-up', incident: { kind: 'failed-start' } });
  }, 60_000);

  it('a webhook that never answers holds no restart back, and ends when the alerts close', async () => {
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const { supervisor, stack, notify, logs } = await crashingStack({ CRASH_AFTER_MS: '1000' });
    notify([webhook(`${hook.url}/hang`, { timeoutMs: 60_000 })]);
    const alerts = watch(stack);
    await supervisor.start('user-ui');
    await pollUntil(() => hook.got.length === 1, 20_000, 25, 'the alert at the hanging receiver');
    const firstPid = supervisor.status().pid;
    // The policy restarts it at once while the delivery still waits for its answer.
    await waitForState(supervisor, 'running', 20_000, () => supervisor.status().pid !== firstPid);
    expect(hook.got[0]!.open).toBe(true);
    expect(linesOf(logs, 'to webhook')).toEqual([]);
    await alerts.close();
    await pollUntil(() => !hook.got[0]!.open, 5_000, 25, 'the hanging request closed');
    expect(linesOf(logs, 'to webhook')).toEqual([
      `alert (crash) to webhook ${hook.url} failed: the supervisor is shutting down`,
    ]);
  }, 60_000);

  it('says why each delivery failed (a timeout, a redirect not followed, a 500, an exit code, a command killed) and reads no endless answer', async () => {
    const dir = tempDir('bsup-alerts-fail-');
    const hook = await receiver();
    cleanups.push(() => hook.close());
    const script = commandScript(dir);
    const pids = join(dir, 'hang.pids');
    const { supervisor, stack, notify, logs } = await crashingStack({ CRASH_AFTER_MS: '500' }, { autoRestart: false });
    notify([
      webhook(`${hook.url}/slow/hang`, { timeoutMs: 1000 }),
      webhook(`${hook.url}/redirect`),
      webhook(`${hook.url}/T0KEN-IN-PATH/fail`, { headers: { 'X-Api-Key': 'KEY-S3CRET' } }),
      command([process.execPath, script, join(dir, 'unused.out'), 'exit3']),
      command([process.execPath, script, pids, 'hang'], 1000),
      command([join(dir, 'no-such-program')]),
      webhook(`${hook.url}/endless`),
    ]);
    const registry = createMetrics(stack, watch(stack));
    await supervisor.start('user-ui');
    await waitForState(supervisor, 'crashed', 20_000);
    await pollUntil(() => linesOf(logs, 'alert (give-up)').length === 7, 20_000, 25, 'seven deliveries said');
    // Each delivery counted by its outcome, for an alert on alerts that do not arrive.
    const counted = (await registry.getMetricsAsJSON()).find((m) => m.name === 'backend_alerts_total')!.values;
    expect(counted.map((v) => `${v.labels.service} ${v.labels.target} ${v.labels.outcome} ${v.value}`).sort()).toEqual([
      'backend command failed 3',
      'backend webhook failed 3',
      'backend webhook sent 1',
    ]);
    const hostPort = hook.url;
    expect(linesOf(logs, 'alert (give-up)').sort()).toEqual(
      [
        `alert (give-up) to webhook ${hostPort} failed: no answer within 1 s`,
        `alert (give-up) to webhook ${hostPort} failed: answered HTTP 307 (redirects are not followed)`,
        `alert (give-up) to webhook ${hostPort} failed: answered HTTP 500`,
        `alert (give-up) to command ${process.execPath} failed: exited with code 3: paging failed: boom`,
        `alert (give-up) to command ${process.execPath} failed: no exit within 1 s (killed)`,
        `alert (give-up) to command ${join(dir, 'no-such-program')} failed: command not found: ${join(dir, 'no-such-program')}`,
        `alert (give-up) sent to webhook ${hostPort}`,
      ].sort(),
    );
    // The redirect was not followed; the request that timed out and the endless answer were closed;
    // the hanging command's group is gone.
    expect(hook.got.map((g) => g.path.split('/').pop()).sort()).toEqual(['endless', 'fail', 'hang', 'redirect']);
    for (const end of ['/hang', '/endless']) {
      await pollUntil(() => !hook.got.find((g) => g.path.endsWith(end))!.open, 5_000, 25, `the ${end} request closed`);
    }
    const hung = Number(readFileSync(pids, 'utf8').trim());
    await pollUntil(() => !pidAlive(hung), 5_000, 25, 'the hanging command killed');
    // No retries: each target got the one alert.
    expect(hook.got).toHaveLength(4);
    for (const secret of ['KEY-S3CRET', 'T0KEN-IN-PATH']) {
      expect(logs.tail(5000).some((l) => l.text.includes(secret))).toBe(false);
    }
  }, 60_000);
});
