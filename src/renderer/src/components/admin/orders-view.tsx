import { Alert, Button, Center, Loader, Select, Stack, Switch, Text, Tooltip } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { ORDER_STATUSES, type Order, type OrderStatus, type UserProfile } from '../../../../shared/entities';
import { formatDate, formatDateTime, formatMoney } from '../../format';
import { ORDER_STATUS_KEYS } from '../../../../shared/locales/labels';
import { useMyOrders, useOrders, useUpdateOrderStatus, useUsers } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { NewOrderModal } from './new-order-modal';
import { OrderStatusBadge } from './order-status-badge';
import { OrderStatusControl } from './order-status-control';
import { ViewHeader } from './view-header';

/** Orders per page (asked from the backend with limit/offset). */
export const ORDERS_PAGE_SIZE = 10;

/** Text of a 409 on a status change (a translation key). */
export const TRANSITION_CONFLICT_KEY = 'orders.conflict';

const ALL = 'all';

/** `2× Margherita, 1× Lemonade`. */
export function itemsSummary(order: Pick<Order, 'items'>): string {
  if (order.items.length === 0) return '—';
  return order.items.map((item) => `${item.quantity}× ${item.name}`).join(', ');
}

/** Props of {@link OrdersView}. */
export interface OrdersViewProps {
  /** The logged-in user: "Mine only" keeps their orders (the backend answers every order to an admin). */
  currentUserId?: string;
}

/**
 * The Orders tab: one page of orders from the backend (filter by status, the backend's
 * total for the pager), each with its status and a control offering only the allowed
 * transitions. A change refetches the orders and the stats. "Mine only" lists the caller's
 * own orders (`orders:mine`, the whole list, paged in the page); "New order" places one as the logged-in user.
 */
