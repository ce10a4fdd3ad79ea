/** `incidents [--json]`: what went wrong, newest first. */
import type { Incident } from '../../../shared/incident';
import { createTranslator, type Translate } from '../../../shared/locales/translate';
import { EXIT } from '../errors';
import { jsonText, table } from '../table';
import { messagesOf, type CommandContext } from './context';

/** How the process ended: `code 1`, `SIGKILL`, or `-`. */
function exitOf(i: Incident): string {
  if (!i.exit) return '-';
  return i.exit.signal ?? (i.exit.code === null ? '-' : `code ${i.exit.code}`);
}

/** The table of `incidents`; headers in the language of `t` (English by default), the incidents' words as recorded. */
export function incidentsTable(
  incidents: readonly Incident[],
  colour: boolean,
  t: Translate = createTranslator('en'),
): string[] {
  return table(
    [
      t('cli.col.time'),
      t('cli.col.service'),
      t('cli.col.kind'),
      t('cli.col.pid'),
      t('cli.col.exit'),
      t('cli.col.summary'),
      t('cli.col.action'),
    ],
    incidents.map((i) => [
      i.at,
      i.service ?? 'backend',
      { text: i.kind, colour: 'red' },
      i.pid === null ? '-' : String(i.pid),
      exitOf(i),
      i.summary,
      i.action,
    ]),
    colour,
  );
}

/** Runs `incidents`. */
export async function incidents({ io, parsed, client }: CommandContext): Promise<number> {
  const list = await client().rpc('incidents:list');
  if (parsed.values.json) io.out(jsonText(list, 2));
  else if (list.length === 0) io.out(messagesOf(io)('cli.noIncidents'));
  else for (const line of incidentsTable(list, io.colour, messagesOf(io))) io.out(line);
  return EXIT.ok;
}
