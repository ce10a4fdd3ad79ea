import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, symlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

/** Repository root (this file is test/helpers/). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Bundles `src/reference-backend/main.ts` the way the release build does (esm, node20,
 * npm packages external) into a fresh temp folder and returns the path of `server.js`.
 * The folder gets a `node_modules` symlink to the repository's, so the external
 * packages resolve as they do next to `out/`.
 */
export async function buildReferenceBackend(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ref-backend-build-'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const outfile = path.join(dir, 'server.js');
  await build({
    entryPoints: [path.join(REPO_ROOT, 'src/reference-backend/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'silent',
  });
  return outfile;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A spawned backend with its output collected as text. */
export interface BackendProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Settles when the process has exited: `{code, signal}`. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs `node <file>` with `env` added to the current environment (stdin a pipe, like the
 * supervisor does). Variables set to undefined are removed.
 */
export function spawnBackend(file: string, env: Record<string, string | undefined>): BackendProcess {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const child = spawn(process.execPath, [file], { env: merged, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/**
 * Polls `url` until it answers 2xx, with a growing interval (10 ms up to 200 ms).
 * @throws when `deadlineMs` passes first, or when `proc` exits meanwhile (with its stderr).
 */
export async function waitForHealthy(url: string, deadlineMs: number, proc?: BackendProcess): Promise<Response> {
  const deadline = performance.now() + deadlineMs;
  let exited = false;
  void proc?.exited.then(() => (exited = true));
  let delay = 10;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (exited) throw new Error(`backend exited before it was healthy; stderr: ${proc?.stderr()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return res;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
  throw new Error(`${url} not healthy within ${deadlineMs} ms (last: ${last}); stderr: ${proc?.stderr() ?? ''}`);
}

/** Waits for `proc` to exit, failing after `ms`. */
export async function exitWithin(
  proc: BackendProcess,
  ms: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      proc.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`backend did not exit within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
