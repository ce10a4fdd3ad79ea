/**
 * Follows the control server's event stream (`GET /api/v1/events`, server-sent events) with
 * eventsource-parser: each event's name and parsed JSON payload to a callback, until the
 * signal aborts it or the server ends the stream.
 */
import { createParser } from 'eventsource-parser';
import type { ControlClient } from './client';
import { UnreachableError } from './errors';

/** Longest line of the stream kept while unfinished, characters: a bound against a server that never ends one. */
export const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** How following ended: `aborted` by the signal (Ctrl-C), `ended` by the server (it stopped). */
export type FollowEnd = 'aborted' | 'ended';

/**
 * Opens the stream; resolves with a function that reads it to its end once the stream is
 * open (so a caller subscribes first, then reads what happened before, with nothing lost
 * in between). Events whose payload is not JSON are skipped (the stream's own comments are
 * heartbeats, never events).
 * @throws as {@link ControlClient.events} when the stream cannot be opened; the reader
 * rejects with UnreachableError when a line of the stream is longer than {@link MAX_EVENT_CHARS}.
 */
export async function openFollow(
  client: ControlClient,
  signal: AbortSignal,
  onEvent: (event: string, payload: unknown) => void,
): Promise<() => Promise<FollowEnd>> {
  const body = await client.events(signal);
  let overflow = false;
  const parser = createParser({
    onEvent: (message) => {
      let payload: unknown;
      try {
        payload = JSON.parse(message.data);
      } catch {
        return;
      }
      onEvent(message.event ?? 'message', payload);
    },
    maxBufferSize: MAX_EVENT_CHARS,
    // The parser stops at once (a later feed throws its own message): the reader says why.
    onError: (err) => {
      if (err.type === 'max-buffer-size-exceeded') overflow = true;
    },
  });
  const tooLong = (): UnreachableError =>
    new UnreachableError({ key: 'cli.error.lineTooLong', values: { mib: MAX_EVENT_CHARS / 1024 / 1024 } });
  return async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        if (overflow) break;
      }
    } catch (err) {
      if (signal.aborted) return 'aborted';
      throw err;
    }
    if (overflow) {
      (body as { destroy?: () => void }).destroy?.();
      throw tooLong();
    }
    return signal.aborted ? 'aborted' : 'ended';
  };
}
