import type { ProbeFailure, ProbeOutcome } from '../health-probe';

/**
 * A failed probe's outcome as every non-HTTP probe answers it: started `at` (RFC 3339), no
 * latency, no HTTP status, no body; `failure` its kind and `error` what happened.
 */
export function failedOutcome(at: string, failure: ProbeFailure, error: string): ProbeOutcome {
  return { at, ok: false, latency_ms: null, status_code: null, error, failure, body: null };
}
