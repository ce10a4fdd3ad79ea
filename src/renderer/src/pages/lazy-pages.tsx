import { Alert, Button, Center, Loader, Stack, Text } from '@mantine/core';
import { Component, lazy, Suspense, type ReactNode } from 'react';
import { useT } from '../i18n';

// Each page is a chunk of its own, fetched the first time it is shown (issue 13): the first
// page loads what it uses and no more (the Status page its charts; the Logs view's list, the
// admin tables and the settings forms wait for their pages).
export const StatusPage = lazy(() => import('./status-page').then((m) => ({ default: m.StatusPage })));
export const ServicesPage = lazy(() => import('./services-page').then((m) => ({ default: m.ServicesPage })));
export const LogsPage = lazy(() => import('./logs-page').then((m) => ({ default: m.LogsPage })));
export const IncidentsPage = lazy(() => import('./incidents-page').then((m) => ({ default: m.IncidentsPage })));
export const AdminPage = lazy(() => import('./admin-page').then((m) => ({ default: m.AdminPage })));
export const SettingsPage = lazy(() => import('./settings-page').then((m) => ({ default: m.SettingsPage })));

/** Props of {@link PageFrame}. */
export interface PageFrameProps {
  /** One of the lazy pages above. */
  children: ReactNode;
}

/**
 * Where a lazy page is shown: a loader while its chunk arrives, and a message with a reload
 * button when it cannot be shown (its chunk failed to load: the server went away, or a rebuild
 * replaced the files this page was built with; or the page threw). Give it a `key` per page,
 * so another page starts afresh.
 */
export function PageFrame({ children }: PageFrameProps) {
  return (
    <PageErrorBoundary>
      <Suspense fallback={<PageLoading />}>{children}</Suspense>
    </PageErrorBoundary>
  );
}

class PageErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return <PageError error={error} />;
  }
}

function PageLoading() {
  const t = useT();
  return (
    <Center py="xl">
      <Loader size="sm" aria-label={t('page.loading')} data-testid="page-loading" />
    </Center>
  );
}

/** What stands in for a page that threw or whose chunk did not load (a function: it translates). */
function PageError({ error }: { error: Error }) {
  const t = useT();
  return (
    <Alert color="red" variant="light" title={t('page.error')} data-testid="page-error" maw={720} mx="auto">
      <Stack gap="sm" align="flex-start">
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {error.message}
        </Text>
        <Button size="xs" variant="light" onClick={() => window.location.reload()}>
          {t('page.reload')}
        </Button>
      </Stack>
    </Alert>
  );
}
