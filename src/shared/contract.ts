import { z } from 'zod';
import { IncidentSchema } from './incident';
import { BackendStatusSchema, CommandResultSchema, LogLineSchema, StateChangeEventSchema } from './status';

/**
 * The one contract between the renderer and the main process. Channel names are
 * `domain:verb`; each has a zod tuple of arguments and a result schema. The Electron IPC
 * bridge and the headless HTTP RPC route (`POST /api/v1/rpc/<channel>`, body
 * `{"args": [...]}`) are both generated from this table, so a feature is written once.
 */
export const channels = {
  'backend:status': { args: z.tuple([]), result: BackendStatusSchema },
  'backend:start': { args: z.tuple([]), result: CommandResultSchema },
  'backend:stop': { args: z.tuple([]), result: CommandResultSchema },
  'backend:restart': { args: z.tuple([]), result: CommandResultSchema },
  /** The last `limit` lines of the log ring buffer (default: all it holds), oldest first. */
  'logs:tail': {
    args: z.tuple([z.strictObject({ limit: z.number().int().min(1).max(100_000).optional() }).optional()]),
    result: z.array(LogLineSchema),
  },
  /** Recorded incidents, newest first (at most the last 200, kept on disk across restarts). */
  'incidents:list': { args: z.tuple([]), result: z.array(IncidentSchema) },
} as const;

/** Every channel name. */
export type Channel = keyof typeof channels;
/** The argument tuple of a channel. */
export type ChannelArgs<C extends Channel> = z.infer<(typeof channels)[C]['args']>;
/** The result of a channel. */
export type ChannelResult<C extends Channel> = z.infer<(typeof channels)[C]['result']>;

/** True when `name` is a known channel (guards untrusted input such as a URL segment). */
export function isChannel(name: string): name is Channel {
  return Object.prototype.hasOwnProperty.call(channels, name);
}

/**
 * Events pushed from the main process to the renderer (IPC `webContents.send` in the
 * desktop, server-sent events at `GET /api/v1/events` in headless).
 */
export const events = {
  'backend:state': StateChangeEventSchema,
  'backend:log': LogLineSchema,
  'backend:incident': IncidentSchema,
} as const;

/** Every event name. */
export type EventName = keyof typeof events;
/** The payload of an event. */
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/** Error codes carried across IPC/RPC. */
export const ERROR_CODES = [
  'BAD_ARGUMENTS',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN',
  'UNAUTHORIZED',
  'BACKEND_ERROR',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A serialisable error: Electron keeps only `message` of a thrown Error, so errors travel as data. */
export const RpcErrorSchema = z.object({ code: z.string(), message: z.string() });
export type RpcError = z.infer<typeof RpcErrorSchema>;

/** The envelope every IPC/RPC call answers with. */
export type RpcEnvelope<T> = { ok: true; data: T } | { ok: false; error: RpcError };

/**
 * The API the renderer sees (`window.api` in Electron, an HTTP client in a browser).
 * `invoke` resolves with the channel's result or rejects with an {@link ApiError};
 * `on` subscribes to an event and returns the unsubscribe function.
 */
export interface SupervisorApi {
  invoke<C extends Channel>(channel: C, ...args: ChannelArgs<C>): Promise<ChannelResult<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The raw bridge the preload exposes: calls answer with envelopes, never throw across IPC. */
export interface PreloadBridge {
  invoke(channel: string, args: unknown[]): Promise<RpcEnvelope<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** An error that crossed IPC/RPC, with the main process's code. */
export class ApiError extends Error {
  readonly code: string;
  constructor(error: RpcError) {
    super(error.message);
    this.name = 'ApiError';
    this.code = error.code;
  }
}
