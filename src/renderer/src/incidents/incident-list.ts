import type { Incident } from '../../../shared/incident';

/** Incidents the dashboard keeps, as many as the supervisor keeps on disk (`incidents:list`). */
export const INCIDENT_CAP = 200;

/**
 * Puts a live incident in front of `list` (newest first). An incident already there (same
 * `id`: it came with the list too) is skipped; `list` itself is returned when nothing
 * changed, so React can skip a render.
 */
export function prependIncident(
  list: readonly Incident[],
  incident: Incident,
  cap = INCIDENT_CAP,
): readonly Incident[] {
  if (list.some((known) => known.id === incident.id)) return list;
  return [incident, ...list].slice(0, cap);
}

/**
 * A freshly fetched list (newest first) plus the live incidents it does not hold yet (they
 * arrived while the call was in flight; the two travel on different connections, so
 * either may land first). `live` is newest first too; the result has no duplicate `id`.
 */
export function mergeIncidents(
  fetched: readonly Incident[],
  live: readonly Incident[],
  cap = INCIDENT_CAP,
): readonly Incident[] {
  const known = new Set(fetched.map((incident) => incident.id));
  const missing: Incident[] = [];
  for (const incident of live) {
    if (known.has(incident.id)) continue;
    known.add(incident.id);
    missing.push(incident);
  }
  if (missing.length === 0) return fetched.slice(0, cap);
  return [...missing, ...fetched].slice(0, cap);
}
