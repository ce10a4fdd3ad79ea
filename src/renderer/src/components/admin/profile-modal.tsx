import { Badge, Center, Group, Loader, Modal, Stack, Table, Text, Title } from '@mantine/core';
import { formatDateTime, formatMoney } from '../../format';
import { useProfile, useRecentOrders, useVerifySession } from '../../hooks/use-admin';
import { useT } from '../../i18n';
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
  const t = useT();
  return (
    <Modal opened={opened} onClose={onClose} title={t('profile.title')} size="lg">
      {opened && <ProfileBody />}
    </Modal>
  );
}

function ProfileBody() {
  const t = useT();
  const profile = useProfile();
  const verify = useVerifySession();
  const recent = useRecentOrders();

  return (
    <Stack gap="md" data-testid="profile-modal">
      {profile.isError ? (
        <AdminErrorAlert error={profile.error} action={t('profile.loadError')} onRetry={() => void profile.refetch()} />
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
            {t('profile.since', { id: profile.data.id, date: formatDateTime(profile.data.created_at) })}
          </Text>
        </Stack>
      ) : (
        <Center h={60}>
          <Loader size="sm" />
        </Center>
      )}

      {verify.isError ? (
        <AdminErrorAlert error={verify.error} action={t('profile.sessionError')} testId="profile-session-error" />
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
                ? t('profile.validUntil', { date: formatDateTime(verify.data.expires_at) })
                : t('profile.valid')
              : t('profile.invalid')}
          </Text>
        )
      )}

      <div>
        <Title order={5} fw={600} mb="xs">
          {t('profile.recent')}
        </Title>
        {recent.isError ? (
          <AdminErrorAlert error={recent.error} action={t('profile.recentError')} />
        ) : recent.data ? (
          recent.data.length === 0 ? (
            <Text size="sm" c="dimmed" data-testid="my-recent-orders">
              {t('profile.noOrders')}
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
