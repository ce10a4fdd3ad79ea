import { ConfigError, type ConfigIssue } from '../core/errors';

/**
 * Desktop-only switches, read from the environment (the Settings page may surface them
 * later). Booleans accept true/false, 1/0, yes/no, on/off.
 */
export interface DesktopFlags {
  /** `DESKTOP_CONTROL_SERVER`: also serve the control API and the dashboard over HTTP (as headless does). Default false. */
  controlServer: boolean;
  /**
   * `START_AT_LOGIN`: register (true) or unregister (false) the app as a login item;
   * undefined (unset) leaves the current registration alone.
   */
  startAtLogin: boolean | undefined;
  /** `DESKTOP_TRAY`: show a tray icon. Default true; false for desktops without a tray area (closing then quits). */
  tray: boolean;
}

function readBoolean(
  env: Record<string, string | undefined>,
  name: string,
  problems: ConfigIssue[],
): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  problems.push({ source: name, message: `${name}=${JSON.stringify(raw)} is not a boolean (use true or false)` });
  return undefined;
}

/**
 * Reads the desktop flags.
 * @throws ConfigError naming every variable with a bad value.
 */
export function readDesktopFlags(env: Record<string, string | undefined>): DesktopFlags {
  const problems: ConfigIssue[] = [];
  const flags: DesktopFlags = {
    controlServer: readBoolean(env, 'DESKTOP_CONTROL_SERVER', problems) ?? false,
    startAtLogin: readBoolean(env, 'START_AT_LOGIN', problems),
    tray: readBoolean(env, 'DESKTOP_TRAY', problems) ?? true,
  };
  if (problems.length > 0) throw ConfigError.invalid(problems);
  return flags;
}
