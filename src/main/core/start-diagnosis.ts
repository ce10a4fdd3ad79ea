import type { HealthProbe, ProbeOutcome } from './health-probe';
import { listeningSocketsOf, type ListeningSocket } from './port-owner';
import { groupMembers } from './process-identity';

/**
 * Budget of the look around a start that ran out of time, ms: the other health paths are
 * probed at once, each within it. A loopback answer takes a few ms; the restart (or the
 * `crashed` verdict) waits no longer than this for the hint.
 */
export const START_DIAGNOSIS_BUDGET_MS = 500;

/**
 * Paths tried, in this order of preference, when the health path answers 404: the usual
 * health endpoints of web frameworks and orchestrators, then the root.
 */
export const OTHER_HEALTH_PATHS: readonly string[] = ['/health', '/healthz', '/health/live', '/livez', '/ping', '/'];

/** Listening addresses named in a hint at most; more read `and N more`. */
export const MAX_LISTED_SOCKETS = 4;

/** What {@link diagnoseFailedStart} looks at. */
export interface FailedStart {
  probe: HealthProbe;
  /** The health URL probed during the start. */
  healthUrl: string;
  /** The backend's pid, which is its process group; its processes must still be alive. */
  pid: number;
  /** The start's last conclusive probe (`StartOutcome` timeout's `lastProbe`). */
  lastProbe: ProbeOutcome | null;
  /** The TCP sockets the processes of group `pgid` listen on, null when unknown (injectable for tests). */
  listeningOfGroup?: (pgid: number) => ListeningSocket[] | null;
  /** Budget of the extra probes, ms (default {@link START_DIAGNOSIS_BUDGET_MS}). */
  budgetMs?: number;
}

/** Sockets of the live processes of group `pgid` (/proc on Linux); null when unknown. */
function listeningOfGroupFromProc(pgid: number): ListeningSocket[] | null {
  const members = groupMembers(pgid);
  return members.length === 0 ? null : listeningSocketsOf(members.map((m) => m.pid));
}

/**
 * One line saying what to do about a start that ran out of budget, or null when there is
 * nothing to add. Run once, at the failure, while the backend still runs:
 * - no probe got an HTTP answer (connection refused, reset or closed) while the backend's
 *   group listens on other ports: `it listens on 127.0.0.1:8081 (the health URL is
 *   http://127.0.0.1:3000/health: set GO_BACKEND_URL?)`, or `it listens on no TCP port`;
 * - the health path answers 404 and another usual path ({@link OTHER_HEALTH_PATHS}) a 2xx:
 *   `/health answers 404; / answers 200: set HEALTH_CHECK_PATH?`.
 * Never throws; takes at most about {@link START_DIAGNOSIS_BUDGET_MS}.
 */
export async function diagnoseFailedStart(f: FailedStart): Promise<string | null> {
  const last = f.lastProbe;
  if (last === null) return null;
  try {
    if (last.status_code === 404) return await otherPathHint(f);
    if (last.status_code === null && (last.failure === 'unreachable' || last.failure === undefined)) {
      return listeningHint(f, (f.listeningOfGroup ?? listeningOfGroupFromProc)(f.pid));
    }
  } catch {
    // A hint is a courtesy: the failure is reported without it.
  }
  return null;
}

/** The hint for a refused health URL from what the group listens on (null when unknown or on the URL's port). */
export function listeningHint(f: Pick<FailedStart, 'healthUrl'>, sockets: ListeningSocket[] | null): string | null {
  if (sockets === null) return null;
  if (sockets.length === 0) return 'it listens on no TCP port';
  const url = new URL(f.healthUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // On the URL's port but refused: another address (127.0.0.1 vs ::1); named as well.
  if (sockets.some((s) => s.port === port && (s.host === url.hostname || s.host === '0.0.0.0' || s.host === '[::]'))) {
    return null;
  }
  const names = [...new Set(sockets.map((s) => `${s.host}:${s.port}`))];
  const shown = names.slice(0, MAX_LISTED_SOCKETS);
  const more = names.length - shown.length;
  const list = more > 0 ? `${shown.join(', ')} and ${more} more` : joinAnd(shown);
  return `it listens on ${list} (the health URL is ${f.healthUrl}: set GO_BACKEND_URL?)`;
}

/** "a", "a and b", "a, b and c". */
function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Probes the other usual health paths at once; names the first (by preference) that answers 2xx. */
async function otherPathHint(f: FailedStart): Promise<string | null> {
  const url = new URL(f.healthUrl);
  const own = url.pathname;
  const budget = f.budgetMs ?? START_DIAGNOSIS_BUDGET_MS;
  const paths = OTHER_HEALTH_PATHS.filter((p) => p !== own);
  const answers = await Promise.all(paths.map((p) => f.probe.probe(new URL(p, url).toString(), budget)));
  const found = answers.findIndex((a) => a.ok);
  if (found < 0) return null;
  return `${own} answers 404; ${paths[found]} answers ${answers[found]?.status_code}: set HEALTH_CHECK_PATH?`;
}
