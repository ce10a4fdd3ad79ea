/**
 * The shipped unit, resources/systemd/backend-supervisor.service: `systemd-analyze verify`
 * accepts it without a word (it prints unknown keys and bad values but still exits 0, so
 * its output counts too), it is the systemd way (Type=notify, KillMode=mixed, ExecReload
 * sends SIGHUP, no ExecStop loop), and docs/headless-systemd.md's table names each setting.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/supervise';

const ROOT = join(import.meta.dirname, '..', '..');
const UNIT = join(ROOT, 'resources', 'systemd', 'backend-supervisor.service');
const GUIDE = join(ROOT, 'docs', 'headless-systemd.md');

/** systemd-analyze's path, or null when systemd is not installed (CI's .ci/run installs it). */
function systemdAnalyze(): string | null {
  const found = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  return found.status === 0 ? 'systemd-analyze' : null;
}

/** Each section's `Key=value` lines, comments and blank lines left out; a key given twice keeps both. */
function parseUnit(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    current.push([line.slice(0, eq), line.slice(eq + 1)]);
  }
  return sections;
}

const analyze = systemdAnalyze();

describe('the systemd unit', () => {
  it.skipIf(analyze === null)(
    `passes systemd-analyze verify with nothing to say${analyze === null ? ' (skipped: systemd-analyze is not installed; apt-get install systemd)' : ''}`,
    () => {
      let text = readFileSync(UNIT, 'utf8');
      // verify checks that each Exec*= program is there: the unit's Node path is the guide's.
      if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node ', `${process.execPath} `);
      const copy = join(tempDir('bsup-unit-'), 'backend-supervisor.service');
      writeFileSync(copy, text);
      const run = spawnSync(analyze!, ['verify', copy], { encoding: 'utf8', timeout: 60_000 });
      expect(run.stderr + run.stdout).toBe('');
      expect(run.status).toBe(0);
    },
  );

  it('is Type=notify with NotifyAccess=all, KillMode=mixed, a watchdog, and ExecReload sending SIGHUP', () => {
    const service = new Map(parseUnit(readFileSync(UNIT, 'utf8')).get('Service'));
    expect(service.get('Type')).toBe('notify');
    // systemd-notify, a child of the supervisor, sends the messages.
    expect(service.get('NotifyAccess')).toBe('all');
    expect(service.get('KillMode')).toBe('mixed');
    expect(service.get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(service.has('ExecStop')).toBe(false);
    expect(Number(service.get('WatchdogSec'))).toBeGreaterThan(0);
    // A stop that waits for the backend's STOP_TIMEOUT, then PostgreSQL's, fits in it.
    expect(Number(service.get('TimeoutStopSec'))).toBeGreaterThanOrEqual(45);
  });

  it('has each of its settings in the guide’s table', () => {
    const guide = readFileSync(GUIDE, 'utf8');
    // The table: from its header row to the first line that is not a row.
    const from = guide.indexOf('| setting');
    const table = guide.slice(from, guide.indexOf('\n\n', from));
    const keys = [...parseUnit(readFileSync(UNIT, 'utf8')).values()].flatMap((entries) => entries.map(([k]) => k));
    const missing = [...new Set(keys)].filter((key) => !table.includes(`\`${key}=`));
    expect(missing).toEqual([]);
  });
});
