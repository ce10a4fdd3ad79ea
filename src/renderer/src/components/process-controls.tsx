import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CommandResult } from '../../../shared/status';
import type { BackendState } from '../../../shared/states';
import type { SupervisorApi } from '../../../shared/contract';
import { errorMessage, useSupervisorApi } from '../api';
import { STATUS_QUERY_KEY } from '../hooks/use-backend-status';
import { SERVICES_QUERY_KEY } from '../hooks/use-services';
import { useT } from '../i18n';

/** A process command of the status page. */
export type ProcessCommand = 'start' | 'stop' | 'restart';

/** Each command's button label (a translation key); the Services page's stack buttons share them. */
export const COMMAND_KEYS: Record<ProcessCommand, string> = {
  start: 'command.start',
  stop: 'command.stop',
  restart: 'command.restart',
};

/**
 * Whether a command makes sense in a state: no Start while a process is alive (a start
 * during `backoff` skips the wait), no Stop when nothing runs or a stop is under way, no
 * Restart during a stop.
 */
export function commandAllowed(command: ProcessCommand, state: BackendState): boolean {
  switch (command) {
    case 'start':
      return state === 'stopped' || state === 'crashed' || state === 'backoff';
    case 'stop':
      return state !== 'stopped' && state !== 'crashed' && state !== 'stopping';
    case 'restart':
      return state !== 'stopping';
  }
}

/**
 * Sends `backend:<command>` for `service` (undefined: the primary, with no argument, as a
 * supervisor of one service expects). Rejects with the call's ApiError.
 */
export function invokeCommand(
  api: SupervisorApi,
  command: ProcessCommand,
  service: string | undefined,
): Promise<CommandResult> {
  const ref = service === undefined ? undefined : { service };
  switch (command) {
    case 'start':
      return ref ? api.invoke('backend:start', ref) : api.invoke('backend:start');
    case 'stop':
      return ref ? api.invoke('backend:stop', ref) : api.invoke('backend:stop');
    case 'restart':
      return ref ? api.invoke('backend:restart', ref) : api.invoke('backend:restart');
  }
}

interface Notice {
  command: ProcessCommand;
  message: string;
  /** `error`: the call failed; `refused`: the supervisor answered `success: false`. */
  kind: 'error' | 'refused';
}

/** Props of {@link ProcessControls}. */
export interface ProcessControlsProps {
  /** The state shown: decides which commands make sense. */
  state: BackendState;
  /** The page cannot see the supervisor now (the connection dropped, a refresh failed): no command. */
  offline?: boolean;
  /** The service the commands act on; undefined: the primary one (the calls then name no service). */
  service?: string;
}

/** Shown beside the disabled buttons while the page is offline (a translation key). */
export const OFFLINE_HINT_KEY = 'command.offline';

/**
 * Start / Stop / Restart. Each shows a spinner while its command runs (the others wait:
 * the supervisor serialises commands anyway) and reports a failure below the buttons.
 * All are disabled while `offline`: the state they would act on may be long gone.
 */
export function ProcessControls({ state, offline = false, service }: ProcessControlsProps) {
  const t = useT();
  const api = useSupervisorApi();
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<Notice | null>(null);

  const mutation = useMutation({
    mutationFn: (command: ProcessCommand): Promise<CommandResult> => {
      setNotice(null);
      return invokeCommand(api, command, service);
    },
    onSuccess: (result, command) => {
      if (!result.success) setNotice({ command, message: result.message, kind: 'refused' });
    },
    onError: (error, command) => setNotice({ command, message: errorMessage(error), kind: 'error' }),
    // The state events usually got here first; this covers a stream that is down.
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: STATUS_QUERY_KEY }),
        queryClient.invalidateQueries({ queryKey: SERVICES_QUERY_KEY }),
      ]),
  });

  const button = (command: ProcessCommand, color: string, variant: 'filled' | 'light' | 'default') => {
    const running = mutation.isPending && mutation.variables === command;
    return (
      <Button
        color={color}
        variant={variant}
        loading={running}
        disabled={offline || !commandAllowed(command, state) || (mutation.isPending && !running)}
        onClick={() => mutation.mutate(command)}
        data-testid={`btn-${command}`}
      >
        {t(COMMAND_KEYS[command])}
      </Button>
    );
  };

  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="xs">
        {button('start', 'green', 'filled')}
        {button('restart', 'blue', 'light')}
        {button('stop', 'red', 'light')}
      </Group>
      {offline && (
        <Text size="xs" c="dimmed" maw={320} ta="right" data-testid="commands-offline">
          {t(OFFLINE_HINT_KEY)}
        </Text>
      )}
      {notice && (
        <Alert
          color={notice.kind === 'error' ? 'red' : 'yellow'}
          variant="light"
          title={t(notice.kind === 'error' ? 'command.failed' : 'command.refused', {
            command: t(COMMAND_KEYS[notice.command]),
          })}
          withCloseButton
          onClose={() => setNotice(null)}
          maw={420}
          data-testid="command-error"
        >
          {notice.message}
        </Alert>
      )}
    </Stack>
  );
}
