import { z } from 'zod';
import {
  IngredientInputSchema,
  IngredientMovementSchema,
  IngredientSchema,
  IntIdSchema,
  NewOrderSchema,
  OrderSchema,
  OrderStatusSchema,
  PageRequestSchema,
  ProductSchema,
  StatsSchema,
  TokenCheckSchema,
  UserIdSchema,
  UserPatchSchema,
  UserProfileSchema,
  pageOf,
} from './entities';
import { IncidentSchema } from './incident';
import {
  ENV_IMPORT_MAX_CHARS,
  EnvImportResultSchema,
  HealthUrlTestResultSchema,
  HealthUrlTestSchema,
  SettingsSchema,
  SettingsViewSchema,
} from './settings';
import {
  BackendStatusSchema,
  CommandResultSchema,
  LogLineSchema,
  MetricsSampleSchema,
  StateChangeEventSchema,
} from './status';
import { EVENT_NAMES, type EventName } from './event-names';
import { LANGUAGES } from './locales/languages';
import { ReloadOptionsSchema, ReloadResultSchema } from './reload';
import {
  ServiceNameSchema,
  ServiceRefSchema,
  ServiceStatusSchema,
  STACK_FILE_MAX_CHARS,
  StackCommandResultSchema,
  StackFileViewSchema,
} from './services';

/**
 * The one contract between the renderer and the main process. Channel names are
 * `domain:verb`; each has a zod tuple of arguments and a result schema. The Electron IPC
 * bridge and the headless HTTP RPC route (`POST /api/v1/rpc/<channel>`, body
 * `{"args": [...]}`) are both generated from this table, so a feature is written once.
 */
