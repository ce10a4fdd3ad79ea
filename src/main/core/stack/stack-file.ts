import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
  type YAMLError,
} from 'yaml';
import { z } from 'zod';
import { SupervisorConfigSchema, type SupervisorConfig } from '../../../shared/config';
import {
  DEPENDENCY_CONDITIONS,
  RESTART_POLICIES,
  SERVICE_NAME_PATTERN,
  type HealthSpec,
  type RestartPolicyName,
} from '../../../shared/services';
import { describeSettingIssue, isSettingsKey } from '../../../shared/settings';
import { parseArgs } from '../config';
import { ConfigError } from '../errors';
import { formatTcpTarget, parseTcpTarget } from '../probes/tcp-probe';
import { notifyListSchema, notifyTargetsOf } from '../alerts/notify-schema';
import { DEFAULT_POSTGRES_PORT, type PostgresService } from '../postgres/postgres-service';
import { DEFAULT_DATABASE_URL_ENV, postgresOfEntry, postgresWithHooks, withDatabaseUrls } from './postgres-entry';
import type { Dependency, ServiceDefinition, StackDefinition } from './service-definition';
import { userIdsOf } from './service-user';
import { findCycle } from './stack-graph';

/**
 * Names a service may not have: `supervisor` is the supervisor's own log file
 * (`<logs>/supervisor.log`) and log stream; a service of that name would write into them.
 */
export const RESERVED_SERVICE_NAMES: readonly string[] = ['supervisor'];

/** The `yaml` package's error code for a key given twice in one map (its own code, not one of ours). */
const YAML_DUPLICATE_KEY: YAMLError['code'] = 'DUPLICATE_KEY';

/** Largest stack file read, bytes (1 MiB): a stack of hundreds of services is a few KiB. */
export const MAX_STACK_FILE_BYTES = 1024 * 1024;

/** Most services in one stack: each is a supervised process with its own logs and probes. */
export const MAX_STACK_SERVICES = 100;

/**
 * The YAML alias budget of one file (yaml's `maxAliasCount`: the uses of an alias times the
 * aliases inside its anchor stay below it; 99 uses of a plain anchor pass). Enough for shared
 * anchors, far too little for a "billion laughs".
 */
export const MAX_STACK_ALIASES = 100;

/** Deepest nesting of maps and lists taken (a stack file needs about 6); deeper is refused before it is walked. */
export const MAX_STACK_DEPTH = 64;

/** Largest uid a process can be given (Node's spawn takes a signed 32-bit uid). */
const MAX_UID = 2 ** 31 - 1;

const UID = 'must be a user name or a uid';
const NOT_SECONDS = 'not a number of seconds (e.g. 5 or 0.5)';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;
/** Signals a stop may send: every real one but SIGKILL (sent after the grace anyway) and SIGSTOP (stops nothing). */
const STOP_SIGNALS = Object.keys(osConstants.signals).filter((s) => s !== 'SIGKILL' && s !== 'SIGSTOP');

// ---- The schema: one for the whole file, strict at every level -------------------------

/** A command: an argv list, or one string of shell words (no shell operators: nothing runs through a shell). */
const Argv = z.unknown().transform((value, ctx): string[] => {
  let argv: string[];
  if (value === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is required (the executable and its arguments)' });
    return z.NEVER;
  }
  if (typeof value === 'string') {
    try {
      argv = parseArgs(value, 'command') as string[];
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^command /, '') });
      return z.NEVER;
    }
  } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    argv = value as string[];
  } else {
    ctx.addIssue({ code: 'custom', message: 'must be a list of strings or a string of words' });
    return z.NEVER;
  }
  if (argv.length === 0 || argv[0] === '') {
    ctx.addIssue({ code: 'custom', message: 'must not be empty' });
    return z.NEVER;
  }
  return argv;
});

const Seconds = z.number({ error: NOT_SECONDS }).refine(Number.isFinite, NOT_SECONDS);
/** `notify`: where a service's alerts go (webhooks and commands, README "Alerts"). */
const NotifySchema = notifyListSchema(Argv);
const Count = z.number({ error: 'must be a whole number' });

