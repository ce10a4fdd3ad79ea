import type { BackendState } from '../../../../shared/states';
import type { MetricsSample } from '../../../../shared/status';
import { formatMebibytes } from '../../format';

/** Bytes in a MiB. */
const MIB = 1024 * 1024;

/**
 * States in which the supervisor probes the backend. In the others the sample repeats the
 * last probe from before (stale), so the chart leaves a gap there.
 */
const PROBED_STATES: ReadonlySet<BackendState> = new Set(['running', 'unhealthy']);

/** One x position of the Status page's charts, shaped from a {@link MetricsSample}. */
export interface MetricsPoint {
  /** RFC 3339 time of the sample (the x axis). */
  at: string;
  state: BackendState;
  /** The probe counted at this sample: true passed, false failed, null none (not probed in this state). */
  ok: boolean | null;
  /** That probe's latency, ms, whatever its result (null when no answer came), for the tooltip. */
  latency_ms: number | null;
  /** The latency line: a passing probe's latency, ms; null (a gap) otherwise. */
  latency: number | null;
  /** Height of a failed probe's red point: its latency when an answer came, else 0; null when none failed. */
  failed: number | null;
  /** The backend's resident memory, MiB (one decimal); null (a gap) without a process. */
  memory: number | null;
}

/** Samples (oldest first, as `metrics:history` gives them) → chart points, in the same order. */
export function toMetricsPoints(samples: readonly MetricsSample[]): MetricsPoint[] {
  return samples.map((sample) => {
    const ok = PROBED_STATES.has(sample.state) ? sample.healthy : null;
    const latency_ms = ok === null ? null : sample.health_latency_ms;
    return {
      at: sample.at,
      state: sample.state,
      ok,
      latency_ms,
      latency: ok === true ? latency_ms : null,
      failed: ok === false ? (latency_ms ?? 0) : null,
      memory: sample.rss_bytes === null ? null : Math.round((sample.rss_bytes / MIB) * 10) / 10,
    };
  });
}

/** True when at least one point has a value under `key`. */
export function hasValues(points: readonly MetricsPoint[], key: 'latency' | 'failed' | 'memory'): boolean {
  return points.some((point) => point[key] !== null);
}

/**
 * Three round y-axis ticks from 0 that cover `max`: `[0, step, 2 × step]` with the step
 * the smallest 1, 2, 2.5 or 5 × 10ⁿ that fits (`17` → `[0, 10, 20]`, `829` → `[0, 500, 1000]`;
 * nothing above 0 → `[0, 0.5, 1]`).
 */
export function yTicks(max: number): [number, number, number] {
  const half = (max > 0 ? max : 1) / 2;
  const magnitude = 10 ** Math.floor(Math.log10(half));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= half) ?? 10 * magnitude;
  // Float noise (such as 0.30000000000000004) would show in the labels.
  const round = (n: number): number => Number(n.toPrecision(12));
  return [0, round(step), round(2 * step)];
}

/** The largest value under the given keys (0 when there is none). */
export function maxOf(points: readonly MetricsPoint[], keys: readonly ('latency' | 'failed' | 'memory')[]): number {
  let max = 0;
  for (const point of points) {
    for (const key of keys) max = Math.max(max, point[key] ?? 0);
  }
  return max;
}

/** Memory in MiB as the charts show it (`48.2 MiB`; in the dashboard's language, through Intl). */
export function formatMiB(mib: number): string {
  return formatMebibytes(mib);
}
