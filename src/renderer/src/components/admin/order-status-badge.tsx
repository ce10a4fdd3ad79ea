import { Badge, type BadgeProps, type MantineColor } from '@mantine/core';
import type { OrderStatus } from '../../../../shared/entities';

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

/** An order's status as a coloured badge; the text is the status name exactly. */
export function OrderStatusBadge({ status, ...props }: OrderStatusBadgeProps) {
  return (
    <Badge color={ORDER_STATUS_COLORS[status]} variant="light" tt="none" data-status={status} {...props}>
      {status}
    </Badge>
  );
}
