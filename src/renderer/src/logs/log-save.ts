import type { LogLine } from '../../../shared/status';

/** One line of a saved log: `<ts> <stream> <text>`. */
export function formatLogLine(line: LogLine): string {
  return `${line.ts} ${line.stream} ${line.text}`;
}

/** The text of a saved log: one {@link formatLogLine} per line, each ending with a newline. */
export function formatLogFile(lines: readonly LogLine[]): string {
  let text = '';
  for (const line of lines) text += `${formatLogLine(line)}\n`;
  return text;
}

/** `logs-<now>.log`, with `:` (not allowed in Windows file names) as `-`. */
export function logFileName(now: Date = new Date()): string {
  return `logs-${now.toISOString().replace(/:/g, '-')}.log`;
}
