/**
 * The languages of the user interface (dashboard, tray, notifications, command-line client) and
 * how one is picked from what the browser, the OS or the shell says. No Node, no DOM: the
 * renderer, the main process and the CLI import it alike.
 */

/** The languages the translation files cover, English first (the fallback). */
export const LANGUAGES = ['en', 'ru'] as const;

/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

/** The language used when nothing asked for is translated. */
export const FALLBACK_LANGUAGE: Language = 'en';

/** Each language's name in itself, as the language switch lists it (never translated). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский' };

/** Whether a string is one of {@link LANGUAGES} exactly (`ru`, not `ru-RU`). */
export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The language of one locale tag: a BCP 47 tag (`ru-RU`, `en`) or a POSIX locale
 * (`ru_RU.UTF-8`, `ru_RU@euro`); null when it names none of {@link LANGUAGES} (`C`, `de-DE`, '').
 */
export function languageOfTag(tag: string | null | undefined): Language | null {
  if (!tag) return null;
  const primary = tag
    .trim()
    .split(/[-_.@]/, 1)[0]!
    .toLowerCase();
  return isLanguage(primary) ? primary : null;
}

/**
 * The first of the preferred locales (most wanted first: `navigator.languages`, or
 * `app.getLocale()` alone) that is translated, else {@link FALLBACK_LANGUAGE}.
 */
export function pickLanguage(preferred: readonly (string | null | undefined)[]): Language {
  for (const tag of preferred) {
    const language = languageOfTag(tag);
    if (language) return language;
  }
  return FALLBACK_LANGUAGE;
}

/** Whether a POSIX locale names a character set (`ru_RU.KOI8-R`) other than UTF-8; none named is taken as UTF-8. */
function namesOtherCodeset(tag: string): boolean {
  const dot = tag.indexOf('.');
  if (dot < 0) return false;
  const codeset = tag.slice(dot + 1).split('@', 1)[0]!;
  return !/^utf-?8$/i.test(codeset.trim());
}

/**
 * The language of a shell's environment, by POSIX precedence: `LC_ALL`, then `LC_MESSAGES`,
 * then `LANG` (the first one set and not empty decides, even when it names an untranslated
 * language: `LC_ALL=C` is English whatever `LANG` says). A locale of another character set
 * than UTF-8 (`ru_RU.KOI8-R`, `ru_RU.CP1251`) is English: the client prints UTF-8, which such
 * a terminal shows as mojibake in Cyrillic, never in ASCII. `LANGUAGE` is not read.
 */
export function languageFromEnv(env: Readonly<Record<string, string | undefined>>): Language {
  const tag = env.LC_ALL || env.LC_MESSAGES || env.LANG;
  if (!tag || namesOtherCodeset(tag)) return FALLBACK_LANGUAGE;
  return languageOfTag(tag) ?? FALLBACK_LANGUAGE;
}
