import { Center, Group, Loader, Paper, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ORDER_STATUSES, type OrderStatus, type Stats } from '../../../../shared/entities';
import { formatMoney } from '../../format';
import { ORDER_STATUS_KEYS } from '../../../../shared/locales/labels';
import { useStats } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { StatCard } from '../stat-card';
import { AdminErrorAlert } from './admin-error';
import { ORDER_STATUS_COLORS } from './order-status-badge';
import { ViewHeader } from './view-header';

/** The Stats tab: totals and orders by status, from `admin:stats`. */
export function StatsView() {
  const t = useT();
  const query = useStats();
  return (
    <Stack gap="md" data-testid="admin-stats">
      <ViewHeader
        title={t('stats.title')}
        description={t('stats.description')}
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="stats"
      />
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={t(query.data ? 'stats.refreshError' : 'stats.loadError')}
          onRetry={() => void query.refetch()}
        />
      )}
      {query.data ? (
        <StatsPanels stats={query.data} />
      ) : (
        !query.isError && (
          <Center h={200}>
            <Loader />
          </Center>
        )
      )}
    </Stack>
  );
}

/** The cards and the chart of one stats answer. */
export function StatsPanels({ stats }: { stats: Stats }) {
  const t = useT();
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="md">
        <StatCard label={t('stats.users')} value={stats.total_users} testId="stats-total-users" />
        <StatCard label={t('stats.orders')} value={stats.total_orders} testId="stats-total-orders" />
        <StatCard label={t('stats.revenue')} value={formatMoney(stats.total_revenue)} testId="stats-total-revenue" />
      </SimpleGrid>
      <StatusChart counts={stats.orders_by_status} />
    </Stack>
  );
}

/** Statuses in their normal order, then any the backend sends that the contract does not name. */
function chartRows(counts: Record<string, number>): { status: string; count: number }[] {
  const known: readonly string[] = ORDER_STATUSES;
  const extra = Object.keys(counts)
    .filter((status) => !known.includes(status))
    .sort();
  return [...known, ...extra].map((status) => ({ status, count: counts[status] ?? 0 }));
}

/**
 * Orders by status as horizontal bars (one Mantine Progress each, scaled to the largest
 * count). The bars are decoration: each row reads "<status> <count> (<share>)" as text.
 */
function StatusChart({ counts }: { counts: Record<string, number> }) {
  const t = useT();
  const rows = chartRows(counts);
  const max = Math.max(1, ...rows.map((row) => row.count));
  const sum = rows.reduce((total, row) => total + row.count, 0);
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={5} mb="md" id="stats-chart-title">
        {t('stats.byStatus')}
      </Title>
      <Stack gap="sm" role="list" aria-labelledby="stats-chart-title" data-testid="stats-chart">
        {rows.map(({ status, count }) => {
          const color = ORDER_STATUS_COLORS[status as OrderStatus] ?? 'gray';
          const share = sum === 0 ? 0 : Math.round((count / sum) * 100);
          // A status the contract does not name is shown by its raw name.
          const key = ORDER_STATUS_KEYS[status as OrderStatus] as string | undefined;
          const label = key ? t(key) : status;
          return (
            <Group
              key={status}
              gap="md"
              wrap="nowrap"
              role="listitem"
              aria-label={t('stats.row', { status: label, count })}
              data-testid={`stats-status-${status}`}
              data-count={count}
            >
              <Text size="sm" w={90} fw={600} style={{ flexShrink: 0 }}>
                {label}
              </Text>
              <Progress
                value={(count / max) * 100}
                color={color}
                size="xl"
                radius="sm"
                style={{ flex: 1 }}
                aria-hidden
                transitionDuration={300}
              />
              <Text size="sm" w={80} ta="right" style={{ flexShrink: 0 }}>
                <Text span fw={700} inherit data-testid={`stats-count-${status}`}>
                  {count}
                </Text>{' '}
                <Text span c="dimmed" inherit>
                  ({share}%)
                </Text>
              </Text>
            </Group>
          );
        })}
      </Stack>
    </Paper>
  );
}
