/**
 * The backend client against a fault server (reliability.md 10–12): malformed JSON, an
 * HTML 502, a huge body, a slow answer, a 401 then one shared re-login, retries only
 * where safe, ids as strings.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackendClient } from '../../src/main/client/backend-client';
import { MemorySecretStore } from '../../src/main/client/session';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_req, res) => res.writeHead(404).end();
const hits: string[] = [];
let server: Server;
let baseUrl: string;

const USER = { id: 1, email: 'admin@example.com', name: 'Admin', role: 'admin', created_at: '2026-01-01T00:00:00Z' };
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  hits.length = 0;
});

function client(options: Partial<ConstructorParameters<typeof BackendClient>[0]> = {}) {
  return new BackendClient({ baseUrl, timeoutMs: 2_000, retryBaseMs: 1, secrets: new MemorySecretStore(), ...options });
}

describe('backend client against faults', () => {
  it('turns malformed JSON into a typed error', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": 1, "name": ');
    await expect(client().products.list()).rejects.toMatchObject({
      code: 'BACKEND_HTTP',
      message: expect.stringContaining('not with JSON'),
    });
  });

  it('turns an HTML 502 into an HTTP error, retried for a GET, not for a POST', async () => {
    handler = (_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>Bad Gateway</body></html>');
    await expect(client().products.list()).rejects.toMatchObject({
      code: 'BACKEND_HTTP',
      status: 502,
      message: 'GET /products: HTTP 502: an HTML page',
    });
    expect(hits).toEqual(['GET /products', 'GET /products', 'GET /products']);
    hits.length = 0;
    await expect(client().auth.login('a@b.c', 'x')).rejects.toMatchObject({ status: 502 });
    expect(hits).toEqual(['POST /auth/login']);
  });

  it('keeps the backend error code and message of a contract error', async () => {
    handler = (_req, res) =>
      json(res, 409, { error: 'order 7 cannot go from delivered to pending', code: 'CONFLICT', timestamp: 'x' });
    const c = client();
    await c.session.set('tok', { ...USER, id: '1', role: 'admin' }, null);
    await expect(c.admin.updateOrderStatus(7, 'pending')).rejects.toMatchObject({
      code: 'BACKEND_HTTP',
      status: 409,
      backendCode: 'CONFLICT',
      message: 'PUT /admin/orders/7: HTTP 409: order 7 cannot go from delivered to pending',
    });
  });

  it('aborts a huge body at the cap', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent < 64) res.once('drain', pump);
        else res.end();
      };
      pump();
    };
    await expect(client({ maxBodyBytes: 2 * 1024 * 1024 }).products.list()).rejects.toMatchObject({
      code: 'BACKEND_RESPONSE_TOO_LARGE',
    });
  });

  it('times out a slow answer', async () => {
    handler = (_req, res) => setTimeout(() => json(res, 200, []), 1_500);
    await expect(client({ timeoutMs: 200, maxAttempts: 1 }).products.list()).rejects.toMatchObject({
      code: 'BACKEND_TIMEOUT',
      message: 'GET /products: no answer within 200 ms',
    });
  });

  it('names the field of an answer that breaks the contract, and accepts string ids', async () => {
    handler = (_req, res) =>
      json(res, 200, [
        { id: '12', name: 'Soup', price: '4.50', category: 'soups', ingredients: [], available: true, extra: 1 },
      ]);
    const [soup] = await client().products.list();
    expect(soup).toEqual({
      id: 12,
      name: 'Soup',
      description: '',
      price: 4.5,
      category: 'soups',
      ingredients: [],
      available: true,
    });
    handler = (_req, res) => json(res, 200, [{ id: 1, name: 'Soup', price: 'cheap' }]);
    await expect(client().products.list()).rejects.toMatchObject({
      code: 'BACKEND_INVALID_RESPONSE',
      field: '0.price',
    });
  });

  it('reports a refused connection as unreachable', async () => {
    const c = new BackendClient({ baseUrl: 'http://127.0.0.1:1', retryBaseMs: 1 });
    await expect(c.products.list()).rejects.toMatchObject({
      code: 'BACKEND_UNREACHABLE',
      message: 'GET /products: connection refused',
    });
  });

  it('on 401, re-logs in once for all concurrent calls when credentials were saved', async () => {
    let token = 'first';
    let logins = 0;
    handler = (req, res, body) => {
      if (req.url === '/auth/login') {
        logins++;
        const { password } = JSON.parse(body) as { password: string };
        if (password !== 'secret') return json(res, 401, { error: 'bad credentials', code: 'UNAUTHORIZED' });
        token = `t${logins}`;
        return setTimeout(() => json(res, 200, { token, user: USER }), 50);
      }
      if (req.headers.authorization !== `Bearer ${token}`)
        return json(res, 401, { error: 'expired', code: 'UNAUTHORIZED' });
      return json(res, 200, { total_users: 1, total_orders: 0, total_revenue: 0, orders_by_status: {} });
    };
    const c = client();
    await c.auth.login('admin@example.com', 'secret', true);
    expect(logins).toBe(1);
    token = 'rotated'; // the backend forgets our token
    const results = await Promise.all(Array.from({ length: 5 }, () => c.admin.stats()));
    expect(results).toHaveLength(5);
    expect(logins).toBe(2);
  });

  it('without saved credentials, a 401 ends the session with SESSION_EXPIRED', async () => {
    handler = (req, res) =>
      req.url === '/auth/login'
        ? json(res, 200, { token: 'a', user: USER })
        : json(res, 401, { error: 'expired', code: 'UNAUTHORIZED' });
    const c = client();
    await c.auth.login('admin@example.com', 'secret', false);
    await expect(c.admin.stats()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(await c.auth.current()).toEqual({ user: null, remembered: false });
    await expect(c.admin.stats()).rejects.toMatchObject({ code: 'NOT_LOGGED_IN' });
  });

  it('says wrong credentials at login, without the control token code', async () => {
    handler = (_req, res) => json(res, 401, { error: 'bad credentials', code: 'UNAUTHORIZED' });
    await expect(client().auth.login('a@b.c', 'nope')).rejects.toMatchObject({
      code: 'BACKEND_UNAUTHORIZED',
      message: 'wrong e-mail or password',
    });
  });
});
