// The charts' styles come with their chunk (loaded by the Status page), after Mantine's core styles.
import '@mantine/charts/styles.css';
import { AreaChart, LineChart } from '@mantine/charts';
import { Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { DotItemDotProps } from 'recharts';
import type { HealthCheckResult } from '../../../../shared/status';
import { formatClock, formatLatency, formatMebibytes, NONE } from '../../format';
import { useMetricsHistory } from '../../hooks/use-metrics-history';
import { STATE_KEYS } from '../../../../shared/locales/labels';
import { useT, type T } from '../../i18n';
import { CHART_HEIGHT, CHART_TITLES, ChartCard } from './chart-card';
import { formatMiB, hasValues, maxOf, type MetricsPoint, yTicks } from './metrics-points';

/** Up to this many points every point gets a dot; beyond, only isolated ones (a line needs two). */
const ALL_DOTS_UP_TO = 60;

// CSS colours (Mantine's variables): the series take them, and so do the custom dots.
const LATENCY_COLOR = 'var(--mantine-color-indigo-6)';
const MEMORY_COLOR = 'var(--mantine-color-teal-6)';
const FAILED_COLOR = 'var(--mantine-color-red-6)';

/** The y axis of both charts: from 0 to the top of three round ticks, room for `1000 MiB`. */
function yAxis(max: number) {
  const ticks = yTicks(max);
  return { width: 72, ticks, domain: [0, ticks[2]], interval: 0 } as const;
}

/**
 * What the status says now: the headlines follow it rather than the newest sample, which
 * is up to 10 s old (a slow first probe would head the chart long after a fast one).
 */
export interface ChartsCurrent {
  /** The current process's last probe (status `last_health`), null when none. */
  probe: HealthCheckResult | null;
  /** False when no backend process runs now: no memory to head with. */
  process: boolean;
}

/** The Status page's charts of the last hour, live (`metrics:history` every 10 s). */
export function MetricsCharts({ current }: { current?: ChartsCurrent }) {
  const query = useMetricsHistory();
  return <MetricsChartsView points={query.data} error={query.isError ? query.error : null} current={current} />;
}

/** Props of {@link MetricsChartsView}. */
export interface MetricsChartsViewProps {
  /** Chart points, oldest first; undefined until the first answer. */
  points: readonly MetricsPoint[] | undefined;
  /** The last fetch failed: said instead of a chart while there are no points. */
  error?: unknown;
  /** The status now; without it the headlines come from the newest sample. */
  current?: ChartsCurrent;
}

/**
 * Two small charts of the last hour: health-check latency (failed probes as red points,
 * gaps where the backend was not probed) and the backend's resident memory in MiB.
 */
export function MetricsChartsView({ points, error, current }: MetricsChartsViewProps) {
  const t = useT();
  // The newest sample only: an older figure would describe a process that may be gone.
  const newest = points?.at(-1);
  const newestProbe: Pick<MetricsPoint, 'ok' | 'latency_ms'> | undefined = current
    ? { ok: current.probe?.ok ?? null, latency_ms: current.probe?.latency_ms ?? null }
    : newest;
  const newestMemory = current && !current.process ? null : newest?.memory;
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <ChartCard
        testId="chart-latency"
        title={t(CHART_TITLES.latency)}
        points={points}
        error={error}
        latest={newestProbe && (newestProbe.ok === null ? t('chart.notProbed') : <LatestProbe point={newestProbe} />)}
        noValues={points && !hasValues(points, 'latency') && !hasValues(points, 'failed')}
        noValuesText={t('chart.noChecks')}
      >
        {points && <LatencyChart points={points} />}
      </ChartCard>
      <ChartCard
        testId="chart-memory"
        title={t(CHART_TITLES.memory)}
        points={points}
        error={error}
        latest={
          newest &&
          points &&
          hasValues(points, 'memory') &&
          (newestMemory == null ? t('status.noProcess') : formatMiB(newestMemory))
        }
        noValues={points && !hasValues(points, 'memory')}
        noValuesText={t('chart.noProcess')}
      >
        {points && <MemoryChart points={points} />}
      </ChartCard>
    </SimpleGrid>
  );
}

