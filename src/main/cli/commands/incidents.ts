/** `incidents [--json]`: what went wrong, newest first. */
import type { Incident } from '../../../shared/incident';
import { EXIT } from '../errors';
import { jsonText, table } from '../table';
import type { CommandContext } from './context';

/** How the process ended: `code 1`, `SIGKILL`, or `-`. */
function exitOf(i: Incident): string {
  if (!i.exit) return '-';
  return i.exit.signal ?? (i.exit.code === null ? '-' : `code ${i.exit.code}`);
}

/** The table of `incidents`. */
export function incidentsTable(incidents: readonly Incident[], colour: boolean): string[] {
  return table(
    ['TIME', 'SERVICE', 'KIND', 'PID', 'EXIT', 'SUMMARY', 'ACTION'],
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
  else if (list.length === 0) io.out('no incidents');
  else for (const line of incidentsTable(list, io.colour)) io.out(line);
  return EXIT.ok;
}
