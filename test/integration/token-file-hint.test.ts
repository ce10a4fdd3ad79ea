// The browser dashboard's token dialog tells where the control token is. `serve` knows the
// file; it answers its path (never the token) without a token, over real HTTP.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { tempDir } from '../helpers/supervise';

let server: HeadlessServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/v1/token-file', () => {
  it('answers the generated token file, without a token; the file holds the token that works', async () => {
    const dataDir = tempDir('bsup-token-file-');
    dirs.push(dataDir);
    // No CONTROL_TOKEN: serve generates the token into the data folder.
    server = await startHeadless({ CONTROL_TOKEN: '', SUPERVISOR_DATA_DIR: dataDir, ORCHESTRATOR_ENABLED: 'false' });
    const res = await fetch(`${server.url}/api/v1/token-file`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { path: string | null };
    expect(body).toEqual({ path: join(dataDir, 'control-token') });

    const token = readFileSync(body.path as string, 'utf8').trim();
    expect(JSON.stringify(body)).not.toContain(token);
    const status = await fetch(`${server.url}/api/v1/admin/backend/status`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(status.status).toBe(200);
    // The same path serve printed at start.
    expect(server.output()).toContain(`control token in ${body.path}`);
  });

  it('answers null when the token comes from CONTROL_TOKEN (there is no file)', async () => {
    const dataDir = tempDir('bsup-token-env-');
    dirs.push(dataDir);
    server = await startHeadless({ SUPERVISOR_DATA_DIR: dataDir, ORCHESTRATOR_ENABLED: 'false' });
    const res = await fetch(`${server.url}/api/v1/token-file`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: null });
  });
});
