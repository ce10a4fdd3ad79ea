/**
 * Import of a seed-style `.env` file into the settings: the text read as dotenv reads it, each
 * variable read as loadConfig reads it (ENV_VARIABLES), nothing saved.
 */
import type { SupervisorConfigInput } from '../../../shared/config';
import {
  describeSettingIssue,
  describeSettingsError,
  isSettingsKey,
  SettingsObjectSchema,
  SettingsSchema,
  type EnvImportResult,
  type Settings,
} from '../../../shared/settings';
import { ENV_VARIABLES } from '../config';

/** One `KEY=VALUE` of a `.env` text, with its (first) line number. */
export interface DotEnvEntry {
  name: string;
  value: string;
  line: number;
}

/** Index of the closing `quote` in `text`, honouring backslash escapes inside double quotes; -1 if none. */
function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

function unescapeDoubleQuoted(value: string): string {
  return value.replace(/\\(.)/gs, (_m, c: string) =>
    c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c === '\n' ? '' : c,
  );
}

/** A problem of a `.env` text at a line (1-based): shown as `line <line>: <text>`. */
interface LineProblem {
  line: number;
  text: string;
}

const shownProblem = ({ line, text }: LineProblem): string => `line ${line}: ${text}`;

/**
 * Reads a seed-style `.env` text the way dotenv does: `KEY=VALUE` lines, an optional
 * `export ` in front, blank lines and `#` comments skipped, `# comment` after an unquoted
 * value dropped, values in single quotes (literal), double quotes (`\n`, `\"`, `\\` escapes,
 * may span lines) or backticks. Never throws: a line it cannot read is a problem naming it
 * (`line 3: not a KEY=VALUE line: "…"`).
 */
export function parseDotEnv(text: string): { entries: DotEnvEntry[]; problems: string[] } {
  const { entries, problems } = readDotEnv(text);
  return { entries, problems: problems.map(shownProblem) };
}

/** {@link parseDotEnv} with each problem's line as a number. */
function readDotEnv(text: string): { entries: DotEnvEntry[]; problems: LineProblem[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: DotEnvEntry[] = [];
  const problems: LineProblem[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i] ?? '';
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s?(.*)$/.exec(line);
    if (!match) {
      problems.push({ line: lineNo, text: `not a KEY=VALUE line: ${JSON.stringify(trimmed.slice(0, 60))}` });
      continue;
    }
    const name = match[1] as string;
    const rest = (match[2] ?? '').trimStart();
    const quote = rest[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      let body = rest.slice(1);
      let end = i;
      let close = closingQuote(body, quote);
      while (close < 0 && end + 1 < lines.length) {
        end++;
        body += `\n${lines[end]}`;
        close = closingQuote(body, quote);
      }
      if (close < 0) {
        problems.push({ line: lineNo, text: `${name}: the opening ${quote} is never closed` });
        i = end;
        continue;
      }
      const after = body.slice(close + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        problems.push({
          line: end + 1,
          text: `${name}: text after the closing ${quote} ignored: ${JSON.stringify(after)}`,
        });
      }
      const raw = body.slice(0, close);
      entries.push({ name, value: quote === '"' ? unescapeDoubleQuoted(raw) : raw, line: lineNo });
      i = end;
      continue;
    }
    const value = rest.startsWith('#') ? '' : rest.replace(/\s+#.*$/, '').trim();
    entries.push({ name, value, line: lineNo });
  }
  return { entries, problems };
}

/** Why a variable that the supervisor knows is not taken into the settings. */
const NOT_A_SETTING: Partial<Record<keyof SupervisorConfigInput, string>> = {
  dataDir: 'not a setting (the settings file lives in the data folder; set it in the environment or with --data-dir)',
  controlToken: 'a secret: keep it in the environment or the token file, never in the settings file',
  controlReadToken: 'a secret: keep it in the environment or the token file, never in the settings file',
};

/**
 * Turns a seed-style `.env` text into settings values with the loader's own readers
 * (ENV_VARIABLES: seed names and aliases, seconds → ms, MiB → bytes), each value checked
 * against its field's schema. Saves nothing. Bad values and malformed lines are `problems`
 * (naming the line and the variable); variables that are not settings are `ignored`. When a
 * variable appears twice the last one wins; a seed name wins over its alias, as in loadConfig.
 */
export function importEnvSettings(text: string): EnvImportResult {
  const parsed = readDotEnv(text);
  const problems = [...parsed.problems];
  /** A variable left out, at its line: shown as `<name> (line <line>): <why>`. */
  const ignored: { name: string; line: number; why: string }[] = [];
  const byName = new Map<string, DotEnvEntry>();
  for (const entry of parsed.entries) byName.set(entry.name, entry);
  const used = new Set<string>();
  const values: Record<string, unknown> = {};

  for (const variable of ENV_VARIABLES) {
    const present = variable.names.filter((n) => byName.has(n));
    if (present.length === 0) continue;
    present.forEach((n) => used.add(n));
    const name = variable.names.find((n) => byName.get(n)?.value !== '' && byName.has(n));
    for (const other of present) {
      const entry = byName.get(other) as DotEnvEntry;
      if (name === undefined) ignored.push({ name: other, line: entry.line, why: 'empty, left unset' });
      else if (other !== name) ignored.push({ name: other, line: entry.line, why: `${name} is used instead` });
    }
    if (name === undefined) continue;
    const entry = byName.get(name) as DotEnvEntry;
    const notSetting = NOT_A_SETTING[variable.key];
    if (notSetting || !isSettingsKey(variable.key)) {
      ignored.push({ name, line: entry.line, why: notSetting ?? 'not a setting' });
      continue;
    }
    let read: unknown;
    try {
      read = variable.read(entry.value, name);
    } catch (err) {
      problems.push({ line: entry.line, text: (err as Error).message });
      continue;
    }
    const key = variable.key;
    const checked = SettingsObjectSchema.shape[key].safeParse(read);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const why = issue ? describeSettingIssue({ ...issue, path: [key] }) : 'invalid';
      problems.push({ line: entry.line, text: `${name}=${JSON.stringify(entry.value)}: ${why}` });
      continue;
    }
    values[key] = checked.data;
  }
  for (const entry of byName.values()) {
    if (!used.has(entry.name)) ignored.push({ name: entry.name, line: entry.line, why: 'not a supervisor setting' });
  }
  // In the order of the text, as a person reads it.
  problems.sort((a, b) => a.line - b.line);
  ignored.sort((a, b) => a.line - b.line);
  const shown = problems.map(shownProblem);
  const together = SettingsSchema.safeParse(values);
  if (!together.success) shown.push(describeSettingsError(together.error));
  return {
    values: values as Settings,
    problems: shown,
    ignored: ignored.map(({ name, line, why }) => `${name} (line ${line}): ${why}`),
  };
}
