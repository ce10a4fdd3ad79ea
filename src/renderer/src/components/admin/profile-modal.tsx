import { Badge, Center, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { formatDateTime, formatMoney } from '../../format';
import { useProfile, useRecentOrders, useVerifySession } from '../../hooks/use-admin';
import { AdminErrorAlert } from './admin-error';
import { OrderStatusBadge } from './order-status-badge';
import { itemsSummary } from './orders-view';

/** Props of {@link ProfileModal}. */
export interface ProfileModalProps {
  opened: boolean;
  onClose: () => void;
}

/**
 * The logged-in user as the backend has it (`auth:profile`), whether the backend still
 * accepts the session's token (`auth:verify`) and the user's last orders (`orders:recent`).
 * Fetches only while open.
 */
export function ProfileModal({ opened, onClose }: ProfileModalProps) {
  return (
    <Modal opened={opened} onClose={onClose} title="My account" size="lg">
      {opened && <ProfileBody />}
    </Modal>
  );
}

function ProfileBody() {
  const profile = useProfile();
  const verify = useVerifySession();
  const recent = useRecentOrders();

  return (
    <Stack gap="md" data-testid="profile-modal">
      {profile.isError ? (
        <AdminErrorAlert
          error={profile.error}
          action="Cannot load the profile"
          onRetry={() => void profile.refetch()}
        />
      ) : profile.data ? (
        <Stack gap={2} data-testid="profile-user">
          <Group gap="xs">
            <Text fw={600}>{profile.data.name}</Text>
            <Badge color={profile.data.role === 'admin' ? 'grape' : 'gray'} variant="light" tt="none">
              {profile.data.role}
            </Badge>
          </Group>
          <Text size="sm">{profile.data.email}</Text>
          <Text size="xs" c="dimmed">
            User {profile.data.id}, since {formatDateTime(profile.data.created_at)}
          </Text>
        </Stack>
      ) : (
        <Center h={60}>
          <Loader size="sm" />
        </Center>
      )}

      {verify.isError ? (
        <AdminErrorAlert error={verify.error} action="Cannot check the session" testId="profile-session-error" />
      ) : (
        verify.data && (
          <Text
            size="sm"
            c={verify.data.valid ? undefined : 'red.7'}
            data-testid="profile-session"
            data-valid={String(verify.data.valid)}
          >
            {verify.data.valid
              ? verify.data.expires_at
                ? `Session valid until ${formatDateTime(verify.data.expires_at)}`
                : 'Session valid'
              : 'The backend no longer accepts this session: log in again'}
          </Text>
        )
      )}

      <div>
        <Title order={5} fw={600} mb="xs">
          My recent orders
        </Title>
        {recent.isError ? (
          <AdminErrorAlert error={recent.error} action="Cannot load the recent orders" />
        ) : recent.data ? (
          recent.data.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="my-recent-orders">
              No orders yet.
            </Text>
          ) : (
            <Table data-testid="my-recent-orders">
              <Table.Tbody>
                {recent.data.map((order) => (
                  <Table.Tr key={order.id} data-testid={`my-recent-order-${order.id}`}>
                    <Table.Td>#{order.id}</Table.Td>
                    <Table.Td>
                      <OrderStatusBadge status={order.status} />
                    </Table.Td>
                    <Table.Td>{itemsSummary(order)}</Table.Td>
                    <Table.Td ta="right">{formatMoney(order.total)}</Table.Td>
                    <Table.Td c="dimmed">{formatDateTime(order.created_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )
        ) : (
          <Center h={60}>
            <Loader size="sm" />
          </Center>
        )}
      </div>
    </Stack>
  );
}
