import { Badge, type BadgeProps, type MantineColor } from '@mantine/core';
import { STATE_KEYS } from '../../../shared/locales/labels';
import type { BackendState } from '../../../shared/states';
import { useT } from '../i18n';

/** The colour of each backend state, shared by the badge and anything else that shows it. */
export const STATE_COLORS: Record<BackendState, MantineColor> = {
  running: 'green',
  starting: 'blue',
  stopping: 'blue',
  backoff: 'yellow',
  unhealthy: 'orange',
  crashed: 'red',
  waiting: 'grape',
  stopped: 'gray',
};

/** Props of {@link StateBadge}. */
export interface StateBadgeProps extends Omit<BadgeProps, 'color' | 'children'> {
  state: BackendState;
}

/**
 * The backend state as a coloured badge. The text is the state's label (in English the state
 * name exactly; no CSS upper-casing, so `innerText` in an end-to-end test reads `running`, not
 * `RUNNING`); `data-state` holds the name in every language.
 */
export function StateBadge({ state, ...props }: StateBadgeProps) {
  const t = useT();
  return (
    <Badge
      color={STATE_COLORS[state]}
      variant="light"
      tt="none"
      data-testid="state-badge"
      data-state={state}
      {...props}
    >
      {t(STATE_KEYS[state])}
    </Badge>
  );
}
