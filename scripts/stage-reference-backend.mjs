// Stages the reference backend for packaging: out/package/reference-backend/ gets the
// bundle (server.js, THIRD-PARTY-LICENSES.txt, server.packages.json) and, in node_modules/,
// the npm packages it still imports at run time with their own dependencies, in the same
// nesting as the project's node_modules.
//
// What it imports is what scripts/build-node.mjs left external, as server.packages.json says
// (read from esbuild's metafile: a scan of server.js's text would also find the
// `require("ajv/…")` that ajv and fast-json-stringify keep in strings of generated code). The
// bundle is self-contained today: its only external is pg-native, optional and not installed,
// so nothing is copied; a required external added to the build is staged here, and a missing
// one fails the packaging.
//
// Why a copy at all: server.js is an ES module, and ES module imports resolve bare names only
// from node_modules folders above the importing file (NODE_PATH is ignored by `import`).
// In the packaged app it runs from <resources>/reference-backend/, outside app.asar, so any
// package it imports must be beside it, as real files, resolved by Node's own rules (no
// reliance on Electron's asar support in ELECTRON_RUN_AS_NODE mode).
//
// electron-builder runs this as its beforePack hook (electron-builder.yml); `node
// scripts/stage-reference-backend.mjs` runs it by hand.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(import.meta.dirname, '..');

/**
 * The npm packages a bundle built by scripts/build-node.mjs imports at run time, from the
 * `server.packages.json` beside it: `{required, optional}` (package names).
 * @throws Error when the file is missing or malformed (a bundle built before it existed).
 */
export function bundleExternals(bundleDir) {
  const file = join(bundleDir, 'server.packages.json');
  let external;
  try {
    ({ external } = JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${file} is missing or unreadable (${err.message}): run \`npm run build\` first`);
  }
  if (typeof external !== 'object' || external === null) throw new Error(`${file} has no "external" map`);
  const names = (kind) =>
    Object.keys(external)
      .filter((name) => external[name] === kind)
      .sort();
  return { required: names('required'), optional: names('optional') };
}

/** Node's lookup of a package folder: `<dir>/node_modules/<name>`, then each parent's. */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The package folders `names` need at run time, found from `fromDir`: the packages and,
 * recursively, their dependencies, optional dependencies (if installed) and peer
 * dependencies (if installed). `optionalNames` are taken only if installed.
 * @throws Error naming a required package that is not installed.
 */
export function dependencyClosure(names, fromDir, optionalNames = []) {
  const found = new Set();
  const visit = (name, from, optional, wantedBy) => {
    const dir = findPackage(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`${name} (needed by ${wantedBy}) is not installed: run npm ci`);
    }
    if (found.has(dir)) return;
    found.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false, manifest.name);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true, manifest.name);
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) visit(dep, dir, true, manifest.name);
  };
  for (const name of names) visit(name, fromDir, false, 'the reference backend');
  for (const name of optionalNames) visit(name, fromDir, true, 'the reference backend');
  return [...found].sort();
}

/**
 * Stages out/package/reference-backend/ from out/reference-backend/ and node_modules/.
 * @returns the staged folder and the packages copied (paths relative to the project).
 */
export function stageReferenceBackend(projectDir = root) {
  const bundleDir = join(projectDir, 'out', 'reference-backend');
  const server = join(bundleDir, 'server.js');
  if (!existsSync(server)) throw new Error(`${relative(projectDir, server)} is missing: run \`npm run build\` first`);
  const stage = join(projectDir, 'out', 'package', 'reference-backend');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  cpSync(bundleDir, stage, { recursive: true, filter: (src) => !src.endsWith('.map') });
  const { required, optional } = bundleExternals(bundleDir);
  const packages = dependencyClosure(required, projectDir, optional);
  for (const dir of packages) {
    const rel = relative(projectDir, dir);
    if (rel.startsWith('..') || !rel.startsWith(`node_modules${sep}`)) throw new Error(`${dir} is outside the project`);
    // A package's own node_modules/ holds nested dependencies: those in the closure are
    // copied on their own; the rest (its dev tooling) stays behind.
    const nested = join(dir, 'node_modules');
    cpSync(dir, join(stage, rel), {
      recursive: true,
      filter: (src) => src !== nested && !src.startsWith(`${nested}${sep}`),
    });
  }
  return { stage, packages: packages.map((dir) => relative(projectDir, dir)) };
}

/** electron-builder's beforePack hook. */
export default async function beforePack() {
  const { packages } = stageReferenceBackend(root);
  console.log(
    `  • staged the reference backend with ${packages.length} npm package(s) (out/package/reference-backend)`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { stage, packages } = stageReferenceBackend(root);
  console.log(`${relative(root, stage)}: server.js + ${packages.length} npm package(s)`);
}
