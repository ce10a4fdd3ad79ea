import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { BackendState } from '../../shared/states';
import type { Supervisor } from '../core/supervisor';
import { trayMenuTemplate, type TrayActions } from './tray-menu';

/** The tray icon file for a state: running, starting/unhealthy (amber), stopped, crashed. */
export function trayIconName(state: BackendState): 'running' | 'starting' | 'stopped' | 'crashed' {
  switch (state) {
    case 'running':
      return 'running';
    case 'crashed':
      return 'crashed';
    case 'stopped':
      return 'stopped';
    default:
      return 'starting';
  }
}

/**
 * Creates the tray icon and keeps its icon, tooltip and menu in step with the
 * supervisor's state. Returns null where the platform offers no tray.
 */
export function createTray(resourcesDir: string, supervisor: Supervisor, actions: TrayActions): Tray | null {
  let tray: Tray;
  try {
    tray = new Tray(nativeImage.createFromPath(join(resourcesDir, 'tray', 'stopped.png')));
  } catch {
    return null;
  }
  const refresh = (): void => {
    const { status, pid } = supervisor.status();
    tray.setImage(nativeImage.createFromPath(join(resourcesDir, 'tray', `${trayIconName(status)}.png`)));
    tray.setToolTip(`Backend Supervisor: ${status}`);
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(status, pid, actions)));
  };
  supervisor.on('state', refresh);
  tray.on('click', actions.open);
  refresh();
  return tray;
}
