/**
 * Where the client finds the supervisor and the token it sends: flags first, then the
 * environment, then the files serve keeps in its data folder (the same folder serve would
 * use: `--data-dir`, `SUPERVISOR_DATA_DIR`, the platform's data folder).
 */
import { join } from 'node:path';
import { parseWholeNumber, SupervisorConfigSchema } from '../../shared/config';
import { readSettingsFile } from '../core/settings/settings-file-store';
import { settingsDataDir, settingsFileIn } from '../core/settings/settings-location';
import { READ_TOKEN_FILE, TOKEN_FILE } from '../server/token';
import { readControlUrl, CONTROL_URL_FILE, UntrustedControlUrlError } from './control-url-file';
import { CommandFailedError, UnreachableError, UsageError, type CliMessage } from './errors';
import { readSmallFile, SmallFileError } from '../core/small-file';

type Env = Record<string, string | undefined>;

/** The client's own environment variables (serve's SUPERVISOR_DATA_DIR and CONTROL_* are read too). */
export const CLIENT_ENV = { url: 'BACKEND_SUPERVISOR_URL', tokenFile: 'BACKEND_SUPERVISOR_TOKEN_FILE' } as const;

/** What the command line said about the connection. */
export interface ConnectionFlags {
  url?: string;
  tokenFile?: string;
  dataDir?: string;
}

/** A supervisor to talk to: its control server's base URL and a bearer token. */
export interface Target {
  /** Base URL without a trailing slash (`http://127.0.0.1:8000`). */
  url: string;
  /** Where the URL came from, for messages (`--url`, a file, `CONTROL_PORT`, `the default`). */
  urlSource: string;
  token: string;
  /** Where the token came from (a file, or `CONTROL_TOKEN`). */
  tokenSource: string;
  /** True when it is the read-only token (control commands will be refused). */
  readOnly: boolean;
}

/** {@link Target.urlSource} when serve's settings name no address: the default one. */
export const DEFAULT_ADDRESS = 'the default address';

/** Where a URL came from, for a message: a flag, a variable, a file as they are; the default in words. */
export function sourceText(source: string): CliMessage {
  return source === DEFAULT_ADDRESS ? { key: 'cli.error.defaultAddress' } : source;
}

/** Why a small file was refused, as a message. */
function smallFileText(err: SmallFileError): CliMessage {
  return err.reason === 'too-large'
    ? { key: 'cli.file.tooLarge', values: { path: err.path, bytes: err.maxBytes } }
    : { key: 'cli.file.notRegular', values: { path: err.path } };
}

