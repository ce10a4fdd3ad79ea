// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
import { MantineProvider } from '@mantine/core';
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type EventName,
  type EventPayload,
  type SupervisorApi,
} from '../../src/shared/contract';
import type { SettingsView } from '../../src/shared/settings';
import { ApiProvider, DetailedApiError } from '../../src/renderer/src/api';
import { staticConnection } from '../../src/renderer/src/api/types';
import { createQueryClient } from '../../src/renderer/src/app';
import { AppHeader } from '../../src/renderer/src/components/app-header';
import {
  formToSettings,
  SETTINGS_FIELDS,
  SETTINGS_SECTIONS,
  settingsToForm,
} from '../../src/renderer/src/components/settings/settings-fields';
import { SAVED_RESTART_KEY } from '../../src/renderer/src/components/settings/settings-form';
import { translate } from '../../src/renderer/src/i18n';

const SAVED_RESTART_TEXT = translate(SAVED_RESTART_KEY);
import { PAGES } from '../../src/renderer/src/hooks/use-hash-page';
import { SettingsPage } from '../../src/renderer/src/pages/settings-page';
import { SETTINGS_KEYS } from '../../src/shared/settings';

const EFFECTIVE = {
  orchestratorEnabled: true,
  command: '/usr/bin/node',
  args: ['/opt/app/reference-backend/server.js'],
  workingDir: '/opt/app/reference-backend',
  backendUrl: 'http://127.0.0.1:3000',
  healthCheckPath: '/health',
  healthCheckIntervalMs: 1_000,
  healthCheckTimeoutMs: 5_000,
  healthFailureThreshold: 3,
  healthConfirmDelayMs: 1_000,
  startupTimeoutMs: 30_000,
  autoRestart: true,
  maxRestartAttempts: 3,
  restartDelayMs: 1_000,
  maxRestartDelayMs: 30_000,
  restartResetAfterMs: 30_000,
  stopTimeoutMs: 10_000,
  logBufferLines: 5_000,
  logFileMaxBytes: 10 * 1024 * 1024,
  logFileCount: 5,
  controlHost: '127.0.0.1',
  controlPort: 8000,
  controlAllowRemote: false,
} as const;

function view(extra: Partial<SettingsView> = {}): SettingsView {
  return {
    values: { stopTimeoutMs: 4_000 },
    effective: { ...EFFECTIVE, args: [...EFFECTIVE.args], stopTimeoutMs: 4_000 },
    sources: {
      healthCheckIntervalMs: { kind: 'environment', name: 'HEALTH_CHECK_INTERVAL' },
      stopTimeoutMs: { kind: 'settings' },
      controlPort: { kind: 'flag', name: '--control-port' },
    },
    path: '/data/settings.json',
    restartNeeded: false,
    fileError: null,
    ...extra,
  };
}

/** A fake SupervisorApi answering the settings channels and recording the calls. */
class FakeApi implements SupervisorApi {
  calls: { channel: Channel; args: unknown[] }[] = [];
  current = view();
  saveError: Error | null = null;
  /** What the main process's path checks say about the values saved. */
  saveWarnings: SettingsView['warnings'] = {};
  importWarnings: SettingsView['warnings'] = undefined;

  async invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
    this.calls.push({ channel, args });
    const answer = (value: unknown) => value as ChannelResult<C>;
    switch (channel) {
      case 'settings:get':
        return answer(this.current);
      case 'settings:save': {
        if (this.saveError) throw this.saveError;
        this.current = view({
          values: args[0] as SettingsView['values'],
          restartNeeded: true,
          warnings: this.saveWarnings,
        });
        return answer(this.current);
      }
      case 'dialog:pickFile':
        return answer('/opt/site/bin/server');
      case 'settings:testHealthUrl':
        return answer({ at: 'now', ok: true, latency_ms: 2.5, status_code: 200, error: null, url: 'http://x/health' });
      case 'settings:importEnv':
        return answer({
          values: { healthCheckTimeoutMs: 2_500, command: '/opt/api' },
          problems: ['line 3: HEALTH_CHECK_PATH="health": must start with /'],
          ignored: ['JWT_SECRET (line 4): not a supervisor setting'],
          ...(this.importWarnings ? { warnings: this.importWarnings } : {}),
        });
      default:
        throw new ApiError({ code: 'INTERNAL', message: `no fake answer for ${channel}` });
    }
  }

  on<E extends EventName>(_event: E, _listener: (payload: EventPayload<E>) => void): () => void {
    return () => undefined;
  }

  callsOf(channel: Channel): unknown[][] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.args);
  }
}

