// Issue 10, item 8: every live event of the contract reaches both transports. A real
// supervisor runs a backend that crashes (a state change, its output, an incident); the
// headless event stream (real HTTP) and the desktop's IPC forwarding (subscribeLiveEvents
// with the window's `send`) must each get every name of the contract's event map, with a
// payload its schema accepts. An event added to the contract and not produced here fails.
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { events, type EventName } from '../../src/shared/contract';
import { subscribeLiveEvents } from '../../src/main/core/live-events';
import { createRuntime, type SupervisorRuntime } from '../../src/main/core/runtime';
import { createControlServer } from '../../src/main/server/control-server';
import { freePort, pollUntil, testConfig, waitForState } from '../helpers/supervise';

const TOKEN = 'control-token-0123456789abcdef0123456789';
const CONTRACT_EVENTS = Object.keys(events) as EventName[];

let runtime: SupervisorRuntime | undefined;
let server: FastifyInstance | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) c();
  await server?.close();
  await runtime?.shutdown();
  server = undefined;
  runtime = undefined;
});

/** The `event:`/`data:` pairs of a server-sent events text. */
function sseEvents(text: string): { name: string; data: unknown }[] {
  const out: { name: string; data: unknown }[] = [];
  for (const block of text.split('\n\n')) {
    const name = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (name && data) out.push({ name, data: JSON.parse(data) });
  }
  return out;
}

describe('live events', () => {
  it('every contract event reaches an event-stream client and the IPC sender, with a valid payload', async () => {
    const port = await freePort();
    const rt = createRuntime(
      testConfig(port, { autoRestart: false, controlPort: 0, env: { PORT: String(port), CRASH_AFTER_MS: '800' } }),
    );
    runtime = rt;
    const app = createControlServer({ ...rt, token: TOKEN });
    server = app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const controlPort = (app.server.address() as { port: number }).port;

    // The desktop's forwarding, as src/main/index.ts wires it: (name, payload) to the window.
    const sent: { name: string; payload: unknown }[] = [];
    cleanups.push(subscribeLiveEvents(rt, (name, payload) => sent.push({ name, payload })));

    const stream = await request(`http://127.0.0.1:${controlPort}/api/v1/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(stream.statusCode).toBe(200);
    let text = '';
    stream.body.setEncoding('utf8');
    stream.body.on('data', (chunk: string) => (text += chunk));
    cleanups.push(() => stream.body.destroy());
    await pollUntil(() => text.includes(': connected'), 5_000, 10, 'the stream to open');

    await rt.supervisor.start('user-ui');
    await waitForState(rt.supervisor, 'crashed', 20_000);
    const namesOf = (list: { name: string }[]): Set<string> => new Set(list.map((e) => e.name));
    await pollUntil(
      () => CONTRACT_EVENTS.every((name) => namesOf(sseEvents(text)).has(name) && namesOf(sent).has(name)),
      10_000,
      25,
      `every contract event (${CONTRACT_EVENTS.join(', ')}) on both transports`,
    );

    for (const name of CONTRACT_EVENTS) {
      const overSse = sseEvents(text).find((e) => e.name === name);
      const overIpc = sent.find((e) => e.name === name);
      expect({ name, sse: events[name].safeParse(overSse?.data).success }).toEqual({ name, sse: true });
      expect({ name, ipc: events[name].safeParse(overIpc?.payload).success }).toEqual({ name, ipc: true });
    }
    // Nothing but contract events on either transport.
    expect([...namesOf(sseEvents(text))].filter((n) => !CONTRACT_EVENTS.includes(n as EventName))).toEqual([]);
    expect([...namesOf(sent)].filter((n) => !CONTRACT_EVENTS.includes(n as EventName))).toEqual([]);
  });

  it('stops delivering once unsubscribed, and the event stream lets go of its sources when its last client closes', async () => {
    const port = await freePort();
    const rt = createRuntime(testConfig(port, { controlPort: 0 }));
    runtime = rt;
    const sent: string[] = [];
    const off = subscribeLiveEvents(rt, (name) => sent.push(name));
    const before = { state: rt.stack.listenerCount('state'), line: rt.stack.listenerCount('line') };
    rt.logs.append('supervisor', 'one');
    off();
    rt.logs.append('supervisor', 'two');
    expect(sent).toEqual(['backend:log']);
    expect(rt.stack.listenerCount('state')).toBe(before.state - 1);
    expect(rt.stack.listenerCount('line')).toBe(before.line - 1);

    const app = createControlServer({ ...rt, token: TOKEN });
    server = app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    const controlPort = (app.server.address() as { port: number }).port;
    const idle = { state: rt.stack.listenerCount('state'), line: rt.stack.listenerCount('line') };
    const stream = await request(`http://127.0.0.1:${controlPort}/api/v1/events`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    stream.body.resume();
    await pollUntil(() => app.eventHub.size === 1, 5_000, 10, 'the stream to be counted');
    expect(rt.stack.listenerCount('line')).toBe(idle.line + 1);
    expect(rt.stack.listenerCount('state')).toBe(idle.state + 1);
    stream.body.destroy();
    await pollUntil(() => app.eventHub.size === 0, 5_000, 10, 'the stream to close');
    expect({ state: rt.stack.listenerCount('state'), line: rt.stack.listenerCount('line') }).toEqual(idle);
  });
});
