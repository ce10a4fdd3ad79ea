/**
 * A real NOTIFY_SOCKET for tests: a unix datagram socket bound by a Python 3 child (Node
 * has no unix datagram sockets), which prints each datagram it gets with its arrival time
 * and closes the descriptors sent with it (systemd-notify's BARRIER=1 waits for that, as PID
 * 1 does when it takes a message).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil, tempDir } from './supervise';

const RECEIVER = String.raw`
import array, json, os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
print(json.dumps({"bound": True}), flush=True)
while True:
    data, ancillary, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    fds = 0
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            received = array.array("i")
            received.frombytes(payload[: len(payload) - len(payload) % received.itemsize])
            for fd in received:
                os.close(fd)
                fds += 1
    print(json.dumps({"at": time.time() * 1000, "fds": fds, "text": data.decode("utf-8", "replace")}), flush=True)
`;

/** One datagram: its fields (`READY` → `1`), its text, when it arrived (wall ms). */
export interface Datagram {
  at: number;
  text: string;
  fields: Record<string, string>;
}

/** A bound NOTIFY_SOCKET and what it has received. */
export interface NotifySocket {
  /** The socket's path: the value of NOTIFY_SOCKET. */
  path: string;
  /** Every datagram so far, in arrival order, without systemd-notify's BARRIER=1 ones. */
  messages(): Datagram[];
  close(): void;
}

/** The Python that binds the socket, or null when there is none (the tests then say so). */
export function python3(): string | null {
  const found = spawnSync('python3', ['-c', 'import socket; print(socket.AF_UNIX)'], { encoding: 'utf8' });
  return found.status === 0 ? 'python3' : null;
}

/** Binds a fresh socket in a temporary folder and waits until it is bound. */
export async function bindNotifySocket(): Promise<NotifySocket> {
  const path = join(tempDir('bsup-notify-'), 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-u', '-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const received: Datagram[] = [];
  let bound = false;
  let errors = '';
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = JSON.parse(pending.slice(0, nl)) as { bound?: boolean; at: number; text: string };
      pending = pending.slice(nl + 1);
      if (line.bound) {
        bound = true;
        continue;
      }
      if (line.text === 'BARRIER=1') continue;
      const fields: Record<string, string> = {};
      for (const field of line.text.split('\n')) {
        const eq = field.indexOf('=');
        if (eq > 0) fields[field.slice(0, eq)] = field.slice(eq + 1);
      }
      received.push({ at: line.at, text: line.text, fields });
    }
  });
  child.stderr?.on('data', (c: Buffer) => (errors += c.toString()));
  await pollUntil(() => bound || child.exitCode !== null, 10_000, 20, 'the notify socket bound');
  if (!bound) throw new Error(`the notify socket receiver failed:\n${errors}`);
  return {
    path,
    messages: () => [...received],
    close: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
