import { Alert, Badge, Button, Center, Group, Loader, Paper, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ServiceStatus, StackCommandResult } from '../../../shared/services';
import type { CommandResult } from '../../../shared/status';
import { errorMessage, useConnectionState, useSupervisorApi } from '../api';
import { HEALTH_KEYS } from '../../../shared/locales/labels';
import { COMMAND_KEYS, commandAllowed, invokeCommand, type ProcessCommand } from '../components/process-controls';
import { StateBadge } from '../components/state-badge';
import { formatAgo, formatDuration, formatLatency, NONE } from '../format';
import { STATUS_QUERY_KEY } from '../hooks/use-backend-status';
import { SERVICES_QUERY_KEY, useServices } from '../hooks/use-services';
import { useNow } from '../hooks/use-now';
import { useT } from '../i18n';

/** A command of the page: one service's, or the whole stack's (`service` null). */
interface PageCommand {
  command: ProcessCommand;
  service: string | null;
}

interface Notice extends PageCommand {
  message: string;
  kind: 'error' | 'refused';
}

/**
 * The Services page: a row per service of the stack (state, pid, uptime, restarts,
 * health, what it waits for) with its Start / Stop / Restart, and the stack-wide
 * Start all / Stop all / Restart all. Rows follow `backend:state` events live.
 */
export function ServicesPage() {
  const t = useT();
  const query = useServices();
  const connection = useConnectionState();

  if (query.data === undefined) {
    return (
      <Stack maw={1200} mx="auto" data-testid="services-page">
        {query.isError ? (
          <Alert color="red" title={t('services.loadError')} data-testid="services-error">
            <Stack gap="sm" align="flex-start">
              <Text size="sm">{errorMessage(query.error)}</Text>
              <Button size="xs" variant="light" color="red" onClick={() => void query.refetch()}>
                {t('common.retry')}
              </Button>
            </Stack>
          </Alert>
        ) : (
          <Center h={240}>
            <Loader />
          </Center>
        )}
      </Stack>
    );
  }
  const offline = query.isError || connection === 'reconnecting' || connection === 'token-needed';
  return <ServicesView services={query.data} receivedAt={query.dataUpdatedAt} offline={offline} />;
}

/** Props of {@link ServicesView}. */
export interface ServicesViewProps {
  /** In stack-file order. */
  services: readonly ServiceStatus[];
  /** `Date.now()` when the list arrived: uptimes count on from it. */
  receivedAt: number;
  /** The page cannot see the supervisor now: no command. */
  offline?: boolean;
}

