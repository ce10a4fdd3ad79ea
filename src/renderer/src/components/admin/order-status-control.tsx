import { Button, Menu, Tooltip } from '@mantine/core';
import { ORDER_TRANSITIONS, type Order, type OrderStatus } from '../../../../shared/entities';
import { ORDER_STATUS_KEYS } from '../../../../shared/locales/labels';
import { useT } from '../../i18n';

/** The statuses an order may move to from `status` (ORDER_TRANSITIONS); empty for a final status. */
export function allowedTransitions(status: OrderStatus): readonly OrderStatus[] {
  return ORDER_TRANSITIONS[status];
}

/** Props of {@link OrderStatusControl}. */
export interface OrderStatusControlProps {
  order: Pick<Order, 'id' | 'status'>;
  /** Called with the chosen status (one of the allowed transitions). */
  onChange: (status: OrderStatus) => void;
  /** A change of this order is under way. */
  busy?: boolean;
  /** Another change is under way: wait. */
  disabled?: boolean;
}

/**
 * "Change status": a menu of only the transitions the contract allows from the order's
 * status (`order-status-option-<id>-<status>`); disabled for delivered and cancelled.
 */
export function OrderStatusControl({ order, onChange, busy = false, disabled = false }: OrderStatusControlProps) {
  const t = useT();
  const next = allowedTransitions(order.status);
  if (next.length === 0) {
    return (
      <Tooltip label={t('admin.finalHint', { status: t(ORDER_STATUS_KEYS[order.status]) })} withArrow>
        <Button size="compact-sm" variant="default" disabled data-testid={`order-status-change-${order.id}`}>
          {t('admin.final')}
        </Button>
      </Tooltip>
    );
  }
  return (
    <Menu position="bottom-end" withArrow shadow="md">
      <Menu.Target>
        <Button
          size="compact-sm"
          variant="light"
          loading={busy}
          disabled={disabled}
          aria-label={t('admin.changeStatusOf', { id: order.id })}
          data-testid={`order-status-change-${order.id}`}
        >
          {t('admin.changeStatus')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown data-testid={`order-status-menu-${order.id}`}>
        <Menu.Label>{t('admin.moveTo')}</Menu.Label>
        {next.map((status) => (
          <Menu.Item
            key={status}
            color={status === 'cancelled' ? 'red' : undefined}
            onClick={() => onChange(status)}
            data-testid={`order-status-option-${order.id}-${status}`}
            data-status={status}
          >
            {t(ORDER_STATUS_KEYS[status])}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}
