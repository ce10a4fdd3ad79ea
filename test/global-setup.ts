import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/**
 * Integration and e2e tests run the built reference backend and headless entry (bundled
 * in ~0.2 s); e2e also needs the built dashboard, which `npm test` builds first and a
 * lone `vitest run --project e2e` builds here when it is missing.
 */
export default function setup(project: { name?: string }): void {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], { cwd: root, stdio: 'inherit' });
  if (project.name === 'e2e' && !existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    execFileSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
      cwd: root,
      stdio: 'inherit',
    });
  }
}
