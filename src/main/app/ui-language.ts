/**
 * The language of the desktop app's own words outside the window (the tray menu, the
 * notifications): the one the dashboard's switch picked last, kept in `<data folder>/ui-language`
 * (the language and a newline) across restarts, else the OS's. No Electron: the entry wires it.
 */
import { join } from 'node:path';
import { readSmallFile } from '../core/small-file';
import { replaceFileSync } from '../core/replace-file';
import { isLanguage, type Language } from '../../shared/locales/languages';
import { createTranslator, type Translate } from '../../shared/locales/translate';

/** The file's name in the data folder. */
export const UI_LANGUAGE_FILE = 'ui-language';

/** Longest ui-language file read, bytes: a language code and a newline, with room to spare. */
export const MAX_UI_LANGUAGE_BYTES = 64;

/**
 * The language stored in `<dataDir>/ui-language`, or null when there is none to use: no file,
 * or one that is not a small regular file holding one of LANGUAGES (a FIFO is not waited on;
 * a hand-edited `de` is ignored, as the OS's language then applies).
 */
export function readUiLanguage(dataDir: string): Language | null {
  try {
    const text = readSmallFile(join(dataDir, UI_LANGUAGE_FILE), { maxBytes: MAX_UI_LANGUAGE_BYTES }).trim();
    return isLanguage(text) ? text : null;
  } catch {
    return null;
  }
}

/**
 * Writes `language` to `<dataDir>/ui-language`, whole or not at all (a temporary file renamed
 * over it; a link or FIFO planted there is not written through). @throws when the file cannot be written.
 */
export function writeUiLanguage(dataDir: string, language: Language): void {
  replaceFileSync(join(dataDir, UI_LANGUAGE_FILE), `${language}\n`, 0o644);
}

/**
 * The current language of the tray and the notifications, and the switch to another. Its
 * {@link translate} always speaks the current language, so a notice shown after a switch is in
 * the new one; a listener of {@link onChange} rebuilds what is already on screen (the tray menu).
 */
export class UiLanguage {
  private chosen: Language | null;
  private readonly translators = new Map<Language, Translate>();
  private readonly listeners: (() => void)[] = [];

  /**
   * @param dataDir where the choice is kept (read once, here).
   * @param fallback the language while none was chosen (the OS's); asked at each use, since
   * Electron knows the OS's locale only once the app is ready.
   */
  constructor(
    private readonly dataDir: string,
    private readonly fallback: () => Language,
  ) {
    this.chosen = readUiLanguage(dataDir);
  }

  /** The language now. */
  get language(): Language {
    return this.chosen ?? this.fallback();
  }

  /** Formats a message in the language of the moment. */
  readonly translate: Translate = (key, values) => {
    const language = this.language;
    let translator = this.translators.get(language);
    if (!translator) {
      translator = createTranslator(language);
      this.translators.set(language, translator);
    }
    return translator(key, values);
  };

  /** Calls `listener` after each switch to another language. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * Switches to `language` and remembers it. The switch applies even when the file cannot be
   * written (the next start then speaks the old one).
   * @throws the write's error, after switching.
   */
  set(language: Language): void {
    const before = this.language;
    this.chosen = language;
    if (language !== before) for (const listener of this.listeners) listener();
    writeUiLanguage(this.dataDir, language);
  }
}
