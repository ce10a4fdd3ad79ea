import { Badge, type BadgeProps, type MantineColor } from '@mantine/core';
import type { OrderStatus } from '../../../../shared/entities';
import { ORDER_STATUS_KEYS } from '../../../../shared/locales/labels';
import { useT } from '../../i18n';

/** The colour of each order status (badge, stats bar). */
export const ORDER_STATUS_COLORS: Record<OrderStatus, MantineColor> = {
  pending: 'yellow',
  confirmed: 'blue',
  preparing: 'violet',
  ready: 'teal',
  delivered: 'green',
  cancelled: 'gray',
};

/** Props of {@link OrderStatusBadge}. */
export interface OrderStatusBadgeProps extends Omit<BadgeProps, 'color' | 'children'> {
  status: OrderStatus;
}

/** An order's status as a coloured badge; the text is its label (in English the status name exactly). */
export function OrderStatusBadge({ status, ...props }: OrderStatusBadgeProps) {
  const t = useT();
  return (
    <Badge color={ORDER_STATUS_COLORS[status]} variant="light" tt="none" data-status={status} {...props}>
      {t(ORDER_STATUS_KEYS[status])}
    </Badge>
  );
}