function LatestProbe({ point }: { point: Pick<MetricsPoint, 'ok' | 'latency_ms'> }) {
  const t = useT();
  if (point.ok) return point.latency_ms === null ? NONE : formatLatency(point.latency_ms);
  return (
    <Text span inherit c="red.7">
      {t('probe.failed')}
    </Text>
  );
}

function LatencyChart({ points }: { points: readonly MetricsPoint[] }) {
  const t = useT();
  return (
    <LineChart
      h={CHART_HEIGHT}
      data={points as MetricsPoint[]}
      dataKey="at"
      series={[
        { name: 'latency', label: t('chart.series.latency'), color: LATENCY_COLOR },
        { name: 'failed', label: t('chart.series.failed'), color: FAILED_COLOR },
      ]}
      connectNulls={false}
      curveType="linear"
      valueFormatter={(ms) => formatLatency(ms)}
      xAxisProps={{ tickFormatter: formatClock }}
      yAxisProps={yAxis(maxOf(points, ['latency', 'failed']))}
      tooltipProps={{ content: ({ payload }) => <PointTooltip point={payload?.[0]?.payload} show="latency" /> }}
      lineProps={(series) =>
        series.name === 'failed'
          ? // Points only: the red dots of failed probes, never joined by a line.
            {
              stroke: 'none',
              dot: { r: 3.5, fill: FAILED_COLOR, stroke: FAILED_COLOR, strokeWidth: 1 },
              activeDot: { r: 5, fill: FAILED_COLOR, stroke: FAILED_COLOR },
            }
          : { dot: sparseDot(points, 'latency', LATENCY_COLOR) }
      }
    />
  );
}

function MemoryChart({ points }: { points: readonly MetricsPoint[] }) {
  const t = useT();
  return (
    <AreaChart
      h={CHART_HEIGHT}
      data={points as MetricsPoint[]}
      dataKey="at"
      series={[{ name: 'memory', label: t('chart.series.memory'), color: MEMORY_COLOR }]}
      connectNulls={false}
      curveType="linear"
      withGradient
      valueFormatter={(mib) => formatMebibytes(mib)}
      xAxisProps={{ tickFormatter: formatClock }}
      yAxisProps={yAxis(maxOf(points, ['memory']))}
      tooltipProps={{ content: ({ payload }) => <PointTooltip point={payload?.[0]?.payload} show="memory" /> }}
      areaProps={{ dot: sparseDot(points, 'memory', MEMORY_COLOR) }}
    />
  );
}

/**
 * A dot renderer drawing every point while there are few, then only the points with no
 * neighbour on either side (a line segment needs two, so these would not show at all).
 */
function sparseDot(points: readonly MetricsPoint[], key: 'latency' | 'memory', color: string) {
  const everyPoint = points.length <= ALL_DOTS_UP_TO;
  return function SparseDot({ cx, cy, index }: DotItemDotProps): ReactNode {
    if (cx == null || cy == null || points[index]?.[key] == null) return null;
    const isolated = points[index - 1]?.[key] == null && points[index + 1]?.[key] == null;
    if (!everyPoint && !isolated) return null;
    return <circle key={index} cx={cx} cy={cy} r={2.5} fill={color} stroke={color} />;
  };
}

/** The hovered sample: its time and the one figure of its chart, in words when there is none. */
function PointTooltip({ point, show }: { point: MetricsPoint | undefined; show: 'latency' | 'memory' }) {
  const t = useT();
  if (!point) return null;
  return (
    <Paper withBorder shadow="md" radius="sm" px="sm" py={6}>
      <Stack gap={2}>
        <Text size="xs" c="dimmed">
          {formatClock(point.at)} · {t(STATE_KEYS[point.state])}
        </Text>
        <Text size="sm" fw={600} c={show === 'latency' && point.ok === false ? 'red.7' : undefined}>
          {show === 'latency'
            ? probeText(t, point)
            : point.memory === null
              ? t('status.noProcess')
              : formatMiB(point.memory)}
        </Text>
      </Stack>
    </Paper>
  );
}

function probeText(t: T, point: MetricsPoint): string {
  if (point.ok === null) return t('chart.notProbed');
  if (point.latency_ms === null) return t(point.ok ? 'probe.ok' : 'chart.failedNoAnswer');
  return point.ok
    ? formatLatency(point.latency_ms)
    : t('chart.failedAfter', { latency: formatLatency(point.latency_ms) });
}