const TcpTarget = z.string().transform((value, ctx) => {
  // A host name of letters, digits, `.`, `_`, `-` (or an IPv6 address in brackets): a `/`, `@`,
  // `?` or `%` would make the probe's own tcp://host:port read another target, or none.
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[2]) : 0;
  const host = m ? m[1]!.replace(/^\[(.*)\]$/, '$1') : '';
  const back = m ? parseTcpTarget(formatTcpTarget(host, port)) : null;
  // An IPv6 address reads back normalised (`::ffff:127.0.0.1` as `::ffff:7f00:1`): the same address.
  const readsBack = back !== null && (host.includes(':') || back.host.toLowerCase() === host.toLowerCase());
  if (!m || port < 1 || port > 65_535 || !readsBack) {
    ctx.addIssue({ code: 'custom', message: 'must be host:port (e.g. 127.0.0.1:5432), port 1–65535' });
    return z.NEVER;
  }
  return { host, port };
});

const HealthSchema = z
  .strictObject({
    http: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      // Only the origin and path are probed: a user or password would be dropped unseen.
      .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'must not hold a user or password (the probe sends none)')
      .optional(),
    tcp: TcpTarget.optional(),
    postgres: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }).optional(),
    command: Argv.optional(),
    interval: Seconds.optional(),
    timeout: Seconds.optional(),
    retries: Count.optional(),
    startup_timeout: Seconds.optional(),
  })
  .refine((h) => [h.http, h.tcp, h.postgres, h.command].filter((k) => k !== undefined).length <= 1, {
    message: 'give one of http, tcp, postgres, command',
  });

const Policy = z.enum(RESTART_POLICIES, { error: `must be one of ${RESTART_POLICIES.join(', ')}` });
/** `restart: always` (Compose's form) or the map with the numbers. */
const RestartSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { policy: v } : v),
  z.strictObject(
    {
      policy: Policy.optional(),
      max_attempts: Count.optional(),
      delay: Seconds.optional(),
      max_delay: Seconds.optional(),
      reset_after: Seconds.optional(),
    },
    { error: `must be one of ${RESTART_POLICIES.join(', ')}, or a map of policy, max_attempts, delay…` },
  ),
);

const Condition = z.enum(DEPENDENCY_CONDITIONS, { error: `must be one of ${DEPENDENCY_CONDITIONS.join(', ')}` });
/** The short form `[db]` is the map form with `service_started` for each. */
const DependsOnSchema = z.preprocess(
  (v) =>
    Array.isArray(v) && v.every((n) => typeof n === 'string')
      ? Object.fromEntries(v.map((n) => [n, { condition: 'service_started' }]))
      : v,
  z
    .record(z.string(), z.strictObject({ condition: Condition.optional() }).nullable(), {
      error: 'must be a list of service names or a map of name: {condition}',
    })
    .transform((map) =>
      Object.entries(map).map(([service, v]): Dependency => ({
        service,
        condition: v?.condition ?? 'service_started',
      })),
    ),
);

/** Stands for a list item without `=`, so the record's value check words it. */
const NO_VALUE = Symbol('no value');
const EnvValue = z.union([z.string(), z.number(), z.boolean()], {
  error: 'must be text, a number or a boolean (NAME=value in the list form)',
});
/** Compose's list form `["K=V"]` is read as the map form. */
const EnvironmentSchema = z.preprocess(
  (v, ctx) => {
    if (!Array.isArray(v)) return v;
    const map: Record<string, unknown> = {};
    for (const [index, item] of v.entries()) {
      if (item !== null && typeof item === 'object') {
        ctx.addIssue({ code: 'custom', message: 'must be NAME=value', input: item, path: [index] });
        continue;
      }
      const text = typeof item === 'string' ? item : String(item);
      const eq = text.indexOf('=');
      const name = eq < 0 ? text : text.slice(0, eq);
      // The map form refuses a name given twice (a YAML duplicate key); so does the list.
      if (Object.hasOwn(map, name)) ctx.addIssue({ code: 'custom', message: `${name} is given twice`, input: v });
      map[name] = eq < 0 ? NO_VALUE : text.slice(eq + 1);
    }
    return map;
  },
  z.record(z.string().regex(ENV_NAME, 'is not a variable name ([A-Za-z_][A-Za-z0-9_]*)'), EnvValue, {
    error: 'must be a map of NAME: value or a list of NAME=value',
  }),
);

const ServiceSchema = z.strictObject({
  /** Absent: a command of the file's (the `postgres` kind is {@link PostgresServiceSchema}). */
  kind: z.undefined().optional(),
  command: Argv,
  working_dir: z.string().min(1, 'must not be empty').optional(),
  environment: EnvironmentSchema.optional(),
  depends_on: DependsOnSchema.optional(),
  health: HealthSchema.nullable().optional(),
  restart: RestartSchema.optional(),
  stop_signal: z.enum(STOP_SIGNALS, { error: 'is not a signal a stop may send (e.g. SIGTERM, SIGINT)' }).optional(),
  stop_grace_period: Seconds.optional(),
  user: z.union([z.string(), z.number().int(UID).min(0, UID)], { error: UID }).optional(),
  primary: z.boolean({ error: 'must be true or false' }).optional(),
  notify: NotifySchema.optional(),
});

