// The shell completion scripts, run in a real bash and a real interactive zsh (through zpty,
// its completion system loaded); a stand-in `backend-supervisor` on PATH answers `services -q`.
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

/**
 * Types `line` and a Tab into an interactive zsh (zsh/zpty) with compinit and the script
 * loaded; answers the matches offered, as compadd got them. Each step waits for a file the
 * shell writes once it got there (a deadline of 30 s), never a fixed time.
 */
const ZSH_DRIVER = `zmodload zsh/zpty
script=$1 work=$2 line=$3
hits=$work/hits ready=$work/ready done_file=$work/done
rm -f $hits $ready $done_file
await() { local i; for i in {1..600}; do [[ -e $1 ]] && return 0; sleep 0.05; done; print -u2 "no $1 in 30 s"; zpty -d z; exit 1 }
zpty z zsh -f -i
zpty -w z "PATH=$work:\\$PATH; autoload -U compinit; compinit -u -D; source $script"
zpty -w z "compadd () { local -a __hits; builtin compadd -O __hits \\"\\$@\\"; print -l -- \\$__hits >> $hits; builtin compadd \\"\\$@\\" }"
zpty -w z "print > $ready"
await $ready
zpty -w -n z "$line"$'\\t'
zpty -w -n z $'\\x15'"print > $done_file"$'\\n'
await $done_file
zpty -d z
[[ -e $hits ]] && sort -u $hits
`;

describe('zsh completion', () => {
  const text = zshCompletion();
  const zshScript = join(dir, '_backend-supervisor');
  const driver = join(dir, 'driver.zsh');
  writeFileSync(zshScript, text);
  writeFileSync(driver, ZSH_DRIVER);
  const zcomplete = (line: string): string[] => {
    const run = spawnSync('zsh', ['-f', driver, zshScript, dir, line], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return run.stdout.split('\n').filter(Boolean).sort();
  };

  it('is valid zsh', () => {
    expect(spawnSync('zsh', ['-n', zshScript], { encoding: 'utf8' }).status).toBe(0);
  });

  it(
    'completes the commands, the options, the shells and the services (with the connection flags typed)',
    { timeout: 120_000 },
    () => {
      expect(zcomplete('backend-supervisor re')).toEqual(['reload', 'restart']);
      expect(zcomplete('backend-supervisor logs --fo')).toEqual(['--follow']);
      expect(zcomplete('backend-supervisor completion ')).toEqual(['bash', 'zsh']);
      expect(zcomplete('backend-supervisor restart --data-dir /srv/z ')).toEqual(['db', 'web']);
      expect(spawnSync('cat', [join(dir, 'args')], { encoding: 'utf8' }).stdout).toContain(
        'services -q --data-dir /srv/z',
      );
    },
  );

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
