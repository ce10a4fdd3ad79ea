import type { Incident } from '../../../shared/incident';

/**
 * One failure run as the Incidents page shows it: the restart policy's attempts after one
 * failure (incidents sharing a `run_id`), newest first. `latest` holds the final verdict
 * so far (its `action`: the next attempt, or "gave up …").
 */
export interface IncidentRun {
  /** The run's id: its `run_id`, or the incident's own id when it has none (older files). */
  id: string;
  latest: Incident;
  /** Every attempt, newest first; `attempts[0]` is `latest`. */
  attempts: readonly Incident[];
}

/**
 * Groups a list of incidents (newest first, as `incidents:list` answers) into runs, in
 * the order of each run's newest incident. An incident without a `run_id` (written before
 * runs were recorded) is a run of its own.
 */
export function groupIncidentRuns(incidents: readonly Incident[]): IncidentRun[] {
  const runs = new Map<string, Incident[]>();
  for (const incident of incidents) {
    const id = incident.run_id ?? incident.id;
    const attempts = runs.get(id);
    if (attempts) attempts.push(incident);
    else runs.set(id, [incident]);
  }
  return [...runs].map(([id, attempts]) => ({ id, latest: attempts[0]!, attempts }));
}
