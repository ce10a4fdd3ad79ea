// The settings file's bounded read against what else may sit at its path: a link to a FIFO,
// a folder, a file at the bound in multi-byte characters.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SETTINGS_FILE_BYTES, readSettingsFile } from '../../src/main/core/settings/settings-file-store';
import { runInChild } from '../helpers/child-run';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-settings-adv-'));
  file = join(dir, 'settings.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function caught(run: () => unknown): Error {
  try {
    run();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('the settings file read', () => {
  it('a link to a FIFO nobody writes is refused at once in a real process, naming the link', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    symlinkSync(fifo, file);
    // In a child: a read that hangs would block this worker's event loop.
    const run = runInChild(
      `import { readSettingsFile } from ${JSON.stringify(join(import.meta.dirname, '../../src/main/core/settings/settings-file-store.ts'))};
         try { readSettingsFile(process.argv[1]); } catch (err) { console.log(err.message); }`,
      [file],
    );
    expect(run.signal, run.stderr).toBeNull();
    expect(run.stdout).toContain(`settings file ${file}: is not a regular file`);
  });

  it('a folder is refused, naming it', () => {
    mkdirSync(file);
    expect(caught(() => readSettingsFile(file)).message).toMatch(
      new RegExp(`^settings file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot be read \\(EISDIR`),
    );
  });

  it('the bound is in bytes: a file of two-byte characters at it is read, one byte over is refused', () => {
    // "я" is two bytes in UTF-8; a JSON string of them as an unknown key's value is past the
    // read, so the read's own verdict shows.
    const body = (bytes: number): string => {
      const head = '{"x": "';
      const tail = '"}';
      const room = bytes - head.length - tail.length;
      return `${head}${'я'.repeat(Math.floor(room / 2))}${room % 2 ? ' ' : ''}${tail}`;
    };
    writeFileSync(file, body(MAX_SETTINGS_FILE_BYTES));
    expect(readFileSync(file).length).toBe(MAX_SETTINGS_FILE_BYTES);
    expect(caught(() => readSettingsFile(file)).message).not.toContain('is larger than');
    writeFileSync(file, body(MAX_SETTINGS_FILE_BYTES + 1));
    expect(readFileSync(file).length).toBe(MAX_SETTINGS_FILE_BYTES + 1);
    expect(caught(() => readSettingsFile(file)).message).toContain(`is larger than ${MAX_SETTINGS_FILE_BYTES} bytes`);
  });
});
