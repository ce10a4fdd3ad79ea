import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Bundles test/fixtures/emfile-supervisor.ts into `out/test-fixtures/<name>.mjs` and runs it
 * under `prlimit --nofile=64:64` (a real EMFILE), 30 s at most. One file, packages included:
 * with 64 descriptors, loading many modules in parallel would hit EMFILE itself.
 */
export async function runEmfileSupervisor(name: string): Promise<SpawnSyncReturns<string>> {
  const bundle = join(ROOT, 'out', 'test-fixtures', `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, 'test', 'fixtures', 'emfile-supervisor.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Bundled CommonJS packages require Node's modules.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return spawnSync('prlimit', ['--nofile=64:64', process.execPath, bundle], { encoding: 'utf8', timeout: 30_000 });
}
