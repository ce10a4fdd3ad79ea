import { resolve } from 'node:path';
import { z } from 'zod';
import { ALERT_EVENTS, type AlertEvent } from './alert-events';

/** Most `notify` entries of one service: each alert goes to every one of them. */
export const MAX_NOTIFY_TARGETS = 8;

/** Most headers of one webhook. */
export const MAX_WEBHOOK_HEADERS = 32;

/** Longest header value, characters (8 KiB: a long bearer token fits). */
const MAX_HEADER_VALUE = 8192;

/** Longest webhook URL, characters. */
const MAX_WEBHOOK_URL = 2048;

/** A delivery's budget when `timeout` is not given, seconds. */
export const DEFAULT_NOTIFY_TIMEOUT_S = 10;

/** Largest `timeout`, seconds: a delivery never holds a queue slot longer. */
export const MAX_NOTIFY_TIMEOUT_S = 60;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Longest header name, characters (the longest in use are some 40; a receiver answers 431 long before 100 KiB). */
const MAX_HEADER_NAME = 256;

/**
 * A header value a webhook sends as written: printable ASCII, spaces and tabs (RFC 9110
 * field-content). A control character makes the HTTP client refuse every delivery; other
 * text (Cyrillic, an emoji) it cannot send at all, and Latin-1 goes as bytes a receiver
 * reads in another charset. (Line breaks and NUL, which would smuggle another header, are
 * refused first, with their own message.)
 */
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/**
 * Headers the webhook sets itself (the JSON body, its length, one connection per delivery):
 * one from the file would contradict them or smuggle another request.
 */
const RESERVED_HEADERS: readonly string[] = [
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
];

/** Where an alert goes: a webhook POSTed the JSON, or a command given it on stdin. */
export type NotifyTarget = WebhookTarget | CommandTarget;

interface TargetBase {
  /** The events sent to it (default: all of {@link ALERT_EVENTS}). */
  events: readonly AlertEvent[];
  /** Budget of one delivery (connect to answer read, or spawn to exit), ms. */
  timeoutMs: number;
}

/** `notify: [{url, headers}]`: POST of the alert's JSON; any 2xx is delivered. */
export interface WebhookTarget extends TargetBase {
  kind: 'webhook';
  /** http:// or https://, no user or password in it. */
  url: string;
  /** Sent as they are; never logged (they hold tokens). */
  headers: Readonly<Record<string, string>>;
}

/** `notify: [{command}]`: argv run without a shell, the alert's JSON on its stdin; exit 0 is delivered. */
export interface CommandTarget extends TargetBase {
  kind: 'command';
  argv: readonly string[];
  /** Its working directory: the stack file's folder. */
  cwd: string;
}

const TIMEOUT = `must be a number of seconds above 0 and at most ${MAX_NOTIFY_TIMEOUT_S}`;

const HeadersSchema = z
  .record(
    z
      .string()
      .regex(HEADER_NAME, 'is not a header name')
      .max(MAX_HEADER_NAME, `must be at most ${MAX_HEADER_NAME} characters`)
      .refine((name) => !RESERVED_HEADERS.includes(name.toLowerCase()), {
        message: `is set by the supervisor (${RESERVED_HEADERS.join(', ')})`,
      }),
    z
      .string({ error: 'must be text (quote a number)' })
      .max(MAX_HEADER_VALUE, `must be at most ${MAX_HEADER_VALUE} characters`)
      .refine((v) => !/[\r\n\0]/.test(v), 'must not hold a line break or NUL')
      // Past the line breaks, said above: one problem for one fault.
      .refine((v) => /[\r\n\0]/.test(v) || HEADER_VALUE.test(v), 'must be ASCII text without control characters'),
    { error: 'must be a map of Header-Name: value' },
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > MAX_WEBHOOK_HEADERS) {
      ctx.addIssue({ code: 'custom', message: `may have at most ${MAX_WEBHOOK_HEADERS} headers` });
    }
    const seen = new Set<string>();
    for (const name of names) {
      // HTTP header names are case-insensitive: two spellings would send both.
      if (seen.has(name.toLowerCase()))
        ctx.addIssue({ code: 'custom', message: 'is given twice (header names are case-insensitive)', path: [name] });
      seen.add(name.toLowerCase());
    }
  });

/**
 * The schema of a service's `notify` list (README "Alerts"), given the stack file's schema of
 * a command (a list, or a string of words) so both read a command alike. Each entry is a
 * webhook (`url`, optional `headers`) or a `command`, with optional `timeout` (seconds) and
 * `events` (a subset of {@link ALERT_EVENTS}).
 */
export function notifyListSchema(argv: z.ZodType<string[], unknown>) {
  const Entry = z
    .strictObject({
      url: z
        .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
        .max(MAX_WEBHOOK_URL, `must be at most ${MAX_WEBHOOK_URL} characters`)
        // A password in the URL would be logged with it: credentials go in `headers`.
        .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), 'must not hold a user or password (put them in headers)')
        .optional(),
      headers: HeadersSchema.optional(),
      command: argv.optional(),
      timeout: z
        .number({ error: TIMEOUT })
        .refine((s) => Number.isFinite(s) && s > 0 && s <= MAX_NOTIFY_TIMEOUT_S, TIMEOUT)
        .optional(),
      events: z
        .array(z.enum(ALERT_EVENTS, { error: `must be one of ${ALERT_EVENTS.join(', ')}` }), {
          error: `must be a list of ${ALERT_EVENTS.join(', ')}`,
        })
        .min(1, 'must name at least one event (leave it out for all)')
        .optional(),
    })
    .superRefine((entry, ctx) => {
      const url = entry.url !== undefined;
      const command = entry.command !== undefined;
      if (url === command) ctx.addIssue({ code: 'custom', message: 'give one of url (a webhook) or command' });
      if (!url && entry.headers !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'is only for a webhook (url)', path: ['headers'] });
      }
    });
  return (
    z
      .array(Entry, { error: 'must be a list of {url, headers} or {command} entries' })
      // A refinement, not `.max`: a check of the length would also run on a string given in its place.
      .refine((list) => list.length <= MAX_NOTIFY_TARGETS, `may have at most ${MAX_NOTIFY_TARGETS} entries`)
  );
}

/** One parsed `notify` entry. */
export type NotifyEntry = z.output<ReturnType<typeof notifyListSchema>>[number];

/** The targets of parsed `notify` entries; a command runs in `dir` (the stack file's folder). */
export function notifyTargetsOf(entries: readonly NotifyEntry[] | undefined, dir: string): NotifyTarget[] {
  return (entries ?? []).map((entry): NotifyTarget => {
    const base = {
      events: entry.events ? [...new Set(entry.events)] : [...ALERT_EVENTS],
      // At least 1: a timeout above 0 s never rounds to 0 ms (no budget at all).
      timeoutMs: Math.max(1, Math.round((entry.timeout ?? DEFAULT_NOTIFY_TIMEOUT_S) * 1000)),
    };
    if (entry.url !== undefined) return { kind: 'webhook', url: entry.url, headers: { ...entry.headers }, ...base };
    return { kind: 'command', argv: [...(entry.command ?? [])], cwd: resolve(dir), ...base };
  });
}

/**
 * A target as logs name it: a webhook by its origin only (its path and query may be the
 * secret, as in Slack's hook URLs; its headers are never shown), a command by its program.
 */
export function targetLabel(target: NotifyTarget): string {
  if (target.kind === 'webhook') return `webhook ${new URL(target.url).origin}`;
  return `command ${target.argv[0] ?? ''}`;
}
