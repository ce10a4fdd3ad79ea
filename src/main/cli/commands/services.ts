/** `services [--json] [-q]`: the services of the stack, what they depend on and how they are probed. */
import type { ServiceStatus } from '../../../shared/services';
import { EXIT } from '../errors';
import { jsonText, printable, table } from '../table';
import type { CommandContext } from './context';

/** The table of `services`, in stack-file order. */
export function servicesTable(services: readonly ServiceStatus[], colour: boolean): string[] {
  return table(
    ['SERVICE', 'PRIMARY', 'DEPENDS ON', 'HEALTH CHECK'],
    services.map((s) => [
      s.name,
      s.primary ? 'yes' : '',
      s.depends_on
        .map((d) => `${d.service} (${d.condition === 'service_healthy' ? 'healthy' : 'started'})`)
        .join(', ') || '-',
      `${s.health_check.kind}${s.health_check.target ? ` ${s.health_check.target}` : ''}`,
    ]),
    colour,
  );
}

/** Runs `services`. */
export async function services({ io, parsed, client }: CommandContext): Promise<number> {
  const list = (await client().get('/api/v1/services')) as ServiceStatus[];
  if (parsed.values.json) io.out(jsonText(list, 2));
  else if (parsed.values.quiet) for (const s of list) io.out(printable(s.name));
  else for (const line of servicesTable(list, io.colour)) io.out(line);
  return EXIT.ok;
}
