import { Center, Group, Loader, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../../api';
import { useT } from '../../i18n';
import type { MetricsPoint } from './metrics-points';

// The charts' frame, apart from the charts (recharts and d3, most of the Status page's weight,
// in metrics-charts.tsx): the Status page shows these cards, loading, while it fetches them.

/** Height of each chart's plot, px. */
export const CHART_HEIGHT = 160;

/** Each chart's title (a translation key). */
export const CHART_TITLES = { latency: 'chart.latency', memory: 'chart.memory' } as const;

/** Props of {@link ChartCard}. */
export interface ChartCardProps {
  testId: string;
  title: string;
  points: readonly MetricsPoint[] | undefined;
  error: unknown;
  latest: ReactNode;
  noValues: boolean | undefined;
  noValuesText: string;
  children: ReactNode;
}

type ChartState = 'loading' | 'error' | 'empty' | 'no-values' | 'ready';

/** A titled card holding one chart, or what stands in for it (loading, error, no samples). */
export function ChartCard({ testId, title, points, error, latest, noValues, noValuesText, children }: ChartCardProps) {
  const t = useT();
  const state: ChartState =
    points === undefined
      ? error != null
        ? 'error'
        : 'loading'
      : points.length === 0
        ? 'empty'
        : noValues
          ? 'no-values'
          : 'ready';
  return (
    <Paper withBorder radius="md" p="lg" data-testid={testId} data-state={state} data-points={points?.length ?? 0}>
      <Group justify="space-between" align="baseline" mb="sm" wrap="nowrap">
        <Title order={5}>
          {title}{' '}
          <Text span size="xs" c="dimmed" fw={400}>
            {t('chart.lastHour')}
          </Text>
        </Title>
        {latest && (
          <Text size="sm" fw={600} data-testid={`${testId}-latest`}>
            {latest}
          </Text>
        )}
      </Group>
      {state === 'ready' ? (
        children
      ) : (
        <Center h={CHART_HEIGHT}>
          {state === 'loading' ? (
            <Loader size="sm" />
          ) : (
            <Text size="sm" c={state === 'error' ? 'red.7' : 'dimmed'} ta="center">
              {state === 'error' ? errorMessage(error) : state === 'empty' ? t('chart.collecting') : noValuesText}
            </Text>
          )}
        </Center>
      )}
    </Paper>
  );
}

/** The two charts' cards, loading: what the Status page shows until the charts' code has arrived. */
export function ChartsLoading() {
  const t = useT();
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      {(['latency', 'memory'] as const).map((chart) => (
        <ChartCard
          key={chart}
          testId={`chart-${chart}`}
          title={t(CHART_TITLES[chart])}
          points={undefined}
          error={null}
          latest={null}
          noValues={undefined}
          noValuesText=""
        >
          {null}
        </ChartCard>
      ))}
    </SimpleGrid>
  );
}
