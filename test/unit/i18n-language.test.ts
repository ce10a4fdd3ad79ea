/**
 * Which language the UI starts in (browser or OS locales, the shell's LANG/LC_*), and the
 * dashboard's numbers, dates, durations and sizes through Intl in the chosen one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { languageFromEnv, languageOfTag, pickLanguage } from '../../src/shared/locales/languages';
import {
  formatAgo,
  formatDateTime,
  formatDuration,
  formatLatency,
  formatMebibytes,
  formatBytes,
  formatMoney,
  setFormatLocale,
} from '../../src/renderer/src/format';

describe('picking the language', () => {
  it('takes the first translated one of the preferred locales, else English', () => {
    expect(pickLanguage(['ru-RU', 'en-US'])).toBe('ru');
    expect(pickLanguage(['de-DE', 'ru', 'en'])).toBe('ru');
    expect(pickLanguage(['en-GB', 'ru-RU'])).toBe('en');
    expect(pickLanguage(['de-DE', 'fr'])).toBe('en');
    expect(pickLanguage([])).toBe('en');
    expect(pickLanguage([undefined, ''])).toBe('en');
  });

  it('reads BCP 47 tags and POSIX locales', () => {
    expect(languageOfTag('ru_RU.UTF-8')).toBe('ru');
    expect(languageOfTag('RU')).toBe('ru');
    expect(languageOfTag('ru_UA@euro')).toBe('ru');
    expect(languageOfTag('C')).toBeNull();
    expect(languageOfTag('rus')).toBeNull();
  });

  it('follows LC_ALL, then LC_MESSAGES, then LANG', () => {
    expect(languageFromEnv({ LANG: 'ru_RU.UTF-8' })).toBe('ru');
    expect(languageFromEnv({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'ru_RU.UTF-8' })).toBe('ru');
    expect(languageFromEnv({ LANG: 'ru_RU.UTF-8', LC_ALL: 'C' })).toBe('en');
    expect(languageFromEnv({ LANG: 'ru_RU.UTF-8', LC_ALL: '' })).toBe('ru');
    expect(languageFromEnv({})).toBe('en');
  });

  it('a locale whose character set is not UTF-8 gets English (Cyrillic in UTF-8 would print as mojibake there)', () => {
    expect(languageFromEnv({ LANG: 'ru_RU.KOI8-R' })).toBe('en');
    expect(languageFromEnv({ LANG: 'ru_RU.CP1251' })).toBe('en');
    expect(languageFromEnv({ LC_ALL: 'ru_RU.ISO-8859-5@euro' })).toBe('en');
    expect(languageFromEnv({ LANG: 'ru_RU.utf8' })).toBe('ru');
    expect(languageFromEnv({ LANG: 'ru_RU.UTF-8@euro' })).toBe('ru');
    // No character set named: the terminal's is taken to be UTF-8.
    expect(languageFromEnv({ LANG: 'ru' })).toBe('ru');
    expect(languageFromEnv({ LANG: 'ru_RU' })).toBe('ru');
  });

  it('odd values decide nothing: LANGUAGE alone, paths, a 10 kB value', () => {
    expect(languageFromEnv({ LANGUAGE: 'ru' })).toBe('en');
    expect(languageFromEnv({ LANG: '../../ru_RU.UTF-8' })).toBe('en');
    expect(languageFromEnv({ LANG: `ru_RU.UTF-8${'x'.repeat(10_000)}` })).toBe('en');
    expect(languageFromEnv({ LANG: 'x'.repeat(10_000) })).toBe('en');
  });
});

describe('formatting through Intl in the chosen language', () => {
  afterEach(() => setFormatLocale('en'));

  it('English keeps the compact forms', () => {
    setFormatLocale('en');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 5 * 60 + 6)).toBe('3d 04h 05m 06s');
    expect(formatDuration(306)).toBe('5m 06s');
    expect(formatDuration(42)).toBe('42s');
    expect(formatLatency(0.44)).toBe('0.4 ms');
    expect(formatLatency(12.4)).toBe('12 ms');
    expect(formatMebibytes(1234.56)).toBe('1235 MiB');
    expect(formatMoney(1234.5)).toBe('1,234.50');
    expect(formatAgo(new Date(10_000).toISOString(), 15_000)).toBe('5s ago');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });

  it('Russian: its units, decimal comma, digit grouping and date order', () => {
    setFormatLocale('ru-RU');
    expect(formatDuration(3 * 86_400 + 4 * 3_600 + 5 * 60 + 6)).toMatch(/^3 д\.? 04 ч 05 мин 06 с$/);
    expect(formatLatency(0.44)).toBe('0,4 мс');
    expect(formatMebibytes(48.25)).toBe('48,3 МиБ');
    expect(formatBytes(1536)).toBe('1,5 КиБ');
    expect(formatMoney(1234.5).replace(/\s/g, ' ')).toBe('1 234,50');
    expect(formatAgo(new Date(0).toISOString(), 3 * 60_000)).toBe('3 мин. назад');
    // Day before month, dots: 21.01.2026.
    expect(formatDateTime(new Date(2026, 0, 21, 10, 30, 5).toISOString())).toMatch(/^21\.01\.2026,? 10:30:05$/);
  });
});
