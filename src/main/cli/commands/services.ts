/** `services [--json] [-q]`: the services of the stack, what they depend on and how they are probed. */
import { createTranslator, type Translate } from '../../../shared/locales/translate';
import type { ServiceStatus } from '../../../shared/services';
import { EXIT } from '../errors';
import { jsonText, printable, table } from '../table';
import { messagesOf, type CommandContext } from './context';

/** The table of `services`, in stack-file order; headers and words in the language of `t` (English by default). */
export function servicesTable(
  services: readonly ServiceStatus[],
  colour: boolean,
  t: Translate = createTranslator('en'),
): string[] {
  return table(
    [t('cli.col.service'), t('cli.col.primary'), t('cli.col.dependsOn'), t('cli.col.healthCheck')],
    services.map((s) => [
      s.name,
      s.primary ? t('cli.yes') : '',
      s.depends_on
        .map(
          (d) =>
            `${d.service} (${t(d.condition === 'service_healthy' ? 'cli.condition.healthy' : 'cli.condition.started')})`,
        )
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
  else for (const line of servicesTable(list, io.colour, messagesOf(io))) io.out(line);
  return EXIT.ok;
}
