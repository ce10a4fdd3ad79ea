/**
 * The translation files against each other and against the code: the same keys in every
 * language, every key used somewhere in src/, every key the code names present, every message
 * valid ICU with the same arguments in each language, and Russian's three plural forms.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/shared/locales/languages';
import { MESSAGES } from '../../src/shared/locales/messages';
import { createTranslator } from '../../src/shared/locales/translate';

const root = join(import.meta.dirname, '../..');
const SRC = join(root, 'src');

/** Every .ts/.tsx file under src/, as [path relative to the root, text]. */
function sourceFiles(dir = SRC): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
      out.push([relative(root, path), readFileSync(path, 'utf8')]);
  }
  return out;
}

/** The quoted string literals of a source text ('…', "…" and `…` without `${`). */
function literals(text: string): string[] {
  // Empty ones too (`''`): else the scan would pair their closing quote with the next literal's opening one.
  return [...text.matchAll(/'([^'\\\n]*)'|"([^"\\\n]*)"|`([^`\\$\n]*)`/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const en = MESSAGES.en;
const keys = Object.keys(en);
/** The first segment of every key (`status`, `header`): a literal `status.…` in the code is a key. */
const namespaces = new Set(keys.map((k) => k.split('.', 1)[0]!));
const KEY_SHAPE = /^[a-z][a-zA-Z]*(\.[a-zA-Z0-9-]+)+$/;

const files = sourceFiles();
const used = new Map<string, string>();
for (const [path, text] of files) for (const literal of literals(text)) if (!used.has(literal)) used.set(literal, path);
/** The same, of the files that translate (import the i18n module or the locales): where a key-shaped literal is a key. */
const named = new Map<string, string>();
for (const [path, text] of files) {
  const translates = /from '[./]*(i18n|shared\/locales\/[a-z]+)'/.test(text) || path.startsWith('src/shared/locales/');
  if (!translates) continue;
  for (const literal of literals(text)) if (!named.has(literal)) named.set(literal, path);
}

/** The names of a parsed message's arguments, sorted (`{count}`, `{name}`, plural's own). */
function argumentsOf(message: string, locale: string): string[] {
  const names = new Set<string>();
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>): void => {
    for (const element of elements) {
      if ('value' in element && typeof element.value === 'string' && element.type !== 0) names.add(element.value);
      if ('options' in element)
        for (const option of Object.values(element.options) as { value: typeof elements }[]) walk(option.value);
      if ('children' in element) walk(element.children);
    }
  };
  walk(new IntlMessageFormat(message, locale).getAst());
  return [...names].sort();
}

/** The option names of each plural argument of a message (`['few', 'many', 'one', 'other']`). */
function pluralOptions(message: string, locale: string): string[][] {
  const out: string[][] = [];
  const walk = (elements: ReturnType<IntlMessageFormat['getAst']>): void => {
    for (const element of elements) {
      if ('options' in element) {
        if (element.type === 6) out.push(Object.keys(element.options).sort());
        for (const option of Object.values(element.options) as { value: typeof elements }[]) walk(option.value);
      }
    }
  };
  walk(new IntlMessageFormat(message, locale).getAst());
  return out;
}

describe('translation files', () => {
  it('has the same keys in every language', () => {
    for (const language of LANGUAGES) {
      const own = Object.keys(MESSAGES[language]);
      expect(
        keys.filter((k) => !own.includes(k)),
        `missing in ${language}.json`,
      ).toEqual([]);
      expect(
        own.filter((k) => !keys.includes(k)),
        `in ${language}.json only`,
      ).toEqual([]);
    }
  });

  it('uses every key somewhere in src/ (as a string literal)', () => {
    expect(keys.filter((k) => !used.has(k))).toEqual([]);
  });

  it('has every key the code names', () => {
    expect(named.size).toBeGreaterThan(0);
    const missing = [...named]
      .filter(([literal]) => KEY_SHAPE.test(literal) && namespaces.has(literal.split('.', 1)[0]!) && !(literal in en))
      .map(([literal, path]) => `${literal} (${path})`);
    expect(missing).toEqual([]);
  });

  it('parses every message as ICU, with the same arguments in each language', () => {
    for (const key of keys) {
      const args = argumentsOf(en[key]!, 'en');
      for (const language of LANGUAGES) {
        const message = MESSAGES[language][key]!;
        expect(() => new IntlMessageFormat(message, language), `${language}: ${key}`).not.toThrow();
        expect(argumentsOf(message, language), `${language}: ${key}`).toEqual(args);
      }
    }
  });

  it('gives each Russian plural its one, few and many forms', () => {
    for (const [key, message] of Object.entries(MESSAGES.ru)) {
      for (const options of pluralOptions(message, 'ru'))
        expect(options, key).toEqual(expect.arrayContaining(['one', 'few', 'many', 'other']));
    }
  });

  it('formats Russian plurals for 1, 2, 5 and 21', () => {
    const t = createTranslator('ru');
    expect([1, 2, 5, 21].map((count) => t('status.restarts.total', { count }))).toEqual([
      '1 перезапуск',
      '2 перезапуска',
      '5 перезапусков',
      '21 перезапуск',
    ]);
    expect([1, 2, 5, 21, 0].map((count) => t('status.restarts.failures', { count }))).toEqual([
      '1 неудача подряд',
      '2 неудачи подряд',
      '5 неудач подряд',
      '21 неудача подряд',
      '0 неудач подряд',
    ]);
  });

  it('formats English plurals and falls back to English, then to the key', () => {
    const t = createTranslator('en');
    expect([1, 2].map((count) => t('status.restarts.total', { count }))).toEqual(['1 restart', '2 restarts']);
    expect(t('no.such.key')).toBe('no.such.key');
  });
});
