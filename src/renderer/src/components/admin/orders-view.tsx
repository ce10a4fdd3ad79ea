import { Alert, Button, Center, Loader, Select, Stack, Switch, Text, Tooltip } from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState } from 'react';
import { ORDER_STATUSES, type Order, type OrderStatus, type UserProfile } from '../../../../shared/entities';
import { formatDate, formatDateTime, formatMoney } from '../../format';
import { useMyOrders, useOrders, useUpdateOrderStatus, useUsers } from '../../hooks/use-admin';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { NewOrderModal } from './new-order-modal';
import { OrderStatusBadge } from './order-status-badge';
import { OrderStatusControl } from './order-status-control';
import { ViewHeader } from './view-header';

/** Orders per page (asked from the backend with limit/offset). */
export const ORDERS_PAGE_SIZE = 10;

/** Text of a 409 on a status change. */
export const TRANSITION_CONFLICT_TEXT =
  'The backend does not allow this status change (the order may have changed meanwhile). The list was refreshed.';

const ALL = 'all';
const FILTER_OPTIONS = [{ value: ALL, label: 'All statuses' }, ...ORDER_STATUSES.map((s) => ({ value: s, label: s }))];

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
        header: 'ID',
        meta: { nowrap: true },
        cell: ({ row }) => `#${row.original.id}`,
      },
      {
        id: 'user',
        accessorFn: (order) => userLabel(usersById.get(order.user_id), order.user_id),
        header: 'User',
        cell: ({ row }) => <UserCell user={usersById.get(row.original.user_id)} id={row.original.user_id} />,
      },
      {
        id: 'status',
        // Sort in the order's lifecycle, not alphabetically.
        accessorFn: (order) => ORDER_STATUSES.indexOf(order.status),
        header: 'Status',
        cell: ({ row }) => (
          <OrderStatusBadge status={row.original.status} data-testid={`order-status-${row.original.id}`} />
        ),
      },
      {
        id: 'total',
        accessorKey: 'total',
        header: 'Total',
        meta: { align: 'right', nowrap: true },
        cell: ({ row }) => formatMoney(row.original.total),
      },
      {
        id: 'items',
        accessorFn: (order) => itemsSummary(order),
        header: 'Items',
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
        header: 'Created',
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
  }, [usersById, mutate, isPending, variables]);

  return (
    <Stack gap="md" data-testid="admin-orders">
      <ViewHeader
        title="Orders"
        description="Newest first. A status moves only along the allowed transitions."
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="orders"
      >
        <Select
          aria-label="Filter by status"
          data={FILTER_OPTIONS}
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
          label="Mine only"
          checked={mineOnly}
          onChange={(event) => {
            setMineOnly(event.currentTarget.checked);
            setPageIndex(0);
          }}
          data-testid="orders-mine"
        />
        <Button size="xs" onClick={() => setCreating(true)} data-testid="order-create">
          New order
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
          Order #{created.id} created ({itemsSummary(created)}), status {created.status}.
        </Alert>
      )}
      {change.isError && (
        <AdminErrorAlert
          error={change.error}
          action={`Cannot move order #${change.variables.id} to ${change.variables.status}`}
          conflict={TRANSITION_CONFLICT_TEXT}
          testId="order-status-error"
        />
      )}
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={query.data ? 'Cannot refresh the orders' : 'Cannot load the orders'}
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
          emptyText={status ? `You have no ${status} orders.` : 'You have no orders yet.'}
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
          emptyText={status ? `No ${status} orders.` : 'No orders yet.'}
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
        title="Cancel order"
        confirmLabel="Cancel order"
        onClose={() => setCancelling(null)}
        onConfirm={() => {
          if (cancelling) change.mutate({ id: cancelling.id, status: 'cancelled' });
          setCancelling(null);
        }}
        confirmTestId="order-cancel-confirm"
      >
        Cancel order #{cancelling?.id} ({cancelling ? itemsSummary(cancelling) : ''})? A cancelled order cannot change
        any more.
      </ConfirmModal>
      <NewOrderModal opened={creating} onClose={() => setCreating(false)} onCreated={setCreated} />
    </Stack>
  );
}

function userLabel(user: UserProfile | undefined, id: string): string {
  return user ? `${user.name} ${user.email}` : id;
}

function UserCell({ user, id }: { user: UserProfile | undefined; id: string }) {
  if (!user) return <Text size="sm">user {id}</Text>;
  return (
    <Stack gap={0}>
      <Text size="sm">{user.name}</Text>
      <Text size="xs" c="dimmed">
        {user.email}
      </Text>
    </Stack>
  );
}
