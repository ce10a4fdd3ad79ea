import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_UI_LANGUAGE_BYTES, readUiLanguage, UI_LANGUAGE_FILE, UiLanguage } from '../../src/main/app/ui-language';
import type { Language } from '../../src/shared/locales/languages';
import { runInChild } from '../helpers/child-run';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-ui-language-'));
  file = join(dir, UI_LANGUAGE_FILE);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the language of the tray and the notifications', () => {
  it("speaks the fallback (the OS's) until a language is chosen, asking it at each use", () => {
    let os: Language = 'en';
    const ui = new UiLanguage(dir, () => os);
    expect(ui.translate('tray.quit')).toBe('Quit');
    os = 'ru';
    expect(ui.language).toBe('ru');
    expect(ui.translate('tray.quit')).toBe('Выйти');
  });

  it('a choice switches the translator, tells the listeners once per change and is kept for the next start', () => {
    const ui = new UiLanguage(dir, () => 'en');
    const changes: string[] = [];
    ui.onChange(() => changes.push(ui.translate('tray.quit')));
    ui.set('ru');
    expect(ui.translate('tray.startAll')).toBe('Запустить все');
    expect(changes).toEqual(['Выйти']);
    ui.set('ru');
    expect(changes).toEqual(['Выйти']);
    expect(readFileSync(file, 'utf8')).toBe('ru\n');
    expect(statSync(file).mode & 0o022).toBe(0);
    // The next start: the choice, whatever the OS says.
    expect(new UiLanguage(dir, () => 'en').translate('tray.quit')).toBe('Выйти');
    // English chosen on a Russian OS stays English.
    ui.set('en');
    expect(changes).toEqual(['Выйти', 'Quit']);
    expect(new UiLanguage(dir, () => 'ru').language).toBe('en');
  });

  it('switches even when the choice cannot be written, and says so', () => {
    const ui = new UiLanguage(join(dir, 'missing'), () => 'en');
    expect(() => ui.set('ru')).toThrow(/ENOENT/);
    expect(ui.language).toBe('ru');
  });

  it(`ignores a file that holds no supported language, or more than ${MAX_UI_LANGUAGE_BYTES} bytes`, () => {
    for (const text of ['de\n', 'RU', 'ru-RU', '', '__proto__', `ru${' '.repeat(MAX_UI_LANGUAGE_BYTES - 2)}`]) {
      writeFileSync(file, text);
      expect(readUiLanguage(dir), JSON.stringify(text)).toBe(text.trim() === 'ru' ? 'ru' : null);
    }
    writeFileSync(file, `ru${' '.repeat(MAX_UI_LANGUAGE_BYTES - 1)}`);
    expect(readUiLanguage(dir)).toBeNull();
    rmSync(file);
    symlinkSync('/dev/zero', file);
    expect(readUiLanguage(dir)).toBeNull();
  });

  it('a FIFO as the file is passed over at once in a real process (no reader waits for a writer)', () => {
    expect(spawnSync('mkfifo', [file]).status).toBe(0);
    // In a child: a read that hangs would block this worker, and no timeout ends it.
    const run = runInChild(
      `import { readUiLanguage } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/app/ui-language.ts'))};
         console.log(String(readUiLanguage(process.argv[1])));`,
      [dir],
    );
    expect(run.signal, run.stderr).toBeNull();
    expect(run.stdout.trim()).toBe('null');
  });
});
