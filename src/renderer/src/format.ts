/**
 * Display helpers: durations, times, numbers and sizes as the dashboard shows them, through
 * `Intl` in the dashboard's language (set by the i18n module on each switch; English until then).
 */
import { languageOfTag, type Language } from '../../shared/locales/languages';
import { createTranslator, type Translate } from '../../shared/locales/translate';

/** Placeholder for a value that does not exist (no PID, no check yet). */
export const NONE = '—';

let locale: Language = 'en';
let translate: Translate = createTranslator(locale);
// Intl formatters are costly to build and the log view formats thousands of values: one per
// options, per language.
let cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();

/** Sets the language the helpers format for (`ru`, `en`; an untranslated one means English). */
export function setFormatLocale(tag: string): void {
  const language = languageOfTag(tag) ?? 'en';
  if (language === locale) return;
  locale = language;
  translate = createTranslator(language);
  cache = new Map();
}

/** The language the helpers format for now. */
export function formatLocale(): Language {
  return locale;
}

function numberFormat(options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** A plain number with the language's digits grouping and decimal sign (`1,234.5`, `1 234,5`). */
export function formatNumber(value: number, maximumFractionDigits = 0): string {
  return numberFormat({ maximumFractionDigits }).format(value);
}

/** One unit of a duration in its narrow form (`4h`, `4 ч`), two digits when it follows a larger unit. */
function durationUnit(unit: 'day' | 'hour' | 'minute' | 'second', value: number, padded: boolean): string {
  return numberFormat({ style: 'unit', unit, unitDisplay: 'narrow', minimumIntegerDigits: padded ? 2 : 1 }).format(
    value,
  );
}

/** `3d 04h 05m 06s`, `5m 06s`, `42s` from whole seconds (Russian: `3 д. 04 ч 05 мин 06 с`). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const seconds = s % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(durationUnit('day', days, false));
  if (days > 0 || hours > 0) parts.push(durationUnit('hour', hours, parts.length > 0));
  if (parts.length > 0 || minutes > 0) parts.push(durationUnit('minute', minutes, parts.length > 0));
  parts.push(durationUnit('second', seconds, parts.length > 0));
  return parts.join(' ');
}

/** `12:03:04` in local time, or the input unchanged when it is not a date. */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(date);
}

/** `12:03:04.567` in local time, for log lines (the same in every language: columns align). */
export function formatLogTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Full local date and time, for tooltips (`12/2/2026, 05:00:36`, `02.12.2026, 05:00:36`). */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

// CLDR's narrow Russian relative times have no "ago" (`-5 с`): Russian takes the short form
// (`5 сек. назад`), English the narrow one (`5s ago`).
const AGO_STYLE: Record<Language, Intl.RelativeTimeFormatStyle> = { en: 'narrow', ru: 'short' };

/** `5s ago`, `3m ago`, `2h ago` from an RFC 3339 time and the current time. */
export function formatAgo(iso: string, now: number): string {
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return '';
  const key = `r${locale}`;
  let format = cache.get(key) as Intl.RelativeTimeFormat | undefined;
  if (!format) {
    format = new Intl.RelativeTimeFormat(locale, { style: AGO_STYLE[locale], numeric: 'always' });
    cache.set(key, format);
  }
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return format.format(-seconds, 'second');
  if (seconds < 3_600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86_400) return format.format(-Math.floor(seconds / 3_600), 'hour');
  return format.format(-Math.floor(seconds / 86_400), 'day');
}

/** Latency in ms, rounded for display (`12 ms`, `0.4 ms`; Russian `12 мс`, `0,4 мс`). */
export function formatLatency(ms: number): string {
  return numberFormat({
    style: 'unit',
    unit: 'millisecond',
    unitDisplay: 'short',
    maximumFractionDigits: ms < 10 ? 1 : 0,
  })
    .format(ms)
    .replace(/\u00a0/g, ' ');
}

/**
 * A size in MiB (`48.2 MiB`, `1235 MiB`; Russian `48,2 МиБ`): one decimal below 100, no
 * grouping below 10,000. Intl has no binary units, so the symbol comes from the translations.
 */
export function formatMebibytes(mib: number): string {
  const value = numberFormat({ maximumFractionDigits: mib >= 100 ? 0 : 1, useGrouping: 'min2' }).format(mib);
  return translate('unit.mib', { value });
}

/** A size in bytes in the largest binary unit that keeps it at 1 or more (`512 B`, `1.5 KiB`, `48.2 MiB`). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return translate('unit.bytes', { value: formatNumber(bytes) });
  if (bytes < 1024 ** 2) return translate('unit.kib', { value: formatNumber(bytes / 1024, 1) });
  if (bytes < 1024 ** 3) return formatMebibytes(bytes / 1024 ** 2);
  return translate('unit.gib', { value: formatNumber(bytes / 1024 ** 3, 1) });
}

/** Money in the backend's major unit with two decimals and grouping (`1,234.50`); the backend names no currency. */
export function formatMoney(amount: number): string {
  return numberFormat({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
}

/** A stock quantity with at most three decimals (`0.125`, `1,200`). */
export function formatQuantity(amount: number): string {
  return numberFormat({ maximumFractionDigits: 3 }).format(amount);
}

/** `01/21/2026, 10:30` (English) or `21.01.2026, 10:30` (Russian) in local time, for table cells. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat({
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}
