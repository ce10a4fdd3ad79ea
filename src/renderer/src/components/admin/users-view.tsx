import {
  Alert,
  Badge,
  Button,
  Center,
  Group,
  Loader,
  Modal,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import type { ColumnDef } from '@tanstack/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { Trans } from 'react-i18next';
import { ROLES, type Role, type UserPatch, type UserProfile } from '../../../../shared/entities';
import { formatDate, formatDateTime } from '../../format';
import { useDeleteUser, useUpdateUser, useUsers } from '../../hooks/use-admin';
import { useT } from '../../i18n';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { ViewHeader } from './view-header';

/** Text of a 409 on deleting a user (a translation key). */
export const USER_HAS_ORDERS_KEY = 'users.hasOrders';

/** Props of {@link UsersView}. */
export interface UsersViewProps {
  /** The logged-in user's id: that account cannot delete itself. */
  currentUserId: string;
}

/** The Users tab: every user, sortable and paged; edit name and role, delete with confirmation. */
export function UsersView({ currentUserId }: UsersViewProps) {
  const t = useT();
  const query = useUsers();
  const [editing, setEditing] = useState<UserProfile | null>(null);
  const [deleting, setDeleting] = useState<UserProfile | null>(null);

  const columns = useMemo<ColumnDef<UserProfile>[]>(
    () => [
      {
        id: 'id',
        accessorKey: 'id',
        header: t('users.col.id'),
        meta: { nowrap: true },
        cell: ({ row }) => (
          <Text size="xs" ff="monospace" c="dimmed">
            {row.original.id}
          </Text>
        ),
      },
      { id: 'name', accessorKey: 'name', header: t('users.col.name') },
      { id: 'email', accessorKey: 'email', header: t('users.col.email') },
      {
        id: 'role',
        accessorKey: 'role',
        header: t('users.col.role'),
        cell: ({ row }) => <RoleBadge role={row.original.role} />,
      },
      {
        id: 'created',
        accessorKey: 'created_at',
        header: t('users.col.created'),
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
        cell: ({ row }) => {
          const user = row.original;
          const self = user.id === currentUserId;
          return (
            <Group gap="xs" justify="flex-end" wrap="nowrap">
              <Button
                size="compact-sm"
                variant="light"
                onClick={() => setEditing(user)}
                data-testid={`user-edit-${user.id}`}
              >
                {t('users.edit')}
              </Button>
              <Tooltip label={t('users.cannotDeleteSelf')} disabled={!self} withArrow>
                <Button
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  disabled={self}
                  onClick={() => setDeleting(user)}
                  data-testid={`user-delete-${user.id}`}
                >
                  {t('admin.delete')}
                </Button>
              </Tooltip>
            </Group>
          );
        },
      },
    ],
    [currentUserId, t],
  );

  return (
    <Stack gap="md" data-testid="admin-users">
      <ViewHeader
        title={t('users.title')}
        description={query.data ? t('users.count', { count: query.data.length }) : undefined}
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="users"
      />
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={t(query.data ? 'users.refreshError' : 'users.loadError')}
          onRetry={() => void query.refetch()}
        />
      )}
      {query.data ? (
        <DataTable
          data={query.data}
          columns={columns}
          getRowId={(user) => user.id}
          rowAttributes={(user) => ({ 'data-testid': `user-row-${user.id}` })}
          testId="users-table"
          emptyText={t('users.none')}
          initialSorting={[{ id: 'created', desc: true }]}
        />
      ) : (
        !query.isError && (
          <Center h={200}>
            <Loader />
          </Center>
        )
      )}
      <EditUserModal user={editing} self={editing?.id === currentUserId} onClose={() => setEditing(null)} />
      <DeleteUserModal user={deleting} onClose={() => setDeleting(null)} />
    </Stack>
  );
}

function RoleBadge({ role }: { role: Role }) {
  return (
    <Badge color={role === 'admin' ? 'grape' : 'gray'} variant="light" tt="none">
      {role}
    </Badge>
  );
}

/** Edits a user's name and role; sends only what changed. */
function EditUserModal({ user, self, onClose }: { user: UserProfile | null; self: boolean; onClose: () => void }) {
  const t = useT();
  return (
    <Modal opened={user !== null} onClose={onClose} title={<Text fw={600}>{t('users.editTitle')}</Text>} centered>
      {/* Keyed: the form starts from the user's current values each time it opens. */}
      {user && <EditUserForm key={user.id} user={user} self={self} onDone={onClose} />}
    </Modal>
  );
}

function EditUserForm({ user, self, onDone }: { user: UserProfile; self: boolean; onDone: () => void }) {
  const t = useT();
  const update = useUpdateUser();
  const [name, setName] = useState(user.name);
  const [role, setRole] = useState<Role>(user.role);

  const patch: UserPatch = {};
  if (name.trim() !== user.name) patch.name = name.trim();
  if (role !== user.role) patch.role = role;
  const changed = Object.keys(patch).length > 0;

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (!changed) return onDone();
    update.mutate({ id: user.id, patch }, { onSuccess: onDone });
  };

  return (
    <form onSubmit={submit}>
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('users.emailId', { email: user.email, id: user.id })}
        </Text>
        <TextInput
          label={t('users.col.name')}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          required
          maxLength={200}
          error={name.trim() === '' ? t('users.enterName') : undefined}
          data-autofocus
          data-testid="user-edit-name"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            {t('users.col.role')}
          </Text>
          <SegmentedControl
            value={role}
            onChange={(value) => setRole(value as Role)}
            data={ROLES.map((value) => ({ value, label: value }))}
            data-testid="user-edit-role"
          />
        </Stack>
        {self && role !== 'admin' && (
          <Alert color="yellow" variant="light" p="xs">
            {t('users.ownAccount')}
          </Alert>
        )}
        {update.isError && (
          <AdminErrorAlert error={update.error} action={t('users.saveError')} testId="user-save-error" />
        )}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone} disabled={update.isPending}>
            {t('admin.cancel')}
          </Button>
          <Button type="submit" loading={update.isPending} disabled={name.trim() === ''} data-testid="user-save">
            {t('users.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DeleteUserModal({ user, onClose }: { user: UserProfile | null; onClose: () => void }) {
  const t = useT();
  const remove = useDeleteUser();
  const close = (): void => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmModal
      opened={user !== null}
      title={t('users.deleteTitle')}
      onClose={close}
      onConfirm={() => user && remove.mutate(user.id, { onSuccess: close })}
      busy={remove.isPending}
      error={remove.isError ? remove.error : undefined}
      conflict={t(USER_HAS_ORDERS_KEY)}
      confirmTestId="user-delete-confirm"
    >
      <Trans
        i18nKey="users.deleteConfirm"
        values={{ name: user?.name ?? '', email: user?.email ?? '' }}
        components={{ b: <Text span fw={600} inherit /> }}
      />
    </ConfirmModal>
  );
}
