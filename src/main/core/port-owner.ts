import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFile } from 'node:child_process';

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

/** Inodes of sockets listening on `port` (state 0A = LISTEN) from /proc/net/tcp and tcp6. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const local = cols[1] ?? '';
      if (local.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Linux: walks /proc/<pid>/fd for a socket inode listening on the port. */
function ownerFromProc(port: number): PortOwner | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1] as string)) {
        const pid = Number(entry);
        return { pid, command: procCommandLine(pid) };
      }
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
