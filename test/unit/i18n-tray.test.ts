// The tray menu, its tooltip and the desktop notifications in Russian (the OS's language, as
// the desktop entry picks it), and English when no language is given.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type * as electron from '../mocks/electron';
import { createTranslator } from '../../src/shared/locales/translate';
import type { BackendState } from '../../src/shared/states';

vi.mock('electron', () => import('../mocks/electron'));

const { createTray } = await import('../../src/main/app/tray');
const { stackTrayMenuTemplate, trayMenuTemplate } = await import('../../src/main/app/tray-menu');
const { notifyOnFailures } = await import('../../src/main/app/notifications');

const ru = createTranslator('ru');
const actions = () => ({ start: vi.fn(), stop: vi.fn(), restart: vi.fn(), open: vi.fn(), quit: vi.fn() });
type Item = { label?: string; enabled?: boolean; type?: string };
const labels = (items: Item[]): (string | undefined)[] =>
  items.filter((i) => i.type !== 'separator').map((i) => i.label);

describe('tray in Russian', () => {
  it('one service: state in words, commands, open and quit', () => {
    expect(labels(trayMenuTemplate('running', 42, actions(), ru))).toEqual([
      'Бэкенд: работает (pid 42)',
      'Запустить',
      'Остановить',
      'Перезапустить',
      'Открыть панель управления',
      'Выйти',
    ]);
    expect(labels(trayMenuTemplate('crashed', null, actions()))[0]).toBe('Backend: crashed');
  });

  it('a stack: a line per service and the stack-wide commands', () => {
    const menu = stackTrayMenuTemplate(
      [
        { name: 'db', status: 'running', pid: 7 },
        { name: 'api', status: 'waiting', pid: null },
      ],
      actions(),
      ru,
    );
    expect(labels(menu)).toEqual([
      'db: работает (pid 7)',
      'api: ожидает',
      'Запустить все',
      'Остановить все',
      'Перезапустить все',
      'Открыть панель управления',
      'Выйти',
    ]);
  });

  it('the tooltip counts the services with the plural the number takes', () => {
    class FakeStack extends EventEmitter {
      services: { name: string; status: BackendState; pid: number | null }[] = [];
      list() {
        return this.services;
      }
    }
    const stack = new FakeStack();
    stack.services = [
      { name: 'db', status: 'running', pid: 1 },
      { name: 'api', status: 'stopped', pid: null },
    ];
    const tray = createTray('/res', stack, actions(), ru) as unknown as electron.Tray;
    expect(tray.tooltip).toBe('Backend Supervisor: работает 1 из 2 сервисов');
    stack.services = Array.from({ length: 21 }, (_, i) => ({ name: `s${i}`, status: 'running', pid: i + 1 }));
    stack.emit('state');
    expect(tray.tooltip).toBe('Backend Supervisor: работает 21 из 21 сервиса');
    stack.services = [{ name: 'backend', status: 'crashed', pid: null }];
    stack.emit('state');
    expect(tray.tooltip).toBe('Backend Supervisor: упал');
  });
});

describe('notifications in Russian', () => {
  it("titles a crash by its kind and a give-up in Russian; the supervisor's words stay", async () => {
    const stack = new EventEmitter();
    const notify = vi.fn();
    notifyOnFailures(stack as never, { notify, translate: ru });
    const crash = {
      id: 'i-1',
      at: new Date().toISOString(),
      kind: 'crash',
      summary: 'exited unexpectedly (code 1)',
      action: 'restart attempt 1/3 in 0 ms',
      service: 'db',
    };
    stack.emit('incident', crash);
    await Promise.resolve();
    expect(notify).toHaveBeenLastCalledWith({
      title: 'Бэкенд упал',
      body: 'db: exited unexpectedly (code 1); restart attempt 1/3 in 0 ms',
    });
    stack.emit('state', { service: 'worker', from: 'backoff', to: 'crashed', reason: 'worker gave up' });
    expect(notify).toHaveBeenLastCalledWith({
      title: 'Backend Supervisor прекратил попытки',
      body: 'worker: worker gave up. Запустите его снова из трея или панели управления.',
    });
  });
});
