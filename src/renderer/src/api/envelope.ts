import { z } from 'zod';
import {
  ApiError,
  channels,
  events,
  RpcErrorSchema,
  type Channel,
  type ChannelResult,
  type EventName,
  type EventPayload,
} from '../../../shared/contract';
import type { ErrorCode } from '../../../shared/error-codes';
import { DetailedApiError } from './errors';

/**
 * The codes the renderer raises itself (all in src/shared/error-codes.ts): an answer that is
 * not an envelope or does not match the channel's result schema, a server that cannot be
 * reached, and a missing or refused control token (the server's own UNAUTHORIZED).
 */
export const CLIENT_ERROR_CODES = {
  badResponse: 'BAD_RESPONSE',
  network: 'NETWORK',
  unauthorized: 'UNAUTHORIZED',
} as const satisfies Record<string, ErrorCode>;

const EnvelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: RpcErrorSchema }),
]);

/**
 * Unwraps an `RpcEnvelope` answered on `channel`: returns the data checked against the
 * channel's zod result schema, or throws an `ApiError` (the server's error, or
 * `BAD_RESPONSE` when the answer is not what the contract says).
 */
export function unwrapEnvelope<C extends Channel>(channel: C, raw: unknown): ChannelResult<C> {
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) {
    throw new ApiError({
      code: CLIENT_ERROR_CODES.badResponse,
      message: `Malformed answer to ${channel}: not an {ok, data|error} envelope`,
    });
  }
  // Keeps `status`, `backend_code` and `field` of backend client errors (see DetailedApiError).
  if (!envelope.data.ok) throw new DetailedApiError(envelope.data.error);
  const result = channels[channel].result.safeParse(envelope.data.data);
  if (!result.success) {
    throw new ApiError({
      code: CLIENT_ERROR_CODES.badResponse,
      message: `Unexpected answer to ${channel}: ${z.prettifyError(result.error)}`,
    });
  }
  return result.data as ChannelResult<C>;
}

/**
 * Checks an event payload against the contract; returns it typed, or `undefined` (and
 * warns once per call) so one malformed event never breaks the stream.
 */
export function parseEventPayload<E extends EventName>(event: E, raw: unknown): EventPayload<E> | undefined {
  const result = events[event].safeParse(raw);
  if (result.success) return result.data as EventPayload<E>;
  console.warn(`Dropped a malformed ${event} event: ${z.prettifyError(result.error)}`);
  return undefined;
}

/** True for a known event name (guards names read off the wire). */
export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(events, name);
}

/** The message of anything thrown, for display. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
