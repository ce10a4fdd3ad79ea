import { Alert, Badge, Button, Center, Group, Loader, Paper, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import type { UserProfile } from '../../../shared/entities';
import { BACKEND_ERROR_CODES, NOT_ADMIN_KEY, SESSION_EXPIRED_KEY } from '../admin/admin-errors';
import { AdminErrorAlert } from '../components/admin/admin-error';
import { IngredientsView } from '../components/admin/ingredients-view';
import { LoginForm } from '../components/admin/login-form';
import { OrdersView } from '../components/admin/orders-view';
import { ProductsView } from '../components/admin/products-view';
import { ProfileModal } from '../components/admin/profile-modal';
import { StatsView } from '../components/admin/stats-view';
import { UsersView } from '../components/admin/users-view';
import { useLogout, useSession } from '../hooks/use-admin';
import { ADMIN_TABS, useAdminTab, type AdminTab } from '../hooks/use-admin-tab';
import { useSessionWatch } from '../hooks/use-session-watch';
import { useT } from '../i18n';

/** Each tab's label (a translation key). */
const TAB_LABELS: Record<AdminTab, string> = {
  stats: 'admin.tab.stats',
  users: 'admin.tab.users',
  orders: 'admin.tab.orders',
  products: 'admin.tab.products',
  ingredients: 'admin.tab.ingredients',
};

/**
 * The Admin page: the backend's data through the supervisor's client. Without a backend
 * session it shows the login form (again, with "Session expired, log in again", when a
 * call finds the session gone); a user without the admin role is told so.
 */
export function AdminPage() {
  const t = useT();
  const session = useSession();
  // A translation key: the notice follows a language switch.
  const [notice, setNotice] = useState<string | null>(null);
  useSessionWatch((code) => setNotice(code === BACKEND_ERROR_CODES.sessionExpired ? SESSION_EXPIRED_KEY : null));

  let body;
  if (session.data === undefined) {
    body = session.isError ? (
      <AdminErrorAlert error={session.error} action={t('admin.sessionError')} onRetry={() => void session.refetch()} />
    ) : (
      <Center h={240}>
        <Loader />
      </Center>
    );
  } else if (session.data.user === null) {
    body = <LoginForm notice={notice && t(notice)} onLoggedIn={() => setNotice(null)} />;
  } else {
    body = <SignedIn user={session.data.user} remembered={session.data.remembered} />;
  }

  return (
    <Stack gap="md" maw={1200} mx="auto" data-testid="admin-page">
      {body}
    </Stack>
  );
}

function SignedIn({ user, remembered }: { user: UserProfile; remembered: boolean }) {
  const t = useT();
  const isAdmin = user.role === 'admin';
  return (
    <>
      <SessionBar user={user} remembered={remembered} />
      {isAdmin ? (
        <AdminTabs currentUserId={user.id} />
      ) : (
        <Alert color="orange" variant="light" title={t(NOT_ADMIN_KEY)} data-testid="admin-not-admin">
          {t('admin.notAdminBody', { email: user.email, role: user.role })}
        </Alert>
      )}
    </>
  );
}

/** Who is logged in, the Profile button (profile, session check, recent orders) and Log out. */
function SessionBar({ user, remembered }: { user: UserProfile; remembered: boolean }) {
  const t = useT();
  const logout = useLogout();
  const [profileOpen, setProfileOpen] = useState(false);
  return (
    <Paper withBorder radius="md" px="md" py="xs">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="xs" wrap="wrap" data-testid="admin-user">
          <Text size="sm" c="dimmed">
            {t('admin.loggedInAs')}
          </Text>
          <Text size="sm" fw={600}>
            {user.name}
          </Text>
          <Text size="sm" c="dimmed">
            {user.email}
          </Text>
          <Badge
            color={user.role === 'admin' ? 'grape' : 'gray'}
            variant="light"
            tt="none"
            data-testid="admin-user-role"
          >
            {user.role}
          </Badge>
          {remembered && (
            <Badge color="gray" variant="outline" tt="none">
              {t('admin.remembered')}
            </Badge>
          )}
        </Group>
        <Group gap="sm">
          {logout.isError && (
            <Text size="sm" c="red.7">
              {t('admin.logoutFailed', { message: logout.error.message })}
            </Text>
          )}
          <Button size="xs" variant="default" onClick={() => setProfileOpen(true)} data-testid="profile-open">
            {t('admin.profile')}
          </Button>
          <Button
            size="xs"
            variant="default"
            onClick={() => logout.mutate()}
            loading={logout.isPending}
            data-testid="logout"
          >
            {t('admin.logout')}
          </Button>
        </Group>
      </Group>
      <ProfileModal opened={profileOpen} onClose={() => setProfileOpen(false)} />
    </Paper>
  );
}

/** The admin sub-tabs; only the open one is mounted (and fetches). */
function AdminTabs({ currentUserId }: { currentUserId: string }) {
  const t = useT();
  const [tab, setTab] = useAdminTab();
  return (
    <Tabs value={tab} onChange={(value) => value && setTab(value as AdminTab)} keepMounted={false}>
      <Tabs.List mb="md">
        {ADMIN_TABS.map((value) => (
          <Tabs.Tab key={value} value={value} data-testid={`admin-tab-${value}`}>
            {t(TAB_LABELS[value])}
          </Tabs.Tab>
        ))}
      </Tabs.List>
      <Tabs.Panel value="stats">
        <StatsView />
      </Tabs.Panel>
      <Tabs.Panel value="users">
        <UsersView currentUserId={currentUserId} />
      </Tabs.Panel>
      <Tabs.Panel value="orders">
        <OrdersView currentUserId={currentUserId} />
      </Tabs.Panel>
      <Tabs.Panel value="products">
        <ProductsView />
      </Tabs.Panel>
      <Tabs.Panel value="ingredients">
        <IngredientsView />
      </Tabs.Panel>
    </Tabs>
  );
}
