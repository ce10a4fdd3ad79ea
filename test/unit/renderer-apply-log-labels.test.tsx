// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
/**
 * The Settings page's Apply for a change of the log settings: the plan and the outcome name them by the
 * Settings page's field labels ("Log folder"), in English and in Russian, not by their
 * settings keys (`logDir`); a stack file's own names (`working_dir`) stay as they are.
 */
import { MantineProvider } from '@mantine/core';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApplyDialog, ApplyOutcome, type ApplyFlow } from '../../src/renderer/src/components/settings/apply-settings';
import type { ReloadResult } from '../../src/shared/reload';
import { setLanguage } from '../../src/renderer/src/i18n';

const plan: ReloadResult = {
  applied: false,
  fingerprint: 'f',
  services: [
    {
      service: 'backend',
      action: 'update',
      changes: ['working_dir', 'logDir', 'logBufferLines', 'logFileMaxBytes', 'logFileCount'],
    },
  ],
  needs_supervisor_restart: [],
  result: null,
} as unknown as ReloadResult;

/** The plan's "in place" list as the dialog shows it. */
function shown(): string {
  const flow = { plan, outcome: null, error: null, pending: false } as unknown as ApplyFlow;
  render(
    <MantineProvider>
      <ApplyDialog flow={flow} />
    </MantineProvider>,
  );
  return screen.getByTestId('reload-plan-update').textContent ?? '';
}

afterEach(() => {
  cleanup();
  setLanguage('en');
});

describe('the Apply dialog of a log settings change', () => {
  it('the plan says the field labels in English', () => {
    const labels = 'working_dir, Log folder, Lines kept in memory, Rotate a log file at (MiB), Rotated files kept';
    expect(shown()).toContain(`${labels} changed`);
  });

  it('and in Russian', () => {
    setLanguage('ru');
    const labels =
      'working_dir, Папка журналов, Строк в памяти, Ротация файла журнала при (МиБ), Хранимых файлов после ротации';
    const dialog = shown();
    expect(dialog).toContain(`изменено: ${labels}`);
    expect(dialog).not.toMatch(/logDir|logBufferLines|logFile/);
  });
});

describe('the outcome of an Apply that changed the log settings', () => {
  it('names them by their field labels, in Russian too (the client and serve keep the keys)', () => {
    const outcome = { ...plan, applied: true, result: { success: true, message: 'ok' } } as unknown as ReloadResult;
    const flow = { plan: null, outcome, error: null, pending: false } as unknown as ApplyFlow;
    const text = (): string => {
      render(
        <MantineProvider>
          <ApplyOutcome flow={flow} />
        </MantineProvider>,
      );
      const shownText = screen.getByTestId('reload-outcome').textContent ?? '';
      cleanup();
      return shownText;
    };
    expect(text()).toContain('backend: updated in place (working_dir, Log folder, Lines kept in memory,');
    setLanguage('ru');
    const ru = text();
    expect(ru).toContain('working_dir, Папка журналов, Строк в памяти');
    expect(ru).not.toMatch(/logDir|logBufferLines|logFile/);
  });
});
