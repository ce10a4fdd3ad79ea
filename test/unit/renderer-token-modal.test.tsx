// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProvider } from '../../src/renderer/src/api';
import { staticConnection } from '../../src/renderer/src/api/types';
import { createQueryClient } from '../../src/renderer/src/app';
import { TokenModal } from '../../src/renderer/src/components/token-modal';
import { FakeSupervisorApi } from '../helpers/fake-api';

afterEach(cleanup);

/** The dialog as the browser dashboard shows it: HTTP transport, no token yet. */
function renderModal(loadTokenFile: () => Promise<string | null>) {
  return render(
    <MantineProvider env="test">
      <QueryClientProvider client={createQueryClient()}>
        <ApiProvider api={new FakeSupervisorApi()} connection={staticConnection('token-needed')}>
          <TokenModal loadTokenFile={loadTokenFile} />
        </ApiProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('token dialog', () => {
  it('shows the token file the server names and the command that prints it', async () => {
    renderModal(async () => '/var/lib/backend-supervisor/control-token');
    expect((await screen.findByTestId('token-command')).textContent).toBe(
      'cat /var/lib/backend-supervisor/control-token',
    );
    const where = screen.getByTestId('token-file').textContent ?? '';
    expect(where).toContain('/var/lib/backend-supervisor/control-token');
    // The old text claimed serve prints the token; it prints only the file's path.
    expect(document.body.textContent).not.toMatch(/printed by/i);
  });

  it('says the token comes from CONTROL_TOKEN when the server has no file', async () => {
    renderModal(async () => null);
    expect(await screen.findByText(/CONTROL_TOKEN/)).toBeTruthy();
    expect(screen.queryByTestId('token-command')).toBeNull();
  });

  it('falls back to the data folder hint when the server cannot say (an older server)', async () => {
    renderModal(async () => {
      throw new Error('/api/v1/token-file answered HTTP 401');
    });
    const where = await screen.findByTestId('token-file');
    expect(where.textContent).toContain('<data folder>/control-token');
    expect(where.textContent).toContain("prints the file's path at start");
  });

  it('quotes a path with spaces or quotes in the command', async () => {
    renderModal(async () => "/home/a b/it's/control-token");
    expect((await screen.findByTestId('token-command')).textContent).toBe("cat '/home/a b/it'\\''s/control-token'");
  });
});
