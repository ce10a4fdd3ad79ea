import {
  ApiError,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type EventName,
  type EventPayload,
  type PreloadBridge,
} from '../../../shared/contract';
import { errorMessage, parseEventPayload, unwrapEnvelope } from './envelope';
import type { SupervisorClient } from './types';

/**
 * The client inside the Electron window: calls go through the preload bridge, whose
 * answers are `RpcEnvelope`s (errors travel as data because Electron keeps only the
 * message of a thrown Error). Results and event payloads are checked against the contract.
 */
export function createIpcClient(bridge: PreloadBridge): SupervisorClient {
  return {
    transport: 'ipc',
    async invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>> {
      let raw: unknown;
      try {
        raw = await bridge.invoke(channel, args);
      } catch (error) {
        // The bridge should never throw; if it does, keep the ApiError promise of invoke.
        throw new ApiError({ code: 'INTERNAL', message: `IPC call ${channel} failed: ${errorMessage(error)}` });
      }
      return unwrapEnvelope(channel, raw);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      try {
        return bridge.on(event, (raw) => {
          const payload = parseEventPayload(event, raw);
          if (payload !== undefined) listener(payload);
        });
      } catch (error) {
        // A preload older than the contract refuses a newer event: that feature goes
        // without live updates (its queries still work) instead of the page failing.
        console.warn(`Cannot subscribe to ${event}: ${errorMessage(error)}`);
        return () => {};
      }
    },
    getState: () => 'ipc',
    subscribe: () => () => {},
    submitToken: async () => {},
    dispose: () => {},
  };
}
