import { ipcMain, type IpcMain, type IpcMainInvokeEvent } from 'electron';
import { channels, type Channel, type RpcEnvelope } from '../../shared/contract';
import { dispatchRpc, type RpcHandlers } from '../core/rpc';

/** Decides whether an IPC message comes from our own window's main frame. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Calls of one channel that may be under way at once (from the trusted window; the sender is
 * checked first). More are answered TOO_MANY_CALLS at once and never run: a flood of
 * `backend:restart` invokes queued one restart each, without end (40 took 19 s, thousands
 * would restart the backend for a quarter of an hour).
 */
export const IPC_CALLS_IN_FLIGHT_PER_CHANNEL = 16;

/**
 * The one place IPC channels are registered. For each channel of the contract: the sender
 * frame is checked first (a foreign frame gets FORBIDDEN and the handler never runs), then
 * the calls of that channel under way are counted (over `maxInFlight`: TOO_MANY_CALLS), then
 * the arguments are parsed with the channel's zod schema, then the handler runs; the
 * answer is always an envelope `{ok, data} | {ok: false, error: {code, message}}`, because
 * Electron keeps only the message of a thrown error.
 * @returns a function that removes every handler.
 */
export function registerIpc(
  handlers: RpcHandlers,
  isTrusted: SenderCheck,
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'> = ipcMain,
  maxInFlight = IPC_CALLS_IN_FLIGHT_PER_CHANNEL,
): () => void {
  const names = Object.keys(channels) as Channel[];
  const inFlight = new Map<Channel, number>();
  for (const channel of names) {
    ipc.handle(channel, async (event, args: unknown): Promise<RpcEnvelope<unknown>> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `IPC from an untrusted frame refused: ${channel}` } };
      }
      const running = inFlight.get(channel) ?? 0;
      if (running >= maxInFlight) {
        return {
          ok: false,
          error: {
            code: 'TOO_MANY_CALLS',
            message: `${maxInFlight} calls of ${channel} are under way: try again once they are answered`,
          },
        };
      }
      inFlight.set(channel, running + 1);
      try {
        return await dispatchRpc(handlers, channel, args, 'user-ui');
      } finally {
        inFlight.set(channel, (inFlight.get(channel) ?? 1) - 1);
      }
    });
  }
  return () => names.forEach((channel) => ipc.removeHandler(channel));
}

/**
 * A sender check that accepts only the main frame of `webContents` while it shows the renderer
 * at `rendererUrl`: for the packaged renderer's file URL, that very file (any query or hash);
 * for the dev server's URL, a page of its origin. A prefix test would also trust
 * `http://localhost:51730` and `http://localhost:5173.evil.example` for `http://localhost:5173`.
 * A `rendererUrl` that does not parse trusts nothing.
 */
export function mainFrameOf(getWebContentsId: () => number | undefined, rendererUrl: string): SenderCheck {
  const allowed = URL.canParse(rendererUrl) ? new URL(rendererUrl) : null;
  return (event) => {
    const frame = event.senderFrame;
    if (!frame || event.sender.id !== getWebContentsId()) return false;
    if (frame.parent !== null) return false;
    return allowed !== null && showsRenderer(frame.url, allowed);
  };
}

/** Whether `url` is the renderer at `allowed` (see {@link mainFrameOf}); false for what does not parse. */
function showsRenderer(url: string, allowed: URL): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (allowed.protocol === 'file:') {
    return parsed.protocol === 'file:' && parsed.host === allowed.host && parsed.pathname === allowed.pathname;
  }
  return parsed.origin === allowed.origin;
}
