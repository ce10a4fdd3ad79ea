// The tray of a stack of several services: a line per service, stack-wide commands, and
// icon, tooltip and lines following each service's state changes.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type * as electron from '../mocks/electron';
import type { BackendState } from '../../src/shared/states';

vi.mock('electron', () => import('../mocks/electron'));

const { createTray } = await import('../../src/main/app/tray');
const { stackState, stackTrayMenuTemplate, trayMenuTemplate } = await import('../../src/main/app/tray-menu');

const actions = () => ({ start: vi.fn(), stop: vi.fn(), restart: vi.fn(), open: vi.fn(), quit: vi.fn() });

/** A stand-in for the Stack: services in file order, a `state` event per change. */
class FakeStack extends EventEmitter {
  services = [
    { name: 'db', status: 'stopped' as BackendState, pid: null as number | null },
    { name: 'api', status: 'stopped' as BackendState, pid: null as number | null },
  ];
  list() {
    return this.services.map((s) => ({ ...s }));
  }
  change(name: string, status: BackendState, pid: number | null = null): void {
    const service = this.services.find((s) => s.name === name)!;
    service.status = status;
    service.pid = pid;
    this.emit('state', { service: name });
  }
}

type Item = { label?: string; enabled?: boolean; type?: string; click?: () => void };

describe('tray menu of a stack', () => {
  it('one service: exactly the menu of one backend', () => {
    const a = actions();
    expect(stackTrayMenuTemplate([{ name: 'backend', status: 'running', pid: 7 }], a)).toEqual(
      trayMenuTemplate('running', 7, a),
    );
  });

  it('several: a disabled line per service, then Start all / Stop all / Restart all calling the stack actions', () => {
    const a = actions();
    const menu = stackTrayMenuTemplate(
      [
        { name: 'db', status: 'running', pid: 42 },
        { name: 'api', status: 'waiting', pid: null },
      ],
      a,
    ) as Item[];
    expect(menu.map((i) => i.label)).toEqual([
      'db: running (pid 42)',
      'api: waiting',
      undefined,
      'Start all',
      'Stop all',
      'Restart all',
      undefined,
      'Open dashboard',
      'Quit',
    ]);
    expect(menu[0]?.enabled).toBe(false);
    expect(menu[1]?.enabled).toBe(false);
    menu.find((i) => i.label === 'Stop all')?.click?.();
    menu.find((i) => i.label === 'Restart all')?.click?.();
    menu.find((i) => i.label === 'Start all')?.click?.();
    expect([a.stop.mock.calls.length, a.restart.mock.calls.length, a.start.mock.calls.length]).toEqual([1, 1, 1]);
  });

  it('Start all only while a service is not up; Stop all only while one is not stopped', () => {
    const enabled = (states: BackendState[]) =>
      Object.fromEntries(
        (
          stackTrayMenuTemplate(
            states.map((status, i) => ({ name: `s${i}`, status, pid: null })),
            actions(),
          ) as Item[]
        )
          .filter((i) => i.click)
          .map((i) => [i.label, i.enabled !== false]),
      );
    expect(enabled(['running', 'running'])).toMatchObject({ 'Start all': false, 'Stop all': true });
    expect(enabled(['running', 'waiting'])).toMatchObject({ 'Start all': true, 'Stop all': true });
    expect(enabled(['stopped', 'crashed'])).toMatchObject({ 'Start all': true, 'Stop all': false });
    expect(enabled(['stopping', 'stopping'])).toMatchObject({ 'Restart all': false, 'Start all': false });
  });

  it('the icon state: crashed wins, then all running, all stopped, else what is under way', () => {
    expect(stackState(['running', 'crashed'])).toBe('crashed');
    expect(stackState(['running', 'running'])).toBe('running');
    expect(stackState(['stopped', 'stopped'])).toBe('stopped');
    expect(stackState(['running', 'waiting'])).toBe('waiting');
    expect(stackState(['stopped', 'running'])).toBe('starting');
  });
});

describe('createTray over a stack', () => {
  it('updates the service lines, icon and tooltip on each state change', () => {
    const stack = new FakeStack();
    const tray = createTray('/res', stack, actions()) as unknown as electron.Tray;
    const labels = () => (tray.menu as { template: Item[] }).template.map((i) => i.label);
    expect(labels().slice(0, 2)).toEqual(['db: stopped', 'api: stopped']);
    expect(tray.image).toEqual({ path: '/res/tray/stopped.png' });

    stack.change('db', 'running', 42);
    expect(labels().slice(0, 2)).toEqual(['db: running (pid 42)', 'api: stopped']);
    expect(tray.image).toEqual({ path: '/res/tray/starting.png' });
    expect(tray.tooltip).toBe('Backend Supervisor: 1 of 2 services running');

    stack.change('api', 'running', 43);
    expect(tray.image).toEqual({ path: '/res/tray/running.png' });
    expect(tray.tooltip).toBe('Backend Supervisor: 2 of 2 services running');

    stack.change('db', 'crashed');
    stack.change('api', 'waiting');
    expect(labels().slice(0, 2)).toEqual(['db: crashed', 'api: waiting']);
    expect(tray.image).toEqual({ path: '/res/tray/crashed.png' });
  });
});
