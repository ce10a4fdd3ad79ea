/** `start|stop|restart [service | --all]`: one service (the primary one by default) or the whole stack. */
import type { ServiceStatus, StackCommandResult } from '../../../shared/services';
import type { CommandResult } from '../../../shared/status';
import { COMMAND_TIMEOUT_MS, type ControlClient } from '../client';
import { CommandFailedError, EXIT } from '../errors';
import { paint, printable, stateColour } from '../table';
import { messagesOf, type CommandContext } from './context';

/** `name: message (state, pid N)`, the state coloured. */
function resultLine(name: string, r: CommandResult, colour: boolean): string {
  const state = paint(r.status, stateColour(r.status), colour);
  return `${printable(name)}: ${printable(r.message)} (${state}${r.pid === null ? '' : `, pid ${printable(r.pid)}`})`;
}

/** Runs `start`, `stop` or `restart`. */
export async function control({ io, parsed, client }: CommandContext): Promise<number> {
  const verb = parsed.command.name as 'start' | 'stop' | 'restart';
  const api: ControlClient = client();
  if (parsed.values.all) {
    const answer = await api.call('POST', `/api/v1/stack/${verb}`, undefined, COMMAND_TIMEOUT_MS);
    const result = answer.body as Partial<StackCommandResult> | null;
    // A failed stack command still says what each service did: those lines first, then why.
    for (const s of result?.services ?? []) io.out(resultLine(s.service, s, io.colour));
    if (answer.status >= 300 || result?.success !== true) api.fail(answer);
    if ((result.services ?? []).length === 0) io.out(printable(result.message ?? messagesOf(io)('cli.nothingToDo')));
    return EXIT.ok;
  }
  // The primary service by name, so the line says which one it acted on.
  const name = parsed.operand ?? ((await api.get('/api/v1/services')) as ServiceStatus[]).find((s) => s.primary)?.name;
  if (!name) throw new CommandFailedError({ key: 'cli.error.noPrimary' });
  const answer = await api.call('POST', `/api/v1/services/${name}/${verb}`, undefined, COMMAND_TIMEOUT_MS);
  const result = answer.body as CommandResult | null;
  if (answer.status >= 300 || !result || result.success !== true) {
    if (result && typeof result.status === 'string' && typeof result.message === 'string') {
      throw new CommandFailedError(resultLine(name, result, false), answer.status);
    }
    api.fail(answer);
  }
  io.out(resultLine(name, result, io.colour));
  return EXIT.ok;
}