/** The service table of one list (split from the data hook so it can be shown from any source). */
export function ServicesView({ services, receivedAt, offline = false }: ServicesViewProps) {
  const t = useT();
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  const now = useNow(true);
  const [notice, setNotice] = useState<Notice | null>(null);

  const mutation = useMutation({
    mutationFn: ({ command, service }: PageCommand): Promise<CommandResult | StackCommandResult> => {
      setNotice(null);
      if (service !== null) return invokeCommand(api, command, service);
      return api.invoke(`stack:${command}`);
    },
    onSuccess: (result, variables) => {
      if (!result.success) setNotice({ ...variables, message: result.message, kind: 'refused' });
    },
    onError: (error, variables) => setNotice({ ...variables, message: errorMessage(error), kind: 'error' }),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: SERVICES_QUERY_KEY }),
        queryClient.invalidateQueries({ queryKey: STATUS_QUERY_KEY }),
      ]),
  });

  const busy = (command: ProcessCommand, service: string | null): boolean =>
    mutation.isPending && mutation.variables?.command === command && mutation.variables.service === service;
  const elapsedMs = offline ? 0 : Math.max(0, now - receivedAt);
  const running = services.filter((s) => s.status === 'running').length;

  const stackButton = (command: ProcessCommand, color: string, variant: 'filled' | 'light') => (
    <Button
      size="sm"
      color={color}
      variant={variant}
      loading={busy(command, null)}
      disabled={offline || (mutation.isPending && !busy(command, null))}
      onClick={() => mutation.mutate({ command, service: null })}
      data-testid={`stack-${command}`}
    >
      {t('services.all', { command: t(COMMAND_KEYS[command]) })}
    </Button>
  );

  return (
    <Stack gap="md" maw={1200} mx="auto" data-testid="services-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm">
          <Title order={3} fw={600}>
            {t('services.title')}
          </Title>
          <Badge variant="default" tt="none" data-testid="services-count">
            {t('services.running', { running, total: services.length })}
          </Badge>
        </Group>
        <Group gap="xs">
          {stackButton('start', 'green', 'filled')}
          {stackButton('restart', 'blue', 'light')}
          {stackButton('stop', 'red', 'light')}
        </Group>
      </Group>

      {notice && (
        <Alert
          color={notice.kind === 'error' ? 'red' : 'yellow'}
          variant="light"
          withCloseButton
          onClose={() => setNotice(null)}
          title={t(notice.kind === 'error' ? 'services.notice.failed' : 'services.notice.refused', {
            command: t(COMMAND_KEYS[notice.command]),
            service: notice.service ?? t('services.notice.all'),
          })}
          data-testid="services-command-error"
        >
          {notice.message}
        </Alert>
      )}

      <Paper withBorder radius="md" style={{ overflowX: 'auto' }}>
        <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="services-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('services.col.service')}</Table.Th>
              <Table.Th>{t('services.col.state')}</Table.Th>
              <Table.Th>{t('services.col.pid')}</Table.Th>
              <Table.Th>{t('services.col.uptime')}</Table.Th>
              <Table.Th>{t('services.col.restarts')}</Table.Th>
              <Table.Th>{t('services.col.health')}</Table.Th>
              <Table.Th>{t('services.col.waits')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {services.map((service) => (
              <Table.Tr
                key={service.name}
                data-testid="service-row"
                data-service={service.name}
                data-state={service.status}
              >
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <Text fw={600} size="sm" data-testid="service-name">
                      {service.name}
                    </Text>
                    {service.primary && (
                      <Badge size="xs" variant="outline" tt="none" data-testid="service-primary">
                        {t('services.primary')}
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <StateBadge state={service.status} />
                </Table.Td>
                <Table.Td data-testid="service-pid">{service.pid ?? NONE}</Table.Td>
                <Table.Td data-testid="service-uptime">
                  {service.pid === null ? NONE : formatDuration(service.uptime_secs + Math.floor(elapsedMs / 1000))}
                </Table.Td>
                <Table.Td data-testid="service-restarts">{service.restart_count}</Table.Td>
                <Table.Td data-testid="service-health">
                  <HealthCell service={service} now={now} />
                </Table.Td>
                <Table.Td data-testid="service-waits">
                  <WaitsCell service={service} />
                </Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap" justify="flex-end">
                    {(['start', 'restart', 'stop'] as const).map((command) => (
                      <Button
                        key={command}
                        size="compact-xs"
                        variant={command === 'start' ? 'light' : 'default'}
                        color={command === 'start' ? 'green' : command === 'stop' ? 'red' : 'blue'}
                        loading={busy(command, service.name)}
                        disabled={
                          offline ||
                          !commandAllowed(command, service.status) ||
                          (mutation.isPending && !busy(command, service.name))
                        }
                        onClick={() => mutation.mutate({ command, service: service.name })}
                        data-testid={`service-${command}`}
                        aria-label={t('services.commandOf', {
                          command: t(COMMAND_KEYS[command]),
                          service: service.name,
                        })}
                      >
                        {t(COMMAND_KEYS[command])}
                      </Button>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

const HEALTH_COLORS: Record<ServiceStatus['last_health_check'], string> = {
  healthy: 'green.7',
  unhealthy: 'orange.7',
  unknown: 'dimmed',
};

/** `healthy · 12 ms` with when it was checked; a dash without a process; the check's kind under it. */
function HealthCell({ service, now }: { service: ServiceStatus; now: number }) {
  const t = useT();
  const last = service.last_health;
  const check =
    service.health_check.kind === 'none'
      ? t('services.noHealthCheck')
      : `${service.health_check.kind} ${service.health_check.target}`;
  if (service.orchestrator_enabled && service.pid === null) {
    return (
      <Text size="sm" c="dimmed" title={check}>
        {NONE}
      </Text>
    );
  }
  return (
    <Tooltip label={check} withArrow>
      <Stack gap={0}>
        <Text size="sm" c={HEALTH_COLORS[service.last_health_check]} fw={600} data-health={service.last_health_check}>
          {t(HEALTH_KEYS[service.last_health_check])}
          {last?.latency_ms != null ? ` · ${formatLatency(last.latency_ms)}` : ''}
        </Text>
        <Text size="xs" c="dimmed">
          {last ? t('status.checked', { ago: formatAgo(last.at, now) }) : t('status.notChecked')}
        </Text>
      </Stack>
    </Tooltip>
  );
}

/** While `waiting`: why (e.g. "db is not healthy"); else what the service depends on, with the condition. */
function WaitsCell({ service }: { service: ServiceStatus }) {
  const t = useT();
  if (service.status === 'waiting') {
    return (
      <Text size="sm" c="grape.7" fw={600} data-testid="service-waiting-reason">
        {service.state_reason || t('services.dependency')}
      </Text>
    );
  }
  if (service.depends_on.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {NONE}
      </Text>
    );
  }
  return (
    <Stack gap={0}>
      {service.depends_on.map((dep) => (
        <Text key={dep.service} size="sm">
          {dep.service}{' '}
          <Text span size="xs" c="dimmed">
            ({t(dep.condition === 'service_healthy' ? 'services.condition.healthy' : 'services.condition.started')})
          </Text>
        </Text>
      ))}
    </Stack>
  );
}
