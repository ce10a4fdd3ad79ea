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
import { LEGACY_SERVICE, primaryName } from '../services/service-of';

// The charts (recharts and d3: most of this page's weight) are a chunk of their own, fetched as
// the page first renders: the figures above them do not wait for it (issue 13).
const MetricsCharts = lazy(() =>
  import('../components/charts/metrics-charts').then((m) => ({ default: m.MetricsCharts })),
);

// Partial: an actor added to the contract later still shows, by its raw name.
const ACTOR_LABELS: Partial<Record<Actor, string>> = {
  'user-ui': 'the dashboard',
  tray: 'the tray',
  rest: 'the REST API',
  policy: 'the restart policy',
  health: 'the health check',
  process: 'the process',
  'app-start': 'app start',
  'app-quit': 'app quit',
  dependency: 'a dependency',
};

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
  const services = useServices();
  const primary = primaryName(services.data);
  const [picked, setPicked] = useState<string | undefined>(undefined);
  // The primary's calls name no service, as with a supervisor of one service.
  const service = picked === undefined || picked === primary ? undefined : picked;
  const stacked = (services.data?.length ?? 0) > 1;
  const selector = stacked ? (
    <NativeSelect
      aria-label="Service"
      size="sm"
      w={240}
      data={services.data!.map((s) => ({ value: s.name, label: s.primary ? `${s.name} (primary)` : s.name }))}
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
  return (
    <Alert color="red" title="Cannot load the status" maw={720} mx="auto">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          Retry
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
  /** The heading (the service's name in a stack). @default 'Backend' */
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
  title = 'Backend',
  selector,
  service,
}: StatusViewProps) {
  // Ticks every second: uptime, the backoff countdown and the "… ago" times move.
  const now = useNow(true);
  const elapsedMs = Math.max(0, now - receivedAt);
  // Commands sent now would act on a state the page cannot see.
  const offline = staleError != null || reconnecting || tokenNeeded;
  const health = healthCard(status, now);

  return (
    <Stack gap="md" maw={1100} mx="auto">
      {selector}
      <Paper withBorder radius="md" p="lg">
        <Group justify="space-between" align="flex-start" wrap="wrap" gap="lg">
          <Stack gap={6} style={{ flex: '1 1 320px', minWidth: 0 }}>
            <Group gap="sm" align="center">
              <Title order={3} fw={600} data-testid="status-title">
                {title}
              </Title>
              <StateBadge state={status.status} size="lg" />
            </Group>
            <Text size="sm">
              {status.state_reason || NONE}
              <Text span c="dimmed">
                {' '}
                — by {ACTOR_LABELS[status.state_actor] ?? status.state_actor},{' '}
                <Tooltip label={formatDateTime(status.state_since)} withArrow>
                  <span data-testid="state-since">
                    {formatClock(status.state_since)} ({formatAgo(status.state_since, now)})
                  </span>
                </Tooltip>
              </Text>
            </Text>
            {status.status === 'backoff' && status.next_restart_in_ms !== null && (
              <Text size="sm" c="yellow.8" data-testid="next-restart">
                Next restart in {Math.max(0, Math.ceil((status.next_restart_in_ms - elapsedMs) / 1000))} s
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
        <Alert color="grape" variant="light" title="Waiting for a dependency" data-testid="waiting">
          {status.state_reason || 'A service it depends on is not healthy.'} It starts once that is healthy again.
        </Alert>
      )}
      {!status.orchestrator_enabled && (
        <Alert color="blue" variant="light" title="Remote mode" data-testid="remote-mode">
          The backend runs elsewhere: this supervisor only watches its health, so it cannot start, stop or restart it.
        </Alert>
      )}
      {status.last_error && (
        <Alert color="red" variant="light" title="Last error" data-testid="last-error">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {status.last_error}
          </Text>
        </Alert>
      )}
      {(staleError != null || reconnecting) && (
        <Alert color="yellow" variant="light" title="Status may be out of date" data-testid="stale-status">
          {staleError != null
            ? errorMessage(staleError)
            : 'The connection to the supervisor dropped; reconnecting. The figures below are from before.'}
        </Alert>
      )}

      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="md">
        <StatCard label="PID" value={status.pid ?? NONE} testId="pid" />
        <StatCard
          label="Uptime"
          // Offline, it may have stopped since: the last uptime seen, not one counting on.
          value={uptimeText(status, offline ? 0 : elapsedMs)}
          testId="uptime"
          detail={<span data-testid="uptime-detail">{uptimeDetail(status)}</span>}
        />
        <StatCard
          label="Restarts"
          value={status.orchestrator_enabled ? status.restart_count : NONE}
          testId="restart-count"
          detail={
            <span data-testid="restart-detail">
              {status.orchestrator_enabled
                ? `${status.consecutive_failures} consecutive failure${status.consecutive_failures === 1 ? '' : 's'}`
                : 'remote mode: not restarted from here'}
            </span>
          }
        />
        <StatCard
          label="Health"
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
  return (
    <Tooltip label={`${formatDateTime(incident.at)} — ${incident.summary}`} withArrow multiline maw={420}>
      <Anchor href="#/incidents" size="sm" w="fit-content" data-testid="last-incident" data-kind={incident.kind}>
        Last incident:{' '}
        <Text span inherit fw={600} c={INCIDENT_KIND_STYLES[incident.kind].color}>
          {incident.kind}
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

function uptimeDetail(status: BackendStatus): string {
  if (!status.orchestrator_enabled)
    return uptimeCounts(status) ? 'remote backend answering' : 'remote backend not answering';
  return status.pid !== null ? `process ${status.pid}` : 'no process';
}

/** `answered HTTP 404` / `connection refused` / `ok`: one probe's outcome in a few words. */
function probeOutcome(probe: HealthCheckResult): string {
  if (probe.ok) return probe.status_code === null ? 'ok' : `ok (HTTP ${probe.status_code})`;
  return probe.error ?? (probe.status_code === null ? 'failed' : `HTTP ${probe.status_code}`);
}

/**
 * The Health card: while a process starts, its startup probes (how many, the last
 * answer); without a process, a dash; else the last periodic probe of the current one.
 */
function healthCard(status: BackendStatus, now: number): { value: string; color: string; detail: string } {
  if (status.startup) {
    const { probes, last } = status.startup;
    const count = `${probes} startup probe${probes === 1 ? '' : 's'}`;
    return {
      value: 'starting',
      color: 'blue.7',
      detail: last ? `${count} · last: ${probeOutcome(last)}, ${formatAgo(last.at, now)}` : `${count} yet`,
    };
  }
  if (status.orchestrator_enabled && status.pid === null) {
    return { value: NONE, color: HEALTH_COLORS.unknown, detail: 'no process' };
  }
  const last = status.last_health;
  const failures = status.health_failures;
  return {
    value: status.last_health_check,
    color: HEALTH_COLORS[status.last_health_check],
    detail: last
      ? `checked ${formatAgo(last.at, now)}${failures > 0 ? ` · ${failures} failed in a row` : ''}`
      : 'not checked yet',
  };
}

function HealthPanel({ status }: { status: BackendStatus }) {
  // While starting, the last startup probe is the latest word on the new process.
  const health = status.startup ? status.startup.last : status.last_health;
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={5} mb="sm">
        {status.startup ? 'Last startup probe' : 'Last health check'}
      </Title>
      <Text
        size="sm"
        fw={600}
        c={health ? (health.ok ? 'green.7' : 'red.7') : 'dimmed'}
        mb="sm"
        data-testid="last-health"
        data-ok={health ? String(health.ok) : undefined}
      >
        {health ? healthSummary(health) : status.orchestrator_enabled && status.pid === null ? 'no process' : NONE}
      </Text>
      {health && (
        <DataList size="sm" labelWidth={120} gap="xs">
          <DataList.Item>
            <DataList.ItemLabel>Checked at</DataList.ItemLabel>
            <DataList.ItemValue>{formatDateTime(health.at)}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>Latency</DataList.ItemLabel>
            <DataList.ItemValue>
              {health.latency_ms === null ? NONE : formatLatency(health.latency_ms)}
            </DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>HTTP status</DataList.ItemLabel>
            <DataList.ItemValue>{health.status_code ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          {health.error && (
            <DataList.Item>
              <DataList.ItemLabel>Error</DataList.ItemLabel>
              <DataList.ItemValue style={{ overflowWrap: 'anywhere' }}>{health.error}</DataList.ItemValue>
            </DataList.Item>
          )}
        </DataList>
      )}
    </Paper>
  );
}

function healthSummary(health: NonNullable<BackendStatus['last_health']>): string {
  const parts = [health.ok ? 'ok' : 'failed'];
  if (health.latency_ms !== null) parts.push(formatLatency(health.latency_ms));
  if (!health.ok && health.error) parts.push(health.error);
  parts.push(`at ${formatClock(health.at)}`);
  return parts.join(' · ');
}

function ExitPanel({ status }: { status: BackendStatus }) {
  const exit = status.last_exit;
  return (
    <Paper withBorder radius="md" p="lg">
      <Title order={5} mb="sm">
        Last exit
      </Title>
      <Text size="sm" fw={600} mb="sm" data-testid="last-exit" c={exit && !exit.expected ? 'red.7' : undefined}>
        {exit ? exitSummary(exit) : NONE}
      </Text>
      {exit && (
        <DataList size="sm" labelWidth={120} gap="xs">
          <DataList.Item>
            <DataList.ItemLabel>At</DataList.ItemLabel>
            <DataList.ItemValue>{formatDateTime(exit.at)}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>Exit code</DataList.ItemLabel>
            <DataList.ItemValue>{exit.code ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>Signal</DataList.ItemLabel>
            <DataList.ItemValue>{exit.signal ?? NONE}</DataList.ItemValue>
          </DataList.Item>
          <DataList.Item>
            <DataList.ItemLabel>Expected</DataList.ItemLabel>
            <DataList.ItemValue data-testid="last-exit-expected" style={{ overflowWrap: 'anywhere' }}>
              {expectedText(exit)}
            </DataList.ItemValue>
          </DataList.Item>
        </DataList>
      )}
    </Paper>
  );
}

type ExitInfo = NonNullable<BackendStatus['last_exit']>;

/** Who had the supervisor stop it, in words (`the restart policy`, `the dashboard`). */
function stopperText(exit: ExitInfo): string | null {
  return exit.stopped_by === null ? null : (ACTOR_LABELS[exit.stopped_by] ?? exit.stopped_by);
}

function exitSummary(exit: ExitInfo): string {
  const how = exit.signal ? `killed by ${exit.signal}` : exit.code !== null ? `exit code ${exit.code}` : 'exited';
  const stopper = stopperText(exit);
  if (!exit.expected) return `${how} · unexpected`;
  return `${how} · ${stopper ? `stopped by ${stopper}` : 'expected'}`;
}

/** `no`, or who stopped it and why: a start the policy killed is not "asked to stop". */
function expectedText(exit: ExitInfo): string {
  if (!exit.expected) return 'no';
  const stopper = stopperText(exit);
  if (!stopper) return 'yes (stopped by the supervisor)';
  return `yes: stopped by ${stopper}${exit.stop_reason ? ` (${exit.stop_reason})` : ''}`;
}
