import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/main/core/clock';
import type { Incident } from '../../src/shared/incident';
import type { BackendState } from '../../src/shared/states';
import { LogStore } from '../../src/main/core/log-store';
import { AlertThrottle, ALERT_WINDOW_MS } from '../../src/main/core/alerts/alert-throttle';
import type { SuppressedCount } from '../../src/main/core/alerts/alert-payload';
import { AlertDispatcher } from '../../src/main/core/alerts/alert-dispatcher';
import type { AlertEvent } from '../../src/main/core/alerts/alert-events';
import { StackAlerts, type AlertedMember } from '../../src/main/core/alerts/stack-alerts';
import type { NotifyTarget } from '../../src/main/core/alerts/notify-schema';
import { DeliveryQueue } from '../../src/main/core/alerts/delivery-queue';
import { alertPayload, type AlertPayload } from '../../src/main/core/alerts/alert-payload';

/** A clock whose timers fire only when the test moves time on. */
class ManualClock implements Clock {
  now = 0;
  private timers: { due: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  monotonicMs = (): number => this.now;
  wallNow = (): Date => new Date(this.now);
  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.timers.push({ due: this.now + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  get pending(): number {
    return this.timers.length;
  }
  /** Moves time to `t`, firing every timer due by then in order. */
  advanceTo(t: number): void {
    for (;;) {
      this.timers.sort((a, b) => a.due - b.due);
      const next = this.timers[0];
      if (!next || next.due > t) break;
      this.timers.shift();
      this.now = next.due;
      next.fn();
    }
    this.now = t;
  }
}

type Sent = { event: AlertEvent; at: string; suppressed: SuppressedCount };

function throttled(windowMs = ALERT_WINDOW_MS) {
  const clock = new ManualClock();
  const sent: Sent[] = [];
  const throttle = new AlertThrottle<{ event: AlertEvent; at: string }>(
    clock,
    (alert, suppressed) => sent.push({ ...alert, suppressed }),
    windowMs,
  );
  const offer = (event: AlertEvent, at: number): void => {
    clock.advanceTo(at);
    throttle.offer({ event, at: new Date(at).toISOString() });
  };
  return { clock, sent, throttle, offer };
}

describe('alert throttle: at most one alert a minute per service', () => {
  it('sends the first at once and holds one a millisecond inside the window until the window ends', () => {
    const { clock, sent, offer } = throttled();
    offer('crash', 0);
    expect(sent.map((s) => s.event)).toEqual(['crash']);
    expect(sent[0]!.suppressed).toEqual({ count: 0, events: {}, since: null });
    offer('crash', ALERT_WINDOW_MS - 1);
    expect(sent).toHaveLength(1);
    clock.advanceTo(ALERT_WINDOW_MS - 1);
    expect(sent).toHaveLength(1);
    clock.advanceTo(ALERT_WINDOW_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ event: 'crash', suppressed: { count: 0 } });
    expect(clock.pending).toBe(0);
  });

  it('sends one exactly a window after the last at once', () => {
    const { sent, offer, clock } = throttled();
    offer('crash', 1000);
    offer('hang', 1000 + ALERT_WINDOW_MS);
    expect(sent.map((s) => s.event)).toEqual(['crash', 'hang']);
    expect(clock.pending).toBe(0);
  });

  it('in a burst keeps the newest (the give-up) and counts the ones it replaced, by event, since the first', () => {
    const { clock, sent, offer } = throttled();
    offer('crash', 0);
    offer('crash', 100);
    offer('failed-start', 200);
    offer('crash', 300);
    offer('give-up', 400);
    clock.advanceTo(ALERT_WINDOW_MS);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toEqual({
      event: 'give-up',
      at: new Date(400).toISOString(),
      suppressed: { count: 3, events: { crash: 2, 'failed-start': 1 }, since: new Date(100).toISOString() },
    });
    // The count starts again after it was said.
    offer('crash', 3 * ALERT_WINDOW_MS);
    expect(sent[2]!.suppressed.count).toBe(0);
  });

  it('a second window opens at the held alert: a burst right after it waits a whole window again', () => {
    const { clock, sent, offer } = throttled(1000);
    offer('crash', 0);
    offer('crash', 10);
    clock.advanceTo(1000); // the held one goes: the window now runs to 2000
    offer('crash', 1500);
    clock.advanceTo(1999);
    expect(sent).toHaveLength(2);
    clock.advanceTo(2000);
    expect(sent).toHaveLength(3);
  });

  it('close drops what is held and sends nothing more', () => {
    const { clock, sent, offer, throttle } = throttled();
    offer('crash', 0);
    offer('give-up', 5);
    throttle.close();
    expect(clock.pending).toBe(0);
    clock.advanceTo(10 * ALERT_WINDOW_MS);
    offer('crash', 11 * ALERT_WINDOW_MS);
    expect(sent).toHaveLength(1);
  });
});

class FakeStack extends EventEmitter<{ incident: [Incident] }> {
  state: BackendState = 'running';
  notify: NotifyTarget[] = [{ kind: 'command', argv: ['true'], cwd: '/', events: ['crash'], timeoutMs: 1000 }];
  readonly logs = new LogStore(100);
  names = ['api'];
  /** Its supervisor reads the state live, as the real one is the live object. */
  readonly supervisor = ((stack: FakeStack) => ({
    get currentState(): BackendState {
      return stack.state;
    },
  }))(this);
  member(name: string): AlertedMember {
    return { definition: { name, notify: this.notify }, supervisor: this.supervisor, logs: this.logs };
  }
}

function incident(kind: Incident['kind'], service = 'api'): Incident {
  return {
    id: 'i',
    service,
    at: new Date(0).toISOString(),
    kind,
    summary: `it ${kind}`,
    pid: 42,
    exit: null,
    uptime_ms: 5,
    action: 'restart attempt 1/3 in 0 ms',
    logs: [],
    probes: [],
  };
}

describe('stack alerts: which event an incident is, and for which service', () => {
  function watch() {
    const stack = new FakeStack();
    const sent: { payload: AlertPayload; targets: readonly NotifyTarget[] }[] = [];
    const spy = vi
      .spyOn(AlertDispatcher.prototype, 'dispatch')
      .mockImplementation((payload, targets) => void sent.push({ payload, targets }));
    const clock = new ManualClock();
    const alerts = new StackAlerts(stack, { clock, windowMs: 10 });
    /** Emits `kind` as the supervisor does: the incident, then its state at once. */
    const fail = async (kind: Incident['kind'], then: BackendState, at: number, service = 'api'): Promise<void> => {
      clock.advanceTo(at);
      stack.emit('incident', incident(kind, service));
      stack.state = then;
      await Promise.resolve();
    };
    return { stack, sent, alerts, fail, spy };
  }
  afterEach(() => vi.restoreAllMocks());

  it('names a failure the policy retries by its kind, and one it gave up on give-up, with the incident', async () => {
    const { sent, fail } = watch();
    await fail('crash', 'backoff', 0);
    await fail('hang', 'backoff', 100);
    await fail('failed-start', 'backoff', 200);
    await fail('crash', 'crashed', 300);
    await fail('port-in-use', 'crashed', 400);
    await fail('launch-error', 'starting', 500);
    expect(sent.map((s) => [s.payload.event, s.payload.incident.kind])).toEqual([
      ['crash', 'crash'],
      ['hang', 'hang'],
      ['failed-start', 'failed-start'],
      ['give-up', 'crash'],
      ['give-up', 'port-in-use'],
      ['failed-start', 'launch-error'],
    ]);
    expect(sent[0]!.payload).toMatchObject({ service: 'api', summary: 'it crash', at: new Date(0).toISOString() });
  });

  it('sends to the notify list the stack holds when the alert goes (a reload may change it)', async () => {
    const { stack, sent, fail } = watch();
    await fail('crash', 'backoff', 0);
    stack.notify = [{ kind: 'webhook', url: 'http://127.0.0.1:9/', headers: {}, events: ['crash'], timeoutMs: 1000 }];
    await fail('crash', 'backoff', 100);
    stack.notify = [];
    await fail('crash', 'backoff', 200);
    expect(sent.map((s) => s.targets[0]?.kind)).toEqual(['command', 'webhook']);
  });

  it('ignores a remote outage, a service the stack does not hold, and, once closed, every incident', async () => {
    const { stack, sent, alerts, fail } = watch();
    await fail('remote-down', 'unhealthy', 0);
    await fail('crash', 'backoff', 100, 'gone');
    expect(sent).toHaveLength(0);
    await alerts.close();
    expect(stack.listenerCount('incident')).toBe(0);
    await fail('crash', 'backoff', 200);
    expect(sent).toHaveLength(0);
  });
});

describe('delivery queue: bounded, never waited on', () => {
  it('runs at most its concurrency, drops past its capacity, and close aborts what runs', async () => {
    const queue = new DeliveryQueue(2, 1);
    const started: number[] = [];
    const aborted: number[] = [];
    const job =
      (n: number) =>
      (stop: AbortSignal): Promise<void> =>
        new Promise<void>((resolve) => {
          started.push(n);
          stop.addEventListener('abort', () => {
            aborted.push(n);
            resolve();
          });
        });
    expect([1, 2, 3, 4].map((n) => queue.push(job(n)))).toEqual([true, true, true, false]);
    expect(started).toEqual([1]);
    expect(queue.dropped).toBe(1);
    expect(queue.size).toBe(3);
    await queue.close();
    expect(aborted).toEqual([1]);
    expect(queue.size).toBe(0);
    expect(queue.push(job(5))).toBe(false);
  });

  it('starts the next delivery when one ends, a throwing one too', async () => {
    const queue = new DeliveryQueue(4, 1);
    const ran: string[] = [];
    queue.push(() => Promise.reject(new Error('boom')));
    const second = new Promise<void>((resolve) =>
      queue.push(async () => {
        ran.push('second');
        resolve();
      }),
    );
    await second;
    expect(ran).toEqual(['second']);
    await queue.close();
  });
});

describe('alert dispatcher', () => {
  it('says in the service log which delivery a full queue dropped, and sends only the events a target takes', async () => {
    const logs = new LogStore(100);
    const outcomes: string[] = [];
    const dispatcher = new AlertDispatcher(new DeliveryQueue(0, 1));
    const payload = alertPayload('api', 'crash', incident('crash'), { count: 0, events: {}, since: null });
    dispatcher.dispatch(
      payload,
      [
        {
          kind: 'webhook',
          url: 'http://127.0.0.1:9/path-secret',
          headers: { A: 'b' },
          events: ['crash'],
          timeoutMs: 1000,
        },
        { kind: 'command', argv: ['/bin/true'], cwd: '/', events: ['give-up'], timeoutMs: 1000 },
      ],
      logs,
      (target, outcome) => outcomes.push(`${target} ${outcome}`),
    );
    expect(logs.tail(10).map((l) => l.text)).toEqual([
      'alert (crash) to webhook http://127.0.0.1:9 dropped: the alert queue is full (0 deliveries)',
    ]);
    expect(outcomes).toEqual(['webhook dropped']);
    await dispatcher.close();
    expect(outcomes).toEqual(['webhook dropped']);
  });

  it('tells each delivery a shutdown ends before it starts as not_sent, once', async () => {
    const logs = new LogStore(100);
    const outcomes: string[] = [];
    // Room for one waiting delivery, none running: it waits until the close.
    const dispatcher = new AlertDispatcher(new DeliveryQueue(1, 0));
    const payload = alertPayload('api', 'crash', incident('crash'), { count: 0, events: {}, since: null });
    const target = { kind: 'command', argv: ['/bin/true'], cwd: '/', events: ['crash'], timeoutMs: 1000 } as const;
    dispatcher.dispatch(payload, [target], logs, (kind, outcome) => outcomes.push(`${kind} ${outcome}`));
    expect(outcomes).toEqual([]);
    await dispatcher.close();
    expect(outcomes).toEqual(['command not_sent']);
    expect(logs.tail(10).map((l) => l.text)).toEqual([
      'alert (crash) to command /bin/true not sent: the supervisor is shutting down',
    ]);
  });
});

describe('alert dispatcher: a close during a delivery', () => {
  it('counts the delivery it ends as failed and the one waiting as not_sent, each once (never sent and not_sent)', async () => {
    const logs = new LogStore(100);
    const outcomes: string[] = [];
    // One running at a time, one waiting: the first (a command that does not end) runs as the close comes.
    const dispatcher = new AlertDispatcher(new DeliveryQueue(1, 1));
    const payload = alertPayload('api', 'crash', incident('crash'), { count: 0, events: {}, since: null });
    const slow = {
      kind: 'command',
      argv: ['/bin/sleep', '30'],
      cwd: '/',
      events: ['crash'],
      timeoutMs: 60_000,
    } as const;
    const quick = { kind: 'command', argv: ['/bin/true'], cwd: '/', events: ['crash'], timeoutMs: 1000 } as const;
    dispatcher.dispatch(payload, [slow, quick], logs, (kind, outcome) => outcomes.push(`${kind} ${outcome}`));
    // A third finds the queue full: dropped, at once.
    dispatcher.dispatch(payload, [quick], logs, (kind, outcome) => outcomes.push(`${kind} ${outcome}`));
    expect(outcomes).toEqual(['command dropped']);
    await dispatcher.close();
    expect(outcomes.sort()).toEqual(['command dropped', 'command failed', 'command not_sent']);
    expect(logs.tail(10).filter((l) => / (sent|not sent|failed|dropped)/.test(l.text))).toHaveLength(3);
  });
});
