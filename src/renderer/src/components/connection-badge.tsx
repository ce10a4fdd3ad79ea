import { Badge, Tooltip, type MantineColor } from '@mantine/core';
import { useConnectionState, type ConnectionState } from '../api';

const LABELS: Record<ConnectionState, { text: string; color: MantineColor; hint: string }> = {
  ipc: { text: 'IPC', color: 'teal', hint: 'Desktop app: talking to the supervisor over IPC' },
  connecting: { text: 'connecting', color: 'blue', hint: 'Opening the live event stream' },
  connected: { text: 'connected', color: 'green', hint: 'Live: state changes and log lines stream in' },
  reconnecting: {
    text: 'reconnecting',
    color: 'yellow',
    hint: 'The event stream dropped; retrying. Status is polled every 5 s meanwhile.',
  },
  'token-needed': { text: 'token needed', color: 'red', hint: 'Enter the control token to connect' },
};

/** The header's connection indicator (IPC / connected / reconnecting / token needed). */
export function ConnectionBadge() {
  const state = useConnectionState();
  const label = LABELS[state];
  return (
    <Tooltip label={label.hint} withArrow>
      <Badge color={label.color} variant="dot" size="lg" tt="none" data-testid="connection-state" data-state={state}>
        {label.text}
      </Badge>
    </Tooltip>
  );
}
