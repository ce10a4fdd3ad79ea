// `npm start`: build when the sources are newer than out/, then launch the desktop app.
// Electron's runtime is not downloaded at install time (allowScripts); when it is missing,
// its own installer runs once; if that fails (offline), one line says so and the headless
// supervisor serves the same dashboard over HTTP instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function needsBuild() {
  const outputs = [
    'out/main/index.js',
    'out/preload/index.cjs',
    'out/renderer/index.html',
    'out/node/headless.js',
    'out/reference-backend/server.js',
  ];
  if (!outputs.every((f) => existsSync(join(root, f)))) return true;
  const built = Math.min(...outputs.map((f) => statSync(join(root, f)).mtimeMs));
  return newestMtime(join(root, 'src')) > built;
}

if (needsBuild()) {
  console.log('backend-supervisor: building…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('backend-supervisor: the build failed (see above)');
    process.exit(build.status ?? 1);
  }
}

/** The Electron binary's path, or null when its runtime is not installed. */
function electronBinary() {
  const pkgDir = join(root, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

function installElectron() {
  const installer = require.resolve('electron/install.js');
  const result = spawnSync(process.execPath, [installer], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (result.status === 0) return { ok: true };
  const text = `${result.stderr ?? ''}\n${result.stdout ?? ''}`;
  const reason = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo/.test(text)
    ? 'no network access to download it'
    : result.error
      ? result.error.message
      : (text.split('\n').find((l) => /error/i.test(l)) ?? `installer exited with ${result.status}`)
          .trim()
          .slice(0, 160);
  return { ok: false, reason };
}

let binary = electronBinary();
if (!binary) {
  const attempt = installElectron();
  binary = attempt.ok ? electronBinary() : null;
  if (!binary) {
    console.log(
      `backend-supervisor: Electron's runtime is not installed (${attempt.reason ?? 'installer finished without it'}); running the headless supervisor with the dashboard instead.`,
    );
    const { main } = await import('../out/node/headless.js');
    process.exitCode = await main(['serve', ...process.argv.slice(2)]);
  }
}
if (binary) {
  const child = spawn(binary, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
