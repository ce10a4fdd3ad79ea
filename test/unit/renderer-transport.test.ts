import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type PreloadBridge } from '../../src/shared/contract';
import type { BackendStatus, LogLine } from '../../src/shared/status';
import { createHttpClient } from '../../src/renderer/src/api/http-client';
import { createIpcClient } from '../../src/renderer/src/api/ipc-client';
import { createTokenStore, TOKEN_STORAGE_KEY, type StorageLike } from '../../src/renderer/src/api/token-store';
import type { ConnectionState, SupervisorClient } from '../../src/renderer/src/api/types';

const STATUS: BackendStatus = {
  status: 'running',
  pid: 4242,
  uptime_secs: 12,
  restart_count: 1,
  last_health_check: 'healthy',
  is_running: true,
  orchestrator_enabled: true,
  backend_url: 'http://127.0.0.1:3000',
  consecutive_failures: 0,
  last_health: null,
  last_exit: null,
  last_error: null,
  state_reason: 'healthy',
  state_actor: 'health',
  state_since: '2026-01-01T00:00:00Z',
  next_restart_in_ms: null,
  health_failures: 0,
  startup: null,
};
const LINE: LogLine = { seq: 3, ts: '2026-01-01T00:00:01Z', stream: 'stderr', text: 'boom' };

/** A localStorage stand-in. */
function memoryStorage(initial: Record<string, string> = {}): StorageLike & { map: Map<string, string> } {
  const map = new Map(Object.entries(initial));
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** An event-stream response whose body the test writes to. */
function sseResponse(signal: AbortSignal | null | undefined) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  signal?.addEventListener('abort', () => {
    try {
      controller.error(new DOMException('aborted', 'AbortError'));
    } catch {
      // Already closed.
    }
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

const clients: SupervisorClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
  vi.restoreAllMocks();
});

function http(
  fetchImpl: typeof fetch,
  storage = memoryStorage({ [TOKEN_STORAGE_KEY]: 'good-token' }),
  autoConnect = false,
) {
  const client = createHttpClient({
    fetch: fetchImpl,
    tokens: createTokenStore(storage),
    autoConnect,
    initialRetryMs: 10,
    maxRetryMs: 40,
  });
  clients.push(client);
  return { client, storage };
}

function waitForState(client: SupervisorClient, state: ConnectionState): Promise<void> {
  return vi.waitFor(() => expect(client.getState()).toBe(state), { timeout: 2000, interval: 5 });
}

describe('IPC client', () => {
  const bridge = (answer: unknown): PreloadBridge & { calls: unknown[][] } => {
    const calls: unknown[][] = [];
    return {
      calls,
      invoke: async (channel, args) => {
        calls.push([channel, args]);
        return answer as never;
      },
      on: () => () => {},
    };
  };

  it('unwraps an ok envelope and checks it against the contract', async () => {
    const b = bridge({ ok: true, data: STATUS });
    const client = createIpcClient(b);
    await expect(client.invoke('backend:status')).resolves.toEqual(STATUS);
    expect(b.calls).toEqual([['backend:status', []]]);
    expect(client.getState()).toBe('ipc');
  });

  it('throws ApiError with the code of an error envelope', async () => {
    const client = createIpcClient(
      bridge({ ok: false, error: { code: 'REMOTE_MODE', message: 'remote mode: no process control' } }),
    );
    const error = await client.invoke('backend:start').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'REMOTE_MODE', message: 'remote mode: no process control' });
  });

  it('turns an answer that breaks the contract into a clear BAD_RESPONSE error', async () => {
    const client = createIpcClient(bridge({ ok: true, data: { ...STATUS, status: 'flying' } }));
    await expect(client.invoke('backend:status')).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringMatching(/Unexpected answer to backend:status[\s\S]*status/),
    });
    await expect(createIpcClient(bridge('nonsense')).invoke('backend:status')).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
    });
  });

  it('passes events through, dropping payloads that break the contract', () => {
    let push: (payload: unknown) => void = () => {};
    const unsubscribe = vi.fn();
    const client = createIpcClient({
      invoke: async () => ({ ok: true, data: null }),
      on: (event, listener) => {
        expect(event).toBe('backend:log');
        push = listener;
        return unsubscribe;
      },
    });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const seen: LogLine[] = [];
    const off = client.on('backend:log', (line) => seen.push(line));
    push(LINE);
    push({ seq: -1 });
    expect(seen).toEqual([LINE]);
    off();
    expect(unsubscribe).toHaveBeenCalled();
  });
});

