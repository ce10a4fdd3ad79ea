/** `status [service] [--json]`: every service as a table, or one in detail. */
import { createTranslator, type Translate } from '../../../shared/locales/translate';
import type { ServiceStatus } from '../../../shared/services';
import { EXIT } from '../errors';
import { duration, fields, jsonText, printable, stateColour, table, type Cell } from '../table';
import { messagesOf, type CommandContext } from './context';

/** The tables' language when the caller names none. */
const ENGLISH = createTranslator('en');

/** The HEALTH cell: the last probe's verdict and latency. */
export function healthCell(s: ServiceStatus, t: Translate = ENGLISH): Cell {
  const last = s.last_health;
  if (s.last_health_check === 'unknown' || !last) return { text: '-' };
  if (last.ok)
    return {
      text: last.latency_ms === null ? t('cli.healthy') : t('cli.healthyIn', { latency: Math.round(last.latency_ms) }),
      colour: 'green',
    };
  return { text: t('cli.unhealthy', { why: last.error ?? `HTTP ${last.status_code ?? '?'}` }), colour: 'red' };
}

/** The INFO cell: why a service that is not running is where it is. */
function infoOf(s: ServiceStatus, t: Translate): string {
  if (s.status === 'backoff' && s.next_restart_in_ms !== null) {
    return t('cli.restartIn', {
      duration: duration(Math.ceil(s.next_restart_in_ms / 1000), t),
      reason: s.state_reason,
    });
  }
  return s.status === 'running' ? '' : s.state_reason;
}

/** The table of `status`, one row per service in stack-file order; headers and words in the language of `t`. */
export function statusTable(services: readonly ServiceStatus[], colour: boolean, t: Translate = ENGLISH): string[] {
  return table(
    [
      t('cli.col.service'),
      t('cli.col.state'),
      t('cli.col.pid'),
      t('cli.col.uptime'),
      t('cli.col.restarts'),
      t('cli.col.health'),
      t('cli.col.info'),
    ],
    services.map((s) => [
      s.name,
      { text: s.status, colour: stateColour(s.status) },
      s.pid === null ? '-' : String(s.pid),
      s.uptime_secs > 0 ? duration(s.uptime_secs, t) : '-',
      String(s.restart_count),
      healthCell(s, t),
      infoOf(s, t),
    ]),
    colour,
  );
}

/** Since when it is in its state, in local time in the language of `t`, and by whom and why; a time that is no date as sent. */
function sinceText(s: ServiceStatus, t: Translate): string {
  // Only an ISO 8601 date of years 1 to 9999: V8's Date takes `1` as 2001 and null as 1970, and
  // the date format writes no era (the year -271821 would read as 271822).
  const sent: unknown = s.state_since;
  const at = typeof sent === 'string' && /^\d{4}-\d{2}-\d{2}(?:$|[T ])/.test(sent) ? new Date(sent) : new Date(NaN);
  const year = at.getFullYear();
  if (Number.isNaN(at.getTime()) || year < 1 || year > 9999)
    return `${String(sent)} (${s.state_actor}: ${s.state_reason})`;
  return t('cli.detail.sinceAt', { at, actor: s.state_actor, reason: s.state_reason });
}

/** One service in detail, as key–value lines under its name; labels and words in the language of `t`, the data as it is. */
export function statusDetail(s: ServiceStatus, colour: boolean, t: Translate = ENGLISH): string[] {
  const exit = s.last_exit;
  const pairs: [string, Cell | string][] = [
    [t('cli.detail.state'), { text: s.status, colour: stateColour(s.status) }],
    [t('cli.detail.since'), sinceText(s, t)],
    [t('cli.detail.pid'), s.pid === null ? '-' : String(s.pid)],
    [t('cli.detail.uptime'), s.uptime_secs > 0 ? duration(s.uptime_secs, t) : '-'],
    [
      t('cli.detail.restarts'),
      t('cli.detail.restartCount', { restarts: s.restart_count, failures: s.consecutive_failures }),
    ],
    [t('cli.detail.health'), healthCell(s, t)],
    [t('cli.detail.check'), `${s.health_check.kind}${s.health_check.target ? ` ${s.health_check.target}` : ''}`],
    [t('cli.detail.dependsOn'), s.depends_on.map((d) => `${d.service} (${d.condition})`).join(', ') || '-'],
  ];
  if (s.next_restart_in_ms !== null)
    pairs.push([
      t('cli.detail.nextStart'),
      t('cli.detail.nextStartIn', { duration: duration(Math.ceil(s.next_restart_in_ms / 1000), t) }),
    ]);
  if (exit) {
    const how = exit.signal
      ? t('cli.detail.signal', { signal: exit.signal })
      : t('cli.detail.code', { code: exit.code ?? '?' });
    pairs.push([
      t('cli.detail.lastExit'),
      exit.expected
        ? t('cli.detail.exitStopped', { how, at: exit.at, by: exit.stopped_by ?? t('cli.detail.bySupervisor') })
        : t('cli.detail.exitAt', { how, at: exit.at }),
    ]);
  }
  if (s.last_error) pairs.push([t('cli.detail.lastError'), { text: s.last_error, colour: 'red' }]);
  const name = printable(s.name);
  return [s.primary ? t('cli.detail.primary', { name }) : name, ...fields(pairs, colour)];
}

/** Runs `status`. */
export async function status({ io, parsed, client }: CommandContext): Promise<number> {
  const one = parsed.operand;
  const body = await client().get(one ? `/api/v1/services/${one}` : '/api/v1/services');
  if (parsed.values.json) {
    io.out(jsonText(body, 2));
    return EXIT.ok;
  }
  const lines = one
    ? statusDetail(body as ServiceStatus, io.colour, messagesOf(io))
    : statusTable(body as ServiceStatus[], io.colour, messagesOf(io));
  for (const line of lines) io.out(line);
  return EXIT.ok;
}
