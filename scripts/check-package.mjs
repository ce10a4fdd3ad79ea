// `npm run check:package`: checks electron-builder.yml offline. Packs `--linux dir` against a
// stub Electron folder (the real runtime cannot be downloaded here), then checks what
// travels: app.asar holds the built app and every npm package the main process imports;
// the extra resources are in place; the fuses are flipped as configured (the stub carries an
// Electron-shaped fuse wire); and the packaged reference backend starts and answers
// /health when run by Node from where it lies, so its own npm packages are complete.
// Run after `npm run build`. Prints what it checked; exits 1 on any miss.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { bareImports } from './stage-reference-backend.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const builderRequire = createRequire(require.resolve('app-builder-lib/package.json'));
const asar = builderRequire('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = builderRequire('@electron/fuses');
const { FuseState } = builderRequire('@electron/fuses/dist/constants');

const started = Date.now();
const keep = process.env.KEEP_PACKAGE_CHECK === '1';
const checks = [];
const misses = [];
function check(ok, what, detail = '') {
  (ok ? checks : misses).push(`${what}${detail ? ` (${detail})` : ''}`);
  console.log(`  ${ok ? 'ok  ' : 'MISS'} ${what}${detail ? `: ${detail}` : ''}`);
  return ok;
}

const built = [
  'out/main/index.js',
  'out/preload/index.cjs',
  'out/renderer/index.html',
  'out/reference-backend/server.js',
];
const unbuilt = built.filter((p) => !existsSync(join(root, p)));
if (unbuilt.length > 0) {
  console.error(`check:package: ${unbuilt.join(', ')} missing: run \`npm run build\` first`);
  process.exit(1);
}

// Outside the project on purpose: Node must not find the project's node_modules above the
// packaged reference backend when it is started below.
const work = mkdtempSync(join(tmpdir(), 'bsup-package-'));
const stub = join(work, 'electron-stub');
const output = join(work, 'dist');
mkdirSync(stub);

// The stub: an `electron` executable that says it is a stub, carrying the fuse sentinel and
// a version-1 wire of 8 fuses in Electron's default states, so electron-builder's fuse step
// runs for real. electron-builder copies the folder and renames `electron` to the
// executableName; it needs nothing else for a `dir` target.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_WIRE = '10110001'; // RunAsNode, cookie enc., NODE_OPTIONS, inspect, asar integrity, asar only, V8 snapshot, file://
writeFileSync(
  join(stub, 'electron'),
  Buffer.concat([
    Buffer.from('#!/bin/sh\necho "a stub Electron for packaging checks: it cannot run" >&2\nexit 1\n# '),
    Buffer.from(SENTINEL),
    Buffer.from([1, DEFAULT_WIRE.length]),
    Buffer.from(DEFAULT_WIRE),
    Buffer.from('\n'),
  ]),
);
chmodSync(join(stub, 'electron'), 0o755);
writeFileSync(join(stub, 'LICENSE'), 'stub\n');
writeFileSync(join(stub, 'version'), `${require('electron/package.json').version}\n`);

/** Runs electron-builder; any sign of a download attempt ends it at once (no 44 s retries). */
function runBuilder() {
  const cli = join(dirname(require.resolve('electron-builder/package.json')), 'cli.js');
  const args = [
    cli,
    ...['--linux', 'dir', '--publish', 'never'],
    `-c.electronDist=${stub}`,
    `-c.directories.output=${output}`,
  ];
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: {
        ...process.env,
        // A cache of its own, so nothing cached from elsewhere is used silently.
        ELECTRON_BUILDER_CACHE: join(work, 'cache'),
        ELECTRON_CACHE: join(work, 'cache'),
        CSC_IDENTITY_AUTO_DISCOVERY: 'false',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let downloading = null;
    const watch = (chunk) => {
      const text = chunk.toString();
      log += text;
      const line = text.split('\n').find((l) => /download/i.test(l));
      if (line && !downloading) {
        downloading = line.trim();
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    const timer = setTimeout(() => child.kill('SIGTERM'), 180_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveRun({ code, signal, log, downloading });
    });
  });
}

async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Starts the packaged reference backend with Node and waits for GET /health = 200. */
async function startPackagedBackend(serverJs) {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: join(work, 'backend-data') };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [serverJs], { cwd: dirname(serverJs), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let healthy = false;
  let gone = null;
  void exited.then((e) => (gone = e));
  const deadline = Date.now() + 60_000;
  while (!healthy && !gone && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      healthy = res.status === 200;
    } catch {
      // not listening yet
    }
    if (!healthy) await new Promise((r) => setTimeout(r, 100));
  }
  if (!gone) child.kill('SIGTERM');
  let timer;
  const exit = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r(null), 10_000)))]);
  clearTimeout(timer);
  if (!exit) {
    child.kill('SIGKILL');
    await exited;
  }
  return { healthy, log, exit };
}

