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
 * A sender check that accepts only the main frame of `webContents` while it shows a page
 * under `allowedUrlPrefix` (the packaged renderer's file URL or the dev server's URL).
 */
export function mainFrameOf(getWebContentsId: () => number | undefined, allowedUrlPrefix: string): SenderCheck {
  return (event) => {
    const frame = event.senderFrame;
    if (!frame || event.sender.id !== getWebContentsId()) return false;
    if (frame.parent !== null) return false;
    return frame.url.startsWith(allowedUrlPrefix);
  };
}
