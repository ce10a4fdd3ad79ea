// A request that says `Content-Type: application/json` but carries no body (a DELETE, a POST
// without one) is a request without a body, as Go servers and most clients treat it: it
// reaches its route and the route's token check, over real HTTP.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/reference-backend/server';
import { useEmbeddedPostgres } from '../helpers/embedded-pg';
import { rawRequest } from '../helpers/raw-http';
import { createTestDatabase } from '../helpers/ref-backend-pg';
import { tempDir } from '../helpers/supervise';

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'correct horse battery staple';

/** The JSON body of a raw answer (after the blank line). */
function bodyOf(text: string): { code?: string; error?: string } {
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return body === '' ? {} : (JSON.parse(body) as { code?: string; error?: string });
}

describe('reference backend: an empty body with Content-Type: application/json', () => {
  const postgres = useEmbeddedPostgres();
  const dataDir = tempDir('ref-backend-empty-body-');
  let server: RunningServer;
  let adminToken: string;

  beforeAll(async () => {
    const db = await createTestDatabase(postgres().url);
    server = await startServer(
      {
        port: 0,
        host: '127.0.0.1',
        dataDir,
        adminEmail: ADMIN_EMAIL,
        adminPassword: ADMIN_PASSWORD,
        jwtSecret: undefined,
        instanceId: undefined,
        databaseUrl: db.url,
        demoUserPassword: 'demo user password',
      },
      { log: () => undefined, logError: () => undefined },
    );
    await server.ready;
    const login = await fetch(`${server.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function newIngredient(name: string): Promise<number> {
    const res = await fetch(`${server.url}/admin/ingredients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name, unit: 'kg', quantity: 0, min_quantity: 0 }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: number }).id;
  }

  // `Content-Length: 0`, and no length at all (an HTTP/1.1 request without one has no body).
  const framings: Record<string, Record<string, string>> = {
    'Content-Length: 0': { 'content-type': 'application/json', 'content-length': '0' },
    'no Content-Length': { 'content-type': 'application/json' },
    'charset parameter': { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' },
  };

  for (const [framing, headers] of Object.entries(framings)) {
    it(`DELETE without a token answers 401, with the admin's 204 (${framing})`, async () => {
      const id = await newIngredient(`empty body ${framing}`);
      const anonymous = await rawRequest(server.port, 'DELETE', `/admin/ingredients/${id}`, { headers });
      expect(anonymous.status).toBe(401);
      expect(bodyOf(anonymous.text).code).toBe('UNAUTHORIZED');

      const admin = await rawRequest(server.port, 'DELETE', `/admin/ingredients/${id}`, {
        headers: { ...headers, authorization: `Bearer ${adminToken}` },
      });
      expect(admin.status).toBe(204);
      const gone = await fetch(`${server.url}/admin/ingredients/${id}/movements`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      expect(gone.status).toBe(404);
    });
  }

  it('POST without a body: 401 without a token, then the route validates it as no body', async () => {
    const headers = { 'content-type': 'application/json', 'content-length': '0' };
    const anonymous = await rawRequest(server.port, 'POST', '/orders', { headers });
    expect(anonymous.status).toBe(401);
    const admin = await rawRequest(server.port, 'POST', '/orders', {
      headers: { ...headers, authorization: `Bearer ${adminToken}` },
    });
    expect(admin.status).toBe(400);
    expect(bodyOf(admin.text).code).toBe('VALIDATION_FAILED');
    expect(bodyOf(admin.text).error).not.toMatch(/empty JSON body/);
  });

  it('still refuses a malformed body and a __proto__ key (400)', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const malformed = await rawRequest(server.port, 'POST', '/admin/ingredients', { headers: auth, body: '{"name":' });
    expect(malformed.status).toBe(400);
    expect(bodyOf(malformed.text)).toMatchObject({ code: 'BAD_REQUEST', error: 'malformed JSON body' });
    const poisoned = await rawRequest(server.port, 'POST', '/admin/ingredients', {
      headers: auth,
      body: '{"__proto__":{"admin":true},"name":"x","unit":"kg","quantity":0,"min_quantity":0}',
    });
    expect(poisoned.status).toBe(400);
    const spaces = await rawRequest(server.port, 'POST', '/admin/ingredients', { headers: auth, body: '   ' });
    expect(spaces.status).toBe(400);
  });
});
