/**
 * Issue 10, item 9: `backend_process_cpu_seconds_total` is a counter, so it never goes down,
 * even though a restart replaces the backend process and the new one's CPU time starts at 0;
 * the CPU a process spent after the last scrape, until the stop began, still counts. Real
 * supervisor, real backend processes that burn real CPU, the real registry.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/main/core/metrics';
import type { Supervisor } from '../../src/main/core/supervisor';
import { parseExposition } from '../helpers/exposition';
import { freePort, realSupervisor, stackOf, tempDir, testConfig, waitForState } from '../helpers/supervise';

/** CPU a /burn request spends, seconds (process.cpuUsage, user + system). */
const BURN_SECONDS = 0.4;
/**
 * The least of it the counter must show, seconds: /proc counts in 10 ms ticks and the
 * burn's last few ticks may fall after its answer; 0.3 s leaves plenty for both.
 */
const BURN_SEEN_SECONDS = 0.3;

/** A backend on PORT that answers /health and, at /burn, spends BURN_SECONDS of CPU first. */
function burningBackend(): string {
  const file = join(tempDir('bsup-burn-'), 'burn-backend.mjs');
  writeFileSync(
    file,
    `import { createServer } from 'node:http';
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const server = createServer((req, res) => {
  if (req.url === '/burn') {
    const until = cpu() + ${BURN_SECONDS};
    const wallLimit = Date.now() + 20000;
    while (cpu() < until && Date.now() < wallLimit) Math.sqrt(Math.random());
  }
  res.end('ok');
});
process.on('SIGTERM', () => process.exit(0));
server.listen(Number(process.env.PORT), '127.0.0.1');
`,
  );
  return file;
}

const disposers: Supervisor[] = [];
afterEach(async () => {
  for (const s of disposers.splice(0)) await s.dispose();
});

describe('backend_process_cpu_seconds_total', () => {
  it('does not go down across a restart, and counts the CPU spent before the stop', async () => {
    const port = await freePort();
    const config = testConfig(port, { args: [burningBackend()], healthCheckIntervalMs: 60_000 });
    const { supervisor, logs } = realSupervisor(config);
    disposers.push(supervisor);
    const registry = createMetrics(stackOf(supervisor, logs));
    const scrape = async (): Promise<{ type?: string; value?: number }> => {
      const { types, values } = parseExposition(await registry.metrics());
      return {
        type: types.get('backend_process_cpu_seconds_total'),
        value: values.get('backend_process_cpu_seconds_total{service="backend"}'),
      };
    };
    const burn = async (): Promise<void> => {
      const res = await fetch(`http://127.0.0.1:${port}/burn`);
      expect(res.status).toBe(200);
      await res.text();
    };

    await supervisor.start('user-ui');
    await waitForState(supervisor, 'running');
    await burn();
    const first = await scrape();
    expect(first.type).toBe('counter');
    expect(first.value).toBeGreaterThanOrEqual(BURN_SEEN_SECONDS);

    // Burn again, then restart before any scrape: the new process starts at 0 CPU.
    await burn();
    const oldPid = supervisor.status().pid;
    await supervisor.restart('user-ui');
    await waitForState(supervisor, 'running', 15_000, () => supervisor.status().pid !== oldPid);
    const second = await scrape();
    expect(second.value).toBeGreaterThanOrEqual((first.value ?? 0) + BURN_SEEN_SECONDS);

    // And a third process: still only up.
    const midPid = supervisor.status().pid;
    await supervisor.restart('user-ui');
    await waitForState(supervisor, 'running', 15_000, () => supervisor.status().pid !== midPid);
    const third = await scrape();
    expect(third.value).toBeGreaterThanOrEqual(second.value ?? 0);
  });
});
