/** `reload`: the supervisor re-reads its settings and stack file (`POST /api/v1/config/reload`). */
import { COMMAND_TIMEOUT_MS, type ControlClient } from '../client';
import { CommandFailedError, EXIT } from '../errors';
import { printable } from '../table';
import type { CommandContext } from './context';

/** The route; a supervisor without it answers 404 NOT_FOUND. */
export const RELOAD_PATH = '/api/v1/config/reload';

/** The lines of an answer: its message, then each list in it (`restarted: a, b`). */
function answerLines(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return ['reloaded'];
  const b = body as Record<string, unknown>;
  const data = typeof b.data === 'object' && b.data !== null ? (b.data as Record<string, unknown>) : b;
  const lines = typeof data.message === 'string' ? data.message.split('\n') : ['reloaded'];
  for (const [key, value] of Object.entries(data)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      lines.push(`${key}: ${value.length > 0 ? value.join(', ') : '-'}`);
    }
  }
  return lines.map(printable);
}

/** Runs `reload`. */
export async function reload({ io, client }: CommandContext): Promise<number> {
  const api: ControlClient = client();
  const answer = await api.call('POST', RELOAD_PATH, {}, COMMAND_TIMEOUT_MS);
  const code = (answer.body as { code?: unknown } | null)?.code;
  if (answer.status === 404 && code === 'NOT_FOUND') {
    throw new CommandFailedError(
      `this supervisor does not support reload (no ${RELOAD_PATH}); restart it to apply its settings`,
      404,
      'NOT_FOUND',
    );
  }
  const body = answer.body as { ok?: unknown; success?: unknown } | null;
  if (answer.status >= 300 || body?.ok === false || body?.success === false) api.fail(answer);
  for (const line of answerLines(answer.body)) io.out(line);
  return EXIT.ok;
}
