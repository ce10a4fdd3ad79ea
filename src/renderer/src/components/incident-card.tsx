import { Badge, Button, Collapse, Group, Paper, ScrollArea, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { memo, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import type { Incident } from '../../../shared/incident';
import { formatAgo, formatDateTime, formatDuration, formatLatency, formatLogTime, NONE } from '../format';
import { INCIDENT_KIND_KEYS } from '../../../shared/locales/labels';
import { useT, type T } from '../i18n';
import { downloadJson, incidentFileName } from '../incidents/export-json';
import { logsHashAt } from '../logs/log-target';
import { IncidentKindBadge } from './incident-kind-badge';
import { LogRow } from './log-view';
import logClasses from './log-view.module.css';

/** Props of {@link IncidentCard}. */
export interface IncidentCardProps {
  /** The newest incident of its failure run: the card's facts and verdict are its. */
  incident: Incident;
  /**
   * Every attempt of the run, newest first (`attempts[0]` is `incident`); listed when
   * more than one. Absent or one: a single incident.
   */
  attempts?: readonly Incident[];
  /** The current time, for "… ago". */
  now: number;
  /** The service it happened to, shown in a stack of several services (undefined: not shown). */
  service?: string;
}

/**
 * One incident (a failure run): its kind, time, summary, the process's pid, exit and
 * uptime, and what the restart policy did last (the verdict); the run's attempts, one line
 * each; expands to the last process's log lines and the recent probes; exports itself as
 * JSON exactly as received (a run of several: its attempts, newest first).
 */
export const IncidentCard = memo(function IncidentCard({
  incident,
  attempts = [incident],
  now,
  service,
}: IncidentCardProps) {
  const t = useT();
  const [open, setOpen] = useState(false);
  // A late attempt whose earlier ones compaction dropped is still part of a run.
  const run = attempts.length > 1 || (incident.attempt ?? 1) > 1;
  return (
    <Paper withBorder radius="md" p="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
        <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
          <Group gap="xs" wrap="wrap">
            {service !== undefined && (
              <Badge variant="outline" color="gray" tt="none" data-testid="incident-service-name">
                {service}
              </Badge>
            )}
            <IncidentKindBadge kind={incident.kind} />
            <Tooltip label={incident.at} withArrow>
              <Text size="sm" c="dimmed" data-testid="incident-time">
                {formatDateTime(incident.at)} · {formatAgo(incident.at, now)}
              </Text>
            </Tooltip>
          </Group>
          <Text fw={600} style={{ overflowWrap: 'anywhere' }} data-testid="incident-summary">
            {incident.summary}
          </Text>
        </Stack>
        <Group gap="xs" wrap="nowrap">
          <Button
            component="a"
            href={logsHashAt(incident.at)}
            size="xs"
            variant="default"
            title={t('incident.showInLogs.title')}
            data-testid="incident-show-logs"
          >
            {t('incident.showInLogs')}
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => downloadJson(incidentFileName(incident), attempts.length > 1 ? attempts : incident)}
            data-testid="incident-export"
          >
            {t('incident.export')}
          </Button>
        </Group>
      </Group>

      <Group gap="xl" mt="sm" wrap="wrap" align="flex-start">
        <Fact label={t('incident.pid')} testId="incident-pid">
          {incident.pid ?? NONE}
        </Fact>
        <Fact label={t('incident.exit')} testId="incident-exit">
          {exitText(t, incident.exit)}
        </Fact>
        <Fact label={t('incident.uptime')} testId="incident-uptime">
          {incident.uptime_ms === null ? NONE : formatUptimeMs(incident.uptime_ms)}
        </Fact>
        <Fact
          label={t(run ? (isVerdict(incident.action) ? 'incident.verdict' : 'incident.lastAction') : 'incident.action')}
          testId="incident-action"
          grow
        >
          {incident.action || NONE}
        </Fact>
      </Group>
      {run && <RunAttempts attempts={attempts} />}

      <Button
        variant="subtle"
        size="compact-sm"
        mt="xs"
        ml={-8}
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        data-testid="incident-toggle"
      >
        {t(open ? 'incident.toggle.hide' : 'incident.toggle.show', {
          logs: incident.logs.length,
          probes: incident.probes.length,
        })}
      </Button>
      <Collapse expanded={open} keepMounted={false}>
        <IncidentDetails incident={incident} run={run} />
      </Collapse>
    </Paper>
  );
});

function Fact({
  label,
  testId,
  grow = false,
  children,
}: {
  label: string;
  testId: string;
  grow?: boolean;
  children: ReactNode;
}) {
  return (
    <Stack gap={0} style={grow ? { flex: '1 1 240px', minWidth: 0 } : undefined}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }} data-testid={testId}>
        {children}
      </Text>
    </Stack>
  );
}

