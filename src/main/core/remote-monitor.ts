import type { Actor, BackendState } from '../../shared/states';
import type { HealthMonitor } from './health-monitor';
import type { HealthProbe } from './health-probe';

/** What the remote monitor asks of its supervisor. */
export interface RemoteMonitorHost {
  /** The service's state now. */
  state(): BackendState;
  /** Moves the state (the supervisor's one `setState`). */
  setState(to: BackendState, actor: Actor, reason: string): void;
  /** Records a `remote-down` incident saying `why`. */
  outage(why: string): void;
  /** A new watch begins: its generation, for the health loop. */
  nextGeneration(): number;
}

/** Where the remote backend is and how it is probed. */
export interface RemoteTarget {
  /** The backend URL (BACKEND_URL), or a check's target that is no URL, for the state reason. */
  backendUrl: string;
  /** What is probed: the health URL, or the target of the service's own check (`tcp://host:port`). */
  healthUrl: string;
  probe: HealthProbe;
  /** False when the service has no health check (`none`): nothing tells how the remote one is. */
  checked: boolean;
  /** Budget of one probe, ms. */
  timeoutMs: number;
}

/**
 * Remote mode (ORCHESTRATOR_ENABLED=false): nothing to spawn or stop; the remote backend's
 * health is watched. A start probes once (`running` or `unhealthy`), then hands over to the
 * periodic {@link HealthMonitor} (a service with no health check is `running`, unprobed); an
 * outage gets one `remote-down` incident, not one per probe, and a start during an outage
 * does not open another.
 */
export class RemoteMonitor {
  constructor(
    private readonly target: RemoteTarget,
    private readonly health: HealthMonitor,
    private readonly host: RemoteMonitorHost,
  ) {}

  /** Starts watching; `ok` when the first probe succeeded, `message` for the command's answer. */
  async start(actor: Actor): Promise<{ ok: boolean; message: string }> {
    const generation = this.host.nextGeneration();
    // Started again while it was down: the outage goes on and already has its incident.
    const wasDown = this.host.state() === 'unhealthy';
    this.host.setState(
      'starting',
      actor,
      this.target.checked
        ? `monitoring remote backend at ${this.target.backendUrl}`
        : 'remote backend: no health check',
    );
    if (!this.target.checked) {
      // As a local one without a check counts as ready once alive (Compose's service_started):
      // there is nothing to probe, so no outage can be seen, nor made up.
      this.host.setState('running', actor, 'no health check: the remote backend is not probed');
      return { ok: true, message: 'remote backend not probed (no health check)' };
    }
    const probe = await this.target.probe.probe(this.target.healthUrl, this.target.timeoutMs);
    this.health.record(probe);
    this.host.setState(
      probe.ok ? 'running' : 'unhealthy',
      'health',
      probe.ok ? 'remote backend is healthy' : `remote backend: ${probe.error}`,
    );
    if (!probe.ok && !wasDown) this.host.outage(`remote backend: ${probe.error}`);
    this.health.schedule(generation);
    return {
      ok: probe.ok,
      message: probe.ok ? 'monitoring remote backend' : `remote backend unhealthy: ${probe.error}`,
    };
  }

  /** The health loop confirmed an outage (`why`): `unhealthy` with its incident once, and watching goes on. */
  failed(generation: number, why: string): void {
    if (this.host.state() !== 'unhealthy') {
      this.host.setState('unhealthy', 'health', why);
      this.host.outage(why);
    }
    this.health.schedule(generation);
  }
}
