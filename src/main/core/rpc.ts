import { z } from 'zod';
import {
  channels,
  isChannel,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type RpcEnvelope,
} from '../../shared/contract';
import type { Actor } from '../../shared/states';
import { SupervisorError } from './errors';
import type { IncidentStore } from './incident-store';
import type { LogStore } from './log-store';
import type { Supervisor } from './supervisor';

/** A handler per channel; `actor` says who called (user-ui for the dashboard, tray, …). */
export type RpcHandlers = {
  [C in Channel]: (actor: Actor, ...args: ChannelArgs<C>) => Promise<ChannelResult<C>>;
};

/** The objects the handlers act on. */
export interface RpcDeps {
  supervisor: Supervisor;
  logs: LogStore;
  incidents: IncidentStore;
}

/** Builds the handler table for every channel of the contract. */
export function createRpcHandlers({ supervisor, logs, incidents }: RpcDeps): RpcHandlers {
  return {
    'backend:status': async () => supervisor.status(),
    'backend:start': (actor) => supervisor.start(actor),
    'backend:stop': (actor) => supervisor.stop(actor),
    'backend:restart': (actor) => supervisor.restart(actor),
    'logs:tail': async (_actor, options) => logs.tail(options?.limit),
    'incidents:list': async () => incidents.list(),
  };
}

/** HTTP status for an RPC error code (used by the HTTP transport). */
export function httpStatusOf(code: string): number {
  switch (code) {
    case 'BAD_ARGUMENTS':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'UNKNOWN_CHANNEL':
      return 404;
    case 'REMOTE_MODE':
    case 'DISPOSED':
      return 409;
    default:
      return 500;
  }
}

/** Formats zod issues as `args[0].limit: Too big…` for the caller. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `args${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`)
    .join('; ');
}

/**
 * Runs one call from an untrusted caller: checks the channel name, parses the arguments
 * with the channel's zod tuple before the handler runs, and answers an envelope; never throws.
 * Errors: UNKNOWN_CHANNEL, BAD_ARGUMENTS, a SupervisorError's code, or INTERNAL.
 */
export async function dispatchRpc(
  handlers: RpcHandlers,
  channel: string,
  rawArgs: unknown,
  actor: Actor,
): Promise<RpcEnvelope<unknown>> {
  if (!isChannel(channel)) {
    return { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel: ${channel.slice(0, 100)}` } };
  }
  const parsed = channels[channel].args.safeParse(rawArgs);
  if (!parsed.success) {
    return {
      ok: false,
      error: { code: 'BAD_ARGUMENTS', message: `bad arguments for ${channel}: ${describeIssues(parsed.error)}` },
    };
  }
  try {
    const handler = handlers[channel] as (actor: Actor, ...args: unknown[]) => Promise<unknown>;
    const data = await handler(actor, ...(parsed.data as unknown[]));
    return { ok: true, data };
  } catch (err) {
    if (err instanceof SupervisorError) return { ok: false, error: { code: err.code, message: err.message } };
    return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
  }
}