function renderWith(api: FakeApi, page: ReactNode = <SettingsPage />) {
  return render(
    <MantineProvider>
      <QueryClientProvider client={createQueryClient()}>
        <ApiProvider api={api}>{page}</ApiProvider>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

const field = (key: string) => screen.getByTestId(`settings-field-${key}`) as HTMLInputElement;
const type = (key: string, value: string) => fireEvent.change(field(key), { target: { value } });

afterEach(cleanup);

describe('settings form values', () => {
  it('has one field for every settings key', () => {
    expect([...SETTINGS_FIELDS.keys()].sort()).toEqual([...SETTINGS_KEYS].sort());
    expect(SETTINGS_SECTIONS.flatMap((s) => s.fields)).toHaveLength(SETTINGS_KEYS.length);
  });

  it('shows seconds and MiB where the environment uses them, args one per line', () => {
    const form = settingsToForm({
      healthCheckIntervalMs: 2_500,
      logFileMaxBytes: 1.5 * 1024 * 1024,
      args: ['--name', 'my app'],
      autoRestart: false,
    });
    expect(form).toMatchObject({
      healthCheckIntervalMs: '2.5',
      logFileMaxBytes: '1.5',
      args: '--name\nmy app',
      autoRestart: 'false',
      command: '',
    });
    expect(formToSettings(form)).toEqual({
      values: {
        healthCheckIntervalMs: 2_500,
        logFileMaxBytes: 1.5 * 1024 * 1024,
        args: ['--name', 'my app'],
        autoRestart: false,
      },
      errors: {},
    });
  });

  it('checks with the shared schema and words errors in the units shown', () => {
    const form = settingsToForm({});
    Object.assign(form, {
      healthCheckIntervalMs: '0.01',
      healthCheckTimeoutMs: 'soon',
      healthCheckPath: 'health',
      controlPort: '8000.5',
      logFileCount: '0',
      restartDelayMs: '10',
      maxRestartDelayMs: '5',
    });
    expect(formToSettings(form).errors).toEqual({
      healthCheckIntervalMs: 'Must be at least 0.1 s',
      healthCheckTimeoutMs: 'Enter a number of seconds (e.g. 5 or 0.5)',
      healthCheckPath: 'Must start with /',
      controlPort: 'Enter a whole number',
      logFileCount: 'Must be at least 1',
      maxRestartDelayMs: 'Must not be below the restart delay',
    });
  });
});

describe('SettingsPage', () => {
  it('shows the stored values, the effective ones and what overrides what', async () => {
    renderWith(new FakeApi());
    await screen.findByTestId('settings-save');
    expect(screen.getByTestId('settings-path').textContent).toBe('/data/settings.json');
    expect(field('stopTimeoutMs').value).toBe('4');
    expect(field('healthCheckIntervalMs').value).toBe('');
    expect(field('healthCheckIntervalMs').placeholder).toBe('1');
    expect(screen.getByTestId('settings-source-healthCheckIntervalMs').textContent).toBe(
      'Overridden by HEALTH_CHECK_INTERVAL in the environment: 1 s',
    );
    expect(screen.getByTestId('settings-source-controlPort').textContent).toContain('--control-port');
    expect(screen.getByTestId('settings-source-stopTimeoutMs').textContent).toContain('Saved: 4 s');
    expect(screen.getByTestId('settings-source-healthCheckPath').textContent).toContain('Default: /health');
  });

  it('a bad value: an error beside the field, nothing sent; a good one: saved in ms, restart asked', async () => {
    const api = new FakeApi();
    renderWith(api);
    await screen.findByTestId('settings-save');
    type('healthCheckPath', 'health');
    type('healthCheckIntervalMs', '0.05');
    fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findByTestId('settings-error-healthCheckPath')).textContent).toBe('Must start with /');
    expect(screen.getByTestId('settings-error-healthCheckIntervalMs').textContent).toBe('Must be at least 0.1 s');
    expect(api.callsOf('settings:save')).toEqual([]);

    type('healthCheckPath', '/ready');
    type('healthCheckIntervalMs', '2.5');
    expect(screen.queryByTestId('settings-error-healthCheckPath')).toBeNull();
    fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findByTestId('settings-saved')).textContent).toBe(SAVED_RESTART_TEXT);
    expect(api.callsOf('settings:save')).toEqual([
      [{ healthCheckPath: '/ready', healthCheckIntervalMs: 2_500, stopTimeoutMs: 4_000 }],
    ]);
  });

  it('a refusal of the main process is shown beside the field it names', async () => {
    const api = new FakeApi();
    api.saveError = new DetailedApiError({
      code: 'BAD_ARGUMENTS',
      message: 'these settings would not start: CONTROL_HOST=0.0.0.0 would expose the control API to the network',
      field: 'controlHost',
    });
    renderWith(api);
    await screen.findByTestId('settings-save');
    type('controlHost', '0.0.0.0');
    fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findByTestId('settings-error-controlHost')).textContent).toContain('would expose');
    expect(screen.queryByTestId('settings-saved')).toBeNull();
  });

  it('Test health URL probes what the form says (the effective value when a field is empty)', async () => {
    const api = new FakeApi();
    renderWith(api);
    await screen.findByTestId('settings-save');
    type('healthCheckPath', '/ready');
    fireEvent.click(screen.getByTestId('settings-test-health'));
    const result = await screen.findByTestId('settings-test-health-result');
    expect(result.getAttribute('data-ok')).toBe('true');
    expect(result.textContent).toContain('HTTP 200');
    expect(api.callsOf('settings:testHealthUrl')).toEqual([
      [{ url: 'http://127.0.0.1:3000', path: '/ready', timeoutMs: 5_000 }],
    ]);
    type('backendUrl', 'not a url');
    fireEvent.click(screen.getByTestId('settings-test-health'));
    expect((await screen.findByTestId('settings-error-backendUrl')).textContent).toBe(
      'Must be an http:// or https:// URL',
    );
    expect(api.callsOf('settings:testHealthUrl')).toHaveLength(1);
  });

  it('Import .env reads the file in the browser and puts the values in the form for review (not saved)', async () => {
    const api = new FakeApi();
    renderWith(api);
    await screen.findByTestId('settings-save');
    const text = 'HEALTH_CHECK_TIMEOUT=2.5\nGO_BACKEND_BINARY=/opt/api\n';
    const input = screen.getByTestId('settings-import-env-input') as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File([text], '.env', { type: 'text/plain' })] } });
    const summary = await screen.findByTestId('settings-import-result');
    expect(summary.textContent).toContain('Imported 2 values from .env');
    expect(screen.getByTestId('settings-import-problem').textContent).toContain('HEALTH_CHECK_PATH');
    expect(screen.getByTestId('settings-import-ignored').textContent).toContain('JWT_SECRET');
    expect(api.callsOf('settings:importEnv')).toEqual([[text]]);
    expect(field('healthCheckTimeoutMs').value).toBe('2.5');
    expect(field('command').value).toBe('/opt/api');
    expect(field('stopTimeoutMs').value).toBe('4');
    expect(api.callsOf('settings:save')).toEqual([]);
  });

  it('Import .env: path warnings beside the fields; Save clears the import summary and shows the saved warnings', async () => {
    const api = new FakeApi();
    api.importWarnings = {
      workingDir: 'working directory not found: /opt/restaurant',
      command: 'backend command not found: /opt/restaurant/bin/server',
    };
    api.saveWarnings = { workingDir: 'working directory not found: /opt/restaurant' };
    renderWith(api);
    await screen.findByTestId('settings-save');
    const input = screen.getByTestId('settings-import-env-input') as HTMLInputElement;
    const text = 'GO_BACKEND_BINARY=./bin/server\nBACKEND_WORKING_DIR=/opt/restaurant\n';
    fireEvent.change(input, { target: { files: [new File([text], '.env', { type: 'text/plain' })] } });
    expect((await screen.findByTestId('settings-warning-workingDir')).textContent).toBe(
      'Warning: working directory not found: /opt/restaurant',
    );
    expect(screen.getByTestId('settings-warning-command').textContent).toContain('/opt/restaurant/bin/server');
    // A warning, not an error: nothing marks the field invalid.
    expect(screen.queryByTestId('settings-error-workingDir')).toBeNull();

    // Editing the command makes its warning stale: it goes; the other stays.
    type('command', '/usr/bin/env');
    expect(screen.queryByTestId('settings-warning-command')).toBeNull();
    expect(screen.getByTestId('settings-warning-workingDir')).toBeTruthy();

    fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findByTestId('settings-saved')).textContent).toBe(SAVED_RESTART_TEXT);
    expect(api.callsOf('settings:save')).toHaveLength(1);
    expect(screen.queryByTestId('settings-import-result')).toBeNull();
    expect(screen.getByTestId('settings-warning-workingDir').textContent).toContain('/opt/restaurant');
    expect(screen.queryByTestId('settings-warning-command')).toBeNull();
  });

  it('Save clears the "Imported … review them, then Save" summary', async () => {
    const api = new FakeApi();
    renderWith(api);
    await screen.findByTestId('settings-save');
    const input = screen.getByTestId('settings-import-env-input') as HTMLInputElement;
    fireEvent.change(input, { target: { files: [new File(['STOP_TIMEOUT=3\n'], '.env', { type: 'text/plain' })] } });
    expect((await screen.findByTestId('settings-import-result')).textContent).toContain('review them, then Save');
    fireEvent.click(screen.getByTestId('settings-save'));
    expect((await screen.findByTestId('settings-saved')).textContent).toBe(SAVED_RESTART_TEXT);
    expect(screen.queryByTestId('settings-import-result')).toBeNull();
  });

  it('shows the warnings of the stored settings when the page opens', async () => {
    const api = new FakeApi();
    api.current = view({ warnings: { command: 'backend command is not executable: /opt/api (try chmod +x)' } });
    renderWith(api);
    expect((await screen.findByTestId('settings-warning-command')).textContent).toContain('try chmod +x');
    expect(screen.queryByTestId('settings-warning-workingDir')).toBeNull();
  });

  it('says when the file cannot be used, and when saved settings wait for a restart', async () => {
    const api = new FakeApi();
    api.current = view({
      values: {},
      fileError: 'settings file /data/settings.json: is not valid JSON',
      restartNeeded: false,
    });
    renderWith(api);
    expect((await screen.findByTestId('settings-file-error')).textContent).toContain('is not valid JSON');
    cleanup();
    api.current = view({ restartNeeded: true });
    renderWith(api);
    // Issue 14: an Apply uses them without a restart; the page offers it there.
    expect((await screen.findByTestId('settings-restart-needed')).textContent).toContain('Apply them');
    expect(screen.getByTestId('settings-apply')).toBeTruthy();
  });
});

