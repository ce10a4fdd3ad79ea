import { AppShell, Box, MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError } from '../../shared/contract';
import { errorCodesOf } from '../../shared/error-codes';
import { ApiProvider, CLIENT_ERROR_CODES, type SupervisorClient } from './api';
import { AppHeader } from './components/app-header';
import { TokenGate } from './components/token-gate';
import { useHashPage } from './hooks/use-hash-page';
import { useServices } from './hooks/use-services';
import {
  AdminPage,
  IncidentsPage,
  LogsPage,
  PageFrame,
  ServicesPage,
  SettingsPage,
  StatusPage,
} from './pages/lazy-pages';
import { theme } from './theme';

/** A query client tuned for a local control API. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // The supervisor is local (loopback or IPC): `navigator.onLine` says nothing about it.
        networkMode: 'always',
        retry: (failures, error) => failures < 2 && !isFinalError(error),
      },
      mutations: { networkMode: 'always', retry: false },
    },
  });
}

/**
 * Failures a retry will not mend: a refused control token (the token form takes over), and
 * every error of the backend client (`BACKEND_*`, `NOT_LOGGED_IN`, `SESSION_EXPIRED`): the
 * main process already retried what is safe to retry, and the admin views say what failed.
 */
function isFinalError(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.code === CLIENT_ERROR_CODES.unauthorized || BACKEND_CLIENT_CODES.has(error.code);
}

const BACKEND_CLIENT_CODES: ReadonlySet<string> = new Set(errorCodesOf('backend-client'));

/** Props of {@link App}. */
export interface AppProps {
  client: SupervisorClient;
}

/** The dashboard: providers, the header and the current page. */
export function App({ client }: AppProps) {
  const [queryClient] = useState(createQueryClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <QueryClientProvider client={queryClient}>
        <ApiProvider api={client} connection={client}>
          <Shell />
          <TokenGate />
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}

function Shell() {
  const [page, setPage] = useHashPage();
  const services = useServices();
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header>
        <AppHeader page={page} onNavigate={setPage} />
      </AppShell.Header>
      <AppShell.Main>
        <PageFrame key={page}>
          {page === 'logs' ? (
            // The log view fills the window below the header and scrolls inside.
            <Box h="calc(100dvh - var(--app-shell-header-offset, 56px) - 2 * var(--mantine-spacing-md))">
              <LogsPage services={services.data} />
            </Box>
          ) : page === 'incidents' ? (
            <IncidentsPage />
          ) : page === 'admin' ? (
            <AdminPage />
          ) : page === 'settings' ? (
            <SettingsPage />
          ) : page === 'services' ? (
            <ServicesPage />
          ) : (
            <StatusPage />
          )}
        </PageFrame>
      </AppShell.Main>
    </AppShell>
  );
}
