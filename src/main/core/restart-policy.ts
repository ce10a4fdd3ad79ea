/** The restart policy's settings (ms). Defaults in architecture.md ("Configuration"). */
export interface RestartPolicyConfig {
  autoRestart: boolean;
  maxRestartAttempts: number;
  restartDelayMs: number;
  maxRestartDelayMs: number;
}

/** What the policy decides after a failure: restart after `delayMs`, or give up. */
export type RestartDecision =
  { action: 'restart'; attempt: number; delayMs: number } | { action: 'give-up'; reason: string };

/**
 * Decides what follows the `failures`-th consecutive failure (1-based).
 * The first restart is immediate; each further one waits `restartDelayMs` doubling,
 * capped at `maxRestartDelayMs`; after `maxRestartAttempts` consecutive attempts the policy
 * gives up. (architecture.md, "Restart policy"; the immediate first restart beats PM2's
 * and supervisord's fixed delays.)
 */
export function decideRestart(config: RestartPolicyConfig, failures: number): RestartDecision {
  if (!config.autoRestart) return { action: 'give-up', reason: 'auto-restart is off' };
  if (failures > config.maxRestartAttempts) {
    return {
      action: 'give-up',
      reason: `gave up after ${config.maxRestartAttempts} consecutive restart attempt${config.maxRestartAttempts === 1 ? '' : 's'}`,
    };
  }
  return { action: 'restart', attempt: failures, delayMs: backoffDelay(config, failures) };
}

/** Delay before the `attempt`-th consecutive restart, ms: 0, d, 2d, 4d, … capped. */
export function backoffDelay(
  config: Pick<RestartPolicyConfig, 'restartDelayMs' | 'maxRestartDelayMs'>,
  attempt: number,
): number {
  if (attempt <= 1) return 0;
  const raw = config.restartDelayMs * 2 ** Math.min(attempt - 2, 30);
  return Math.min(raw, config.maxRestartDelayMs);
}
