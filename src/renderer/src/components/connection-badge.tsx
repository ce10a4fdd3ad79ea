import { Badge, Tooltip, type MantineColor } from '@mantine/core';
import { useConnectionState, type ConnectionState } from '../api';
import { useT } from '../i18n';

// Translation keys of the label and its hint.
const LABELS: Record<ConnectionState, { text: string; color: MantineColor; hint: string }> = {
  ipc: { text: 'connection.ipc', color: 'teal', hint: 'connection.ipc.hint' },
  connecting: { text: 'connection.connecting', color: 'blue', hint: 'connection.connecting.hint' },
  connected: { text: 'connection.connected', color: 'green', hint: 'connection.connected.hint' },
  reconnecting: { text: 'connection.reconnecting', color: 'yellow', hint: 'connection.reconnecting.hint' },
  'token-needed': { text: 'connection.token-needed', color: 'red', hint: 'connection.token-needed.hint' },
};

/** The header's connection indicator (IPC / connected / reconnecting / token needed). */
export function ConnectionBadge() {
  const t = useT();
  const state = useConnectionState();
  const label = LABELS[state];
  return (
    <Tooltip label={t(label.hint)} withArrow>
      <Badge color={label.color} variant="dot" size="lg" tt="none" data-testid="connection-state" data-state={state}>
        {t(label.text)}
      </Badge>
    </Tooltip>
  );
}
