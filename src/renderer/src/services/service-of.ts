import type { ServiceStatus } from '../../../shared/services';

/**
 * The name events, log lines and incidents carry when they have no `service` field: a
 * supervisor from before stacks had one service, the `backend`.
 */
export const LEGACY_SERVICE = 'backend';

/** The primary service's name in `services` (the first one when none is marked), or undefined without a list. */
export function primaryName(
  services: readonly Pick<ServiceStatus, 'name' | 'primary'>[] | undefined,
): string | undefined {
  if (!services || services.length === 0) return undefined;
  return (services.find((s) => s.primary) ?? services[0]!).name;
}

/**
 * Whether something tagged `tagged` (an event's, a log line's `service`; undefined: the
 * primary service) belongs to `selected` (undefined: the primary service). `primary` is
 * the primary's name when known; unknown, every untagged item is the primary's.
 */
export function belongsTo(
  tagged: string | undefined,
  selected: string | undefined,
  primary: string | undefined,
): boolean {
  const target = selected ?? primary;
  if (tagged === undefined) return selected === undefined || selected === primary;
  if (target === undefined) return true;
  return tagged === target;
}
