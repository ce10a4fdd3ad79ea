/**
 * What `reload` prints of a reload's answer, in the shell's language: a line per service it
 * changes (or would), the settings that need the supervisor restarted, the failure. Service
 * names, the changed fields and the supervisor's message stay as they are.
 */
import type { Translate } from '../../shared/locales/translate';
import type { ReloadAction, ReloadResult } from '../../shared/reload';

/** Each action's locale key, carried out and planned (`--dry-run`); `unchanged` is not printed. */
const ACTION_KEYS: Readonly<
  Record<'applied' | 'planned', Readonly<Record<Exclude<ReloadAction, 'unchanged'>, string>>>
> = {
  applied: {
    restart: 'cli.reload.restarted',
    update: 'cli.reload.updated',
    start: 'cli.reload.started',
    stop: 'cli.reload.stopped',
  },
  planned: {
    restart: 'cli.reload.wouldRestart',
    update: 'cli.reload.wouldUpdate',
    start: 'cli.reload.wouldStart',
    stop: 'cli.reload.wouldStop',
  },
};

/** The lines of a reload's answer in the language of `t`; `nothing changed` when it has none. */
export function reloadLines(result: ReloadResult, t: Translate): string[] {
  const keys = ACTION_KEYS[result.applied ? 'applied' : 'planned'];
  const lines: string[] = [];
  for (const s of result.services) {
    if (s.action === 'unchanged') continue;
    const action = t(keys[s.action]);
    lines.push(
      s.changes.length > 0
        ? t('cli.reload.lineChanges', { service: s.service, action, changes: s.changes.join(', ') })
        : t('cli.reload.line', { service: s.service, action }),
    );
  }
  if (result.needs_supervisor_restart.length > 0) {
    lines.push(t('cli.reload.needsRestart', { settings: result.needs_supervisor_restart.join(', ') }));
  }
  if (result.result && !result.result.success) lines.push(t('cli.reload.failed', { message: result.result.message }));
  return lines.length > 0 ? lines : [t('cli.reload.nothing')];
}
