import type { LogStore } from '../log-store';
import { alertEnvironment, type AlertPayload } from './alert-payload';
import { CommandSender } from './command-sender';
import type { DeliveryResult } from './delivery';
import { DeliveryQueue } from './delivery-queue';
import { targetLabel, type NotifyTarget } from './notify-schema';
import { WebhookSender } from './webhook-sender';

/** How one delivery of an alert to one target ended: `backend_alerts_total`'s `outcome` label. */
export const ALERT_OUTCOMES = ['sent', 'failed', 'dropped', 'not_sent'] as const;
/** One of {@link ALERT_OUTCOMES}: sent, failed (why is in the log), dropped (the queue full), not_sent (a shutdown). */
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];
/** Told each delivery's end: its target's kind and how it ended. */
export type AlertOutcomeListener = (target: NotifyTarget['kind'], outcome: AlertOutcome) => void;

/**
 * Hands each alert to its targets through one bounded {@link DeliveryQueue} and says in
 * the service's supervisor log how each delivery went (sent, failed and why, or dropped).
 * No retries: a receiver that is down gets the next alert, not a storm of this one. Logs
 * name a target by {@link targetLabel} only: never its headers, never a webhook's path.
 */
export class AlertDispatcher {
  private readonly queue: DeliveryQueue;
  private readonly webhooks = new WebhookSender();
  private readonly commands = new CommandSender();
  /** Deliveries queued and not started yet: a close says each, as every delivery is said. */
  private readonly waiting = new Set<{ said: string; logs: LogStore; told: () => void }>();

  constructor(queue = new DeliveryQueue()) {
    this.queue = queue;
  }

  /**
   * Queues a delivery of `payload` to each of `targets` that takes its event; returns at once.
   * `outcome` hears how each delivery ended (once each, also when dropped or not sent).
   */
  dispatch(
    payload: AlertPayload,
    targets: readonly NotifyTarget[],
    logs: LogStore,
    outcome: AlertOutcomeListener = () => {},
  ): void {
    const body = JSON.stringify(payload);
    const held = payload.suppressed.count;
    const about = `alert (${payload.event}${held > 0 ? `, ${held} held back before it` : ''})`;
    for (const target of targets) {
      if (!target.events.includes(payload.event)) continue;
      const label = targetLabel(target);
      const waiting = {
        said: `${about} to ${label} not sent: the supervisor is shutting down`,
        logs,
        told: () => outcome(target.kind, 'not_sent'),
      };
      this.waiting.add(waiting);
      const queued = this.queue.push(async (stop) => {
        this.waiting.delete(waiting);
        const result = await this.deliver(target, payload, body, stop);
        if (result.ok) logs.append('supervisor', `${about} sent to ${label}`);
        else logs.append('supervisor', `${about} to ${label} failed: ${result.error}`);
        outcome(target.kind, result.ok ? 'sent' : 'failed');
      });
      if (!queued) {
        this.waiting.delete(waiting);
        logs.append(
          'supervisor',
          `${about} to ${label} dropped: the alert queue is full (${this.queue.size} deliveries)`,
        );
        outcome(target.kind, 'dropped');
      }
    }
  }

  /** Ends deliveries in flight (their processes killed, requests destroyed) and drops those waiting, saying each. */
  async close(): Promise<void> {
    await this.queue.close();
    for (const { said, logs, told } of this.waiting) {
      logs.append('supervisor', said);
      told();
    }
    this.waiting.clear();
    await this.webhooks.close();
    // After the queue: every command has ended, its group killed.
    this.commands.close();
  }

  private deliver(
    target: NotifyTarget,
    payload: AlertPayload,
    body: string,
    stop: AbortSignal,
  ): Promise<DeliveryResult> {
    if (target.kind === 'webhook') return this.webhooks.send(target, body, stop);
    return this.commands.run(target, body, alertEnvironment(payload), stop);
  }
}
