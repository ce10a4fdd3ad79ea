import type { SupervisorConfig } from '../../../shared/config';
import type { DependencyCondition, HealthSpec, RestartPolicyName } from '../../../shared/services';
import type { ServiceHooks } from '../supervisor-types';
import type { NotifyTarget } from '../alerts/notify-schema';

export type { DependencyCondition, HealthSpec, RestartPolicyName };

/** One `depends_on` entry: the service depended on and the condition it must meet first. */
export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

/**
 * One service of the stack, fully resolved: what its supervisor runs and how it judges it.
 * Built from a stack file entry over the global settings (README "Several services"), or
 * from the environment alone (one service named `backend`).
 */
export interface ServiceDefinition {
  /** Its name in the stack file (`[a-z0-9][a-z0-9_-]*`, at most 63 characters). */
  name: string;
  /** The service the seed's `/api/v1/admin/backend/*` routes act on (exactly one per stack). */
  primary: boolean;
  /**
   * The settings of its supervisor: command, args, env (merged over the supervisor's own
   * environment at spawn; these win), working dir, probe timings, restart policy numbers,
   * stop timeout (ms). For an `http` health check, `backendUrl` + `healthCheckPath` is its URL.
   */
  config: SupervisorConfig;
  /** How its readiness and liveness are probed. */
  health: HealthSpec;
  /** `always` restarts after any exit; `on-failure` not after exit code 0; `no` never. */
  restartPolicy: RestartPolicyName;
  /** Signal of a stop (Compose `stop_signal`); SIGKILL follows after `config.stopTimeoutMs`. */
  stopSignal: NodeJS.Signals;
  /** Signals after `stopSignal`'s grace and before SIGKILL (`postgres`: SIGQUIT, its immediate shutdown). */
  stopEscalation?: readonly NodeJS.Signals[];
  /** Run as this user (name or uid), or null: as the supervisor. Only honoured as root. */
  user: string | null;
  /** What must be up before it starts. */
  dependsOn: Dependency[];
  /** A built-in kind (README "Stack file", `kind: postgres`); absent: a command of the stack file's. */
  kind?: 'postgres';
  /** What its kind does around each start (`postgres`: the cluster before the spawn, role and databases after health). */
  hooks?: ServiceHooks;
  /** Where its alerts go (the stack file's `notify`, README "Alerts"); absent or empty: none. */
  notify?: readonly NotifyTarget[];
}

/** A whole stack: its services in file order, and where it came from. */
export interface StackDefinition {
  services: ServiceDefinition[];
  /** Absolute path of the stack file, or null when the environment defined the one service. */
  file: string | null;
}