export function OrdersView({ currentUserId }: OrdersViewProps = {}) {
  const t = useT();
  const filterOptions = [
    { value: ALL, label: t('orders.allStatuses') },
    ...ORDER_STATUSES.map((s) => ({ value: s, label: t(ORDER_STATUS_KEYS[s]) })),
  ];
  const [status, setStatus] = useState<OrderStatus | null>(null);
  const [pageIndex, setPageIndex] = useState(0);
  const [cancelling, setCancelling] = useState<Order | null>(null);
  const [mineOnly, setMineOnly] = useState(false);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Order | null>(null);
  const all = useOrders({ status, limit: ORDERS_PAGE_SIZE, offset: pageIndex * ORDERS_PAGE_SIZE }, !mineOnly);
  const mine = useMyOrders(mineOnly);
  const query = mineOnly ? mine : all;
  const mineItems = useMemo(
    () =>
      (mine.data ?? []).filter(
        (order) =>
          (currentUserId === undefined || order.user_id === currentUserId) &&
          (status === null || order.status === status),
      ),
    [mine.data, currentUserId, status],
  );
  const users = useUsers();
  const change = useUpdateOrderStatus();

  const total = all.data?.total ?? null;
  if (!mineOnly && total !== null && pageIndex > 0 && pageIndex * ORDERS_PAGE_SIZE >= total && !all.isPlaceholderData) {
    // The last page emptied (orders left the filter): show the new last page.
    setPageIndex(Math.max(0, Math.ceil(total / ORDERS_PAGE_SIZE) - 1));
  }

  const usersById = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);

  const { mutate, isPending, variables } = change;
  const columns = useMemo<ColumnDef<Order>[]>(() => {
    const apply = (order: Order, next: OrderStatus): void => {
      if (next === 'cancelled') return setCancelling(order);
      mutate({ id: order.id, status: next });
    };
    return [
      {
        id: 'id',
        accessorKey: 'id',
        header: t('orders.col.id'),
        meta: { nowrap: true },
        cell: ({ row }) => `#${row.original.id}`,
      },
      {
        id: 'user',
        accessorFn: (order) => userLabel(usersById.get(order.user_id), order.user_id),
        header: t('orders.col.user'),
        cell: ({ row }) => <UserCell user={usersById.get(row.original.user_id)} id={row.original.user_id} />,
      },
      {
        id: 'status',
        // Sort in the order's lifecycle, not alphabetically.
        accessorFn: (order) => ORDER_STATUSES.indexOf(order.status),
        header: t('orders.col.status'),
        cell: ({ row }) => (
          <OrderStatusBadge status={row.original.status} data-testid={`order-status-${row.original.id}`} />
        ),
      },
      {
        id: 'total',
        accessorKey: 'total',
        header: t('orders.col.total'),
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => formatMoney(row.original.total),
      },
      {
        id: 'items',
        accessorFn: (order) => itemsSummary(order),
        header: t('orders.col.items'),
        cell: ({ row }) => (
          <Stack gap={0}>
            <Text size="sm">{itemsSummary(row.original)}</Text>
            {row.original.comment && (
              <Text size="xs" c="dimmed" fs="italic">
                “{row.original.comment}”
              </Text>
            )}
          </Stack>
        ),
      },
      {
        id: 'created',
        accessorKey: 'created_at',
        header: t('orders.col.created'),
        meta: { nowrap: true },
        cell: ({ row }) => (
          <Tooltip label={formatDateTime(row.original.created_at)} withArrow>
            <span>{formatDate(row.original.created_at)}</span>
          </Tooltip>
        ),
      },
      {
        id: 'actions',
        header: '',
        enableSorting: false,
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => (
          <OrderStatusControl
            order={row.original}
            onChange={(next) => apply(row.original, next)}
            busy={isPending && variables?.id === row.original.id}
            disabled={isPending}
          />
        ),
      },
    ];
  }, [usersById, mutate, isPending, variables, t]);

  return (
    <Stack gap="md" data-testid="admin-orders">
      <ViewHeader
        title={t('orders.title')}
        description={t('orders.description')}
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="orders"
      >
        <Select
          aria-label={t('orders.filter')}
          data={filterOptions}
          value={status ?? ALL}
          onChange={(value) => {
            setStatus(value && value !== ALL ? (value as OrderStatus) : null);
            setPageIndex(0);
          }}
          allowDeselect={false}
          size="xs"
          w={170}
          data-testid="orders-status-filter"
        />
        <Switch
          label={t('orders.mine')}
          checked={mineOnly}
          onChange={(event) => {
            setMineOnly(event.currentTarget.checked);
            setPageIndex(0);
          }}
          data-testid="orders-mine"
        />
        <Button size="xs" onClick={() => setCreating(true)} data-testid="order-create">
          {t('orders.new')}
        </Button>
      </ViewHeader>
      {created && (
        <Alert
          color="green"
          variant="light"
          withCloseButton
          onClose={() => setCreated(null)}
          data-testid="order-created"
          data-order-id={String(created.id)}
        >
          {t('orders.created', {
            id: created.id,
            items: itemsSummary(created),
            status: t(ORDER_STATUS_KEYS[created.status]),
          })}
        </Alert>
      )}
      {change.isError && (
        <AdminErrorAlert
          error={change.error}
          action={t('orders.moveError', {
            id: change.variables.id,
            status: t(ORDER_STATUS_KEYS[change.variables.status]),
          })}
          conflict={t(TRANSITION_CONFLICT_KEY)}
          testId="order-status-error"
        />
      )}
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={t(query.data ? 'orders.refreshError' : 'orders.loadError')}
          onRetry={() => void query.refetch()}
        />
      )}
      {mineOnly && mine.data ? (
        <DataTable
          data={mineItems}
          columns={columns}
          getRowId={(order) => String(order.id)}
          rowAttributes={(order) => ({ 'data-testid': `order-row-${order.id}`, 'data-status': order.status })}
          testId="orders-table"
          emptyText={status ? t('orders.mineNoneOf', { status: t(ORDER_STATUS_KEYS[status]) }) : t('orders.mineNone')}
          pageSize={ORDERS_PAGE_SIZE}
          resetPageKey={status ?? ALL}
          minWidth={900}
        />
      ) : !mineOnly && all.data ? (
        <DataTable
          data={all.data.items}
          columns={columns}
          getRowId={(order) => String(order.id)}
          rowAttributes={(order) => ({ 'data-testid': `order-row-${order.id}`, 'data-status': order.status })}
          testId="orders-table"
          emptyText={status ? t('orders.noneOf', { status: t(ORDER_STATUS_KEYS[status]) }) : t('orders.none')}
          serverPaging={{
            pageIndex,
            pageSize: ORDERS_PAGE_SIZE,
            total: all.data.total,
            onPageChange: setPageIndex,
          }}
          busy={all.isPlaceholderData}
          minWidth={900}
        />
      ) : (
        !query.isError && (
          <Center h={200}>
            <Loader />
          </Center>
        )
      )}
      <ConfirmModal
        opened={cancelling !== null}
        title={t('orders.cancel')}
        confirmLabel={t('orders.cancel')}
        onClose={() => setCancelling(null)}
        onConfirm={() => {
          if (cancelling) change.mutate({ id: cancelling.id, status: 'cancelled' });
          setCancelling(null);
        }}
        confirmTestId="order-cancel-confirm"
      >
        {t('orders.cancelConfirm', { id: cancelling?.id ?? '', items: cancelling ? itemsSummary(cancelling) : '' })}
      </ConfirmModal>
      <NewOrderModal opened={creating} onClose={() => setCreating(false)} onCreated={setCreated} />
    </Stack>
  );
}

function userLabel(user: UserProfile | undefined, id: string): string {
  return user ? `${user.name} ${user.email}` : id;
}

function UserCell({ user, id }: { user: UserProfile | undefined; id: string }) {
  const t = useT();
  if (!user) return <Text size="sm">{t('orders.userId', { id })}</Text>;
  return (
    <Stack gap={0}>
      <Text size="sm">{user.name}</Text>
      <Text size="xs" c="dimmed">
        {user.email}
      </Text>
    </Stack>
  );
}
