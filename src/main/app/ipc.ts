import { ipcMain, type IpcMain, type IpcMainInvokeEvent } from 'electron';
import { channels, type Channel, type RpcEnvelope } from '../../shared/contract';
import { dispatchRpc, type RpcHandlers } from '../core/rpc';

/** Decides whether an IPC message comes from our own window's main frame. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * The one place IPC channels are registered. For each channel of the contract: the sender
 * frame is checked first (a foreign frame gets FORBIDDEN and the handler never runs), then
 * the arguments are parsed with the channel's zod schema, then the handler runs; the
 * answer is always an envelope `{ok, data} | {ok: false, error: {code, message}}`, because
 * Electron keeps only the message of a thrown error.
 * @returns a function that removes every handler.
 */
export function registerIpc(
  handlers: RpcHandlers,
  isTrusted: SenderCheck,
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'> = ipcMain,
): () => void {
  const names = Object.keys(channels) as Channel[];
  for (const channel of names) {
    ipc.handle(channel, async (event, args: unknown): Promise<RpcEnvelope<unknown>> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'FORBIDDEN', message: `IPC from an untrusted frame refused: ${channel}` } };
      }
      return dispatchRpc(handlers, channel, args, 'user-ui');
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
