import {
  Alert,
  Badge,
  Button,
  Center,
  EmptyState,
  Group,
  Loader,
  NativeSelect,
  Paper,
  Stack,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { Incident } from '../../../shared/incident';
import { errorMessage, useConnectionState } from '../api';
import { IncidentCard } from '../components/incident-card';
import { INCIDENT_KIND_STYLES } from '../components/incident-kind-badge';
import { useIncidents } from '../hooks/use-incidents';
import { useNow } from '../hooks/use-now';
import { useServices } from '../hooks/use-services';
import { LEGACY_SERVICE } from '../services/service-of';
import { allIncidentsFileName, downloadJson } from '../incidents/export-json';
import { groupIncidentRuns } from '../incidents/incident-runs';
import { useT } from '../i18n';

/** Shown when the supervisor has recorded no incident (a translation key). */
export const NO_INCIDENTS_KEY = 'incidents.empty';

/**
 * The incidents page: every recorded crash, hang, failed start and remote outage, newest
 * first, live; the restart policy's attempts after one failure make one card.
 */
export function IncidentsPage() {
  const query = useIncidents();
  const services = useServices();
  const connection = useConnectionState();

  if (query.data === undefined) {
    return (
      <Stack maw={1100} mx="auto" data-testid="incidents-page">
        {query.isError ? (
          <LoadError error={query.error} onRetry={() => void query.refetch()} />
        ) : (
          <Center h={240}>
            <Loader />
          </Center>
        )}
      </Stack>
    );
  }

  return (
    <IncidentsView
      incidents={query.data}
      services={services.data?.map((s) => s.name)}
      staleError={query.isError ? query.error : null}
      reconnecting={connection === 'reconnecting'}
    />
  );
}

function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  const t = useT();
  return (
    <Alert color="red" title={t('incidents.loadError')} w="100%" maw={720} mx="auto" data-testid="incidents-error">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      </Stack>
    </Alert>
  );
}

/** Props of {@link IncidentsView}. */
export interface IncidentsViewProps {
  /** Newest first. */
  incidents: readonly Incident[];
  /** The last refresh failed (the list may be old). */
  staleError?: unknown;
  /** The live connection is down (HTTP): new incidents may be missing until it is back. */
  reconnecting?: boolean;
  /** The stack's services, in stack-file order (with the incidents' own, they make the service filter). */
  services?: readonly string[];
}

/** The service filter's value for every service's incidents. */
export const ALL_INCIDENT_SERVICES = '*all';

/** The service of an incident (one recorded before stacks is the `backend`'s). */
export function incidentService(incident: Incident): string {
  return incident.service ?? LEGACY_SERVICE;
}

/** The incident timeline of one list (split from the data hook so it can be shown from any source). */
export function IncidentsView({ incidents, staleError, reconnecting = false, services = [] }: IncidentsViewProps) {
  const t = useT();
  // "… ago" moves; minute-level precision is what matters here.
  const now = useNow(true, 5_000);
  const [filter, setFilter] = useState(ALL_INCIDENT_SERVICES);
  const names = useMemo(() => [...new Set([...services, ...incidents.map(incidentService)])], [services, incidents]);
  // One service (no stack file): no filter, no service names.
  const stacked = names.length > 1;
  const shown = useMemo(
    () =>
      !stacked || filter === ALL_INCIDENT_SERVICES ? incidents : incidents.filter((i) => incidentService(i) === filter),
    [incidents, filter, stacked],
  );
  const runs = useMemo(() => groupIncidentRuns(shown), [shown]);
  // One failure run is one incident to a person, however many attempts it took.
  const count = runs.length;

  return (
    <Stack gap="md" maw={1100} mx="auto" data-testid="incidents-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm">
          <Title order={3} fw={600}>
            {t('incidents.title')}
          </Title>
          <Badge variant="default" tt="none" data-testid="incident-count">
            {t('incidents.count', { count })}
          </Badge>
          {stacked && (
            <NativeSelect
              size="xs"
              aria-label={t('incidents.service')}
              data={[
                { value: ALL_INCIDENT_SERVICES, label: t('incidents.allServices') },
                ...names.map((name) => ({ value: name, label: name })),
              ]}
              value={filter}
              onChange={(event) => setFilter(event.currentTarget.value)}
              data-testid="incident-service"
            />
          )}
        </Group>
        <Button
          variant="default"
          size="sm"
          disabled={count === 0}
          onClick={() => downloadJson(allIncidentsFileName(), shown)}
          data-testid="incidents-export-all"
        >
          {t('incidents.exportAll')}
        </Button>
      </Group>

      {(staleError != null || reconnecting) && (
        <Alert color="yellow" variant="light" title={t('incidents.stale.title')} data-testid="stale-incidents">
          {staleError != null ? errorMessage(staleError) : t('incidents.stale.dropped')}
        </Alert>
      )}

      {count === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<ShieldIcon />}
            withIndicatorBackground
            description={t(NO_INCIDENTS_KEY)}
            data-testid="incidents-empty"
          />
        </Paper>
      ) : (
        <Timeline active={count - 1} bulletSize={16} lineWidth={2} data-testid="incident-timeline">
          {runs.map(({ id, latest, attempts }) => (
            <Timeline.Item
              key={id}
              color={INCIDENT_KIND_STYLES[latest.kind].color}
              lineVariant="dotted"
              data-testid="incident"
              data-kind={latest.kind}
              data-id={latest.id}
              data-run={id}
              data-attempts={attempts.length}
              data-service={incidentService(latest)}
            >
              <IncidentCard
                incident={latest}
                attempts={attempts}
                now={now}
                service={stacked ? incidentService(latest) : undefined}
              />
            </Timeline.Item>
          ))}
        </Timeline>
      )}
    </Stack>
  );
}

/** A shield with a check (inline SVG: no icon package, no external asset). */
function ShieldIcon() {
  return (
    <svg
      width="28"
      height="28"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden
    >
      <path d="M12 3l7 3v6c0 4.2-2.9 7.8-7 9-4.1-1.2-7-4.8-7-9V6l7-3z" />
      <path d="M9 12l2 2 4-4" />
    </svg>
  );
}
