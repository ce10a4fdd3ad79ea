import { z } from 'zod';
import {
  channels,
  isChannel,
  type Channel,
  type ChannelArgs,
  type ChannelResult,
  type RpcEnvelope,
  type RpcError,
} from '../../shared/contract';
import { ERROR_CODES, isErrorCode } from '../../shared/error-codes';
import type { ReloadOptions, ReloadResult } from '../../shared/reload';
import type { Actor } from '../../shared/states';
import { BackendClientError, HttpError, ValidationError } from '../client/errors';
import type { BackendClient } from '../client/backend-client';
import { filterProductsByIngredient, findProductsByName } from '../client/product-helpers';
import { SupervisorError } from './errors';
import type { IncidentStore } from './incident-store';
import type { MetricsHistory } from './metrics-history';
import { SettingsError } from './settings/settings-errors';
import type { SettingsService } from './settings/settings-service';
import type { Stack } from './stack/stack';
import type { StackFileEditor } from './stack/stack-file-editor';

/** A handler per channel; `actor` says who called (user-ui for the dashboard, tray, …). */
export type RpcHandlers = {
  [C in Channel]: (actor: Actor, ...args: ChannelArgs<C>) => Promise<ChannelResult<C>>;
};

/** The objects the handlers act on. */
export interface RpcDeps {
  /** The services; a channel's `{service}` picks one (the primary when left out). */
  stack: Stack;
  incidents: IncidentStore;
  /** The backend's REST client, built on the first admin call (nothing at idle needs it). */
  client: () => Promise<BackendClient>;
  history: MetricsHistory;
  /** The settings channels; absent where the entry keeps no settings file (they answer SETTINGS_UNAVAILABLE). */
  settings?: SettingsService;
  /**
   * The stack file editor (the Settings page's services), built on first use (it brings the
   * YAML parser); absent: `stack:*File` answer SETTINGS_UNAVAILABLE.
   */
  stackFile?: () => Promise<StackFileEditor>;
  /** The OS file picker (desktop only); absent headless, where `dialog:pickFile` answers NOT_AVAILABLE. */
  pickFile?: (title?: string) => Promise<string | null>;
  /** A reload of the settings and the stack file (StackReloader.reload); absent: `config:reload` answers SETTINGS_UNAVAILABLE. */
  reload?: (options: ReloadOptions, actor: Actor) => Promise<ReloadResult>;
}