/**
 * Whether an action ends its run: the policy gave up, or there was nothing to retry. A
 * scheduled restart is not: the run goes on, or ended well (a recovery is no incident).
 */
function isVerdict(action: string): boolean {
  return action.startsWith('gave up') || action.startsWith('none');
}

/** The attempts of a failure run, oldest first (the order they happened): time, kind, exit, summary, action. */
function RunAttempts({ attempts }: { attempts: readonly Incident[] }) {
  const t = useT();
  const oldestFirst = [...attempts].reverse();
  // The store keeps the newest incidents only: a long run may have lost its first attempts.
  const total = Math.max(attempts.length, attempts[0]?.attempt ?? 0);
  const lost = total - attempts.length;
  return (
    <Stack gap={2} mt="sm" data-testid="incident-run">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700} lts={0.4}>
        {lost > 0 ? t('incident.run.lost', { run: t('incident.run', { total }), lost }) : t('incident.run', { total })}
      </Text>
      {oldestFirst.map((attempt, index) => (
        <Text
          key={attempt.id}
          size="sm"
          style={{ overflowWrap: 'anywhere' }}
          data-testid="incident-attempt"
          data-id={attempt.id}
        >
          <Text span fw={600}>
            {attempt.attempt ?? index + 1}.
          </Text>{' '}
          <Text span c="dimmed">
            {formatLogTime(attempt.at)} · {t(INCIDENT_KIND_KEYS[attempt.kind])} · {exitText(t, attempt.exit)}
          </Text>{' '}
          — {attempt.summary}; {attempt.action}
        </Text>
      ))}
    </Stack>
  );
}

/** `exit code 1`, `SIGKILL`, `exit code 1 · SIGTERM`, or a dash when the process did not exit. */
export function exitText(t: T, exit: Incident['exit']): string {
  if (!exit) return NONE;
  const parts: string[] = [];
  if (exit.code !== null) parts.push(t('incident.exitCode', { code: exit.code }));
  if (exit.signal !== null) parts.push(exit.signal);
  return parts.length > 0 ? parts.join(' · ') : NONE;
}

/** `450 ms` under a second, else as the status page shows durations (`5m 02s`). */
export function formatUptimeMs(ms: number): string {
  return ms < 1_000 ? formatLatency(Math.round(ms)) : formatDuration(ms / 1_000);
}

/** The last log lines (monospace, stderr in red, like the Logs page) and the recent probes. */
function IncidentDetails({ incident, run }: { incident: Incident; run: boolean }) {
  const t = useT();
  const viewport = useRef<HTMLDivElement>(null);
  // Start at the end: the lines just before the incident matter most. Again on the next
  // frame: inside the opening Collapse the box has no final size yet.
  useLayoutEffect(() => {
    const toEnd = (): void => {
      const element = viewport.current;
      if (element) element.scrollTop = element.scrollHeight;
    };
    toEnd();
    const frame = requestAnimationFrame(toEnd);
    return () => cancelAnimationFrame(frame);
  }, [incident.logs]);

  return (
    <Stack gap="sm" mt="xs" data-testid="incident-details">
      <Title order={6}>{t(run ? 'incident.lastLines.run' : 'incident.lastLines')}</Title>
      <Paper withBorder radius="sm" py={6}>
        <ScrollArea.Autosize
          mah={320}
          viewportRef={viewport}
          classNames={{ viewport: logClasses.viewport }}
          type="auto"
          offsetScrollbars
          data-testid="incident-logs"
        >
          {incident.logs.length === 0 ? (
            <div className={logClasses.empty}>{t('incident.noLines')}</div>
          ) : (
            incident.logs.map((line) => <LogRow key={line.seq} line={line} />)
          )}
        </ScrollArea.Autosize>
      </Paper>

      <Title order={6}>{t('incident.probes')}</Title>
      {incident.probes.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('incident.noProbes')}
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table striped withTableBorder fz="sm" verticalSpacing={4} data-testid="incident-probes">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('incident.probe.time')}</Table.Th>
                <Table.Th>{t('incident.probe.ok')}</Table.Th>
                <Table.Th>{t('incident.probe.latency')}</Table.Th>
                <Table.Th>{t('incident.probe.status')}</Table.Th>
                <Table.Th>{t('incident.probe.error')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {incident.probes.map((probe, index) => (
                <Table.Tr key={`${probe.at}-${index}`} data-testid="incident-probe" data-ok={String(probe.ok)}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Tooltip label={probe.at} withArrow>
                      <span>{formatLogTime(probe.at)}</span>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td c={probe.ok ? 'green.7' : 'red.7'} fw={600}>
                    {t(probe.ok ? 'probe.ok' : 'probe.failed')}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {probe.latency_ms === null ? NONE : formatLatency(probe.latency_ms)}
                  </Table.Td>
                  <Table.Td>{probe.status_code ?? NONE}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{probe.error ?? NONE}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
