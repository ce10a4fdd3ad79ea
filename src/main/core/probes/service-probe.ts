import type { HealthSpec } from '../../../shared/services';
import type { HealthProbe } from '../health-probe';
import type { UserIds } from '../stack/service-user';
import { CommandProbe } from './command-probe';
import { maskPassword, PostgresProbe } from './postgres-probe';
import { formatTcpTarget, TcpProbe } from './tcp-probe';

/** Characters an argument may hold and still be shown bare. */
const BARE_WORD = /^[\w@%+=:,./-]+$/;

/** An option whose next argument is a password (`--password VALUE`, `--pass`, `--db-password`). */
const PASSWORD_OPTION = /^--?(?:[\w-]*-)?pass(?:word)?$/i;

/** What a masked secret reads as. */
const MASK = '***';

/** `arg` as a POSIX shell would need it written: bare when safe, else in single quotes. */
function shellWord(arg: string): string {
  return BARE_WORD.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * What a health check probes, fit to show (the `target` of a service's `health_check`):
 * the URL of an `http` check, `tcp://host:port` (IPv6 in brackets), the PostgreSQL URL with
 * its password masked, `command: <argv shell-quoted>` (any argument holding a URL password
 * or `password=…`, and the one after `--password`/`--pass`, masked), `none`. The target of a `tcp` check is also what
 * {@link TcpProbe.probe} connects to.
 */
export function healthTargetOf(spec: HealthSpec): string {
  switch (spec.kind) {
    case 'http':
      return maskPassword(spec.url);
    case 'tcp':
      return formatTcpTarget(spec.host, spec.port);
    case 'postgres':
      return maskPassword(spec.url);
    case 'command':
      return `command: ${spec.argv
        .map((arg, i) => (i > 0 && PASSWORD_OPTION.test(spec.argv[i - 1]!) ? MASK : maskPassword(arg)))
        .map(shellWord)
        .join(' ')}`;
    case 'none':
      return 'none';
  }
}

/**
 * The string to hand to the probe's `probe()`: the real URL for `http` (credentials
 * included, unlike {@link healthTargetOf}), the same as {@link healthTargetOf} otherwise
 * (`tcp://host:port`; the PostgreSQL and command probes ignore it).
 */
export function probeTargetOf(spec: HealthSpec): string {
  return spec.kind === 'http' ? spec.url : healthTargetOf(spec);
}

/** What a service's probe needs from its surroundings. */
export interface ServiceProbeDeps {
  /** The one HTTP probe all `http` checks share (its owner closes it, not the service). */
  http: HealthProbe;
  /** Working directory of a `command` check (the service's). */
  cwd: string;
  /** Full environment of a `command` check (the service's, merged over the supervisor's). */
  env: Record<string, string | undefined>;
  /** Ids a `command` check runs with: the service's `user`, or null/absent: as the supervisor. */
  user?: UserIds | null;
}

/**
 * The probe of a health check, to be called with {@link healthTargetOf}'s target: the shared
 * HTTP probe for `http`; a new {@link TcpProbe}, {@link PostgresProbe} (on the real URL,
 * password included) or {@link CommandProbe} for the others, each to be closed with its
 * service; null for `none` (nothing is probed).
 */
export function createServiceProbe(spec: HealthSpec, deps: ServiceProbeDeps): HealthProbe | null {
  switch (spec.kind) {
    case 'http':
      return deps.http;
    case 'tcp':
      return new TcpProbe();
    case 'postgres':
      return new PostgresProbe(spec.url);
    case 'command':
      return new CommandProbe(spec.argv, deps.cwd, deps.env, deps.user ?? null);
    case 'none':
      return null;
  }
}