/** A key a `postgres` service does not take: a problem that says `why`. */
const notForPostgres = (why: string) =>
  z
    .unknown()
    .refine((v) => v === undefined, `is not given for a postgres service: ${why}`)
    .optional();

const NOT_A_PORT = 'must be a TCP port (1 to 65535)';

/**
 * The built-in `kind: postgres` service (README "Stack file"): PostgreSQL from the packaged
 * binaries, its cluster made on first start, its dependents given `DATABASE_URL`.
 */
const PostgresServiceSchema = z.strictObject({
  kind: z.literal('postgres'),
  port: z.number({ error: NOT_A_PORT }).int(NOT_A_PORT).min(1, NOT_A_PORT).max(65_535, NOT_A_PORT).optional(),
  // A number in the file keeps its text (`17.10` is not 17.1): see checkNodes.
  version: z.string({ error: 'must be a PostgreSQL version (a major like 17, or 17.10)' }).optional(),
  data_dir: z.string({ error: 'must be a folder' }).min(1, 'must not be empty').optional(),
  databases: z
    .array(z.string({ error: 'must be a database name' }), { error: 'must be a list of database names' })
    .optional(),
  user: z.union([z.string(), z.number().int(UID).min(0, UID)], { error: UID }).optional(),
  command: z
    .string({ error: 'must be the path of a postgres executable (initdb beside it)' })
    .min(1, 'must not be empty')
    .optional(),
  env_name: z
    .string({ error: 'must be a variable name' })
    .regex(ENV_NAME, 'is not a variable name ([A-Za-z_][A-Za-z0-9_]*)')
    .optional(),
  depends_on: DependsOnSchema.optional(),
  restart: RestartSchema.optional(),
  stop_grace_period: Seconds.optional(),
  notify: NotifySchema.optional(),
  health: notForPostgres('its health is SELECT 1 as its superuser, over TCP on 127.0.0.1'),
  stop_signal: notForPostgres('it stops on SIGINT, PostgreSQL’s fast shutdown'),
  environment: notForPostgres('its dependents get DATABASE_URL (env_name names another variable)'),
  working_dir: notForPostgres('it runs in its data_dir'),
  primary: notForPostgres('the primary service is the backend the admin routes call'),
});

/** One entry of `services`: `kind` picks its schema. */
const ServiceEntrySchema = z.discriminatedUnion('kind', [PostgresServiceSchema, ServiceSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'is not a service kind: the built-in kind is postgres (leave kind out for a command)'
      : undefined,
});

/**
 * The stack file's shape (README "Stack file"). Top-level keys starting with `x-` are
 * Compose's extension fields: free for anchors, otherwise ignored.
 */
const StackFileSchema = z.preprocess(
  (v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).filter(([k]) => !k.startsWith('x-')))
      : v,
  z.strictObject({
    services: z
      .record(
        z
          .string()
          .regex(SERVICE_NAME_PATTERN, 'is not a service name ([a-z0-9_-], ≤ 63)')
          .refine((name) => !RESERVED_SERVICE_NAMES.includes(name), {
            message: `is reserved (${RESERVED_SERVICE_NAMES.join(', ')}: the supervisor's own log file and log stream)`,
          }),
        ServiceEntrySchema,
        { error: 'must be a map of service names' },
      )
      .refine((s) => Object.keys(s).length > 0, 'must name at least one service')
      .refine((s) => Object.keys(s).length <= MAX_STACK_SERVICES, `may name at most ${MAX_STACK_SERVICES} services`),
  }),
);
type ServiceEntry = z.output<typeof ServiceSchema>;
type PostgresServiceEntry = z.output<typeof PostgresServiceSchema>;

// ---- Lines: where each problem is in the file ------------------------------------------

type Path = readonly PropertyKey[];

/** Maps a path of keys to the line (1-based) of the deepest node the document has on it. */
class LineFinder {
  constructor(
    private readonly root: unknown,
    private readonly lines: LineCounter,
  ) {}

