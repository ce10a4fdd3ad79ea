/**
 * Messages outside React (the tray menu, notifications, the command-line client): the same
 * translation files as the dashboard, formatted with intl-messageformat (ICU syntax, plurals
 * through `Intl.PluralRules`). No Node, no DOM.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { FALLBACK_LANGUAGE, type Language } from './languages';
import { MESSAGES } from './messages';

/** Values of a message's arguments (`{count}`, `{name}`). */
export type MessageValues = Record<string, string | number | Date>;

/** Formats the message of a key in one language; a key it lacks falls back to English, then to the key. */
export type Translate = (key: string, values?: MessageValues) => string;

/** A {@link Translate} for one language; each message is parsed once, on first use. */
export function createTranslator(language: Language): Translate {
  const cache = new Map<string, IntlMessageFormat>();
  return (key, values) => {
    let format = cache.get(key);
    if (!format) {
      const own = MESSAGES[language][key];
      const source = own ?? MESSAGES[FALLBACK_LANGUAGE][key];
      if (source === undefined) return key;
      format = new IntlMessageFormat(source, own === undefined ? FALLBACK_LANGUAGE : language);
      cache.set(key, format);
    }
    return String(format.format(values));
  };
}
