// The shell completion scripts, run in a real bash (a stand-in `backend-supervisor` on PATH
// answers `services -q`); the zsh script's shape (zsh itself is not on every machine).
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_COMMANDS } from '../../src/main/cli/commands';
import { bashCompletion, zshCompletion } from '../../src/main/cli/commands/completion';
import { tempDir } from '../helpers/supervise';

const dir = tempDir('bsup-cli-completion-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The stand-in: records its arguments, answers two service names.
const stub = join(dir, 'backend-supervisor');
writeFileSync(stub, `#!/bin/sh\necho "$@" > "${join(dir, 'args')}"\nprintf 'db\\nweb\\n'\n`);
chmodSync(stub, 0o755);
const script = join(dir, 'completion.bash');
writeFileSync(script, bashCompletion());

/** COMPREPLY for the words typed so far (the last one is being completed). */
function complete(...words: string[]): string[] {
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source "${script}"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _backend_supervisor; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` }, cwd: dir },
  );
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean).sort();
}

describe('bash completion', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', script], { encoding: 'utf8' }).status).toBe(0);
  });

  it('completes the commands, then each command its options', () => {
    expect(complete('backend-supervisor', '')).toEqual(
      ['serve', ...CLIENT_COMMANDS.map((c) => c.name), '--help', '--version'].sort(),
    );
    expect(complete('backend-supervisor', 'st')).toEqual(['start', 'status', 'stop']);
    expect(complete('backend-supervisor', 'logs', '-')).toEqual(
      [
        '--data-dir',
        '--follow',
        '--help',
        '--json',
        '--lines',
        '--since',
        '--token-file',
        '--url',
        '-f',
        '-h',
        '-n',
      ].sort(),
    );
    expect(complete('backend-supervisor', 'restart', '--')).toContain('--all');
    expect(complete('backend-supervisor', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it("completes service names from the supervisor, passing the connection flags typed; an option's value is not a service", () => {
    expect(complete('backend-supervisor', 'restart', '')).toEqual(['db', 'web']);
    expect(complete('backend-supervisor', 'logs', '--data-dir', '/srv/data', 'w')).toEqual(['web']);
    expect(spawnSync('cat', [join(dir, 'args')], { encoding: 'utf8' }).stdout.trim()).toBe(
      'services -q --data-dir /srv/data',
    );
    expect(complete('backend-supervisor', 'logs', '-n', '')).toEqual([]);
    writeFileSync(join(dir, 'stack-a.yaml'), '');
    expect(complete('backend-supervisor', 'status', '--token-file', 'stack-')).toEqual(['stack-a.yaml']);
    // incidents takes no service
    expect(complete('backend-supervisor', 'incidents', '')).toEqual([]);
  });
});

describe('zsh completion', () => {
  const text = zshCompletion();
  it('is a #compdef function that registers itself when sourced', () => {
    expect(text.startsWith('#compdef backend-supervisor\n')).toBe(true);
    expect(text).toContain('compdef _backend_supervisor backend-supervisor');
    for (const c of CLIENT_COMMANDS) expect(text).toContain(`    ${c.name}) _arguments`);
    expect(text).toContain(`'(-f --follow)'{-f,--follow}'[then follow new lines until Ctrl-C]'`);
    expect(text).toContain("'1:service:_backend_supervisor_services'");
  });

  it('quotes every _arguments spec: no unbalanced single quote on any line', () => {
    for (const line of text.split('\n')) expect((line.match(/'/g) ?? []).length % 2, line).toBe(0);
  });
});