  lineOf(path: Path): number {
    let node: unknown = this.root;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        offset = (pair.key as YamlNode).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        // A number indexes the list; a name finds a list form's item (`[db]`, `["K=V"]`).
        const item =
          typeof key === 'number'
            ? node.items[key]
            : node.items.find(
                (i) =>
                  isScalar(i) && (String(i.value) === String(key) || String(i.value).startsWith(`${String(key)}=`)),
              );
        if (!item) break;
        node = item;
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else break;
    }
    return this.lines.linePos(offset).line;
  }

  /** The path of the map key starting at `offset`, for a YAML error that gives only a position. */
  pathAt(offset: number): string[] {
    const walk = (node: unknown, path: string[]): string[] | null => {
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair) || !isScalar(pair.key)) continue;
          const keyPath = [...path, String(pair.key.value)];
          if (pair.key.range?.[0] === offset) return keyPath;
          const inner = walk(pair.value, keyPath);
          if (inner) return inner;
        }
      } else if (isSeq(node)) {
        for (const [i, item] of node.items.entries()) {
          const inner = walk(item, [...path, String(i)]);
          if (inner) return inner;
        }
      }
      return null;
    };
    return walk(this.root, []) ?? [];
  }
}

/** Collects `<file>:<line>: <path>: <what>` lines, in line order when thrown. */
class Problems {
  private readonly list: { line: number; text: string }[] = [];

  constructor(
    private readonly file: string,
    private readonly lines: LineFinder | null,
  ) {}

  add(path: Path, what: string, line = this.lines?.lineOf(path) ?? 1): void {
    const where = path.map((k) => (String(k) === '' ? '""' : String(k))).join('.');
    const text = `${this.file}:${line}: ${where ? `${where}: ` : ''}${what}`;
    // The parser reports a stack overflow once per level it unwinds: one line is enough.
    if (!this.list.some((p) => p.text === text)) this.list.push({ line, text });
  }

  get size(): number {
    return this.list.length;
  }

  /** @throws ConfigError with every problem, one a line, when there is any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const texts = [...this.list].sort((a, b) => a.line - b.line).map((p) => p.text);
    throw new ConfigError(texts.join('\n'), texts);
  }
}

// ---- The document's nodes: what the schema cannot see once it is plain data ----------------

/** True when `text` has no lone surrogate (with the `u` flag a pair is one code point, never matched). */
export function isWellFormedText(text: string): boolean {
  return !/[\uD800-\uDFFF]/u.test(text);
}

/** Why a string cannot reach a process (argv, environment and paths are C strings of Unicode), or null. */
function textProblem(text: string): string | null {
  if (text.includes('\0')) return 'must not hold a NUL character';
  if (!isWellFormedText(text)) return 'is not valid Unicode text (a lone surrogate)';
  return null;
}

/** A key whose plain-object form would be dropped unseen (it sets the prototype instead). */
const FORBIDDEN_KEY = '__proto__';

/**
 * Walks every node of the document without recursion and, before it becomes plain data:
 * refuses nesting past {@link MAX_STACK_DEPTH}, a `__proto__` key (or `__proto__=` item),
 * and text with a NUL or a lone surrogate; and gives an environment value (and a service's
 * `version`) typed as a number or a boolean its text as written (`1.10` stays `1.10`,
 * `02134` stays `02134`).
 */
function checkNodes(root: unknown, lines: LineCounter, problems: Problems): void {
  const lineOf = (node: unknown): number => lines.linePos((node as YamlNode | null)?.range?.[0] ?? 0).line;
  const stack: { node: unknown; path: string[] }[] = [{ node: root, path: [] }];
  let tooDeep = false;
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_STACK_DEPTH) {
      if (!tooDeep)
        problems.add([], `not valid YAML: nested too deeply (at most ${MAX_STACK_DEPTH} levels)`, lineOf(node));
      tooDeep = true;
      continue;
    }
    const inEnvironment = path.length === 3 && path[0] === 'services' && path[2] === 'environment';
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : null;
        if (key === null) continue; // a collection as a key: the schema refuses it by name
        const keyPath = [...path, key];
        if (key === FORBIDDEN_KEY) problems.add(keyPath, 'is a name a stack file may not use', lineOf(pair.key));
        const why = textProblem(key);
        if (why) problems.add(keyPath, why, lineOf(pair.key));
        const value = pair.value;
        // A postgres service's `version: 17.10` is the text 17.10, not the number 17.1.
        const isVersion = path.length === 2 && path[0] === 'services' && key === 'version';
        if ((inEnvironment || isVersion) && isScalar(value) && typeof value.source === 'string') {
          if (typeof value.value === 'number' || typeof value.value === 'boolean') value.value = value.source;
        }
        stack.push({ node: value, path: keyPath });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (inEnvironment && isScalar(item) && String(item.value).split('=')[0] === FORBIDDEN_KEY) {
          problems.add([...path, FORBIDDEN_KEY], 'is a name a stack file may not use', lineOf(item));
        }
        stack.push({ node: item, path: [...path, String(i)] });
      });
    } else if (isScalar(node) && typeof node.value === 'string') {
      const why = textProblem(node.value);
      if (why) problems.add(path, why, lineOf(node));
    }
  }
}

