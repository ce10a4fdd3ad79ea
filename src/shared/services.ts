import { z } from 'zod';
import { BackendStatusSchema, CommandResultSchema } from './status';

/**
 * A service's name in the stack: lower-case letters, digits, `_` and `-`, starting with a
 * letter or digit, at most 63 characters (a DNS label's length, as Compose service names).
 */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const ServiceNameSchema = z.string().regex(SERVICE_NAME_PATTERN, 'is not a service name ([a-z0-9_-], ≤ 63)');

/** Compose's `depends_on` conditions: the process was spawned, or its health check passed. */
export const DEPENDENCY_CONDITIONS = ['service_started', 'service_healthy'] as const;
export type DependencyCondition = (typeof DEPENDENCY_CONDITIONS)[number];

/** Restart policies (Compose's names; `no` never restarts). */
export const RESTART_POLICIES = ['always', 'on-failure', 'no'] as const;
export type RestartPolicyName = (typeof RESTART_POLICIES)[number];

/**
 * How a service's health is probed: an HTTP GET answering 2xx, a TCP connect, a
 * PostgreSQL `SELECT 1`, a command exiting 0, or none (alive means ready).
 */
export type HealthSpec =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'postgres'; url: string }
  | { kind: 'command'; argv: string[] }
  | { kind: 'none' };

/** What a service waits for, as the dashboard shows it. */
export const DependencySchema = z.object({
  service: z.string(),
  condition: z.enum(DEPENDENCY_CONDITIONS),
});

/**
 * One service of the stack as the API and the dashboard see it (`GET /api/v1/services`):
 * its status (the seed's fields and ours), plus its name, whether it is the primary one,
 * what it depends on, and what health check it runs (a password in a URL is masked).
 */
export const ServiceStatusSchema = BackendStatusSchema.extend({
  name: z.string(),
  primary: z.boolean(),
  depends_on: z.array(DependencySchema),
  /** `http`, `tcp`, `postgres`, `command` or `none`, and what it probes. */
  health_check: z.object({ kind: z.enum(['http', 'tcp', 'postgres', 'command', 'none']), target: z.string() }),
});
export type ServiceStatus = z.infer<typeof ServiceStatusSchema>;

/** Optional service selector of a channel: the primary service when left out. */
export const ServiceRefSchema = z.strictObject({ service: ServiceNameSchema.optional() }).optional();

/** Answer of a command on several services (`POST /api/v1/stack/*`): each one's result, in the order acted on. */
export const StackCommandResultSchema = z.object({
  success: z.boolean(),
  message: z.string(),
  services: z.array(CommandResultSchema.extend({ service: z.string() })),
});
export type StackCommandResult = z.infer<typeof StackCommandResultSchema>;

/** Longest stack file text accepted, characters (the loader's limit is 1 MiB of bytes). */
export const STACK_FILE_MAX_CHARS = 1024 * 1024;

/**
 * The stack file as the Settings page edits it: where it is, its text (null when there is
 * none: the environment defines the one service `backend`), the services it names, and
 * whether the running stack came from it (a saved change applies at the next start).
 */
export const StackFileViewSchema = z.object({
  path: z.string(),
  text: z.string().nullable(),
  services: z.array(z.string()),
  active: z.boolean(),
});
export type StackFileView = z.infer<typeof StackFileViewSchema>;
