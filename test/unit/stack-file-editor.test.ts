/**
 * The Settings page's services editor saves the stack file only when it validates, with
 * the loader's own `file:line: field: problem` errors, atomically and private (0600).
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StackFileEditor } from '../../src/main/core/stack/stack-file-editor';
import { SettingsError } from '../../src/main/core/settings/settings-errors';
import { tempDir, testConfig } from '../helpers/supervise';

const GOOD = `services:
  db:
    command: [/bin/sleep, "100"]
  backend:
    command: /bin/sleep 100
    depends_on: [db]
`;

function editor(): { editor: StackFileEditor; path: string } {
  const path = join(tempDir(), 'stack.yaml');
  return { editor: new StackFileEditor(path, false, () => testConfig(1)), path };
}

describe('the stack file editor', () => {
  it('answers no text while there is no file', () => {
    const { editor: e, path } = editor();
    expect(e.get()).toEqual({ path, text: null, services: [], active: false });
  });

  it('saves a valid stack file with mode 0600 and lists its services', () => {
    const { editor: e, path } = editor();
    expect(e.save(GOOD)).toEqual({ path, text: GOOD, services: ['db', 'backend'], active: false });
    expect(readFileSync(path, 'utf8')).toBe(GOOD);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses an invalid text with the line and field, leaving the file as it was', () => {
    const { editor: e, path } = editor();
    e.save(GOOD);
    const bad = GOOD.replace('depends_on: [db]', 'depends_on: [bakend]');
    let error: unknown;
    try {
      e.save(bad);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).code).toBe('STACK_FILE_INVALID');
    expect((error as SettingsError).message).toContain(`${path}:6: services.backend.depends_on`);
    expect((error as SettingsError).message).toContain("unknown service 'bakend'");
    expect(readFileSync(path, 'utf8')).toBe(GOOD);
  });

  it('removes the file on an empty text (back to the environment-defined backend)', () => {
    const { editor: e, path } = editor();
    e.save(GOOD);
    expect(e.save('  \n').text).toBeNull();
    expect(existsSync(path)).toBe(false);
  });

  it('shows a file on disk that no longer validates with no services, instead of failing', () => {
    const { editor: e, path } = editor();
    writeFileSync(path, 'services: [');
    expect(e.get()).toEqual({ path, text: 'services: [', services: [], active: false });
  });
});
