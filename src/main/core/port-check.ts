import type { HealthSpec } from '../../shared/services';
import type { LogLine } from '../../shared/status';
import type { HealthProbe } from './health-probe';
import type { ProcessExit } from './launcher';
import { describePortInUse, type PortOwner } from './port-owner';

/** Budget of the "is the port already served?" probe before a spawn, ms. */
const PORT_CHECK_TIMEOUT_MS = 500;
/** Exit code of a backend that could not bind its port (errno EADDRINUSE on Linux). */
const EXIT_ADDRINUSE = 98;

/**
 * The port a service serves: its HTTP health URL's (the scheme's default when the URL
 * names none) or its TCP check's; null for checks that name no port (command, none…).
 */
export function servicePort(health: HealthSpec): number | null {
  if (health.kind === 'tcp') return health.port;
  if (health.kind !== 'http') return null;
  const url = new URL(health.url);
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

/**
 * True when an exit looks like a failure to bind the port: exit code 98 (EADDRINUSE), or an
 * `EADDRINUSE` / "address already in use" line of the child's own output in `lines` (those
 * from sequence number `firstSeq` on, the supervisor's own lines excluded).
 */
export function looksLikePortInUse(exit: ProcessExit, lines: readonly LogLine[], firstSeq: number): boolean {
  if (exit.code === EXIT_ADDRINUSE) return true;
  return lines.some(
    (l) => l.seq >= firstSeq && l.stream !== 'supervisor' && /EADDRINUSE|address already in use/i.test(l.text),
  );
}

/** What a {@link PortCheck} needs: the service's check and who to ask. */
export interface PortCheckDeps {
  /** The service's name, for the messages (`backend`). */
  name: string;
  health: HealthSpec;
  /** What the probe is pointed at (the URL for `http`). */
  target: string;
  probe: HealthProbe;
  /** Finds who listens on a port; a rejection counts as "not known". */
  findPortOwner: (port: number) => Promise<PortOwner | null>;
}

/**
 * The port questions of a start: is someone else serving our port before the spawn, and
 * who holds it when the child died of it. Answers are sentences for `last_error` and the
 * incident; nothing throws.
 */
export class PortCheck {
  constructor(private readonly deps: PortCheckDeps) {}

  /** The port the service serves, or null ({@link servicePort}). */
  get port(): number | null {
    return servicePort(this.deps.health);
  }

  /**
   * Before a spawn: if the health URL already answers (or the TCP check's port accepts),
   * another process serves our port (a twin would fail to bind, or worse, a stranger would
   * pass for our child). Says who; null when free. Other checks say nothing of a port: not
   * checked. Takes up to 500 ms for the probe, plus the owner lookup.
   */
  async heldBySomeoneElse(): Promise<string | null> {
    const { kind } = this.deps.health;
    if (kind !== 'http' && kind !== 'tcp') return null;
    const probe = await this.deps.probe.probe(this.deps.target, PORT_CHECK_TIMEOUT_MS);
    if (kind === 'http' ? probe.status_code === null : !probe.ok) return null;
    const port = this.port as number;
    const owner = await this.deps.findPortOwner(port).catch(() => null);
    const answer =
      kind === 'http' ? `answered ${this.deps.target} with HTTP ${probe.status_code}` : `accepted a connection`;
    return `${describePortInUse(port, owner)}: it ${answer} before our ${this.deps.name} was started`;
  }

  /**
   * Why a child that died of a taken port died, naming the holder when it can be found:
   * `port 8080 is in use by pid 12 (…) (the backend exited with code 98)`. `exitText` is
   * the exit as described for people (`exited with code 98`).
   */
  async whyPortInUse(exitText: string): Promise<string> {
    const port = this.port;
    const owner = port === null ? null : await this.deps.findPortOwner(port).catch(() => null);
    return `${port === null ? 'its port is in use' : describePortInUse(port, owner)} (the ${this.deps.name} ${exitText})`;
  }
}
