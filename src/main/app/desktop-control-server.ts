import type { SupervisorConfig } from '../../shared/config';
import type { SupervisorRuntime } from '../core/runtime';
import { createControlServer } from '../server/control-server';
import { READ_TOKEN_FILE, loadOrCreateToken } from '../server/token';

/** A running desktop control server. */
export interface DesktopControlServer {
  /** The dashboard's URL, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** Where the control token is stored (null when it comes from CONTROL_TOKEN). */
  tokenPath: string | null;
  /** Stops listening (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts the control server in the desktop app (`DESKTOP_CONTROL_SERVER=true`; off by
 * default): the same REST API, RPC, event stream, `/metrics` and dashboard as the headless
 * entry, with the same tokens (stored 0600 in the data folder, or from `CONTROL_TOKEN` /
 * `CONTROL_READ_TOKEN`) and the same bind rules (loopback unless `CONTROL_ALLOW_REMOTE`).
 * @throws the listen error (e.g. EADDRINUSE) after closing what was opened.
 */
export async function startDesktopControlServer(
  runtime: Pick<SupervisorRuntime, 'stack' | 'handlers' | 'metrics'>,
  config: Pick<SupervisorConfig, 'dataDir' | 'controlHost' | 'controlPort' | 'controlToken' | 'controlReadToken'>,
  staticDir: string,
): Promise<DesktopControlServer> {
  const token = loadOrCreateToken(config.dataDir, config.controlToken);
  const readToken = loadOrCreateToken(config.dataDir, config.controlReadToken, READ_TOKEN_FILE);
  const server = createControlServer({
    stack: runtime.stack,
    handlers: runtime.handlers,
    metrics: runtime.metrics,
    token: token.token,
    readToken: readToken.token,
    staticDir,
  });
  let address: string;
  try {
    address = await server.listen({ host: config.controlHost, port: config.controlPort });
  } catch (err) {
    await server.close();
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    url: `${address.replace('://0.0.0.0', '://127.0.0.1')}/`,
    tokenPath: token.path,
    close: () => (closing ??= server.close().then(() => undefined)),
  };
}
