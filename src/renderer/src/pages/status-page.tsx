import {
  Alert,
  Anchor,
  Button,
  Center,
  DataList,
  Group,
  Loader,
  NativeSelect,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import type { Incident } from '../../../shared/incident';
import type { BackendStatus, HealthCheckResult } from '../../../shared/status';
import { ACTOR_KEYS, HEALTH_KEYS, INCIDENT_KIND_KEYS } from '../../../shared/locales/labels';
import type { Actor } from '../../../shared/states';
import { errorMessage, useConnectionState } from '../api';
import { ChartsLoading } from '../components/charts/chart-card';
import { INCIDENT_KIND_STYLES } from '../components/incident-kind-badge';
import { ProcessControls } from '../components/process-controls';
import { StatCard } from '../components/stat-card';
import { StateBadge } from '../components/state-badge';
import { formatAgo, formatClock, formatDateTime, formatDuration, formatLatency, NONE } from '../format';
import { useBackendStatus } from '../hooks/use-backend-status';
import { useIncidents } from '../hooks/use-incidents';
import { useNow } from '../hooks/use-now';
import { useServices } from '../hooks/use-services';
import { useT, type T } from '../i18n';
import { LEGACY_SERVICE, primaryName } from '../services/service-of';

// The charts (recharts and d3: most of this page's weight) are a chunk of their own, fetched as
// the page first renders: the figures above them do not wait for it (issue 13).
const MetricsCharts = lazy(() =>
  import('../components/charts/metrics-charts').then((m) => ({ default: m.MetricsCharts })),
);

/** Who changed a state, in words (`the restart policy`); an actor without a label by its raw name. */
function actorText(t: T, actor: Actor): string {
  const key = ACTOR_KEYS[actor];
  return key ? t(key) : actor;
}

const HEALTH_COLORS: Record<BackendStatus['last_health_check'], string> = {
  healthy: 'green.7',
  unhealthy: 'orange.7',
  unknown: 'dimmed',
};

/**
 * The status page: state, process figures, the last hour's charts, health and the process
 * commands, of one service: the primary, or the one picked in the selector (shown when
 * the stack has more than one service).
 */
export function StatusPage() {
  const t = useT();
  const services = useServices();
  const primary = primaryName(services.data);
  const [picked, setPicked] = useState<string | undefined>(undefined);
  // The primary's calls name no service, as with a supervisor of one service.
  const service = picked === undefined || picked === primary ? undefined : picked;
  const stacked = (services.data?.length ?? 0) > 1;
  const selector = stacked ? (
    <NativeSelect
      aria-label={t('status.service')}
      size="sm"
      w={240}
      data={services.data!.map((s) => ({
        value: s.name,
        label: s.primary ? t('status.service.primary', { name: s.name }) : s.name,
      }))}
      value={service ?? primary}
      onChange={(event) => setPicked(event.currentTarget.value)}
      data-testid="status-service"
    />
  ) : null;
  return <ServiceStatusPage key={service ?? ''} service={service} primary={primary} selector={selector} />;
}

function ServiceStatusPage({
  service,
  primary,
  selector,
}: {
  service: string | undefined;
  primary: string | undefined;
  selector: ReactNode;
}) {
  const query = useBackendStatus({ service, primary });
  const incidents = useIncidents();
  const connection = useConnectionState();
  const name = service ?? primary;

  if (query.data === undefined) {
    if (query.isError) return <LoadError error={query.error} onRetry={() => void query.refetch()} />;
    return (
      <Center h={240}>
        <Loader />
      </Center>
    );
  }

  return (
    <StatusView
      title={selector === null ? undefined : name}
      selector={selector}
      service={service}
      status={query.data}
      receivedAt={query.dataUpdatedAt}
      staleError={query.isError ? query.error : null}
      reconnecting={connection === 'reconnecting'}
      tokenNeeded={connection === 'token-needed'}
      lastIncident={incidents.data?.find((i) => selector === null || (i.service ?? LEGACY_SERVICE) === name)}
      charts={
        // The charts' history is the primary service's.
        service === undefined && (
          <Suspense fallback={<ChartsLoading />}>
            <MetricsCharts
              current={{
                probe: query.data.last_health,
                process: query.data.orchestrator_enabled && query.data.pid !== null,
              }}
            />
          </Suspense>
        )
      }
    />
  );
}

function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const t = useT();
  return (
    <Alert color="red" title={t('status.loadError')} maw={720} mx="auto">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      </Stack>
    </Alert>
  );
}