export const channels = {
  /** The status of one service (`{service}`; the primary one when left out). UNKNOWN_SERVICE for another name. */
  'backend:status': { args: z.tuple([ServiceRefSchema]), result: BackendStatusSchema },
  /** Starts one service (the primary when left out), and first what it depends on. */
  'backend:start': { args: z.tuple([ServiceRefSchema]), result: CommandResultSchema },
  /** Stops one service; its `service_healthy` dependents go to `waiting`. */
  'backend:stop': { args: z.tuple([ServiceRefSchema]), result: CommandResultSchema },
  /** Restarts one service (one restart counted); its `service_healthy` dependents wait meanwhile. */
  'backend:restart': { args: z.tuple([ServiceRefSchema]), result: CommandResultSchema },
  /** Every service of the stack with its status, dependencies and health check, in stack-file order. */
  'services:list': { args: z.tuple([]), result: z.array(ServiceStatusSchema) },
  /** Starts the whole stack in dependency order; answers once each service is up or has settled. */
  'stack:start': { args: z.tuple([]), result: StackCommandResultSchema },
  /** Stops the whole stack, dependents first (each escalating to SIGKILL after its grace period). */
  'stack:stop': { args: z.tuple([]), result: StackCommandResultSchema },
  /** Stops the whole stack, then starts it again. */
  'stack:restart': { args: z.tuple([]), result: StackCommandResultSchema },
  /**
   * The last `limit` lines of one service's log ring buffer (default: all it holds; the
   * primary service's), oldest first. With `before` (a `seq`), the last `limit` lines below
   * it: the page of older lines before the oldest one read. An answer holds at most 32 Mi
   * characters of JSON (at least one line; LOG_ANSWER_MAX_CHARS), so it may have fewer than
   * `limit` lines: only an empty one (`before` at or below the oldest line held), or one
   * from `seq` 0, says the buffer starts there; a first `seq` above 0 counts the lines the
   * ring dropped. A `before` past the newest line reads from the newest.
   */
  'logs:tail': {
    args: z.tuple([
      z
        .strictObject({
          limit: z.number().int().min(1).max(100_000).optional(),
          before: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
          service: ServiceNameSchema.optional(),
        })
        .optional(),
    ]),
    result: z.array(LogLineSchema),
  },
  /** The last hour of health latency, memory and CPU samples (every 10 s), oldest first. */
  'metrics:history': { args: z.tuple([]), result: z.array(MetricsSampleSchema) },
  /**
   * Desktop only: the OS file picker for the backend command. Answers the chosen path, or
   * null when cancelled; over HTTP it answers NOT_AVAILABLE (a browser cannot pick a path
   * on the server).
   */
  'dialog:pickFile': {
    args: z.tuple([z.strictObject({ title: z.string().max(200).optional() }).optional()]),
    result: z.string().nullable(),
  },
  /**
   * Desktop only, over IPC only: the language the tray menu and the notifications speak, as
   * the dashboard's switch picked it (one of LANGUAGES exactly: `ru`, not `ru-RU`);
   * remembered in the data folder across restarts. Over HTTP it answers NOT_AVAILABLE.
   */
  'ui:setLanguage': { args: z.tuple([z.enum(LANGUAGES)]), result: z.null() },
  /** Recorded incidents, newest first (at most the last 200, kept on disk across restarts). */
  'incidents:list': { args: z.tuple([]), result: z.array(IncidentSchema) },

  // ---- the backend's API through the client facade (backend-contract.md); the JWT stays in main
  /** Logs in; `remember` keeps the credentials (desktop: encrypted with safeStorage) for re-login. */
  'auth:login': {
    args: z.tuple([
      z.strictObject({
        email: z.string().min(1).max(320),
        password: z.string().min(1).max(1024),
        remember: z.boolean().optional(),
      }),
    ]),
    result: z.object({ user: UserProfileSchema }),
  },
  'auth:logout': { args: z.tuple([]), result: z.null() },
  /** The logged-in user, or null. */
  'auth:session': {
    args: z.tuple([]),
    result: z.object({ user: UserProfileSchema.nullable(), remembered: z.boolean() }),
  },
  /** Registers a new account (role `user`) and logs in as it, like `auth:login` (nothing is remembered). */
  'auth:register': {
    args: z.tuple([
      z.strictObject({
        email: z.string().min(1).max(320),
        password: z.string().min(8).max(1024),
        name: z.string().trim().min(1).max(200),
      }),
    ]),
    result: z.object({ user: UserProfileSchema }),
  },
  /** Asks the backend whether the session's own token is still valid (NOT_LOGGED_IN without one). */
  'auth:verify': { args: z.tuple([]), result: TokenCheckSchema },
  /** The logged-in user as the backend has it now (`GET /user/profile`). */
  'auth:profile': { args: z.tuple([]), result: UserProfileSchema },
  /** The caller's orders (`GET /orders`; the backend answers every order to an admin), newest first. */
  'orders:mine': { args: z.tuple([]), result: z.array(OrderSchema) },
  /** The caller's last orders (`GET /orders/recent`), newest first. */
  'orders:recent': { args: z.tuple([]), result: z.array(OrderSchema) },
  /** Places an order as the logged-in user; the backend prices it and consumes ingredients. */
  'orders:create': { args: z.tuple([NewOrderSchema]), result: OrderSchema },
  /** Products; `search` matches names (exact, then prefix, then substring; case- and accent-insensitive). */
  'products:list': {
    args: z.tuple([
      z.strictObject({ search: z.string().max(200).optional(), ingredient: z.string().max(200).optional() }).optional(),
    ]),
    result: z.array(ProductSchema),
  },
  'admin:stats': { args: z.tuple([]), result: StatsSchema },
  'admin:listUsers': { args: z.tuple([PageRequestSchema.optional()]), result: pageOf(UserProfileSchema) },
  'admin:updateUser': { args: z.tuple([UserIdSchema, UserPatchSchema]), result: UserProfileSchema },
  'admin:deleteUser': { args: z.tuple([UserIdSchema]), result: z.null() },
  'admin:listOrders': {
    args: z.tuple([PageRequestSchema.extend({ status: OrderStatusSchema.optional() }).optional()]),
    result: pageOf(OrderSchema),
  },
  'admin:updateOrderStatus': { args: z.tuple([IntIdSchema, OrderStatusSchema]), result: OrderSchema },
  'admin:listIngredients': { args: z.tuple([]), result: z.array(IngredientSchema) },
  'admin:createIngredient': { args: z.tuple([IngredientInputSchema]), result: IngredientSchema },
  'admin:updateIngredient': {
    args: z.tuple([
      IntIdSchema,
      IngredientInputSchema.partial().refine((p) => Object.keys(p).length > 0, 'give at least one field'),
    ]),
    result: IngredientSchema,
  },
  'admin:deleteIngredient': { args: z.tuple([IntIdSchema]), result: z.null() },
  'admin:ingredientMovements': { args: z.tuple([IntIdSchema]), result: z.array(IngredientMovementSchema) },

  // ---- settings (the "config file" layer; see src/shared/settings.ts)
  /** The stored settings, the effective config and where each value comes from. */
  'settings:get': { args: z.tuple([]), result: SettingsViewSchema },
  /**
   * Replaces the stored settings (a key left out falls back to the environment or the
   * default). Bad values are refused before the handler runs (BAD_ARGUMENTS, `field` names
   * the key); SETTINGS_FILE_INVALID when the file on disk is corrupt (it is never overwritten).
   * They apply at the next start of the supervisor, or now with `config:reload`.
   */
  'settings:save': { args: z.tuple([SettingsSchema]), result: SettingsViewSchema },
  /** One health probe of `url` + `path` (the same probe the supervisor uses). */
  'settings:testHealthUrl': { args: z.tuple([HealthUrlTestSchema]), result: HealthUrlTestResultSchema },
  /** The stack file the Settings page edits (its path, text, services; whether it is the one running). */
  'stack:getFile': { args: z.tuple([]), result: StackFileViewSchema },
  /**
   * Checks `text` as a stack file and saves it (atomically, mode 0600); an empty text
   * removes the file (back to the one service of the environment). STACK_FILE_INVALID with
   * a `file:line: field: problem` line per problem when it does not validate (nothing is
   * written). Applies at the next start of the supervisor, or now with `config:reload`.
   */
  'stack:saveFile': { args: z.tuple([z.string().max(STACK_FILE_MAX_CHARS)]), result: StackFileViewSchema },
  /**
   * Re-reads the settings file and the stack file and applies them without restarting the
   * supervisor (see src/shared/reload.ts for what each service gets); `{dryRun: true}`
   * answers the plan and changes nothing. STACK_FILE_INVALID / SETTINGS_FILE_INVALID with
   * every problem (`file:line: field: problem`) when a file does not validate: nothing
   * changes then. RELOAD_IN_PROGRESS while another reload runs (one at a time).
   */
  'config:reload': { args: z.tuple([ReloadOptionsSchema.optional()]), result: ReloadResultSchema },
  /** Reads a seed-style `.env` text into settings values for review; saves nothing. */
  'settings:importEnv': {
    args: z.tuple([z.string().max(ENV_IMPORT_MAX_CHARS)]),
    result: EnvImportResultSchema,
  },
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
 * desktop, server-sent events at `GET /api/v1/events` in headless), each with its payload
 * schema. Both transports subscribe through `subscribeLiveEvents` (src/main/core/live-events.ts)
 * and the preload accepts {@link EVENT_NAMES}, so an event added here reaches both.
 */
export const events = {
  'backend:state': StateChangeEventSchema,
  'backend:log': LogLineSchema,
  'backend:incident': IncidentSchema,
  // Exactly the names of EVENT_NAMES (src/shared/event-names.ts): one missing or one extra fails to compile.
} as const satisfies { readonly [E in EventName]: z.ZodType };

export { EVENT_NAMES, type EventName };
/** The payload of an event. */
export type EventPayload<E extends EventName> = z.infer<(typeof events)[E]>;

/**
 * A serialisable error: Electron keeps only `message` of a thrown Error, so errors travel as
 * data. `code` is one of `ERROR_CODES` (src/shared/error-codes.ts: each code's HTTP status,
 * who makes it, what it means); a string on the wire, so a reader tolerates a code it lacks.
 */
export const RpcErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  /** The backend's HTTP status, for errors of the backend client. */
  status: z.number().int().optional(),
  /** The backend's own error `code` (backend-contract.md error format). */
  backend_code: z.string().optional(),
  /** The first field that failed validation. */
  field: z.string().optional(),
});
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
