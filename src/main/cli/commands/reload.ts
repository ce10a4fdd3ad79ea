/**
 * `reload [--dry-run]`: the supervisor re-reads its settings and stack file in place
 * (`POST /api/v1/config/reload`); a supervisor without the route answers 404 NOT_FOUND.
 */
import { ReloadResultSchema } from '../../../shared/reload';
import { COMMAND_TIMEOUT_MS, type ControlClient } from '../client';
import { CommandFailedError, EXIT } from '../errors';
import { reloadLines } from '../../../shared/reload-text';
import { printable } from '../table';
import { messagesOf, type CommandContext } from './context';

/** The route. */
export const RELOAD_PATH = '/api/v1/config/reload';

/** Runs `reload`: exit 0 when it was carried out (or planned, `--dry-run`), 1 when it changed nothing or a start failed. */
export async function reload({ io, parsed, client }: CommandContext): Promise<number> {
  const api: ControlClient = client();
  const dryRun = parsed.values['dry-run'] === true;
  const answer = await api.call('POST', RELOAD_PATH, { dryRun }, COMMAND_TIMEOUT_MS);
  const code = (answer.body as { code?: unknown } | null)?.code;
  if (answer.status === 404 && code === 'NOT_FOUND') {
    throw new CommandFailedError({ key: 'cli.reload.unsupported', values: { path: RELOAD_PATH } }, 404, 'NOT_FOUND');
  }
  // A file with problems: the message has them a line each (`file:line: field: problem`).
  if (answer.status >= 300) api.fail(answer);
  const result = ReloadResultSchema.safeParse(answer.body);
  if (!result.success) throw new CommandFailedError({ key: 'cli.reload.notResult', values: { path: RELOAD_PATH } });
  for (const line of reloadLines(result.data, messagesOf(io))) io.out(printable(line));
  return result.data.result && !result.data.result.success ? EXIT.failed : EXIT.ok;
}
