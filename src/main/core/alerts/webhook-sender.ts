// Not undici's index (see health-probe.ts): the Agent and request alone.
import Agent from 'undici/lib/dispatcher/agent.js';
import requestOn from 'undici/lib/api/api-request.js';
import { describeNetworkError } from '../health-probe';
import { DeliveryTimeout, whenAborted, type DeliveryResult } from './delivery';
import type { WebhookTarget } from './notify-schema';

/** Bytes of a webhook's answer read at most; the rest is not read (the connection is closed). */
export const MAX_WEBHOOK_ANSWER_BYTES = 4096;

/**
 * POSTs alerts to webhooks with undici, through its own agent (one connection per delivery,
 * `reset`). Redirects are never followed (undici's request follows none): a 3xx is a failed
 * delivery. The budget covers connect, TLS, sending and the answer; at most
 * {@link MAX_WEBHOOK_ANSWER_BYTES} of the answer are read. Its errors never name the
 * headers, nor the URL beyond its origin.
 */
export class WebhookSender {
  private readonly agent = new Agent({ connections: 4, pipelining: 0 });

  /**
   * Sends `body` (JSON text) to `target` within `target.timeoutMs`, or until `stop` aborts.
   * Never throws: any 2xx is delivered; another status, a timeout or a network error is not.
   */
  async send(target: WebhookTarget, body: string, stop: AbortSignal): Promise<DeliveryResult> {
    const aborter = new AbortController();
    const timer = setTimeout(() => aborter.abort(new DeliveryTimeout(target.timeoutMs)), target.timeoutMs);
    const onStop = (): void => aborter.abort(stop.reason);
    stop.addEventListener('abort', onStop, { once: true });
    if (stop.aborted) onStop();
    const { signal } = aborter;
    const deadline = whenAborted(signal);
    deadline.catch(() => undefined);
    try {
      const url = new URL(target.url);
      const payload = Buffer.from(body, 'utf8');
      const res = await Promise.race([
        requestOn.call(this.agent, {
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: 'POST',
          reset: true,
          signal,
          headersTimeout: target.timeoutMs,
          bodyTimeout: target.timeoutMs,
          headers: webhookHeaders(target.headers, payload.length),
          body: payload,
        }),
        deadline,
      ]);
      await Promise.race([drain(res.body, MAX_WEBHOOK_ANSWER_BYTES), deadline]);
      const status = res.statusCode;
      if (status >= 200 && status < 300) return { ok: true };
      if (status >= 300 && status < 400)
        return { ok: false, error: `answered HTTP ${status} (redirects are not followed)` };
      return { ok: false, error: `answered HTTP ${status}` };
    } catch (err) {
      if (signal.reason instanceof DeliveryTimeout) return { ok: false, error: signal.reason.message };
      if (stop.aborted) return { ok: false, error: 'the supervisor is shutting down' };
      return { ok: false, error: describeNetworkError(err, target.timeoutMs) };
    } finally {
      clearTimeout(timer);
      stop.removeEventListener('abort', onStop);
    }
  }

  /** Ends deliveries in flight and closes connections. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/**
 * The headers of a delivery: the file's, then the body's type and length (the schema refuses
 * those names in the file), and our User-Agent unless the file gives one (in any case: HTTP
 * names are case-insensitive, and two User-Agent fields would be sent side by side).
 */
function webhookHeaders(own: Readonly<Record<string, string>>, length: number): Record<string, string> {
  const named = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  return {
    ...own,
    'content-type': 'application/json',
    'content-length': String(length),
    ...(named.has('user-agent') ? {} : { 'user-agent': 'backend-supervisor-alert' }),
  };
}

/** Reads at most `max` bytes of an answer and drops them; past that the stream is destroyed. */
async function drain(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<void> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size >= max) {
      body.destroy();
      return;
    }
  }
}
