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
import { ROLES, type Role, type UserPatch, type UserProfile } from '../../../../shared/entities';
import { formatDate, formatDateTime } from '../../format';
import { useDeleteUser, useUpdateUser, useUsers } from '../../hooks/use-admin';
import { AdminErrorAlert } from './admin-error';
import { ConfirmModal } from './confirm-modal';
import { DataTable } from './data-table';
import { ViewHeader } from './view-header';

/** Text of a 409 on deleting a user. */
export const USER_HAS_ORDERS_TEXT = 'This user has orders and cannot be deleted.';

/** Props of {@link UsersView}. */
export interface UsersViewProps {
  /** The logged-in user's id: that account cannot delete itself. */
  currentUserId: string;
}

/** The Users tab: every user, sortable and paged; edit name and role, delete with confirmation. */
export function UsersView({ currentUserId }: UsersViewProps) {
  const query = useUsers();
  const [editing, setEditing] = useState<UserProfile | null>(null);
  const [deleting, setDeleting] = useState<UserProfile | null>(null);

  const columns = useMemo<ColumnDef<UserProfile>[]>(
    () => [
      {
        id: 'id',
        accessorKey: 'id',
        header: 'ID',
        meta: { nowrap: true },
        cell: ({ row }) => (
          <Text size="xs" ff="monospace" c="dimmed">
            {row.original.id}
          </Text>
        ),
      },
      { id: 'name', accessorKey: 'name', header: 'Name' },
      { id: 'email', accessorKey: 'email', header: 'E-mail' },
      {
        id: 'role',
        accessorKey: 'role',
        header: 'Role',
        cell: ({ row }) => <RoleBadge role={row.original.role} />,
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
                Edit
              </Button>
              <Tooltip label="You cannot delete the account you are logged in with" disabled={!self} withArrow>
                <Button
                  size="compact-sm"
                  variant="subtle"
                  color="red"
                  disabled={self}
                  onClick={() => setDeleting(user)}
                  data-testid={`user-delete-${user.id}`}
                >
                  Delete
                </Button>
              </Tooltip>
            </Group>
          );
        },
      },
    ],
    [currentUserId],
  );

  return (
    <Stack gap="md" data-testid="admin-users">
      <ViewHeader
        title="Users"
        description={query.data ? `${query.data.length} ${query.data.length === 1 ? 'user' : 'users'}` : undefined}
        onRefresh={() => void query.refetch()}
        refreshing={query.isFetching}
        testId="users"
      />
      {query.isError && (
        <AdminErrorAlert
          error={query.error}
          action={query.data ? 'Cannot refresh the users' : 'Cannot load the users'}
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
          emptyText="No users."
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
  return (
    <Modal opened={user !== null} onClose={onClose} title={<Text fw={600}>Edit user</Text>} centered>
      {/* Keyed: the form starts from the user's current values each time it opens. */}
      {user && <EditUserForm key={user.id} user={user} self={self} onDone={onClose} />}
    </Modal>
  );
}

function EditUserForm({ user, self, onDone }: { user: UserProfile; self: boolean; onDone: () => void }) {
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
          {user.email} · id {user.id}
        </Text>
        <TextInput
          label="Name"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          required
          maxLength={200}
          error={name.trim() === '' ? 'Enter a name' : undefined}
          data-autofocus
          data-testid="user-edit-name"
        />
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Role
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
            This is your own account: without the admin role you lose access to these views.
          </Alert>
        )}
        {update.isError && <AdminErrorAlert error={update.error} action="Cannot save" testId="user-save-error" />}
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={onDone} disabled={update.isPending}>
            Cancel
          </Button>
          <Button type="submit" loading={update.isPending} disabled={name.trim() === ''} data-testid="user-save">
            Save
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function DeleteUserModal({ user, onClose }: { user: UserProfile | null; onClose: () => void }) {
  const remove = useDeleteUser();
  const close = (): void => {
    remove.reset();
    onClose();
  };
  return (
    <ConfirmModal
      opened={user !== null}
      title="Delete user"
      onClose={close}
      onConfirm={() => user && remove.mutate(user.id, { onSuccess: close })}
      busy={remove.isPending}
      error={remove.isError ? remove.error : undefined}
      conflict={USER_HAS_ORDERS_TEXT}
      confirmTestId="user-delete-confirm"
    >
      Delete{' '}
      <Text span fw={600} inherit>
        {user?.name}
      </Text>{' '}
      ({user?.email})? This cannot be undone.
    </ConfirmModal>
  );
}
