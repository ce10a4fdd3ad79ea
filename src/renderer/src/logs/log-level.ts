import type { LogLine } from '../../../shared/status';

/** The levels the Logs view tells apart, most severe first. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Readonly<Record<LogLevel, number>> = { error: 3, warn: 2, info: 1, debug: 0 };

/** True when `level` is `min` or more severe (`warn` is at least `info`). */
export function isAtLeast(level: LogLevel, min: LogLevel): boolean {
  return RANK[level] >= RANK[min];
}

/** Level names as loggers write them (pino, zap, zerolog, slog, logrus, winston, syslog), lower case. */
const NAMES: Readonly<Record<string, LogLevel>> = {
  fatal: 'error',
  panic: 'error',
  dpanic: 'error',
  emerg: 'error',
  emergency: 'error',
  alert: 'error',
  crit: 'error',
  critical: 'error',
  severe: 'error',
  error: 'error',
  err: 'error',
  eror: 'error',
  warning: 'warn',
  warn: 'warn',
  wrn: 'warn',
  notice: 'info',
  info: 'info',
  inf: 'info',
  information: 'info',
  informational: 'info',
  debug: 'debug',
  dbg: 'debug',
  trace: 'debug',
  trc: 'debug',
  verbose: 'debug',
};

/** The level a name stands for (`"ERROR"`, `"warning"`, `"fatal"`), or null. */
export function levelFromName(name: string): LogLevel | null {
  return NAMES[name.toLowerCase()] ?? null;
}

/** The level of a pino/bunyan number: 10 trace, 20 debug → debug; 30 info; 40 warn; 50 error, 60 fatal → error. */
export function levelFromNumber(value: number): LogLevel | null {
  if (!Number.isFinite(value) || value < 1) return null;
  if (value >= 50) return 'error';
  if (value >= 40) return 'warn';
  if (value >= 30) return 'info';
  return 'debug';
}

/** `"level":30`, `"level":"warn"`, `"severity":"ERROR"` in a JSON line (the first such key wins). */
const JSON_LEVEL = /"(?:level|lvl|severity|loglevel|log\.level)"\s*:\s*(?:(\d+(?:\.\d+)?)|"([A-Za-z]+)")/i;
/** `level=error`, `lvl=WARN`, `level="info"` (logfmt, slog's text handler, logrus). */
const KV_LEVEL = /(?:^|[\s,;])(?:level|lvl|severity)=["']?([A-Za-z]+)/i;
/** glog / klog: `E0102 15:04:05.000000 …` (I, W, E, F). */
const GLOG = /^([IWEF])\d{4} \d{2}:\d{2}:\d{2}/;
/** An upper-case level word: `ERROR`, `[WARN]`, `INFO:`. */
const UPPER_WORD =
  /(?:^|[^A-Za-z0-9_])(FATAL|PANIC|EMERG|ALERT|CRITICAL|CRIT|ERROR|ERR|WARNING|WARN|NOTICE|INFO|DEBUG|TRACE)(?![A-Za-z0-9_])/;
/** A level word of any case marked as one: `error:`, `[warn]`, `(info)`, `<debug>`. */
const MARKED_WORD =
  /(?:^|[^A-Za-z0-9_])(fatal|panic|critical|error|err|warning|warn|notice|info|debug|trace)(?::|\]|\)|>)/i;
/** A leading date/time (`2026-01-01T10:00:00.000Z`, `2009/11/10 23:00:00`, `[12:00:00.123]`). */
const LEADING_TIME = /^[\s[(]*\d[\d\-/:.,TZ+ ]*[\])]?\s*/;
/** A level word of any case that starts the message: `Warning: disk`, `error connecting`. */
const LEADING_WORD = /^(fatal|panic|error|warning|warn|info|debug|trace)\b/i;

/** How far into a line level words are looked for. */
const HEAD_CHARS = 160;

/**
 * The level a line's text states, or null when it states none: a JSON line's `level`
 * (pino numbers 10..60 or names), `level=…` pairs, glog prefixes, or a level word near the
 * start (`ERROR`, `[warn]`, `error:`, `Warning …`). The earliest word wins.
 */
export function detectLevel(text: string): LogLevel | null {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{')) {
    const json = JSON_LEVEL.exec(trimmed);
    if (json) {
      const level = json[1] !== undefined ? levelFromNumber(Number(json[1])) : levelFromName(json[2] ?? '');
      if (level) return level;
    }
  }
  const head = trimmed.slice(0, HEAD_CHARS);
  const pair = KV_LEVEL.exec(head);
  if (pair) {
    const level = levelFromName(pair[1] ?? '');
    if (level) return level;
  }
  const glog = GLOG.exec(head);
  if (glog) return GLOG_LEVELS[glog[1] as keyof typeof GLOG_LEVELS];

  const upper = UPPER_WORD.exec(head);
  const marked = MARKED_WORD.exec(head);
  const word = earliest(upper, marked);
  if (word) return levelFromName(word[1] ?? '');
  const leading = LEADING_WORD.exec(head.replace(LEADING_TIME, ''));
  return leading ? levelFromName(leading[1] ?? '') : null;
}

const GLOG_LEVELS = { I: 'info', W: 'warn', E: 'error', F: 'error' } as const;

function earliest(a: RegExpExecArray | null, b: RegExpExecArray | null): RegExpExecArray | null {
  if (!a) return b;
  if (!b) return a;
  return b.index < a.index ? b : a;
}

const levels = new WeakMap<LogLine, LogLevel>();

/**
 * The level a line counts as: the one its text states ({@link detectLevel}); without one,
 * stderr counts as `error` and everything else as `info`. Cached per line object (lines
 * never change), so filtering 100,000 lines again is a lookup each.
 */
export function lineLevel(line: LogLine): LogLevel {
  let level = levels.get(line);
  if (level === undefined) {
    level = detectLevel(line.text) ?? (line.stream === 'stderr' ? 'error' : 'info');
    levels.set(line, level);
  }
  return level;
}
