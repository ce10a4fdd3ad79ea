import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, pollUntil, tempDir } from './supervise';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'backend-supervisor.js');

/** A running `backend-supervisor serve` child with its URLs, token and output. */
export interface HeadlessServer {
  process: ChildProcess;
  url: string;
  token: string;
  backendPort: number;
  /** Its SUPERVISOR_DATA_DIR (the one given in `env`, else a fresh folder). */
  dataDir: string;
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code once it has stopped. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built headless entry on free ports with a fresh data folder and waits
 * (poll with a deadline) until it prints the dashboard URL.
 */
export async function startHeadless(env: Record<string, string> = {}): Promise<HeadlessServer> {
  const controlPort = await freePort();
  const backendPort = await freePort();
  const dataDir = tempDir('bsup-e2e-');
  // Enterable by anyone, so that as root the default stack's PostgreSQL (run as an
  // unprivileged user) keeps its cluster in this folder rather than in /var/lib (claimed
  // there for one data folder: another test's start would be refused). A given folder too.
  chmodSync(dataDir, 0o711);
  const given = env['SUPERVISOR_DATA_DIR'];
  if (given !== undefined && existsSync(given)) chmodSync(given, 0o711);
  const token = 'e2e-token-0123456789abcdef0123456789';
  const child = spawn(process.execPath, [BIN, 'serve', '--control-port', String(controlPort)], {
    env: {
      ...process.env,
      SUPERVISOR_DATA_DIR: dataDir,
      GO_BACKEND_URL: `http://127.0.0.1:${backendPort}`,
      CONTROL_TOKEN: token,
      HEALTH_CHECK_INTERVAL: '1',
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'correct-horse-battery',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the head (the start banner) and a bounded tail, so a flood does not fill memory.
  let out = '';
  const keep = (c: Buffer): void => {
    out += c.toString();
    if (out.length > 512 * 1024) out = out.slice(0, 16 * 1024) + out.slice(-256 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await pollUntil(
    () => out.includes('backend-supervisor: dashboard') || child.exitCode !== null,
    20_000,
    50,
    'the dashboard URL',
  );
  if (child.exitCode !== null) throw new Error(`serve exited early:\n${out}`);
  return {
    process: child,
    url: `http://127.0.0.1:${controlPort}`,
    token,
    backendPort,
    dataDir: env['SUPERVISOR_DATA_DIR'] ?? dataDir,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * Calls RPC `channel` with `args` over `server`'s HTTP API (its control token) and answers
 * the result. @throws Error `<channel>: <message>` when the envelope says it failed.
 */
export async function serverRpc<T>(
  server: Pick<HeadlessServer, 'url' | 'token'>,
  channel: string,
  ...args: unknown[]
): Promise<T> {
  const response = await fetch(`${server.url}/api/v1/rpc/${channel}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ args }),
  });
  const envelope = (await response.json()) as { ok: boolean; data: T; error?: { message: string } };
  if (!envelope.ok) throw new Error(`${channel}: ${envelope.error?.message}`);
  return envelope.data;
}