/** Props of {@link StatusView}. */
export interface StatusViewProps {
  status: BackendStatus;
  /** `Date.now()` when this snapshot arrived: live uptime and countdowns count from it. */
  receivedAt: number;
  /** The last refresh failed (the figures may be old). */
  staleError?: unknown;
  /** The live connection is down (HTTP): say the figures may be old. */
  reconnecting?: boolean;
  /** The supervisor refused the token: no command can be sent. */
  tokenNeeded?: boolean;
  /** The newest recorded incident, if any: a line links to the Incidents page. */
  lastIncident?: Incident;
  /** The last hour's charts, shown under the figures (the page passes the live ones). */
  charts?: ReactNode;
  /** The heading (the service's name in a stack). @default 'Backend' (translated) */
  title?: string;
  /** The service selector, shown above (a stack of several services only). */
  selector?: ReactNode;
  /** The service the commands act on; undefined: the primary. */
  service?: string;
}

/** The status of one snapshot (split from the data hook so it can be shown from any source). */
export function StatusView({
  status,
  receivedAt,
  staleError,
  reconnecting = false,
  tokenNeeded = false,
  lastIncident,
  charts,
  title,
  selector,
  service,
}: StatusViewProps) {
  const t = useT();
  // Ticks every second: uptime, the backoff countdown and the "… ago" times move.
  const now = useNow(true);
  const elapsedMs = Math.max(0, now - receivedAt);
  // Commands sent now would act on a state the page cannot see.
  const offline = staleError != null || reconnecting || tokenNeeded;
  const health = healthCard(t, status, now);

  return (
    <Stack gap="md" maw={1100} mx="auto">
      {selector}
      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="lg">
          <Stack gap={6} style={{ flex: '1 1 320px', minWidth: 0 }}>
            <Group gap="sm" align="center">
              <Title order={3} fw={600} data-testid="status-title">
                {title ?? t('status.title')}
              </Title>
              <StateBadge state={status.status} size="lg" />
            </Group>
            <Text size="sm">
              {status.state_reason || NONE}
              <Text span c="dimmed">
                {' '}
                {t('status.by', { actor: actorText(t, status.state_actor) })}{' '}
                <Tooltip label={formatDateTime(status.state_since)} withArrow>
                  <span data-testid="state-since">
                    {formatClock(status.state_since)} ({formatAgo(status.state_since, now)})
                  </span>
                </Tooltip>
              </Text>
            </Text>
            {status.status === 'backoff' && status.next_restart_in_ms !== null && (
              <Text size="sm" c="yellow.8" data-testid="next-restart">
                {t('status.nextRestart', {
                  seconds: Math.max(0, Math.ceil((status.next_restart_in_ms - elapsedMs) / 1000)),
                })}
              </Text>
            )}
            {lastIncident && <LastIncidentLink incident={lastIncident} now={now} />}
            <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
              {status.backend_url}
            </Text>
          </Stack>
          {status.orchestrator_enabled && <ProcessControls state={status.status} offline={offline} service={service} />}
        </Group>
      </Paper>

      {status.status === 'waiting' && (
        <Alert color="grape" variant="light" title={t('status.waiting.title')} data-testid="waiting">
          {status.state_reason || t('status.waiting.reason')} {t('status.waiting.then')}
        </Alert>
      )}
      {!status.orchestrator_enabled && (
        <Alert color="blue" variant="light" title={t('status.remote.title')} data-testid="remote-mode">
          {t('status.remote.body')}
        </Alert>
      )}
      {status.last_error && (
        <Alert color="red" variant="light" title={t('status.lastError')} data-testid="last-error">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {status.last_error}
          </Text>
        </Alert>
      )}
      {(staleError != null || reconnecting) && (
        <Alert color="yellow" variant="light" title={t('status.stale.title')} data-testid="stale-status">
          {staleError != null ? errorMessage(staleError) : t('status.stale.dropped')}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <StatCard label={t('status.pid')} value={status.pid ?? NONE} testId="pid" />
        <StatCard
          label={t('status.uptime')}
          // Offline, it may have stopped since: the last uptime seen, not one counting on.
          value={uptimeText(status, offline ? 0 : elapsedMs)}
          testId="uptime"
          detail={<span data-testid="uptime-detail">{uptimeDetail(t, status)}</span>}
        />
        <StatCard
          label={t('status.restarts')}
          value={status.orchestrator_enabled ? status.restart_count : NONE}
          testId="restart-count"
          detail={
            status.orchestrator_enabled ? (
              <>
                <span data-testid="restart-total">{t('status.restarts.total', { count: status.restart_count })}</span>
                {' · '}
                <span data-testid="restart-detail">
                  {t('status.restarts.failures', { count: status.consecutive_failures })}
                </span>
              </>
            ) : (
              <span data-testid="restart-detail">{t('status.restarts.remote')}</span>
            )
          }
        />
        <StatCard
          label={t('status.health')}
          value={health.value}
          testId="health"
          color={health.color}
          detail={<span data-testid="health-detail">{health.detail}</span>}
        />
      </SimpleGrid>

      {charts}

      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <HealthPanel status={status} />
        <ExitPanel status={status} />
      </SimpleGrid>
    </Stack>
  );
}

/** "Last incident: crash 5m ago", linking to the Incidents page. */
function LastIncidentLink({ incident, now }: { incident: Incident; now: number }) {
  const t = useT();
  return (
    <Tooltip label={`${formatDateTime(incident.at)} — ${incident.summary}`} withArrow multiline maw={420}>
      <Anchor href="#/incidents" size="sm" w="fit-content" data-testid="last-incident" data-kind={incident.kind}>
        {t('status.lastIncident')}{' '}
        <Text span inherit fw={600} c={INCIDENT_KIND_STYLES[incident.kind].color}>
          {t(INCIDENT_KIND_KEYS[incident.kind])}
        </Text>{' '}
        {formatAgo(incident.at, now)}
      </Anchor>
    </Tooltip>
  );
}

/**
 * Whether the snapshot's uptime is still counting: a process is alive (its pid is known,
 * also while starting or stopping), or in remote mode the remote backend answers.
 */
function uptimeCounts(status: BackendStatus): boolean {
  return status.orchestrator_enabled ? status.pid !== null : status.status === 'running';
}

/** Uptime from the snapshot plus the time since it arrived, while it counts; a dash when nothing is up. */
function uptimeText(status: BackendStatus, elapsedMs: number): string {
  if (!uptimeCounts(status)) return NONE;
  return formatDuration(status.uptime_secs + Math.floor(elapsedMs / 1000));
}

function uptimeDetail(t: T, status: BackendStatus): string {
  if (!status.orchestrator_enabled)
    return t(uptimeCounts(status) ? 'status.uptime.remoteUp' : 'status.uptime.remoteDown');
  return status.pid !== null ? t('status.uptime.process', { pid: status.pid }) : t('status.noProcess');
}

/** `answered HTTP 404` / `connection refused` / `ok`: one probe's outcome in a few words. */
function probeOutcome(t: T, probe: HealthCheckResult): string {
  if (probe.ok) return probe.status_code === null ? t('probe.ok') : t('probe.okHttp', { code: probe.status_code });
  return probe.error ?? (probe.status_code === null ? t('probe.failed') : t('probe.http', { code: probe.status_code }));
}

/**
 * The Health card: while a process starts, its startup probes (how many, the last
 * answer); without a process, a dash; else the last periodic probe of the current one.
 */
function healthCard(t: T, status: BackendStatus, now: number): { value: string; color: string; detail: string } {
  if (status.startup) {
    const { probes, last } = status.startup;
    const count = t('status.startupProbes', { count: probes });
    return {
      value: t('health.starting'),
      color: 'blue.7',
      detail: last
        ? t('status.startupProbes.last', {
            probes: count,
            outcome: probeOutcome(t, last),
            ago: formatAgo(last.at, now),
          })
        : t('status.startupProbes.yet', { probes: count }),
    };
  }
  if (status.orchestrator_enabled && status.pid === null) {
    return { value: NONE, color: HEALTH_COLORS.unknown, detail: t('status.noProcess') };
  }
  const last = status.last_health;
  const failures = status.health_failures;
  return {
    value: t(HEALTH_KEYS[status.last_health_check]),
    color: HEALTH_COLORS[status.last_health_check],
    detail: last
      ? `${t('status.checked', { ago: formatAgo(last.at, now) })}${failures > 0 ? ` · ${t('status.failedInRow', { count: failures })}` : ''}`
      : t('status.notChecked'),
  };
}

function HealthPanel({ status }: { status: BackendStatus }) {
  const t = useT();
  // While starting, the last startup probe is the latest word on the new process.
  const health = status.startup ? status.startup.last : status.last_health;
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={5} mb="sm">
        {t(status.startup ? 'status.lastStartupProbe' : 'status.lastHealthCheck')}
      </Title>
      <Text
        size="sm"
        fw={600}
        c={health ? (health.ok ? 'green.7' : 'red.7') : 'dimmed'}
        mb="sm"
        data-testid="last-health"
        data-ok={health ? String(health.ok) : undefined}
      >
        {health
          ? healthSummary(t, health)
          : status.orchestrator_enabled && status.pid === null
            ? t('status.noProcess')
            : NONE}
      </Text>
      {health && (
        <DataList size="sm" labelWidth={120} gap="xs">
          <DataList.Item>
            <DataList.ItemLabel>{t('status.checkedAt')}</DataList.ItemLabel>
            <DataList.ItemValue>{formatDateTime(health.at)}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>{t('status.latency')}</DataList.ItemLabel>
            <DataList.ItemValue>
              {health.latency_ms === null ? NONE : formatLatency(health.latency_ms)}
            </DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>{t('status.httpStatus')}</DataList.ItemLabel>
            <DataList.ItemValue>{health.status_code ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          {health.error && (
            <DataList.Item>
              <DataList.ItemLabel>{t('status.error')}</DataList.ItemLabel>
              <DataList.ItemValue style={{ overflowWrap: 'anywhere' }}>{health.error}</DataList.ItemValue>
            </DataList.Item>
          )}
        </DataList>
      )}
    </Paper>
  );
}

function healthSummary(t: T, health: NonNullable<BackendStatus['last_health']>): string {
  const parts = [t(health.ok ? 'probe.ok' : 'probe.failed')];
  if (health.latency_ms !== null) parts.push(formatLatency(health.latency_ms));
  if (!health.ok && health.error) parts.push(health.error);
  parts.push(t('status.atClock', { clock: formatClock(health.at) }));
  return parts.join(' · ');
}

function ExitPanel({ status }: { status: BackendStatus }) {
  const t = useT();
  const exit = status.last_exit;
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={5} mb="sm">
        {t('status.lastExit')}
      </Title>
      <Text size="sm" fw={600} mb="sm" data-testid="last-exit" c={exit && !exit.expected ? 'red.7' : undefined}>
        {exit ? exitSummary(t, exit) : NONE}
      </Text>
      {exit && (
        <DataList size="sm" labelWidth={120} gap="xs">
          <DataList.Item>
            <DataList.ItemLabel>{t('status.exitAt')}</DataList.ItemLabel>
            <DataList.ItemValue>{formatDateTime(exit.at)}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>{t('status.exitCode')}</DataList.ItemLabel>
            <DataList.ItemValue>{exit.code ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>{t('status.signal')}</DataList.ItemLabel>
            <DataList.ItemValue>{exit.signal ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>{t('status.expected')}</DataList.ItemLabel>
            <DataList.ItemValue data-testid="last-exit-expected" style={{ overflowWrap: 'anywhere' }}>
              {expectedText(t, exit)}
            </DataList.ItemValue>
          </DataList.Item>
        </DataList>
      )}
    </Paper>
  );
}

type ExitInfo = NonNullable<BackendStatus['last_exit']>;

/** Who had the supervisor stop it, in words (`the restart policy`, `the dashboard`). */
function stopperText(t: T, exit: ExitInfo): string | null {
  return exit.stopped_by === null ? null : actorText(t, exit.stopped_by);
}

function exitSummary(t: T, exit: ExitInfo): string {
  const how = exit.signal
    ? t('exit.killedBy', { signal: exit.signal })
    : exit.code !== null
      ? t('exit.code', { code: exit.code })
      : t('exit.exited');
  const stopper = stopperText(t, exit);
  if (!exit.expected) return t('exit.unexpected', { how });
  return stopper ? t('exit.stoppedBy', { how, actor: stopper }) : t('exit.expected', { how });
}

/** `no`, or who stopped it and why: a start the policy killed is not "asked to stop". */
function expectedText(t: T, exit: ExitInfo): string {
  if (!exit.expected) return t('exit.expected.no');
  const stopper = stopperText(t, exit);
  if (!stopper) return t('exit.expected.bySupervisor');
  return exit.stop_reason
    ? t('exit.expected.byWhy', { actor: stopper, reason: exit.stop_reason })
    : t('exit.expected.by', { actor: stopper });
}