/** The URL as a base to append `/api/...` to. @throws UsageError when it is not an http(s) URL. */
function baseUrl(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UsageError({ key: 'cli.usage.notUrl', values: { source: sourceText(source), raw } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError({ key: 'cli.usage.notHttp', values: { source: sourceText(source), raw } });
  }
  url.search = '';
  url.hash = '';
  return url.href.replace(/\/+$/, '');
}

/** The control server's URL: `--url`, BACKEND_SUPERVISOR_URL, `<dataDir>/control-url`, then serve's own settings. */
function locateUrl(flags: ConnectionFlags, env: Env, dataDir: string): { url: string; source: string } {
  if (flags.url) return { url: baseUrl(flags.url, '--url'), source: '--url' };
  const fromEnv = env[CLIENT_ENV.url];
  if (fromEnv) return { url: baseUrl(fromEnv, CLIENT_ENV.url), source: CLIENT_ENV.url };
  const file = join(dataDir, CONTROL_URL_FILE);
  let written: string | null = null;
  try {
    written = readControlUrl(dataDir);
  } catch (err) {
    // Not passed over: the address would then be another one, with this folder's token.
    if (err instanceof SmallFileError)
      throw new CommandFailedError({ key: 'cli.error.controlUrl', values: { why: smallFileText(err) } });
    if (err instanceof UntrustedControlUrlError)
      throw new CommandFailedError({
        key: 'cli.error.controlUrl',
        values: { why: { key: 'cli.file.untrusted', values: { path: err.path } } },
      });
    // An unreadable data folder: the token read below says so, naming the file.
  }
  if (written) return { url: baseUrl(written, file), source: file };
  // No serve has listened with this data folder yet, or one older than the file: where serve
  // would listen (environment > settings file > default), as loadConfig orders the layers.
  let settings: { controlHost?: string; controlPort?: number } = {};
  try {
    settings = readSettingsFile(settingsFileIn(dataDir));
  } catch {
    // A corrupt settings file stops serve, not the client: the defaults then.
  }
  const host = env.CONTROL_HOST || settings.controlHost || SupervisorConfigSchema.shape.controlHost.parse(undefined);
  const envPort = env.CONTROL_PORT ? parseWholeNumber(env.CONTROL_PORT) : null;
  if (env.CONTROL_PORT && envPort === null)
    throw new UsageError({ key: 'cli.usage.port', values: { value: env.CONTROL_PORT } });
  const port = envPort ?? settings.controlPort ?? SupervisorConfigSchema.shape.controlPort.parse(undefined);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const source = env.CONTROL_PORT || env.CONTROL_HOST ? 'CONTROL_HOST/CONTROL_PORT' : DEFAULT_ADDRESS;
  return { url: baseUrl(`http://${shownHost}:${port}`, source), source };
}

/** Longest token file read, bytes (serve's tokens are 43 characters). */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/**
 * The token in a file, or null when there is no such file. `named`: the user named it
 * (a pipe is read too, `--token-file <(…)`); else it must be a regular file.
 * @throws CommandFailedError when it cannot be read, is not a file or is too long.
 */
function tokenIn(path: string, named = false): string | null {
  let text: string;
  try {
    text = readSmallFile(path, { maxBytes: MAX_TOKEN_FILE_BYTES, pipes: named });
  } catch (err) {
    if (err instanceof SmallFileError)
      throw new CommandFailedError({ key: 'cli.error.tokenFile', values: { why: smallFileText(err) } });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'EACCES' || code === 'EPERM') {
      throw new CommandFailedError({ key: 'cli.error.tokenDenied', values: { path } });
    }
    throw new CommandFailedError({ key: 'cli.error.tokenUnreadable', values: { path, why: (err as Error).message } });
  }
  const token = text.trim();
  if (token === '') throw new CommandFailedError({ key: 'cli.error.tokenEmpty', values: { path } });
  return token;
}

/**
 * Finds the supervisor: the URL (see {@link locateUrl}) and a token: `--token-file` or
 * BACKEND_SUPERVISOR_TOKEN_FILE, else CONTROL_TOKEN, else `<dataDir>/control-token`; for a
 * command that only reads, else CONTROL_READ_TOKEN or `<dataDir>/control-read-token`.
 * @throws UsageError for a bad URL or a named token file that does not exist;
 * CommandFailedError for a token file that cannot be read; UnreachableError when the data
 * folder has no token (no supervisor ever served from it).
 */
export function locate(flags: ConnectionFlags, env: Env, readOnly: boolean): Target {
  const dataDir = settingsDataDir(env, flags.dataDir ? { dataDir: flags.dataDir } : {});
  const { url, source: urlSource } = locateUrl(flags, env, dataDir);
  const at = (token: string, tokenSource: string, isRead = false): Target => ({
    url,
    urlSource,
    token,
    tokenSource,
    readOnly: isRead,
  });
  const named = flags.tokenFile ?? env[CLIENT_ENV.tokenFile];
  if (named) {
    const token = tokenIn(named, true);
    if (token === null) throw new UsageError({ key: 'cli.usage.noTokenFile', values: { path: named } });
    return at(token, named);
  }
  if (env.CONTROL_TOKEN) return at(env.CONTROL_TOKEN, 'CONTROL_TOKEN');
  const controlFile = join(dataDir, TOKEN_FILE);
  let unreadable: CommandFailedError | null = null;
  try {
    const token = tokenIn(controlFile);
    if (token !== null) return at(token, controlFile);
  } catch (err) {
    // A reader that may not read the control token may still read the read-only one.
    if (!readOnly || !(err instanceof CommandFailedError)) throw err;
    unreadable = err;
  }
  if (readOnly) {
    if (env.CONTROL_READ_TOKEN) return at(env.CONTROL_READ_TOKEN, 'CONTROL_READ_TOKEN', true);
    const readFile = join(dataDir, READ_TOKEN_FILE);
    const token = tokenIn(readFile);
    if (token !== null) return at(token, readFile, true);
    if (unreadable) throw unreadable;
  }
  throw new UnreachableError({ key: 'cli.error.noSupervisor', values: { dir: dataDir, file: TOKEN_FILE } });
}