describe('navigation', () => {
  it('has a Settings page and tab', () => {
    expect(PAGES).toContain('settings');
    renderWith(new FakeApi(), <AppHeader page="settings" onNavigate={() => undefined} />);
    expect(screen.getByTestId('nav-settings').textContent).toBe('Settings');
  });
});

// The page's error beside a field must appear even when the answer names no field.
describe('save errors without a field', () => {
  it('are shown above the form', async () => {
    const api = new FakeApi();
    api.saveError = new ApiError({
      code: 'SETTINGS_FILE_INVALID',
      message: 'settings file /data/settings.json: is empty',
    });
    renderWith(api);
    await screen.findByTestId('settings-save');
    fireEvent.click(screen.getByTestId('settings-save'));
    await waitFor(() => expect(screen.getByTestId('settings-save-error').textContent).toContain('is empty'));
  });
});

describe('file picker for the command', () => {
  it('offers Browse… in the desktop window and puts the chosen path in the field', async () => {
    const api = new FakeApi();
    renderWith(api); // the default connection is the IPC one (the desktop window)
    fireEvent.click(await screen.findByTestId('settings-browse-command'));
    await waitFor(() => expect(field('command').value).toBe('/opt/site/bin/server'));
    expect(api.callsOf('dialog:pickFile')).toEqual([[{ title: 'Backend executable' }]]);
  });

  it('offers no Browse… in a browser (a path on the server cannot be picked there)', async () => {
    const api = new FakeApi();
    render(
      <MantineProvider>
        <QueryClientProvider client={createQueryClient()}>
          <ApiProvider api={api} connection={staticConnection('connected')}>
            <SettingsPage />
          </ApiProvider>
        </QueryClientProvider>
      </MantineProvider>,
    );
    await screen.findByTestId('settings-field-command');
    expect(screen.queryByTestId('settings-browse-command')).toBeNull();
  });
});
