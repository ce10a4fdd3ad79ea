import { spawnSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil, tempDir } from './supervise';

const REPO = join(import.meta.dirname, '..', '..');
/** The build copied: out/, or another build's out/ (BSUP_DESKTOP_OUT: a mutated copy the desktop tests run). */
const BUILD = process.env.BSUP_DESKTOP_OUT ?? join(REPO, 'out');

/**
 * Copies bin/ and the build's node/ (out/node, or BSUP_DESKTOP_OUT's) to a fresh folder (node_modules linked) and returns its
 * `bin/backend-supervisor.js`, once the copy answers `help`: a build elsewhere on the machine
 * meanwhile (it empties out/) cannot pull the files from under the tests. Each folder made is
 * pushed to `dirs`, for the caller to remove. @throws when no whole copy is made within 60 s.
 */
export async function privateBuild(prefix: string, dirs: string[]): Promise<string> {
  let bin = '';
  await pollUntil(
    () => {
      const root = tempDir(prefix);
      dirs.push(root);
      cpSync(join(REPO, 'bin'), join(root, 'bin'), { recursive: true });
      cpSync(join(BUILD, 'node'), join(root, 'out', 'node'), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
      bin = join(root, 'bin', 'backend-supervisor.js');
      return spawnSync(process.execPath, [bin, 'help']).status === 0;
    },
    60_000,
    500,
    'a whole copy of the built entry',
  );
  return bin;
}
