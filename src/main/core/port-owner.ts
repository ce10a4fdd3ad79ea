import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { endianness } from 'node:os';

/** A process that listens on a TCP port, as far as the OS tells. */
export interface PortOwner {
  pid: number;
  /** Its command line, or null when the OS does not show it. */
  command: string | null;
}

/** The command line of `pid` from /proc (Linux), or null. */
export function procCommandLine(pid: number): string | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const text = raw.split('\0').filter(Boolean).join(' ');
    return text || null;
  } catch {
    return null;
  }
}

/** A TCP socket in the LISTEN state, from /proc/net/tcp or tcp6. */
export interface ListeningSocket {
  /** Its local address as written in a URL: `127.0.0.1`, `0.0.0.0`, `[::1]`, `[::]`. */
  host: string;
  port: number;
  /** The socket's inode, as /proc/<pid>/fd links name it (`socket:[inode]`). */
  inode: string;
}

/**
 * A /proc/net/tcp{,6} address (`0100007F` or 32 hex digits) as written in a URL. The kernel
 * prints each 32-bit word of the network-order address as a host-order number, so on a
 * little-endian machine the bytes of each word come reversed.
 */
export function procNetHost(hex: string): string {
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = (hex.slice(w, w + 8).match(/../g) ?? []).map((b) => parseInt(b, 16));
    bytes.push(...(endianness() === 'LE' ? word.reverse() : word));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // The URL parser writes an IPv6 address in its shortest form (`[::1]`).
  return new URL(`http://[${groups.join(':')}]/`).hostname;
}

/** Sockets in the LISTEN state (0A) of /proc/net/tcp and tcp6; empty where they cannot be read. */
export function listeningSockets(): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !cols[9]) continue;
      const [hexHost, hexPort] = (cols[1] ?? '').split(':');
      if (!hexHost || !hexPort) continue;
      sockets.push({ host: procNetHost(hexHost), port: parseInt(hexPort, 16), inode: cols[9] });
    }
  }
  return sockets;
}

/**
 * Inodes of the sockets `pid` holds open (/proc/<pid>/fd); null when they cannot be read
 * (another user's process, no /proc), `gone` when there is no such process (any more).
 */
export function socketInodes(pid: number): Set<string> | null;
export function socketInodes(pid: number, tellGone: true): Set<string> | null | 'gone';
export function socketInodes(pid: number, tellGone = false): Set<string> | null | 'gone' {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    return tellGone && (err as NodeJS.ErrnoException).code === 'ENOENT' && existsSync('/proc/self') ? 'gone' : null;
  }
  const inodes = new Set<string>();
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1] as string);
  }
  return inodes;
}

/**
 * The TCP sockets the processes `pids` listen on, each once (sorted by port), from /proc
 * (Linux). A process that exited meanwhile (a short-lived helper of the group) holds none.
 * One whose descriptors cannot be read (another user's process, no /proc) may hold any:
 * then the sockets of the others are still named, but with none found the answer is null
 * (not known), never "listens on nothing".
 */
export function listeningSocketsOf(pids: readonly number[]): ListeningSocket[] | null {
  const held = new Set<string>();
  let unknown = false;
  for (const pid of pids) {
    const inodes = socketInodes(pid, true);
    if (inodes === null) unknown = true;
    if (inodes === null || inodes === 'gone') continue;
    for (const inode of inodes) held.add(inode);
  }
  const found = listeningSockets()
    .filter((s) => held.has(s.inode))
    .sort((a, b) => a.port - b.port);
  return unknown && found.length === 0 ? null : found;
}

/** Linux: walks /proc/<pid>/fd for a socket inode listening on the port. */
function ownerFromProc(port: number): PortOwner | null {
  const inodes = new Set(
    listeningSockets()
      .filter((s) => s.port === port)
      .map((s) => s.inode),
  );
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const held = socketInodes(Number(entry));
    if (held && [...held].some((inode) => inodes.has(inode))) {
      const pid = Number(entry);
      return { pid, command: procCommandLine(pid) };
    }
  }
  return null;
}

/** macOS/BSD: asks lsof. */
function ownerFromLsof(port: number): Promise<PortOwner | null> {
  return new Promise((resolve) => {
    execFile('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc'], { timeout: 2_000 }, (err, stdout) => {
      if (err) return resolve(null);
      const pid = /^p(\d+)$/m.exec(stdout)?.[1];
      const command = /^c(.+)$/m.exec(stdout)?.[1] ?? null;
      resolve(pid ? { pid: Number(pid), command } : null);
    });
  });
}

/**
 * Who listens on TCP `port` on this machine: /proc on Linux, lsof elsewhere. Null when
 * nobody does, or the OS does not tell (another user's process without privileges).
 */
export async function findPortOwner(port: number): Promise<PortOwner | null> {
  if (process.platform === 'linux') {
    try {
      return ownerFromProc(port);
    } catch {
      return null;
    }
  }
  if (process.platform === 'win32') return null;
  return ownerFromLsof(port);
}

/** "port 3000 is in use by pid 123 (node server.js)" — or without the owner when unknown. */
export function describePortInUse(port: number, owner: PortOwner | null): string {
  if (!owner) return `port ${port} is already in use by another process`;
  return `port ${port} is already in use by pid ${owner.pid}${owner.command ? ` (${owner.command.slice(0, 200)})` : ''}`;
}
