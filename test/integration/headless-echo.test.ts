/**
 * The headless console echo of a backend's output: it passes the bytes through (see
 * Output.outLatin1), so UTF-8 of any script reads back as written, a line split across two
 * writes is one line, an invalid byte shows as U+FFFD (replaced when read), and each line
 * has its stream's prefix.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHeadless, type HeadlessServer } from '../helpers/headless-server';
import { freePort, pollUntil } from '../helpers/supervise';

const ECHO_BACKEND = join(import.meta.dirname, '..', 'fixtures', 'echo-backend.mjs');
let server: HeadlessServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('headless console echo', () => {
  it('echoes UTF-8 text as written, with the stream prefixes', async () => {
    const port = await freePort();
    server = await startHeadless({
      PORT: String(port),
      GO_BACKEND_URL: `http://127.0.0.1:${port}`,
      BACKEND_COMMAND: process.execPath,
      BACKEND_ARGS: JSON.stringify([ECHO_BACKEND]),
    });
    const s = server;
    await pollUntil(() => s.output().includes('[backend] echo done'), 20_000, 50, 'the last line echoed').catch(
      (err: Error) => {
        throw new Error(`${err.message}; serve printed:\n${s.output()}`);
      },
    );
    const lines = s.output().split('\n');
    expect(lines).toContain('[backend] héllo wörld ✓ 日本語 🚀');
    expect(lines).toContain('[backend] second half, then Ünïcödé');
    expect(lines).toContain('[backend] bad \uFFFD byte');
    expect(lines).toContain('[backend:err] ошибка: нет связи');
    expect(lines).toContain('[backend] nul\0here');
  });
});
