import {
  Alert,
  Badge,
  Button,
  Center,
  EmptyState,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useMemo } from 'react';
import type { Incident } from '../../../shared/incident';
import { errorMessage, useConnectionState } from '../api';
import { IncidentCard } from '../components/incident-card';
import { INCIDENT_KIND_STYLES } from '../components/incident-kind-badge';
import { useIncidents } from '../hooks/use-incidents';
import { useNow } from '../hooks/use-now';
import { allIncidentsFileName, downloadJson } from '../incidents/export-json';
import { groupIncidentRuns } from '../incidents/incident-runs';

/** Shown when the supervisor has recorded no incident. */
export const NO_INCIDENTS_TEXT =
  'No incidents yet — crashes, hangs, failed starts and remote outages will be listed here.';

/**
 * The incidents page: every recorded crash, hang, failed start and remote outage, newest
 * first, live; the restart policy's attempts after one failure make one card.
 */
export function IncidentsPage() {
  const query = useIncidents();
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
      staleError={query.isError ? query.error : null}
      reconnecting={connection === 'reconnecting'}
    />
  );
}

function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <Alert color="red" title="Cannot load the incidents" w="100%" maw={720} mx="auto" data-testid="incidents-error">
      <Stack gap="sm" align="flex-start">
        <Text size="sm">{errorMessage(error)}</Text>
        <Button size="xs" variant="light" color="red" onClick={onRetry}>
          Retry
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
}

/** The incident timeline of one list (split from the data hook so it can be shown from any source). */
export function IncidentsView({ incidents, staleError, reconnecting = false }: IncidentsViewProps) {
  // "… ago" moves; minute-level precision is what matters here.
  const now = useNow(true, 5_000);
  const runs = useMemo(() => groupIncidentRuns(incidents), [incidents]);
  // One failure run is one incident to a person, however many attempts it took.
  const count = runs.length;

  return (
    <Stack gap="md" maw={1100} mx="auto" data-testid="incidents-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm">
          <Title order={3} fw={600}>
            Incidents
          </Title>
          <Badge variant="default" tt="none" data-testid="incident-count">
            {count} {count === 1 ? 'incident' : 'incidents'}
          </Badge>
        </Group>
        <Button
          variant="default"
          size="sm"
          disabled={count === 0}
          onClick={() => downloadJson(allIncidentsFileName(), incidents)}
          data-testid="incidents-export-all"
        >
          Export all
        </Button>
      </Group>

      {(staleError != null || reconnecting) && (
        <Alert color="yellow" variant="light" title="Incidents may be out of date" data-testid="stale-incidents">
          {staleError != null
            ? errorMessage(staleError)
            : 'The connection to the supervisor dropped; reconnecting. New incidents will show once it is back.'}
        </Alert>
      )}

      {count === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            icon={<ShieldIcon />}
            withIndicatorBackground
            description={NO_INCIDENTS_TEXT}
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
            >
              <IncidentCard incident={latest} attempts={attempts} now={now} />
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