let failed = false;
try {
  console.log(`check:package: electron-builder --linux dir against a stub Electron in ${work}`);
  const builderStarted = Date.now();
  const run = await runBuilder();
  const builderSeconds = ((Date.now() - builderStarted) / 1000).toFixed(1);
  if (run.downloading) throw new Error(`electron-builder tried to download something: ${run.downloading}`);
  if (run.code !== 0) throw new Error(`electron-builder failed (${run.code ?? run.signal}):\n${run.log.slice(-3000)}`);
  check(true, `electron-builder packed linux-unpacked in ${builderSeconds} s, no download`);

  const appDir = join(output, 'linux-unpacked');
  const resources = join(appDir, 'resources');
  const executable = join(appDir, 'backend-supervisor');
  check(existsSync(executable) && (statSync(executable).mode & 0o111) !== 0, 'executable backend-supervisor');

  // app.asar: the app and what the main process imports.
  const appAsar = join(resources, 'app.asar');
  const entries = new Set(asar.listPackage(appAsar, { isPack: false }).map((p) => p.replaceAll('\\', '/')));
  for (const file of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/package.json']) {
    check(entries.has(file), `app.asar ${file}`);
  }
  const assets = [...entries].filter((p) => p.startsWith('/out/renderer/assets/') && p.endsWith('.js'));
  check(assets.length > 0, 'app.asar /out/renderer/assets/*.js', `${assets.length} file(s)`);
  const manifest = JSON.parse(asar.extractFile(appAsar, 'package.json').toString('utf8'));
  check(manifest.main === 'out/main/index.js', 'app.asar package.json main', manifest.main);
  const mainImports = bareImports(readFileSync(join(root, 'out/main/index.js'), 'utf8')).filter(
    (n) => n !== 'electron',
  );
  const missingMain = mainImports.filter((n) => !entries.has(`/node_modules/${n}/package.json`));
  check(
    missingMain.length === 0,
    `app.asar node_modules for the main process: ${mainImports.join(', ')}`,
    missingMain.length ? `missing ${missingMain.join(', ')}` : '',
  );
  const strays = [...entries].filter((p) =>
    /^\/(src|test|out\/node|out\/reference-backend|out\/package|dist)(\/|$)|\.map$/.test(p),
  );
  check(
    strays.length === 0,
    'app.asar holds no sources, tests, source maps or other builds',
    strays.slice(0, 5).join(', '),
  );

  // Extra resources.
  const backendDir = join(resources, 'reference-backend');
  const serverJs = join(backendDir, 'server.js');
  check(existsSync(serverJs), 'resources/reference-backend/server.js');
  const backendImports = bareImports(readFileSync(serverJs, 'utf8'));
  const missingBackend = backendImports.filter((n) => !existsSync(join(backendDir, 'node_modules', n, 'package.json')));
  check(
    missingBackend.length === 0,
    `resources/reference-backend/node_modules: ${backendImports.join(', ')}`,
    missingBackend.length ? `missing ${missingBackend.join(', ')}` : '',
  );
  check(existsSync(join(resources, 'site-backend', 'README.md')), 'resources/site-backend/ (README placeholder)');
  const trayIcons = ['running', 'starting', 'stopped', 'crashed'].map((s) => `${s}.png`);
  const tray = existsSync(join(resources, 'tray')) ? readdirSync(join(resources, 'tray')) : [];
  check(
    trayIcons.every((f) => tray.includes(f)),
    'resources/tray/ icons per state',
    tray.filter((f) => !f.includes('@')).join(', '),
  );

  // Fuses, read back from the packed executable.
  const wire = await getCurrentFuseWire(executable);
  const want = {
    RunAsNode: FuseState.ENABLE,
    EnableCookieEncryption: FuseState.ENABLE,
    EnableNodeOptionsEnvironmentVariable: FuseState.DISABLE,
    EnableNodeCliInspectArguments: FuseState.DISABLE,
    EnableEmbeddedAsarIntegrityValidation: FuseState.ENABLE,
    OnlyLoadAppFromAsar: FuseState.ENABLE,
  };
  const wrong = Object.entries(want).filter(([name, state]) => wire[FuseV1Options[name]] !== state);
  const describe = (state) => (state === FuseState.ENABLE ? 'on' : state === FuseState.DISABLE ? 'off' : String(state));
  check(
    wrong.length === 0,
    'fuses flipped',
    Object.keys(want)
      .map((name) => `${name}=${describe(wire[FuseV1Options[name]])}`)
      .join(' '),
  );

  // The packaged reference backend, run from where it lies.
  let above = null;
  for (let dir = dirname(backendDir); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dirname(dir), 'node_modules'))) above = join(dirname(dir), 'node_modules');
  }
  if (check(above === null, 'no node_modules above the package (the run below proves its own copy)', above ?? '')) {
    const backendStarted = Date.now();
    const backend = await startPackagedBackend(serverJs);
    const seconds = ((Date.now() - backendStarted) / 1000).toFixed(1);
    check(backend.healthy, 'packaged reference backend answers GET /health with 200 when run by Node', `${seconds} s`);
    if (!backend.healthy) console.log(backend.log.slice(-2000));
  }
} catch (err) {
  failed = true;
  console.error(`check:package: ${err.message}`);
} finally {
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`check:package: kept ${work}`);
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failed || misses.length > 0) {
  console.error(`check:package: FAILED (${misses.length} miss(es), ${checks.length} ok; ${seconds} s)`);
  process.exit(1);
}
console.log(`check:package: ok (${checks.length} checks; ${seconds} s)`);
