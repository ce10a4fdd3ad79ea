import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import { STATE_KEYS } from '../../shared/locales/labels';
import { createTranslator, type Translate } from '../../shared/locales/translate';
import type { BackendState } from '../../shared/states';
import { stackState, stackTrayMenuTemplate, type TrayActions, type TrayService } from './tray-menu';

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

/** What the tray follows: the stack's services (`Stack.list()`, file order) and its state changes. */
export interface TraySource {
  list(): readonly TrayService[];
  on(event: 'state', listener: () => void): unknown;
}

/** Tells the tray that its translator speaks another language now (UiLanguage, ui-language.ts). */
export interface LanguageChanges {
  onChange(listener: () => void): void;
}

/**
 * Creates the tray icon and keeps its icon, tooltip and menu in step with the stack's
 * states (one line per service when there are several), in the language of `t` (English by
 * default); after each of `languages`' changes the tooltip and menu are built again in it.
 * Returns null where the platform offers no tray.
 */
export function createTray(
  resourcesDir: string,
  source: TraySource,
  actions: TrayActions,
  t: Translate = createTranslator('en'),
  languages?: LanguageChanges,
): Tray | null {
  let tray: Tray;
  try {
    tray = new Tray(nativeImage.createFromPath(join(resourcesDir, 'tray', 'stopped.png')));
  } catch {
    return null;
  }
  const refresh = (): void => {
    const services = source.list();
    const state = stackState(services.map((s) => s.status));
    tray.setImage(nativeImage.createFromPath(join(resourcesDir, 'tray', `${trayIconName(state)}.png`)));
    const running = services.filter((s) => s.status === 'running').length;
    tray.setToolTip(
      services.length === 1
        ? t('tray.tooltip', { state: t(STATE_KEYS[state]) })
        : t('tray.tooltip.stack', { running, total: services.length }),
    );
    tray.setContextMenu(Menu.buildFromTemplate(stackTrayMenuTemplate(services, actions, t)));
  };
  source.on('state', refresh);
  languages?.onChange(refresh);
  tray.on('click', actions.open);
  refresh();
  return tray;
}