// ---- Users -----------------------------------------------------------------------------

/** Who the supervisor is and how a user name becomes a uid; injected by tests. */
export interface UserLookup {
  /** The supervisor's uid, or null where there are none (Windows). */
  currentUid: number | null;
  /** The uid of a user name, or null when there is no such user. */
  uidOf(name: string): number | null;
}

/** The system's users, through the one lookup the spawns use (`userIdsOf`: getent, else id). */
export const systemUsers: UserLookup = {
  currentUid: typeof process.getuid === 'function' ? process.getuid() : null,
  uidOf: (name) => userIdsOf(name)?.uid ?? null,
};

/** Why `user` cannot be honoured, or null when it can. */
function userProblem(user: string, users: UserLookup): string | null {
  if (users.currentUid === null) return 'is not supported on this platform';
  let uid: number | null;
  if (/^\d+$/.test(user)) {
    uid = Number(user);
    if (uid > MAX_UID) return `uid ${user} is above the largest uid, ${MAX_UID}`;
  } else if (!USER_NAME.test(user)) return `'${user}' is not a user name or uid`;
  else uid = users.uidOf(user);
  if (uid === null) return `unknown user '${user}'`;
  if (users.currentUid !== 0 && uid !== users.currentUid) {
    return `'${user}' is not the supervisor's user (uid ${users.currentUid}); only a supervisor running as root can run a service as another user`;
  }
  return null;
}

// ---- Resolution ------------------------------------------------------------------------

/** Where a config key's value comes from in a service entry, for its problems. */
const FIELD_OF: Record<string, string> = {
  command: 'command',
  args: 'command',
  workingDir: 'working_dir',
  env: 'environment',
  backendUrl: 'health.http',
  healthCheckPath: 'health.http',
  healthCheckIntervalMs: 'health.interval',
  healthCheckTimeoutMs: 'health.timeout',
  healthFailureThreshold: 'health.retries',
  startupTimeoutMs: 'health.startup_timeout',
  maxRestartAttempts: 'restart.max_attempts',
  restartDelayMs: 'restart.delay',
  maxRestartDelayMs: 'restart.max_delay',
  restartResetAfterMs: 'restart.reset_after',
  stopTimeoutMs: 'stop_grace_period',
};

const ms = (seconds: number | undefined): number | undefined =>
  seconds === undefined ? undefined : Math.round(seconds * 1000);

function healthOf(entry: ServiceEntry): HealthSpec {
  const h = entry.health;
  if (h?.http !== undefined) return { kind: 'http', url: h.http };
  if (h?.tcp !== undefined) return { kind: 'tcp', host: h.tcp.host, port: h.tcp.port };
  if (h?.postgres !== undefined) return { kind: 'postgres', url: h.postgres };
  if (h?.command !== undefined) return { kind: 'command', argv: h.command };
  return { kind: 'none' };
}

