/**
 * A reload's answer in lines, in the language of the translator given: a line per service it
 * changes (or would), the settings that need the supervisor restarted, the failure. Service
 * names, the changed fields and the supervisor's message stay as they are. One wording for the
 * command-line client's `reload`, serve's SIGHUP lines and the Settings page's outcome.
 */
import type { MessageValues } from './locales/translate';
import type { ReloadAction, ReloadResult } from './reload';

/** A translator of the locale files' messages: the shared one, or the dashboard's i18next `t`. */
export type ReloadTranslate = (key: string, values?: MessageValues) => string;

/** Each action's locale key, carried out and planned (`--dry-run`); `unchanged` is not printed. */
const ACTION_KEYS: Readonly<
  Record<'applied' | 'planned', Readonly<Record<Exclude<ReloadAction, 'unchanged'>, string>>>
> = {
  applied: {
    restart: 'reload.restarted',
    update: 'reload.updated',
    start: 'reload.started',
    stop: 'reload.stopped',
  },
  planned: {
    restart: 'reload.wouldRestart',
    update: 'reload.wouldUpdate',
    start: 'reload.wouldStart',
    stop: 'reload.wouldStop',
  },
};

/**
 * The lines of a reload's answer in the language of `t`; `nothing changed` when it has none.
 * `name` says a changed field or setting (the Settings page: its field label); default: as it is.
 */
export function reloadLines(
  result: ReloadResult,
  t: ReloadTranslate,
  name: (key: string) => string = (key) => key,
): string[] {
  const keys = ACTION_KEYS[result.applied ? 'applied' : 'planned'];
  const lines: string[] = [];
  for (const s of result.services) {
    if (s.action === 'unchanged') continue;
    const action = t(keys[s.action]);
    lines.push(
      s.changes.length > 0
        ? t('reload.lineChanges', { service: s.service, action, changes: s.changes.map(name).join(', ') })
        : t('reload.line', { service: s.service, action }),
    );
  }
  if (result.needs_supervisor_restart.length > 0) {
    lines.push(t('reload.needsRestart', { settings: result.needs_supervisor_restart.map(name).join(', ') }));
  }
  if (result.result && !result.result.success) lines.push(t('reload.failed', { message: result.result.message }));
  return lines.length > 0 ? lines : [t('reload.nothing')];
}