describe('HTTP client: calls', () => {
  it('POSTs the args with the bearer token and unwraps the envelope', async () => {
    const fetchMock = vi.fn(async (_url: unknown, _init?: RequestInit) => json(200, { ok: true, data: [LINE] }));
    const { client } = http(fetchMock);
    await expect(client.invoke('logs:tail', { limit: 10 })).resolves.toEqual([LINE]);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/rpc/logs%3Atail');
    expect(init?.method).toBe('POST');
    expect(init?.headers).toMatchObject({ Authorization: 'Bearer good-token', 'Content-Type': 'application/json' });
    expect(JSON.parse(String(init?.body))).toEqual({ args: [{ limit: 10 }] });
  });

  it('drops trailing omitted args (JSON would turn them into null)', async () => {
    const fetchMock = vi.fn(async (_url: unknown, _init?: RequestInit) => json(200, { ok: true, data: [] }));
    const { client } = http(fetchMock);
    await client.invoke('logs:tail', undefined);
    expect(JSON.parse(String(fetchMock.mock.calls[0]![1]?.body))).toEqual({ args: [] });
  });

  it('throws ApiError for an error envelope (HTTP 4xx/5xx)', async () => {
    const { client } = http(async () =>
      json(409, { ok: false, error: { code: 'REMOTE_MODE', message: 'no process control' } }),
    );
    await expect(client.invoke('backend:stop')).rejects.toMatchObject({ name: 'ApiError', code: 'REMOTE_MODE' });
  });

  it('reports a non-JSON answer (a proxy 502 page) and a network failure clearly', async () => {
    const { client } = http(
      async () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    );
    await expect(client.invoke('backend:status')).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('HTTP 502 Bad Gateway'),
    });
    const { client: down } = http(async () => {
      throw new TypeError('fetch failed');
    });
    await expect(down.invoke('backend:status')).rejects.toMatchObject({
      code: 'NETWORK',
      message: expect.stringContaining('fetch failed'),
    });
  });

  it('forgets the token on 401 and asks for it again', async () => {
    const { client, storage } = http(async () =>
      json(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong bearer token' } }),
    );
    const states: ConnectionState[] = [];
    client.subscribe((s) => states.push(s));
    await expect(client.invoke('backend:status')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(storage.map.has(TOKEN_STORAGE_KEY)).toBe(false);
    expect(client.getState()).toBe('token-needed');
    expect(states).toContain('token-needed');
  });

  it('without a token, fails at once without a request', async () => {
    const fetchMock = vi.fn();
    const { client } = http(fetchMock, memoryStorage());
    expect(client.getState()).toBe('token-needed');
    await expect(client.invoke('backend:status')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('checks a submitted token before storing it', async () => {
    const fetchMock = vi.fn(async (_url: unknown, init?: RequestInit) => {
      const auth = (init?.headers as Record<string, string>).Authorization;
      if (auth !== 'Bearer right') return json(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } });
      return json(200, { ok: true, data: STATUS });
    });
    const { client, storage } = http(fetchMock, memoryStorage());
    await expect(client.submitToken('wrong')).rejects.toMatchObject({ message: 'The server refused this token' });
    expect(storage.map.has(TOKEN_STORAGE_KEY)).toBe(false);
    await client.submitToken('  right  ');
    expect(storage.map.get(TOKEN_STORAGE_KEY)).toBe('right');
  });
});

describe('HTTP client: event stream', () => {
  it('dispatches contract events, ignores pings and unknown or malformed events', async () => {
    let stream: ReturnType<typeof sseResponse> | undefined;
    const fetchMock = vi.fn(async (url: unknown, init?: RequestInit) => {
      expect(url).toBe('/api/v1/events');
      expect(init?.headers).toMatchObject({ Authorization: 'Bearer good-token' });
      stream = sseResponse(init?.signal);
      return stream.response;
    });
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { client } = http(fetchMock, undefined, true);
    const lines: LogLine[] = [];
    const states: string[] = [];
    client.on('backend:log', (l) => lines.push(l));
    client.on('backend:state', (e) => states.push(e.to));
    await waitForState(client, 'connected');

    const state = {
      from: 'starting',
      to: 'running',
      actor: 'health',
      reason: 'ok',
      at: STATUS.state_since,
      status: STATUS,
    };
    stream!.write(': connected\n\nid: 1\nevent: backend:log\ndata: ');
    stream!.write(`${JSON.stringify(LINE)}\r\n\r\n: ping\n\n`);
    stream!.write(`id: 2\nevent: backend:state\ndata: ${JSON.stringify(state)}\n\n`);
    stream!.write(
      'event: something:else\ndata: {}\n\nevent: backend:log\ndata: {"seq":"x"}\n\nevent: backend:log\ndata: not json\n\n',
    );
    await vi.waitFor(() => expect(states).toEqual(['running']));
    expect(lines).toEqual([LINE]);
  });

  it('reconnects with backoff when the stream ends or fails, and shows it', async () => {
    let attempts = 0;
    const fetchMock = vi.fn(async (_url: unknown, init?: RequestInit) => {
      attempts++;
      if (attempts === 2) throw new TypeError('connection refused');
      const stream = sseResponse(init?.signal);
      if (attempts === 1) queueMicrotask(() => stream.close());
      return stream.response;
    });
    const { client } = http(fetchMock, undefined, true);
    const seen: ConnectionState[] = [];
    client.subscribe((s) => seen.push(s));
    await vi.waitFor(() => expect(attempts).toBe(3), { timeout: 2000 });
    await waitForState(client, 'connected');
    expect(seen).toContain('reconnecting');
    expect(seen[seen.length - 1]).toBe('connected');
  });

  it('moves to token-needed on a 401 from the stream, and reconnects after a new token', async () => {
    let good = false;
    const fetchMock = vi.fn(async (url: unknown, init?: RequestInit) => {
      if (!good) return json(401, { ok: false, error: { code: 'UNAUTHORIZED', message: 'no' } });
      if (String(url).endsWith('/events')) return sseResponse(init?.signal).response;
      return json(200, { ok: true, data: STATUS });
    });
    const { client, storage } = http(fetchMock, undefined, true);
    await waitForState(client, 'token-needed');
    expect(storage.map.has(TOKEN_STORAGE_KEY)).toBe(false);
    good = true;
    await client.submitToken('new-token');
    await waitForState(client, 'connected');
  });
});
