import { Badge, type BadgeProps, type MantineColor } from '@mantine/core';
import type { IncidentKind } from '../../../shared/incident';
import { INCIDENT_KIND_KEYS } from '../../../shared/locales/labels';
import { useT } from '../i18n';

/** How each kind of incident is coloured (badge, timeline bullet, the status page's line). */
export const INCIDENT_KIND_STYLES: Record<IncidentKind, { color: MantineColor; variant: 'light' | 'filled' }> = {
  crash: { color: 'red', variant: 'light' },
  hang: { color: 'orange', variant: 'light' },
  'failed-start': { color: 'yellow', variant: 'light' },
  'port-in-use': { color: 'grape', variant: 'light' },
  'launch-error': { color: 'red.9', variant: 'filled' },
  'remote-down': { color: 'orange.8', variant: 'filled' },
};

/** Props of {@link IncidentKindBadge}. */
export interface IncidentKindBadgeProps extends Omit<BadgeProps, 'color' | 'variant' | 'children'> {
  kind: IncidentKind;
}

/** The kind of an incident as a coloured badge; the text is its label (in English the kind name exactly). */
export function IncidentKindBadge({ kind, ...props }: IncidentKindBadgeProps) {
  const t = useT();
  const style = INCIDENT_KIND_STYLES[kind];
  return (
    <Badge
      color={style.color}
      variant={style.variant}
      tt="none"
      data-testid="incident-kind"
      data-kind={kind}
      {...props}
    >
      {t(INCIDENT_KIND_KEYS[kind])}
    </Badge>
  );
}
