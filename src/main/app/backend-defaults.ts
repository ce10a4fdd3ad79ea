import { accessSync, constants, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import type { ConfigDefaults } from '../core/config';
import { ConfigError } from '../core/errors';
import { bundledBackendDefaults } from '../core/runtime';

/** The site backend's manifest: `site-backend/backend.json` in the app's resources. */
export const SITE_MANIFEST = 'backend.json';

const SiteManifestSchema = z.strictObject({
  /** The executable, relative to the site-backend folder. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Extra environment for it. */
  env: z.record(z.string(), z.string()).default({}),
});

/** Where the desktop app runs from. */
export interface AppLocation {
  /** `app.isPackaged`. */
  isPackaged: boolean;
  /** `process.resourcesPath` of the packaged app. */
  resourcesPath: string;
  /** The build's out/ folder (development: `electron .` in a checkout). */
  outDir: string;
  platform?: NodeJS.Platform;
}

/**
 * The backend the desktop app runs when neither GO_BACKEND_BINARY nor BACKEND_COMMAND is
 * set. Packaged: the site backend if `<resources>/site-backend/backend.json` names one,
 * else the reference backend at `<resources>/reference-backend/server.js`, run by the app's
 * own executable as Node (`ELECTRON_RUN_AS_NODE=1`; its npm packages travel beside it in
 * `reference-backend/node_modules`). In a checkout: the reference backend in out/.
 * @throws ConfigError when a site manifest exists but is invalid or names no executable.
 */
export function desktopBackendDefaults(where: AppLocation): ConfigDefaults {
  if (!where.isPackaged) return bundledBackendDefaults(where.outDir);
  const site = siteBackendDefaults(join(where.resourcesPath, 'site-backend'), where.platform ?? process.platform);
  if (site) return site;
  const reference = bundledBackendDefaults(where.resourcesPath);
  return {
    ...reference,
    env: (config) => ({ ...reference.env?.(config), ELECTRON_RUN_AS_NODE: '1' }),
  };
}

/** Defaults for the site backend of `folder`, or null when the folder has no manifest. */
export function siteBackendDefaults(
  folder: string,
  platform: NodeJS.Platform = process.platform,
): ConfigDefaults | null {
  const manifestPath = join(folder, SITE_MANIFEST);
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`cannot read the site backend manifest ${manifestPath}: ${(err as Error).message}`);
  }
  let manifest: z.infer<typeof SiteManifestSchema>;
  try {
    manifest = SiteManifestSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new ConfigError(`the site backend manifest ${manifestPath} is invalid: ${(err as Error).message}`);
  }
  const command = resolve(folder, manifest.command);
  const inside = relative(folder, command);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ConfigError(
      `the site backend manifest ${manifestPath} names a command outside its folder: ${manifest.command}`,
    );
  }
  try {
    accessSync(command, platform === 'win32' ? constants.F_OK : constants.X_OK);
  } catch {
    throw new ConfigError(`the site backend ${command} (named in ${manifestPath}) is missing or not executable`);
  }
  return { command, args: manifest.args, workingDir: folder, env: () => ({ ...manifest.env }) };
}