/** Builds the handler table for every channel of the contract. */
export function createRpcHandlers({
  stack,
  incidents,
  client,
  history,
  settings,
  stackFile,
  pickFile,
  reload,
}: RpcDeps): RpcHandlers {
  const stackFileEditor = (): Promise<StackFileEditor> => {
    if (!stackFile) throw new SettingsError('SETTINGS_UNAVAILABLE', 'this supervisor keeps no stack file');
    return stackFile();
  };
  const settingsService = (): SettingsService => {
    if (!settings) throw new SettingsError('SETTINGS_UNAVAILABLE', 'this supervisor keeps no settings file');
    return settings;
  };
  const nameOf = (ref?: { service?: string }): string => ref?.service ?? stack.primaryName;
  return {
    'backend:status': async (_actor, ref) => stack.member(nameOf(ref)).supervisor.status(),
    'backend:start': (actor, ref) => stack.command(nameOf(ref), 'start', actor),
    'backend:stop': (actor, ref) => stack.command(nameOf(ref), 'stop', actor),
    'backend:restart': (actor, ref) => stack.command(nameOf(ref), 'restart', actor),
    'services:list': async () => stack.list(),
    'stack:start': (actor) => stack.start(actor),
    'stack:stop': (actor) => stack.stop(actor),
    'stack:restart': (actor) => stack.restart(actor),
    'logs:tail': async (_actor, options) => stack.member(nameOf(options)).logs.tail(options?.limit, options?.before),
    'incidents:list': async () => incidents.list(),
    'metrics:history': async () => history.list(),
    'dialog:pickFile': async (_actor, options) => {
      if (!pickFile)
        throw new SupervisorError('NOT_AVAILABLE', 'a file picker exists only in the desktop app: type the path');
      return pickFile(options?.title);
    },
    // The desktop entry gives its IPC a handler of its own (src/main/index.ts); HTTP callers
    // (headless, or the desktop's control server) have no tray to relabel.
    'ui:setLanguage': async () => {
      throw new SupervisorError('NOT_AVAILABLE', "the tray's language is set in the desktop app's own window");
    },
    'auth:login': async (_actor, { email, password, remember }) => ({
      user: await (await client()).auth.login(email, password, remember ?? false),
    }),
    'auth:logout': async () => {
      await (await client()).auth.logout();
      return null;
    },
    'auth:session': async () => (await client()).auth.current(),
    'auth:register': async (_actor, { email, password, name }) => ({
      user: await (await client()).auth.register(email, password, name),
    }),
    'auth:verify': async () => (await client()).auth.verifyCurrent(),
    'auth:profile': async () => (await client()).auth.profile(),
    'orders:mine': async () => (await client()).orders.list(),
    'orders:recent': async () => (await client()).orders.recent(),
    'orders:create': async (_actor, { items, comment }) => (await client()).orders.create(items, comment),
    'products:list': async (_actor, filter) => {
      let products = await (await client()).products.list();
      if (filter?.search) products = findProductsByName(products, filter.search);
      if (filter?.ingredient) products = filterProductsByIngredient(products, filter.ingredient);
      return products;
    },
    'admin:stats': async () => (await client()).admin.stats(),
    'admin:listUsers': async (_actor, page) => (await client()).admin.listUsers(page),
    'admin:updateUser': async (_actor, id, patch) => (await client()).admin.updateUser(id, patch),
    'admin:deleteUser': async (_actor, id) => {
      await (await client()).admin.deleteUser(id);
      return null;
    },
    'admin:listOrders': async (_actor, options) => (await client()).admin.listOrders(options),
    'admin:updateOrderStatus': async (_actor, id, status) => (await client()).admin.updateOrderStatus(id, status),
    'admin:listIngredients': async () => (await client()).admin.listIngredients(),
    'admin:createIngredient': async (_actor, input) => (await client()).admin.createIngredient(input),
    'admin:updateIngredient': async (_actor, id, patch) => (await client()).admin.updateIngredient(id, patch),
    'admin:deleteIngredient': async (_actor, id) => {
      await (await client()).admin.deleteIngredient(id);
      return null;
    },
    'admin:ingredientMovements': async (_actor, id) => (await client()).admin.ingredientMovements(id),
    'settings:get': async () => settingsService().get(),
    'settings:save': async (_actor, values) => settingsService().save(values),
    'settings:testHealthUrl': (_actor, test) => settingsService().testHealthUrl(test),
    'stack:getFile': async () => (await stackFileEditor()).get(),
    'stack:saveFile': async (_actor, text) => (await stackFileEditor()).save(text),
    'settings:importEnv': async (_actor, text) => settingsService().importEnv(text),
    'config:reload': async (actor, options) => {
      if (!reload) throw new SettingsError('SETTINGS_UNAVAILABLE', 'this supervisor cannot reload its settings');
      return reload(options ?? {}, actor);
    },
  };
}

/**
 * The HTTP status the control server answers with error `code` (the RPC route and the REST
 * commands), from the table in src/shared/error-codes.ts; 500 for a code it does not list
 * (test/unit/error-codes.test.ts keeps every code of src/ in it) or one only the dashboard makes.
 */
export function httpStatusOf(code: string): number {
  return (isErrorCode(code) ? ERROR_CODES[code].status : null) ?? 500;
}

/** Formats zod issues as `args[0].limit: Too big…` for the caller. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `args${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`)
    .join('; ');
}

/** The field the first issue is about (`args[0].healthCheckPath` → `healthCheckPath`), if it is inside an argument. */
function firstField(error: z.ZodError): string | undefined {
  const path = error.issues[0]?.path ?? [];
  if (path.length >= 2) return path.slice(1).map(String).join('.');
  const issue = error.issues[0];
  return issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
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
    const error: RpcError = {
      code: 'BAD_ARGUMENTS',
      message: `bad arguments for ${channel}: ${describeIssues(parsed.error)}`,
    };
    const field = firstField(parsed.error);
    if (field !== undefined) error.field = field;
    return { ok: false, error };
  }
  try {
    const handler = handlers[channel] as (actor: Actor, ...args: unknown[]) => Promise<unknown>;
    const data = await handler(actor, ...(parsed.data as unknown[]));
    return { ok: true, data };
  } catch (err) {
    if (err instanceof SupervisorError) return { ok: false, error: { code: err.code, message: err.message } };
    if (err instanceof SettingsError) {
      const error: RpcError = { code: err.code, message: err.message };
      if (err.field !== undefined) error.field = err.field;
      return { ok: false, error };
    }
    if (err instanceof BackendClientError) {
      const error: RpcError = { code: err.code, message: err.message };
      if (err.status !== undefined) error.status = err.status;
      if (err instanceof HttpError && err.backendCode) error.backend_code = err.backendCode;
      if (err instanceof ValidationError && err.field) error.field = err.field;
      return { ok: false, error };
    }
    return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } };
  }
}
