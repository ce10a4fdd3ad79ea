// The command-line client in the shell's language: LC_ALL, LC_MESSAGES or LANG picks it; the
// tables' headers and the client's own words follow, the state names and the data do not.
import { describe, expect, it } from 'vitest';
import { incidents } from '../../src/main/cli/commands/incidents';
import { servicesTable } from '../../src/main/cli/commands/services';
import { statusTable } from '../../src/main/cli/commands/status';
import { createTranslator } from '../../src/shared/locales/translate';
import type { ServiceStatus } from '../../src/shared/services';

/** Runs `incidents` against a supervisor that has none, in this environment; the lines it printed. */
async function noIncidents(env: Record<string, string>): Promise<string[]> {
  const lines: string[] = [];
  const io = { out: (line: string) => lines.push(line), err: () => undefined, colour: false, env, now: Date.now };
  const code = await incidents({
    io,
    parsed: { values: {} } as never,
    client: () => ({ rpc: async () => [] }) as never,
    signal: new AbortController().signal,
  });
  expect(code).toBe(0);
  return lines;
}

const service = {
  name: 'db',
  primary: true,
  status: 'running',
  pid: 42,
  uptime_secs: 65,
  restart_count: 2,
  last_health_check: 'healthy',
  last_health: { ok: true, latency_ms: 3.2, status_code: 200, error: null, at: '2026-12-02T05:00:00.000Z' },
  state_reason: '',
  next_restart_in_ms: null,
  depends_on: [],
  health_check: { kind: 'tcp', target: '127.0.0.1:5432' },
} as unknown as ServiceStatus;

describe('the client in Russian', () => {
  it('speaks the language of LANG, LC_MESSAGES over it, and LC_ALL over both', async () => {
    expect(await noIncidents({ LANG: 'ru_RU.UTF-8' })).toEqual(['инцидентов нет']);
    expect(await noIncidents({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'ru_RU.UTF-8' })).toEqual(['инцидентов нет']);
    expect(await noIncidents({ LANG: 'ru_RU.UTF-8', LC_ALL: 'C' })).toEqual(['no incidents']);
    expect(await noIncidents({})).toEqual(['no incidents']);
  });

  it('the status and services tables: Russian headers and words, the state name as it is', () => {
    const [header, row] = statusTable([service], false, createTranslator('ru'));
    expect(header!.split(/\s{2,}/)).toEqual([
      'СЕРВИС',
      'СОСТОЯНИЕ',
      'PID',
      'РАБОТАЕТ',
      'ПЕРЕЗАПУСКИ',
      'ЗДОРОВЬЕ',
      'ИНФО',
    ]);
    expect(row).toMatch(/^db\s+running\s+42\s+\S.*\s+2\s+здоров \(3 мс\)$/);
    expect(servicesTable([service], false, createTranslator('ru'))[1]).toMatch(/^db\s+да\s+-\s+tcp 127\.0\.0\.1:5432$/);
    expect(statusTable([service], false)[0]).toMatch(/^SERVICE\s+STATE/);
  });
});
