/**
 * The client's text output: aligned columns (as `supervisorctl status` and `pm2 ls`), colour
 * only when asked (a TTY without NO_COLOR, see {@link useColor}), durations people read, and
 * text from the supervisor made safe to print (a log line or a reason cannot move the cursor,
 * clear the screen or forge a line of its own).
 */
import { createTranslator, type Translate } from '../../shared/locales/translate';
import type { BackendState } from '../../shared/states';

type Env = Record<string, string | undefined>;

/**
 * Whether to colour: stdout is a terminal, NO_COLOR is unset or empty (no-color.org) and
 * TERM is not `dumb`. FORCE_COLOR (non-empty, not `0`) colours anyway, as in Node's own tools.
 */
export function useColor(isTTY: boolean, env: Env): boolean {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** SGR colours the client uses. */
export type Colour = 'green' | 'yellow' | 'red' | 'dim' | 'bold' | 'cyan';

const SGR: Readonly<Record<Colour, string>> = {
  green: '32',
  yellow: '33',
  red: '31',
  dim: '2',
  bold: '1',
  cyan: '36',
};

/** A cell: its text and, optionally, its colour. */
export interface Cell {
  text: string;
  colour?: Colour;
}

/** Paints `text` when `on`; the text itself otherwise. Either way {@link printable}: the only escapes are its own. */
export function paint(text: string, colour: Colour | undefined, on: boolean): string {
  const shown = printable(text);
  return on && colour ? `\u001b[${SGR[colour]}m${shown}\u001b[0m` : shown;
}

/** The colour of a state: green when up, yellow on the way, red when down by failure, dim when stopped. */
export function stateColour(state: BackendState): Colour {
  switch (state) {
    case 'running':
      return 'green';
    case 'unhealthy':
    case 'crashed':
      return 'red';
    case 'stopped':
      return 'dim';
    default:
      return 'yellow';
  }
}

/**
 * What a terminal obeys rather than shows, or that changes how the rest of the line reads:
 * C0 but tab, DEL, C1 (U+009B is a CSI of its own), the bidirectional controls (U+202E
 * shows the line's end reversed: a forged name or file), the line and paragraph separators
 * and lone surrogates (half a character: never printable text).
 */
const UNPRINTABLE =
  // eslint-disable-next-line no-control-regex -- exactly the control characters are what it replaces
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/gu;

/** {@link UNPRINTABLE} but C0, which JSON escapes itself (and whose line breaks lay out `indent`). */
const JSON_UNPRINTABLE = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]/gu;

/** `\xNN` for a character up to U+00FF, `\uNNNN` above. */
function escaped(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every character of {@link UNPRINTABLE} shown as `\xNN` or `\uNNNN` escapes,
 * and a line break as `\n`: what the supervisor relays from a backend is printed, never
 * obeyed by the terminal. Anything not a string (a hostile server's number or object) is
 * printed as its `String`.
 */
export function printable(text: unknown): string {
  return String(text).replace(UNPRINTABLE, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : escaped(c)));
}

/**
 * `value` as JSON (`JSON.stringify`, `indent` spaces) with the characters of
 * {@link UNPRINTABLE} that JSON leaves as they are (DEL, C1, the bidirectional controls) as
 * `\uNNNN` escapes: the same JSON to a parser, nothing a terminal obeys to a person.
 */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? 'null').replace(
    JSON_UNPRINTABLE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Rows as aligned columns: a header (bold when colouring), then each row, every column as
 * wide as its widest cell (counted in code points, the colour codes left out), two spaces
 * between columns, the last column not padded. Cells are made {@link printable}.
 */
export function table(
  header: readonly string[],
  rows: readonly (readonly (Cell | string)[])[],
  colour: boolean,
): string[] {
  const cells = rows.map((row) =>
    row.map((c) => (typeof c === 'string' ? { text: c } : c)).map((c) => ({ ...c, text: printable(c.text) })),
  );
  const width = header.map((h, i) => Math.max([...h].length, ...cells.map((row) => [...(row[i]?.text ?? '')].length)));
  const line = (row: readonly Cell[]): string =>
    row
      .map((cell, i) => {
        const pad = i === row.length - 1 ? '' : ' '.repeat((width[i] ?? 0) - [...cell.text].length);
        return `${paint(cell.text, cell.colour, colour)}${pad}`;
      })
      .join('  ')
      .trimEnd();
  return [line(header.map((text) => ({ text, colour: 'bold' as const }))), ...cells.map(line)];
}

/** Key–value lines, the keys padded to one width (for one service in detail). */
export function fields(pairs: readonly (readonly [string, Cell | string])[], colour: boolean): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([key, value]) => {
    const cell = typeof value === 'string' ? { text: value } : value;
    return `  ${key.padEnd(width)}  ${paint(printable(cell.text), cell.colour, colour)}`;
  });
}

/** The client's durations in English when the caller names no translator. */
const ENGLISH = createTranslator('en');

/**
 * Whole seconds as people read an uptime, its two largest units in their narrow form through
 * `Intl` in the language of `t`: `45s`, `3m 12s`, `2h 5m`, `3d 4h` (Russian `45 с`, `3 мин 12 с`);
 * `-` for what is no finite number.
 */
export function duration(totalSeconds: number, t: Translate = ENGLISH): string {
  // A server's JSON can say 1e400 (Infinity) or a string that is no number: `-`, not `∞d NaNh`.
  const seconds = Number(totalSeconds);
  if (!Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('cli.duration.seconds', { s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('cli.duration.minutes', { m, s: s % 60 });
  const h = Math.floor(m / 60);
  if (h < 24) return t('cli.duration.hours', { h, m: m % 60 });
  return t('cli.duration.days', { d: Math.floor(h / 24), h: h % 24 });
}
