/** The translation files, one per language (flat keys, ICU messages), as one table. */
import en from './en.json';
import ru from './ru.json';
import type { Language } from './languages';

/** Each language's messages: key → ICU message. */
export const MESSAGES: Record<Language, Readonly<Record<string, string>>> = { en, ru };
