// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
/**
 * A reload's answer in lines (src/shared/reload-text.ts), one wording for the client's
 * `reload`, serve's SIGHUP lines and the Settings page's outcome: in English and in Russian,
 * through the shared translator and through the dashboard's i18next instance alike.
 */
import { MantineProvider } from '@mantine/core';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApplyOutcome, type ApplyFlow } from '../../src/renderer/src/components/settings/apply-settings';
import { createTranslator } from '../../src/shared/locales/translate';
import type { ReloadResult } from '../../src/shared/reload';
import { reloadLines } from '../../src/shared/reload-text';
import { setLanguage, translate } from '../../src/renderer/src/i18n';

const applied: ReloadResult = {
  applied: true,
  fingerprint: 'f',
  services: [
    { service: 'backend', action: 'restart', changes: ['environment'] },
    { service: 'db', action: 'unchanged', changes: [] },
    { service: 'worker', action: 'start', changes: [] },
  ],
  needs_supervisor_restart: ['controlPort'],
  result: { success: false, message: 'worker: {not} a message' },
} as unknown as ReloadResult;

afterEach(() => {
  cleanup();
  setLanguage('en');
});

describe('reloadLines', () => {
  it('in English, as serve and the client print it; a message with braces is text', () => {
    expect(reloadLines(applied, createTranslator('en'))).toEqual([
      'backend: restarted (environment changed)',
      'worker: added and started',
      'needs a restart of the supervisor: controlPort',
      'failed: worker: {not} a message',
    ]);
    expect(
      reloadLines({ ...applied, services: [], needs_supervisor_restart: [], result: null }, createTranslator('en')),
    ).toEqual(['nothing changed']);
  });

  it('the Settings page in Russian says the outcome in Russian (the dashboard’s own translator)', () => {
    setLanguage('ru');
    const lines = reloadLines(applied, translate);
    expect(lines).toEqual(reloadLines(applied, createTranslator('ru')));
    expect(lines[0]).toBe('backend: перезапущен (изменено: environment)');
    expect(lines.join('\n')).not.toMatch(/restarted|reload\./);
  });

  it('the Settings page’s outcome is in the page’s language', () => {
    setLanguage('ru');
    const flow = { outcome: applied, error: null } as unknown as ApplyFlow;
    render(
      <MantineProvider>
        <ApplyOutcome flow={flow} />
      </MantineProvider>,
    );
    expect(screen.getByTestId('reload-outcome').textContent).toContain('backend: перезапущен (изменено: environment)');
  });
});
