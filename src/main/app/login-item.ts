import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'electron';

/** What {@link applyStartAtLogin} needs; injectable for tests. */
export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The executable to start (Electron's `process.execPath`). */
  execPath: string;
}

/** The XDG autostart entry's path: `$XDG_CONFIG_HOME/autostart/backend-supervisor.desktop`. */
export function autostartFile(env: Record<string, string | undefined>): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'autostart', 'backend-supervisor.desktop');
}

/** Quotes one argument of a desktop entry's `Exec` key (freedesktop Desktop Entry spec). */
function execArgument(arg: string): string {
  if (!/[\s"`$\\'<>~|&;*?#()]/.test(arg)) return arg;
  return `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Registers (or unregisters) the app to start at login. macOS and Windows: Electron's
 * `app.setLoginItemSettings`. Linux, where Electron has no such call: an XDG autostart
 * entry, which starts the AppImage file itself when running from one (`$APPIMAGE`; the
 * executable inside changes mount point on each run).
 * @returns where the registration lives, for the log.
 */
export function applyStartAtLogin(enabled: boolean, deps: LoginItemDeps): string {
  if (deps.platform !== 'linux') {
    deps.app.setLoginItemSettings({ openAtLogin: enabled });
    return deps.platform === 'darwin' ? 'macOS login items' : 'Windows startup apps';
  }
  const file = autostartFile(deps.env);
  if (!enabled) {
    rmSync(file, { force: true });
    return file;
  }
  const executable = deps.env.APPIMAGE || deps.execPath;
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(
    file,
    [
      '[Desktop Entry]',
      'Type=Application',
      'Name=Backend Supervisor',
      'Comment=Run and watch one backend service',
      `Exec=${execArgument(executable)}`,
      'Terminal=false',
      'X-GNOME-Autostart-enabled=true',
      '',
    ].join('\n'),
  );
  return file;
}