function environmentOf(env: ServiceEntry['environment']): Record<string, string> {
  if (env === undefined) return {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

type Restart = { policy: RestartPolicyName } & Partial<
  Record<'max_attempts' | 'delay' | 'max_delay' | 'reset_after', number>
>;

/** The entry's `restart`, its policy `fallback` when it names none. */
function restartOf(entry: ServiceEntry | PostgresServiceEntry, fallback: RestartPolicyName): Restart {
  const r = entry.restart ?? {};
  return { ...r, policy: r.policy ?? fallback } as Restart;
}

/**
 * `input` (a config of `base`'s keys) with the entry's durations and numbers over it,
 * validated; each problem at the entry's field (`at`) it came from.
 * @returns null when there was a problem.
 */
function configOf(
  input: Record<string, unknown>,
  entry: ServiceEntry | PostgresServiceEntry,
  restart: Restart,
  at: (field: string) => string[],
  problems: Problems,
): SupervisorConfig | null {
  const health = 'kind' in entry && entry.kind === 'postgres' ? undefined : (entry as ServiceEntry).health;
  const overrides: Record<string, number | undefined> = {
    healthCheckIntervalMs: ms(health?.interval),
    healthCheckTimeoutMs: ms(health?.timeout),
    healthFailureThreshold: health?.retries,
    startupTimeoutMs: ms(health?.startup_timeout),
    maxRestartAttempts: restart.max_attempts,
    restartDelayMs: ms(restart.delay),
    maxRestartDelayMs: ms(restart.max_delay),
    restartResetAfterMs: ms(restart.reset_after),
    stopTimeoutMs: ms(entry.stop_grace_period),
  };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) input[key] = value;

  const before = problems.size;
  const parsed = SupervisorConfigSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '');
      // In the units people type (seconds): `must be at most 3600 s`, as the environment's errors.
      problems.add(at(FIELD_OF[key] ?? key), isSettingsKey(key) ? describeSettingIssue(issue) : issue.message);
    }
  }
  const max = input.maxRestartDelayMs as number;
  const delay = input.restartDelayMs as number;
  if (max < delay) {
    if (restart.max_delay !== undefined) {
      problems.add(at('restart.max_delay'), `${max / 1000} s is below restart.delay (${delay / 1000} s)`);
    } else {
      problems.add(
        at('restart.delay'),
        `${delay / 1000} s is above the default max_delay (${max / 1000} s); give restart.max_delay too`,
      );
    }
  }
  return parsed.success && problems.size === before ? parsed.data : null;
}

/** Resolves one parsed entry over `base`, adding its problems. @returns null when it has any. */
function resolveService(
  name: string,
  entry: ServiceEntry,
  base: SupervisorConfig,
  dir: string,
  problems: Problems,
  users: UserLookup,
): ServiceDefinition | null {
  const before = problems.size;
  const at = (field: string): string[] => ['services', name, ...field.split('.')];
  const health = healthOf(entry);
  const restart = restartOf(entry, base.autoRestart ? 'always' : 'no');
  const command = entry.command[0]!;
  const args = entry.command.slice(1);
  let workingDir: string;
  if (entry.working_dir !== undefined) workingDir = resolve(dir, entry.working_dir);
  else if (isAbsolute(command)) workingDir = dirname(command);
  else workingDir = dir;

  const input: Record<string, unknown> = {
    ...base,
    command,
    args,
    workingDir,
    env: environmentOf(entry.environment),
    autoRestart: restart.policy !== 'no',
  };
  if (health.kind === 'http') {
    const url = new URL(health.url);
    input.backendUrl = url.origin;
    input.healthCheckPath = url.pathname + url.search;
  }
  const config = configOf(input, entry, restart, at, problems);

  const user = entry.user === undefined ? null : String(entry.user);
  if (user !== null) {
    const why = userProblem(user, users);
    if (why) problems.add(at('user'), why);
  }
  if (problems.size > before || config === null) return null;
  return {
    name,
    primary: entry.primary ?? false,
    config,
    health,
    restartPolicy: restart.policy,
    stopSignal: (entry.stop_signal ?? 'SIGTERM') as NodeJS.Signals,
    user,
    dependsOn: (entry.depends_on ?? []) as Dependency[],
    ...(entry.notify ? { notify: notifyTargetsOf(entry.notify, dir) } : {}),
  };
}

/**
 * Resolves a `kind: postgres` entry over `base` (README "Stack file"): the library's service,
 * with the entry's restart and stop_grace_period, and its `hooks`. As root, `makeUser` makes
 * the run-as user (`backend-supervisor`) now when the entry names none, so its uid is known
 * before the runtime is built. @returns null when it has any problem.
 */
function resolvePostgres(
  name: string,
  entry: PostgresServiceEntry,
  base: SupervisorConfig,
  dir: string,
  problems: Problems,
  users: UserLookup,
  makeUser: boolean,
): { definition: ServiceDefinition; service: PostgresService } | null {
  const before = problems.size;
  const at = (field: string): string[] => ['services', name, ...field.split('.')];
  const root = users.currentUid === 0;
  if (entry.user !== undefined) {
    const user = String(entry.user);
    const why = userProblem(user, users);
    if (why) problems.add(at('user'), why);
    else if (root && (/^\d+$/.test(user) ? Number(user) : users.uidOf(user)) === 0) {
      problems.add(at('user'), 'is root, and PostgreSQL refuses to run as root: name an unprivileged user');
    }
  }
  if (problems.size > before) return null;
  const service = postgresOfEntry(name, entry, dir, base, root, makeUser, (field, what) =>
    problems.add(['services', name, ...field], what),
  );
  if (service === null) return null;
  const restart = restartOf(entry, service.definition.restartPolicy);
  const input: Record<string, unknown> = { ...service.definition.config, autoRestart: restart.policy !== 'no' };
  const config = configOf(input, entry, restart, at, problems);
  if (config === null) return null;
  const definition = postgresWithHooks(service, config, restart.policy, (entry.depends_on ?? []) as Dependency[]);
  if (entry.notify) definition.notify = notifyTargetsOf(entry.notify, dir);
  return { definition, service };
}

