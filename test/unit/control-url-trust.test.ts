// The client and a control-url someone else may have written: a file of another user, one
// others may change, a symbolic link. Followed, it would send the folder's token to any
// address; refused, exit 1, naming it, in the shell's language.
import { chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runClient } from '../../src/main/cli/main';
import type { Output } from '../../src/main/console-output';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-control-url-trust-'));
  file = join(dir, 'control-url');
  writeFileSync(join(dir, 'control-token'), 'secret-token\n', { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function status(env: Record<string, string>): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const output = { out: () => undefined, err: (l: string) => void err.push(l), backlog: () => 0 };
  const code = await runClient(['status'], output as unknown as Output, {
    env: { SUPERVISOR_DATA_DIR: dir, ...env },
    stdoutIsTTY: false,
  });
  return { code, err: err.join('\n') };
}

/** An address nobody listens on: the client reaching for it shows it used the file. */
const NOBODY = 'http://127.0.0.1:1';
const isRoot = process.getuid?.() === 0;

describe('a control-url another user may have written', () => {
  it('one of the supervisor’s user, 0644, is used', async () => {
    writeFileSync(file, `${NOBODY}\n`, { mode: 0o644 });
    const run = await status({ LANG: 'C' });
    expect(run.code).toBe(3);
    expect(run.err).toContain(NOBODY);
  });

  it('one that group or others may change is refused, naming it (exit 1), in English and in Russian', async () => {
    writeFileSync(file, `${NOBODY}\n`);
    chmodSync(file, 0o666);
    const en = await status({ LANG: 'C' });
    expect(en.code).toBe(1);
    expect(en.err).toContain(`${file} is not the supervisor's: another user owns it or may change it`);
    expect(en.err).not.toContain(NOBODY);
    const ru = await status({ LANG: 'ru_RU.UTF-8' });
    expect(ru.code).toBe(1);
    expect(ru.err).toContain(`${file} — чужой файл`);
  });

  it.runIf(isRoot)('one owned by another user (not root, not the folder’s owner) is refused', async () => {
    writeFileSync(file, `${NOBODY}\n`, { mode: 0o644 });
    chownSync(file, 65534, 65534);
    const run = await status({ LANG: 'C' });
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${file} is not the supervisor's`);
  });

  it('a symbolic link is refused (a supervisor writes a regular file)', async () => {
    const elsewhere = join(dir, 'elsewhere');
    writeFileSync(elsewhere, `${NOBODY}\n`, { mode: 0o644 });
    symlinkSync(elsewhere, file);
    const run = await status({ LANG: 'C' });
    expect(run.code).toBe(1);
    expect(run.err).toContain(`${file} is not a regular file`);
  });
});
