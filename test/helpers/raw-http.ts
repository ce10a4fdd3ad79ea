import { connect, type Socket } from 'node:net';

/** What a raw request got back: the status (0 when none came) and everything read. */
export interface RawAnswer {
  status: number;
  /** The whole answer as text: status line, headers and body. */
  text: string;
}

/**
 * Sends one HTTP/1.1 request with `target` written as-is (no URL normalisation, like
 * `curl --path-as-is`) and reads until the server closes or `timeoutMs` passes (then the
 * socket is closed: an event stream that opened answers 200 and stays open).
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  opts: { headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  const body = opts.body ?? '';
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    connection: 'close',
    ...(body ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
    ...opts.headers,
  };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : 0, text });
    };
    const timer = setTimeout(done, opts.timeoutMs ?? 5_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? done() : reject(err)));
    socket.write(head + body);
  });
}

/** Opens a TCP connection to `port` and resolves once it is connected. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves when `socket` is closed by the other side (or rejects after `timeoutMs`). */
export function closedWithin(socket: Socket, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    if (socket.destroyed || socket.readableEnded) {
      resolve(0);
      return;
    }
    const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
    const finish = (): void => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    };
    socket.resume();
    socket.once('end', finish);
    socket.once('close', finish);
    socket.once('error', () => undefined);
  });
}