/** Dependencies on unknown services, on itself, and cycles; each at its `depends_on` line. */
function checkGraph(
  services: Record<string, ServiceEntry | PostgresServiceEntry>,
  finder: LineFinder,
  problems: Problems,
): void {
  const names = new Set(Object.keys(services));
  const nodes = Object.entries(services).map(([name, s]) => ({
    name,
    dependsOn: (s.depends_on ?? []).filter((d) => d.service !== name),
  }));
  for (const [name, s] of Object.entries(services)) {
    for (const dep of s.depends_on ?? []) {
      const path = ['services', name, 'depends_on'];
      const line = finder.lineOf([...path, dep.service]);
      if (dep.service === name) problems.add(path, 'depends on itself', line);
      else if (!names.has(dep.service)) problems.add(path, `unknown service '${dep.service}'`, line);
    }
  }
  const cycle = findCycle(nodes);
  if (cycle) problems.add(['services', cycle[0]!, 'depends_on'], `dependency cycle: ${cycle.join(' → ')}`);
}

/** Options of {@link parseStackText} and {@link loadStackFile}. */
export interface StackFileOptions {
  /** How `user` is checked (default: the system's users). */
  users?: UserLookup;
  /**
   * As root, make the user a `postgres` service runs as (`backend-supervisor`, `useradd
   * --system`) when it names none and it is missing (default: false; {@link loadStackFile}: true).
   */
  makeRunAsUsers?: boolean;
}

/**
 * Parses and resolves the text of a stack file (README "Stack file"): each service's config
 * is `base` with the service's values over it (durations given in seconds, stored in ms),
 * its working dir resolved against `dir`. `fileLabel` names the file in the messages.
 * @throws ConfigError whose message has one line per problem, `<file>:<line>: <path>: <what>`,
 * every problem at once (schema problems first; references, bounds and users once the schema passes).
 */
