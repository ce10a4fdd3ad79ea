import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeUiLanguage, UI_LANGUAGE_FILE } from '../../src/main/app/ui-language';
import { MAX_WINDOW_STATE_BYTES, WindowStateFile } from '../../src/main/app/window-state';
import { CONTROL_URL_FILE, writeControlUrl } from '../../src/main/cli/control-url-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bsup-replace-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// The temporary file's name is guessable (the pid); whoever can write in the data folder can
// put a link or a FIFO there before the app writes.
const writers = [
  [
    'control-url',
    CONTROL_URL_FILE,
    (d: string) => writeControlUrl(d, 'http://127.0.0.1:8000'),
    'http://127.0.0.1:8000\n',
  ],
  ['ui-language', UI_LANGUAGE_FILE, (d: string) => writeUiLanguage(d, 'ru'), 'ru\n'],
  [
    'window-state.json',
    'window-state.json',
    (d: string) =>
      new WindowStateFile(join(d, 'window-state.json')).update({ maximized: true }, (err) => {
        throw err;
      }),
    '{\n  "maximized": true\n}\n',
  ],
] as const;

describe.each(writers)('writing %s whole', (_name, file, write, expected) => {
  it('a link planted at the temporary name is not followed (the file it points at stays as it was)', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, `${file}.${process.pid}.tmp`));
    write(dir);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(readFileSync(join(dir, file), 'utf8')).toBe(expected);
    expect(lstatSync(join(dir, file)).isFile()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([file, 'victim'].sort());
  });

  it('a FIFO planted at the temporary name is not opened (the write does not wait for a reader)', () => {
    const fifo = join(dir, `${file}.${process.pid}.tmp`);
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    write(dir);
    expect(readFileSync(join(dir, file), 'utf8')).toBe(expected);
    expect(readdirSync(dir)).toEqual([file]);
  });

  it('a link planted at the file itself is replaced, not written through', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    symlinkSync(victim, join(dir, file));
    write(dir);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(join(dir, file)).isFile()).toBe(true);
  });
});

describe('reading the window state', () => {
  it('a FIFO, /dev/zero or a file past its bound is an empty state, read at once', () => {
    const path = join(dir, 'window-state.json');
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    expect(new WindowStateFile(path).get()).toEqual({});
    rmSync(path);
    symlinkSync('/dev/zero', path);
    expect(new WindowStateFile(path).get()).toEqual({});
    rmSync(path);
    writeFileSync(path, `{"maximized": true}${' '.repeat(MAX_WINDOW_STATE_BYTES)}`);
    expect(new WindowStateFile(path).get()).toEqual({});
    writeFileSync(path, `{"maximized": true}${' '.repeat(MAX_WINDOW_STATE_BYTES - 19)}`);
    expect(new WindowStateFile(path).get()).toEqual({ maximized: true });
  });
});
