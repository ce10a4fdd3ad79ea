import type { MenuItemConstructorOptions } from 'electron';
import type { BackendState } from '../../shared/states';

/** What the tray menu's items do. */
export interface TrayActions {
  start(): void;
  stop(): void;
  restart(): void;
  open(): void;
  quit(): void;
}

/**
 * The tray menu for a state: a status line, then Start / Stop / Restart (enabled only where
 * they make sense), Open, Quit. Pure, so it is tested without Electron.
 */
export function trayMenuTemplate(
  state: BackendState,
  pid: number | null,
  actions: TrayActions,
): MenuItemConstructorOptions[] {
  const live = state === 'running' || state === 'unhealthy' || state === 'starting';
  return [
    { label: `Backend: ${state}${pid ? ` (pid ${pid})` : ''}`, enabled: false },
    { type: 'separator' },
    { label: 'Start', enabled: !live && state !== 'stopping', click: actions.start },
    { label: 'Stop', enabled: state !== 'stopped' && state !== 'crashed', click: actions.stop },
    { label: 'Restart', enabled: state !== 'stopping', click: actions.restart },
    { type: 'separator' },
    { label: 'Open dashboard', click: actions.open },
    { label: 'Quit', click: actions.quit },
  ];
}