export function parseStackText(
  text: string,
  fileLabel: string,
  dir: string,
  base: SupervisorConfig,
  options: StackFileOptions = {},
): StackDefinition {
  const users = options.users ?? systemUsers;
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_STACK_FILE_BYTES) {
    throw new ConfigError(
      `${fileLabel}: is ${size} bytes; a stack file may have at most ${MAX_STACK_FILE_BYTES} (1 MiB)`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    // `1` and `"1"` (or `true` and `"true"`) are one key once the file is plain data.
    uniqueKeys: (a, b) => (isScalar(a) && isScalar(b) ? String(a.value) === String(b.value) : a === b),
    // Compose takes `<<: *anchor`; the entry's own keys win over the merged ones.
    merge: true,
    lineCounter,
    prettyErrors: false,
  });
  const finder = new LineFinder(doc.contents, lineCounter);
  const problems = new Problems(fileLabel, finder);
  // A warning is a tag the parser does not know (`!!js/function`, `!custom`): its meaning would be dropped.
  for (const error of [...doc.errors, ...doc.warnings]) {
    const line = lineCounter.linePos(error.pos[0]).line;
    if (error instanceof RangeError || error.message.includes('Maximum call stack size exceeded')) {
      problems.add([], `not valid YAML: nested too deeply (at most ${MAX_STACK_DEPTH} levels)`, line);
    } else if (error.code === YAML_DUPLICATE_KEY) {
      const path = finder.pathAt(error.pos[0]);
      if (path.length > MAX_STACK_DEPTH) {
        problems.add([], `not valid YAML: nested too deeply (at most ${MAX_STACK_DEPTH} levels)`, line);
        continue;
      }
      const what = path.length === 2 && path[0] === 'services' ? 'duplicate service name' : 'duplicate key';
      problems.add(path, what, line);
    } else {
      problems.add([], `not valid YAML: ${error.message.split('\n')[0]}`, line);
    }
  }
  problems.throwIfAny();
  checkNodes(doc.contents, lineCounter, problems);
  problems.throwIfAny();

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_STACK_ALIASES });
  } catch (err) {
    problems.add([], `not accepted: ${(err as Error).message} (at most ${MAX_STACK_ALIASES} aliases)`);
    problems.throwIfAny();
  }
  if (data === null || data === undefined) {
    problems.add([], 'is empty; give services: with at least one service');
  } else if (typeof data !== 'object' || Array.isArray(data)) {
    problems.add([], 'must be a map with a services key');
  }
  problems.throwIfAny();

  const parsed = StackFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) problems.add([...issue.path, key], 'unknown key');
      } else if (issue.code === 'invalid_key') {
        problems.add(issue.path, issue.issues[0]?.message ?? issue.message);
      } else problems.add(issue.path, issue.message);
    }
    problems.throwIfAny();
  }
  const entries = parsed.data!.services;

  checkGraph(entries, finder, problems);
  const primaries = Object.entries(entries).filter(([, s]) => s.primary === true);
  for (const [name] of primaries.slice(1)) {
    problems.add(['services', name, 'primary'], `a second primary service (${primaries[0]![0]} is one)`);
  }
  const services: ServiceDefinition[] = [];
  const postgres = new Map<string, { service: PostgresService; envName: string }>();
  const portOwners = new Map<number, string>();
  for (const [name, entry] of Object.entries(entries)) {
    if (entry.kind === 'postgres') {
      const port = entry.port ?? DEFAULT_POSTGRES_PORT;
      const owner = portOwners.get(port);
      if (owner !== undefined) {
        problems.add(['services', name, 'port'], `${port} is ${owner}'s port too: give each postgres service its own`);
      }
      portOwners.set(port, owner ?? name);
      const made = resolvePostgres(name, entry, base, dir, problems, users, options.makeRunAsUsers ?? false);
      if (!made) continue;
      services.push(made.definition);
      postgres.set(name, { service: made.service, envName: entry.env_name ?? DEFAULT_DATABASE_URL_ENV });
    } else {
      const service = resolveService(name, entry, base, dir, problems, users);
      if (service) services.push(service);
    }
  }
  withDatabaseUrls(services, postgres, (service, dependency, what) => {
    const path = ['services', service, 'depends_on'];
    problems.add(path, what, finder.lineOf([...path, dependency]));
  });
  problems.throwIfAny();

  if (primaries.length === 0) {
    // The primary is the backend the admin routes call: never a postgres service while another is there.
    const primary =
      services.find((s) => s.name === 'backend') ?? services.find((s) => s.kind !== 'postgres') ?? services[0];
    if (primary) primary.primary = true;
  }
  return { services, file: null };
}

/** Reads at most `limit` + 1 bytes of a file, so an oversized one is known without reading it all. */
function readBounded(path: string, limit: number): Buffer {
  // Non-blocking, so a FIFO put in the file's place is refused below instead of waited on.
  const fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) throw new Error('not a regular file');
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads, validates and resolves a stack file (README "Stack file") over `base` (see
 * {@link parseStackText}); relative paths in it are relative to its folder. As root it makes
 * the user a `postgres` service runs as when missing (see {@link StackFileOptions}).
 * @throws ConfigError naming the file when it is missing, unreadable, over 1 MiB or invalid
 * (one line per problem, with its line number).
 */
export function loadStackFile(path: string, base: SupervisorConfig, options: StackFileOptions = {}): StackDefinition {
  const file = resolve(path);
  const text = readStackText(path);
  if (text === null) throw new ConfigError(`${path}: cannot read the stack file: no such file`);
  return { ...parseStackText(text, path, dirname(file), base, { makeRunAsUsers: true, ...options }), file };
}

/**
 * The text of a stack file (UTF-8), read without blocking on a FIFO and without reading
 * more than 1 MiB + 1 byte of it; null when there is no file at `path`.
 * @throws ConfigError `<path>: cannot read the stack file: <why>` (a directory, FIFO or
 * device: `not a regular file`) or `<path>: is over 1048576 bytes…`.
 */
export function readStackText(path: string): string | null {
  let bytes: Buffer;
  try {
    bytes = readBounded(resolve(path), MAX_STACK_FILE_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(`${path}: cannot read the stack file: ${(err as Error).message}`);
  }
  if (bytes.length > MAX_STACK_FILE_BYTES) {
    throw new ConfigError(`${path}: is over ${MAX_STACK_FILE_BYTES} bytes (1 MiB), the most a stack file may have`);
  }
  return bytes.toString('utf8');
}
