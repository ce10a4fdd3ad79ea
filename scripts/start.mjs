// `npm start`: build when the sources are newer than out/, then launch the desktop app.
// Electron's runtime is not downloaded at install time (allowScripts); when it is missing,
// its own installer runs once; if that fails (offline), one line says so and the headless
// supervisor serves the same dashboard over HTTP instead.
// It goes when the process that started it goes (npm, a shell, a process manager): see
// exitWithParent. BACKEND_SUPERVISOR_NO_BUILD=1 skips the build check and runs out/ as it is
// (an image built ahead of time; a test that must not rebuild a tree others are using).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/**
 * How often (ms) the parent is checked. Its death sends this process no signal: a SIGTERM to
 * npm's pid alone (what a process manager or a container runtime sends) ends npm and its
 * `sh`, and this process would stay behind with PPID 1, serving the dashboard and its
 * backend. 1 s bounds how long it outlives its parent; a getppid() a second costs nothing.
 */
const PARENT_POLL_MS = 1000;

/**
 * Stops this process gracefully once its parent is gone (its PPID changes: to 1, or to a
 * subreaper): a SIGTERM to itself, so the headless supervisor's own signal handling stops
 * the backend (SIGTERM to its group, SIGKILL after STOP_TIMEOUT), and in desktop mode the
 * forwarding below quits Electron. A parent that is already init (started detached) is
 * not watched for. The timer is unref'd: it never keeps the process alive by itself.
 */
function exitWithParent() {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    try {
      // Synchronous and caught: a stdout whose reader went with the parent (EPIPE) must not
      // become an uncaught error that ends this process before its graceful stop.
      writeSync(1, `backend-supervisor: the process that started it (pid ${parent}) is gone; stopping\n`);
    } catch {
      // nobody left to tell
    }
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_POLL_MS);
  timer.unref();
}
exitWithParent();

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

if (process.env.BACKEND_SUPERVISOR_NO_BUILD !== '1' && needsBuild()) {
  console.log('backend-supervisor: building…');
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('backend-supervisor: the build failed (see above)');
    process.exit(build.status ?? 1);
  }
}

/**
 * The Electron binary's path, or null when its runtime is not installed. Like the `electron`
 * package itself, ELECTRON_OVERRIDE_DIST_PATH names a folder holding another build of it.
 */
function electronBinary() {
  const pkgDir = join(root, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override && !name) return null;
  const binary = override ? join(override, name ?? 'electron') : join(pkgDir, 'dist', name);
  return existsSync(binary) ? binary : null;
}

/**
 * The command that runs Electron: on Linux through `setpriv --pdeathsig TERM` (util-linux)
 * where it exists, so the kernel asks Electron to quit (SIGTERM: it quits as from the menu,
 * stopping the backend first) when this process dies in any way, even by SIGKILL.
 */
function electronCommand(binary, args) {
  const setpriv =
    process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;
  return setpriv ? [setpriv, ['--pdeathsig', 'TERM', '--', binary, ...args]] : [binary, args];
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
  const [command, args] = electronCommand(binary, [root, ...process.argv.slice(2)]);
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  // The headless entry's stop signals: a closed terminal (SIGHUP) quits Electron too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
}
