/**
 * The dashboard's translations: one i18next instance with ICU messages (i18next-icu over
 * intl-messageformat: Russian's one/few/many plurals come from `Intl.PluralRules`), set up on
 * first import with both languages bundled (a few kB), so the first render is already translated
 * and a component under test needs no provider. The language: the one the user picked (kept in
 * localStorage), else the first of `navigator.languages` that is translated (in the desktop app
 * that is the OS's locale, as Electron gives it to Chromium), else English.
 */
import i18next from 'i18next';
import ICU from 'i18next-icu';
import { initReactI18next, useTranslation } from 'react-i18next';
import {
  FALLBACK_LANGUAGE,
  isLanguage,
  LANGUAGES,
  pickLanguage,
  type Language,
} from '../../../shared/locales/languages';
import { MESSAGES } from '../../../shared/locales/messages';
import { setFormatLocale } from '../format';

/** The localStorage key of the language the user picked. */
export const LANGUAGE_STORAGE_KEY = 'backend-supervisor.language';

/** Formats a message: a key and the values of its ICU arguments. */
export type T = (key: string, values?: Record<string, unknown>) => string;

/**
 * The page's globals this module reads, each absent outside a browser (unit tests, and the
 * settings helpers the Node project type-checks without the DOM's types).
 */
const page = globalThis as {
  localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  navigator?: { languages?: readonly string[]; language?: string };
  document?: { documentElement: { lang: string } };
};

/** The language the user picked last (kept in localStorage), or null when none was picked. */
export function storedLanguage(): Language | null {
  try {
    const value = page.localStorage?.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(value) ? value : null;
  } catch {
    // Storage refused (a sandboxed page, a privacy setting): the default applies.
    return null;
  }
}

/** The language to start in: the stored choice, else the browser's (or OS's) preference. */
export function initialLanguage(): Language {
  return storedLanguage() ?? pickLanguage(page.navigator?.languages ?? [page.navigator?.language]);
}

/** The dashboard's i18next instance. */
export const i18n = i18next.createInstance();

void i18n
  .use(ICU)
  .use(initReactI18next)
  .init({
    resources: Object.fromEntries(LANGUAGES.map((l) => [l, { translation: MESSAGES[l] }])),
    lng: initialLanguage(),
    fallbackLng: FALLBACK_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    // Flat keys with dots in them (`status.uptime`): no nesting, no namespaces in the key.
    keySeparator: false,
    nsSeparator: false,
    // React escapes; ICU does the interpolation.
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
  });

function applyLanguage(language: string): void {
  setFormatLocale(language);
  if (page.document) page.document.documentElement.lang = language;
}
applyLanguage(i18n.language);
i18n.on('languageChanged', applyLanguage);

/** Formats a message in the current language, outside React (a component uses {@link useT}, which re-renders it on a switch). */
export const translate: T = (key, values) => i18n.t(key, values);

/** The current language. */
export function currentLanguage(): Language {
  return isLanguage(i18n.language) ? i18n.language : FALLBACK_LANGUAGE;
}

/** Switches the dashboard to a language and remembers the choice for the next visits. */
export function setLanguage(language: Language): void {
  try {
    page.localStorage?.setItem(LANGUAGE_STORAGE_KEY, language);
  } catch {
    // Not remembered: it still applies to this page.
  }
  void i18n.changeLanguage(language);
}

/** The translate function of the current language; the component re-renders when it changes. */
export function useT(): T {
  return useTranslation().t as T;
}

/** The current language and the switch to another (the header's language menu). */
export function useLanguage(): [Language, (language: Language) => void] {
  const { i18n: instance } = useTranslation();
  return [isLanguage(instance.language) ? instance.language : FALLBACK_LANGUAGE, setLanguage];
}
