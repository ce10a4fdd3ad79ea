/**
 * Launches that go wrong in ways a person makes by accident: a `#!` line with CRLF endings,
 * `#!/usr/bin/env -S`, an interpreter that is itself a `#!` script (nested to the kernel's
 * bound), a command that is a loop of symlinks, an argument over the kernel's per-string
 * limit, an environment value with a NUL byte. Each is refused before the spawn with a
 * message naming the cause, or runs as exec would run it. Real spawns, the real launcher.
 */
import { chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SupervisorError } from '../../src/main/core/errors';
import { ProcessLauncher, MAX_ARG_STRLEN, SHEBANG_MAX_DEPTH, type LaunchSpec } from '../../src/main/core/launcher';
import { tempDir } from '../helpers/supervise';

const launcher = new ProcessLauncher();

function script(dir: string, name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  chmodSync(file, 0o755);
  return file;
}

function spec(command: string, args: string[] = [], env: Record<string, string> = {}): LaunchSpec {
  return { command, args, cwd: tempDir(), env: { ...process.env, ...env } };
}

/** What the launch came to: the error, or how the process ended (or `running` after a moment). */
async function outcome(s: LaunchSpec): Promise<SupervisorError | { code: number | null } | 'running'> {
  let handle;
  try {
    handle = await launcher.launch(s);
  } catch (err) {
    expect(err).toBeInstanceOf(SupervisorError);
    return err as SupervisorError;
  }
  // A process that exec could not run exits within milliseconds (127); one that runs sleeps.
  const ended = await Promise.race([handle.exited, new Promise<null>((r) => setTimeout(() => r(null), 1_500))]);
  handle.signalGroup('SIGKILL');
  return ended ? { code: ended.code } : 'running';
}

describe('#! lines as the kernel reads them', () => {
  it('CRLF line endings: the interpreter is "/bin/sh\\r", refused at once, the message says so', async () => {
    const file = script(tempDir(), 'crlf.sh', '#!/bin/sh\r\nsleep 30\r\n');
    const got = await outcome(spec(file));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).code).toBe('COMMAND_NOT_FOUND');
    expect((got as SupervisorError).message).toMatch(
      /interpreter not found: \/bin\/sh\\r .*line ends in a carriage return: convert the file to LF/,
    );
  });

  it('CRLF after #!/usr/bin/env node: "node\\r" is not in PATH, refused at once', async () => {
    const file = script(tempDir(), 'crlf.js', '#!/usr/bin/env node\r\nsetInterval(() => {}, 1000)\r\n');
    const got = await outcome(spec(file, [], { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` }));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).message).toMatch(/interpreter not found in PATH: node\\r .*carriage return/);
  });

  it('#!/usr/bin/env -S: a missing program is refused at once; a present one runs with its flags', async () => {
    const dir = tempDir();
    const missing = script(dir, 'missing.sh', '#!/usr/bin/env -S no-such-program-here --flag\n');
    const got = await outcome(spec(missing));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).message).toMatch(/interpreter not found in PATH: no-such-program-here/);
    const present = script(dir, 'present.js', '#!/usr/bin/env -S node --no-warnings\nsetInterval(() => {}, 1000)\n');
    const env = { PATH: `${join(process.execPath, '..')}:/usr/bin:/bin` };
    expect(await outcome(spec(present, [], env))).toBe('running');
  });

  it('an interpreter that is itself a #! script: checked too; a missing inner interpreter is refused at once', async () => {
    const dir = tempDir();
    const inner = script(dir, 'inner', '#!/bin/sh\nexec sleep 30\n');
    expect(await outcome(spec(script(dir, 'outer', `#!${inner}\n`)))).toBe('running');
    const badInner = script(dir, 'bad-inner', '#!/nonexistent/interp\n');
    const got = await outcome(spec(script(dir, 'bad-outer', `#!${badInner}\n`)));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).message).toMatch(/interpreter not found: \/nonexistent\/interp .*of .*bad-inner/);
  });

  it(`a chain of ${SHEBANG_MAX_DEPTH + 1} #! scripts runs; one more is refused (the kernel's ELOOP)`, async () => {
    const dir = tempDir();
    let previous = script(dir, 's0', '#!/bin/sh\nexec sleep 30\n');
    for (let i = 1; i <= SHEBANG_MAX_DEPTH; i++) previous = script(dir, `s${i}`, `#!${previous}\n`);
    expect(await outcome(spec(previous))).toBe('running');
    const tooDeep = script(dir, 'one-more', `#!${previous}\n`);
    const got = await outcome(spec(tooDeep));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).code).toBe('NOT_A_PROGRAM');
    expect((got as SupervisorError).message).toMatch(/too many nested #! interpreters/);
  });
});

describe('commands and arguments exec cannot take', () => {
  it('a loop of symbolic links is named as such, not "not found"', async () => {
    const dir = tempDir();
    symlinkSync(join(dir, 'b'), join(dir, 'a'));
    symlinkSync(join(dir, 'a'), join(dir, 'b'));
    const got = await outcome(spec(join(dir, 'a')));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).message).toMatch(/is a loop of symbolic links/);
  });

  it(`an argument of ${MAX_ARG_STRLEN - 1} bytes runs; one of ${MAX_ARG_STRLEN} is a clear E2BIG error`, async () => {
    const sleeper = script(tempDir(), 'sleeper.sh', '#!/bin/sh\nexec sleep 30\n');
    expect(await outcome(spec(sleeper, ['x'.repeat(MAX_ARG_STRLEN - 1)]))).toBe('running');
    const got = await outcome(spec(sleeper, ['x'.repeat(MAX_ARG_STRLEN)]));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).code).toBe('SPAWN_FAILED');
    expect((got as SupervisorError).transient).toBe(false);
    expect((got as SupervisorError).message).toMatch(/arguments and environment are too long for exec \(E2BIG/);
  });

  it('an environment value with a NUL byte is a permanent SPAWN_FAILED naming the variable', async () => {
    const got = await outcome(spec('/bin/sleep', ['30'], { BAD_VALUE: 'a\0b' }));
    expect(got).toBeInstanceOf(SupervisorError);
    expect((got as SupervisorError).code).toBe('SPAWN_FAILED');
    expect((got as SupervisorError).message).toMatch(/BAD_VALUE.*null bytes/);
  });
});
