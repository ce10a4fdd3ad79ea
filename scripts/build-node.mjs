// Bundles the plain-Node parts that electron-vite does not build:
//
// - out/node/headless.js, the headless entry (`backend-supervisor serve`): our code and its npm
//   packages bundled, because Node's module loader took ~0.4 s to find, read and compile the
//   ~1,000 files of fastify, undici, zod & co. at each start (bench/results.md, "Idle and
//   start-up"); what the start and idle do not need (the backend's REST client, the stack file
//   editor, the settings import, execa, PostgreSQL's client until a postgres service runs)
//   is imported when first used, from out/node/chunks/. Whitespace and comments are left out:
//   V8 keeps each module's source in memory, and a comment with one non-ASCII character
//   doubles it (a two-byte string); stack traces map back through headless.js.map
//   (`node --enable-source-maps`). Its licences: out/node/THIRD-PARTY-LICENSES.txt.
// - out/reference-backend/server.js, the reference backend: self-contained, its npm packages
//   (fastify, zod, pg, jose, bcryptjs and what they need) bundled in. So it runs from any
//   folder without a node_modules: in a checkout, from an npm install of this package (where
//   jose and bcryptjs, devDependencies since only the reference backend uses them, are not
//   installed), and from the packaged app's resources/ (nothing to stage beside it). Why not
//   share the supervisor's copies of fastify, zod and pg: the packaged app runs it outside
//   app.asar, where those would be copied anyway (about 25 MB in 3,000 files); one file also
//   loads faster and does not tie its versions to the supervisor's.
//   Only pg-native stays external: pg requires it lazily for `pg.native`, which the backend
//   never uses, and it is not installed.
//   Beside it: server.packages.json (what it bundles, and the externals it still imports, which
//   scripts/stage-reference-backend.mjs stages and scripts/check-package.mjs checks) and
//   THIRD-PARTY-LICENSES.txt (the bundled packages' licence texts, which travel with it).
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/**
 * The packages the reference backend imports without bundling them: name → whether it must be
 * installed ('required') or is loaded only if present ('optional').
 */
const REFERENCE_BACKEND_EXTERNALS = { 'pg-native': 'optional' };
/** The same for the headless entry (conf is loaded by `require` on the first settings save, from node_modules). */
const HEADLESS_EXTERNALS = { 'pg-native': 'optional', conf: 'required' };

// The bundled packages are CommonJS and require Node's modules: an ES module has no
// `require` of its own, so esbuild's shim would throw "Dynamic require of … is not supported".
const requireBanner = {
  js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
};

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
};

/** The folder of the npm package an input file of the bundle belongs to, or null for our own code. */
function packageDirOf(input) {
  const marker = 'node_modules/';
  const at = input.lastIndexOf(marker);
  if (at === -1) return null;
  const parts = input.slice(at + marker.length).split('/');
  const depth = parts[0].startsWith('@') ? 2 : 1;
  return input.slice(0, at + marker.length) + parts.slice(0, depth).join('/');
}

/** The licence text of a package folder (its LICENSE/LICENCE/COPYING file), or null. */
function licenceText(dir) {
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  return file ? readFileSync(join(dir, file), 'utf8').trim() : null;
}

/** The npm packages (`{id, dir, manifest}`, one per name@version) whose code is in these outputs of a metafile. */
function bundledPackages(outputs) {
  const dirs = new Set();
  for (const output of outputs) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const dir = packageDirOf(input);
      if (dir && bytesInOutput > 0) dirs.add(dir);
    }
  }
  // One entry per name@version: npm may install the same version twice, nested.
  const byId = new Map();
  for (const dir of [...dirs].sort()) {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    const id = `${manifest.name}@${manifest.version}`;
    if (!byId.has(id)) byId.set(id, { id, dir, manifest });
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** Writes `<outDir>/THIRD-PARTY-LICENSES.txt`: the licence texts of `packages`, bundled into `what`. */
function writeLicences(packages, outDir, what) {
  const sections = packages.map(({ id, dir, manifest }) => {
    const text =
      licenceText(join(root, dir)) ?? `(no licence file in the package; package.json says ${manifest.license})`;
    return `--- ${id} (${manifest.license ?? 'no licence named'}) ---\n\n${text}\n`;
  });
  writeFileSync(
    join(outDir, 'THIRD-PARTY-LICENSES.txt'),
    `${what} bundles these npm packages; their licences follow.\n\n${sections.join('\n')}`,
  );
}

/** Writes server.packages.json and THIRD-PARTY-LICENSES.txt from the reference backend's metafile. */
function describeReferenceBackend(metafile, outDir) {
  const output = Object.entries(metafile.outputs).find(([file]) => file.endsWith('server.js'))?.[1];
  if (!output) throw new Error('esbuild wrote no server.js');
  const packages = bundledPackages([output]);
  // Node's own modules are external too; only the listed packages are npm ones.
  const imported = new Set(output.imports.filter((i) => i.external).map((i) => i.path));
  const external = Object.fromEntries(
    Object.entries(REFERENCE_BACKEND_EXTERNALS).filter(([name]) => imported.has(name)),
  );
  writeFileSync(
    join(outDir, 'server.packages.json'),
    `${JSON.stringify(
      {
        bundled: packages.map(({ id }) => id),
        external,
      },
      null,
      2,
    )}\n`,
  );
  writeLicences(packages, outDir, 'server.js');
}

// The lazily imported chunks of the last build go with it (their names carry a hash).
rmSync(join(root, 'out', 'node', 'chunks'), { recursive: true, force: true });
const [headless, reference] = await Promise.all([
  build({
    ...common,
    entryPoints: { headless: 'src/main/headless.ts' },
    outdir: 'out/node',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    external: Object.keys(HEADLESS_EXTERNALS),
    minifyWhitespace: true,
    metafile: true,
    banner: requireBanner,
  }),
  build({
    ...common,
    entryPoints: ['src/reference-backend/main.ts'],
    outfile: 'out/reference-backend/server.js',
    external: Object.keys(REFERENCE_BACKEND_EXTERNALS),
    metafile: true,
    banner: requireBanner,
  }),
]);
describeReferenceBackend(reference.metafile, join(root, 'out', 'reference-backend'));
writeLicences(
  bundledPackages(Object.values(headless.metafile.outputs)),
  join(root, 'out', 'node'),
  'headless.js (with its chunks)',
);
