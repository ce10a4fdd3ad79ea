import type { SupervisorConfig } from '../../shared/config';
import type { Incident, IncidentKind } from '../../shared/incident';
import type { HealthSpec, RestartPolicyName } from '../../shared/services';
import type { Actor } from '../../shared/states';
import type { ExitInfo, HealthCheckResult, StateChangeEvent } from '../../shared/status';
import type { Clock } from './clock';
import type { HealthProbe } from './health-probe';
import type { Launcher } from './launcher';
import type { LogStore } from './log-store';
import type { PidFile } from './pid-file';
import type { PortOwner } from './port-owner';

/** Events of the supervisor. */
export interface SupervisorEvents {
  /** Every state change, with who caused it and why. */
  state: [StateChangeEvent];
  /** Every health probe (startup probes excluded). */
  probe: [HealthCheckResult];
  /** Every exit of a backend process, expected or not. */
  exit: [ExitInfo & { pid: number }];
  /** An unexpected exit, a confirmed hang, a failed start: what happened and what the policy did. */
  incident: [Incident];
  /** A restart begins: asked for by a person (`manual`), or by the policy after a failure of that kind. */
  restart: [{ reason: 'manual' | IncidentKind; actor: Actor }];
}

/** What the supervisor needs; passed in so tests can swap any part. */
export interface SupervisorDeps {
  config: SupervisorConfig;
  launcher: Launcher;
  probe: HealthProbe;
  logs: LogStore;
  clock?: Clock;
  /** Identifies this supervisor to its child (`SUPERVISOR_INSTANCE_ID`). */
  instanceId?: string;
  /** Where the live backend's identity is recorded, to reap it after a supervisor crash (null: none). */
  pidFile?: PidFile | null;
  /** Finds who listens on a port (injectable for tests). */
  findPortOwner?: (port: number) => Promise<PortOwner | null>;
  /** What the stack says of this service; absent: the one service `backend`, probed over HTTP. */
  service?: ServiceOptions;
  /**
   * Asked inside the command queue before every spawn (a person's start and the policy's
   * restarts alike): a reason to wait ("db is not healthy") keeps the process unspawned and
   * the state `waiting`; null lets it start. The stack's dependency check.
   */
  startGate?: () => string | null;
  /** What a service kind does around its process (the built-in `postgres`: initdb, then its role and databases). */
  hooks?: ServiceHooks;
}

/**
 * Steps of a service kind around each start, inside the command queue. A throw from either
 * is a failed start with its message: before the spawn it is retried by the restart policy
 * (nothing was spawned); after health the process is stopped first.
 */
export interface ServiceHooks {
  /** Before every spawn (e.g. prepare a database cluster on first start). */
  beforeSpawn?: () => Promise<void>;
  /** Once the process is healthy, before the state says `running` (e.g. create roles). */
  afterHealthy?: () => Promise<void>;
}

/** A service's own facts beside its settings (README "Several services"). */
export interface ServiceOptions {
  /** Its name in the stack (`backend` for the one the environment defines). */
  name: string;
  /** How its health is probed; `none`: alive means ready, no probes. */
  health: HealthSpec;
  /** What the probe is pointed at, for people (a password in a URL masked). */
  healthTarget: string;
  /** `always`: restart after any exit; `on-failure` and `no`: exit code 0 ends in `stopped`. */
  restartPolicy: RestartPolicyName;
  /** The signal of a stop; SIGKILL follows after the stop timeout. */
  stopSignal: NodeJS.Signals;
  /** Signals between the stop signal and SIGKILL, each with its own short wait (see `ProcessGroup.stop`). */
  stopEscalation?: readonly NodeJS.Signals[];
  /** Run the process as this uid/gid (the supervisor must be root to ask for another). */
  uid?: number;
  gid?: number;
}
