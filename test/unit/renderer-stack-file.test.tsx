// @vitest-environment happy-dom
// (The pragma: the unit project compiles test files without the renderer's JSX setting.)
/**
 * The Settings page's services editor: it shows the stack file, saves a valid text, and
 * lists each problem of an invalid one with its line, as the supervisor's loader words it.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/contract';
import type { StackFileView } from '../../src/shared/services';
import { StackFileEditor, STACK_SAVED_KEY } from '../../src/renderer/src/components/settings/stack-file-editor';
import { translate } from '../../src/renderer/src/i18n';

const STACK_SAVED_TEXT = translate(STACK_SAVED_KEY);
import { FakeSupervisorApi, renderWithApi } from '../helpers/fake-api';

afterEach(cleanup);

const PATH = '/home/me/.local/share/backend-supervisor/stack.yaml';

function apiWith(view: StackFileView): FakeSupervisorApi {
  const api = new FakeSupervisorApi();
  api.answers['stack:getFile'] = async () => view;
  return api;
}

describe('the stack file editor', () => {
  it('says there is no stack file, and saves a new one', async () => {
    const api = apiWith({ path: PATH, text: null, services: [], active: false });
    const text = 'services:\n  db:\n    command: redis-server\n';
    api.answers['stack:saveFile'] = async (t) => ({ path: PATH, text: t, services: ['db'], active: false });
    renderWithApi(api, <StackFileEditor />, { env: 'test' });
    expect(await screen.findByText(/none: the settings above define one service, backend/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('stack-file-text'), { target: { value: text } });
    fireEvent.click(screen.getByTestId('stack-file-save'));
    expect((await screen.findByTestId('stack-file-saved')).textContent).toBe(STACK_SAVED_TEXT);
    expect(api.argsOf('stack:saveFile')).toEqual([text]);
    expect(await screen.findByText(/db \(not running yet\)/)).toBeTruthy();
  });

  it('lists every problem of an invalid text, one per line, and keeps the text', async () => {
    const api = apiWith({ path: PATH, text: 'services: {}\n', services: [], active: true });
    const problems = [
      `${PATH}:4: services.a.depends_on: dependency cycle: a → b → a`,
      `${PATH}:9: services.c.depends_on: unknown service 'zz'`,
    ];
    api.answers['stack:saveFile'] = async () => {
      throw new ApiError({ code: 'STACK_FILE_INVALID', message: problems.join('\n') });
    };
    renderWithApi(api, <StackFileEditor />, { env: 'test' });
    const area = (await screen.findByTestId('stack-file-text')) as HTMLTextAreaElement;
    await waitFor(() => expect(area.value).toBe('services: {}\n'));
    fireEvent.change(area, { target: { value: 'services:\n  a: {}\n' } });
    fireEvent.click(screen.getByTestId('stack-file-save'));
    const alert = await screen.findByTestId('stack-file-problems');
    expect([...alert.querySelectorAll('li')].map((li) => li.textContent)).toEqual(problems);
    expect(area.value).toBe('services:\n  a: {}\n');
    expect(screen.queryByTestId('stack-file-saved')).toBeNull();
  });
});
