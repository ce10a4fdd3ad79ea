import type { MenuItemConstructorOptions } from 'electron';
import { STATE_KEYS } from '../../shared/locales/labels';
import { createTranslator, type Translate } from '../../shared/locales/translate';
import { isLiveState, type BackendState } from '../../shared/states';

/** The menus' language when the caller names none. */
const ENGLISH = createTranslator('en');

/** What the tray menu's items do (Start / Stop / Restart act on the whole stack). */
export interface TrayActions {
  start(): void;
  stop(): void;
  restart(): void;
  open(): void;
  quit(): void;
}

/** One service as the tray shows it. */
export interface TrayService {
  name: string;
  status: BackendState;
  pid: number | null;
}

/**
 * The tray menu for a state: a status line, then Start / Stop / Restart (enabled only where
 * they make sense), Open, Quit, in the language of `t` (English by default). Pure, so it is
 * tested without Electron.
 */
export function trayMenuTemplate(
  state: BackendState,
  pid: number | null,
  actions: TrayActions,
  t: Translate = ENGLISH,
): MenuItemConstructorOptions[] {
  const live = state === 'running' || state === 'unhealthy' || state === 'starting';
  const stateText = t(STATE_KEYS[state]);
  return [
    {
      label: pid ? t('tray.backendPid', { state: stateText, pid }) : t('tray.backend', { state: stateText }),
      enabled: false,
    },
    { type: 'separator' },
    { label: t('command.start'), enabled: !live && state !== 'stopping', click: actions.start },
    { label: t('command.stop'), enabled: state !== 'stopped' && state !== 'crashed', click: actions.stop },
    { label: t('command.restart'), enabled: state !== 'stopping', click: actions.restart },
    { type: 'separator' },
    { label: t('tray.open'), click: actions.open },
    { label: t('tray.quit'), click: actions.quit },
  ];
}

/**
 * The tray menu for a stack, in file order. One service: exactly {@link trayMenuTemplate}.
 * Several: a disabled line per service (`db: running (pid 42)`), then Start all (while
 * one is not up), Stop all (while one is not stopped), Restart all (unless every one is
 * stopping), Open, Quit. Pure, so it is tested without Electron.
 */
export function stackTrayMenuTemplate(
  services: readonly TrayService[],
  actions: TrayActions,
  t: Translate = ENGLISH,
): MenuItemConstructorOptions[] {
  if (services.length === 1) return trayMenuTemplate(services[0]!.status, services[0]!.pid, actions, t);
  const states = services.map((s) => s.status);
  return [
    ...services.map((s): MenuItemConstructorOptions => {
      const state = t(STATE_KEYS[s.status]);
      return {
        label: s.pid
          ? t('tray.servicePid', { name: s.name, state, pid: s.pid })
          : t('tray.service', { name: s.name, state }),
        enabled: false,
      };
    }),
    { type: 'separator' },
    { label: t('tray.startAll'), enabled: states.some((s) => !isLiveState(s)), click: actions.start },
    { label: t('tray.stopAll'), enabled: states.some((s) => s !== 'stopped' && s !== 'crashed'), click: actions.stop },
    { label: t('tray.restartAll'), enabled: states.some((s) => s !== 'stopping'), click: actions.restart },
    { type: 'separator' },
    { label: t('tray.open'), click: actions.open },
    { label: t('tray.quit'), click: actions.quit },
  ];
}

/**
 * The one state the tray's icon shows for a stack: `crashed` if any service crashed,
 * `running` if every one runs, `stopped` if every one is stopped, else the first
 * service's state that is neither (something is on its way).
 */
export function stackState(states: readonly BackendState[]): BackendState {
  if (states.length === 0) return 'stopped';
  if (states.includes('crashed')) return 'crashed';
  if (states.every((s) => s === 'running')) return 'running';
  if (states.every((s) => s === 'stopped')) return 'stopped';
  return states.find((s) => s !== 'running' && s !== 'stopped') ?? 'starting';
}
