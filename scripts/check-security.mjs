// `npm run check:security`: the Electron security scan (reliability.md 24). Runs
// electronegativity over what ships (out/main, out/preload, out/renderer, package.json)
// and over the shell's sources (src/main/app, src/main/index.ts, src/preload: same checks,
// source line numbers), writes its CSV, prints a summary and exits 1 on any HIGH finding
// that is not allowlisted below (electronegativity itself exits 0 whatever it finds).
// Offline by design: its two network look-ups (updated translations, Electron's release
// list) are answered "offline" at once instead of waiting for time-outs.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

/**
 * HIGH findings that were reviewed and are false positives: `issue` (the check's id),
 * `file` (a pattern of the reported file), and a one-line reason. Empty today: the
 * webPreferences are written literally in src/main/app/window.ts, so the scanner sees
 * contextIsolation, sandbox and nodeIntegration instead of guessing.
 * @type {{ issue: string, file: RegExp, reason: string }[]}
 */
const ALLOWLIST = [];

/** What is scanned, relative to the repository. */
const SHIPPED = ['out/main', 'out/preload', 'out/renderer', 'package.json'];
const SOURCES = ['src/main/app', 'src/main/index.ts', 'src/preload'];

const started = Date.now();
const missing = SHIPPED.filter((p) => !existsSync(join(root, p)));
if (missing.length > 0) {
  console.error(`check:security: ${missing.join(', ')} missing: run \`npm run build\` first`);
  process.exit(1);
}

// One tree with exactly what is scanned (out/ also holds the headless and reference-backend
// bundles, which are plain Node and no Electron code).
const work = mkdtempSync(join(tmpdir(), 'bsup-security-'));
const tree = join(work, 'app');
for (const path of [...SHIPPED, ...SOURCES]) cpSync(join(root, path), join(tree, path), { recursive: true });

const offline = join(work, 'offline.cjs');
writeFileSync(
  offline,
  `const Module = require('node:module');
const load = Module._load;
const refuse = () => Promise.reject(new Error('offline: the security check uses no network'));
refuse.head = refuse;
refuse.get = refuse;
Module._load = function (request, ...rest) {
  return request === 'got' ? refuse : load.call(this, request, ...rest);
};
// The scanner writes the CSV header and the rows with two concurrent fs.writeFile calls
// ('w' then 'a'), which race: some runs truncate or interleave rows. Writes done in order
// (synchronously, callback after) make the report whole every time.
const fs = require('node:fs');
fs.writeFile = function (file, data, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? undefined : options;
  try {
    fs.writeFileSync(file, data, opts);
    if (cb) process.nextTick(cb, null);
  } catch (err) {
    if (cb) process.nextTick(cb, err);
  }
};
`,
);

const packageDir = dirname(require.resolve('@doyensec/electronegativity/package.json'));
const cli = join(packageDir, JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).bin.electronegativity);
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const csv = join(work, 'electronegativity.csv');
/** One run of the scanner; the CSV lands in `csv`. */
const scan = () =>
  spawnSync(
    process.execPath,
    [
      '-r',
      offline,
      cli,
      ...['-i', tree, '-o', csv, '-r'],
      ...['-e', electronVersion],
      // Compares the Electron version with the online release list; see `npm outdated` instead.
      ...['-x', 'AvailableSecurityFixesGlobalCheck'],
    ],
    { encoding: 'utf8', timeout: 180_000, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } },
  );
const run = scan();
const output = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
const fail = (message) => {
  console.error(`check:security: FAILED: ${message}`);
  rmSync(work, { recursive: true, force: true });
  process.exit(1);
};
if (run.error || run.status !== 0 || !existsSync(csv)) {
  fail(`electronegativity did not finish (${run.error?.message ?? `exit ${run.status}`}):\n${output.slice(-2000)}`);
}
const parseErrors = output.split('\n').filter((line) => /^\s*Error parsing /.test(line));
if (parseErrors.length > 0) fail(`files the scanner could not read (so not checked):\n${parseErrors.join('\n')}`);

/** Parses RFC 4180 CSV (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const [header, ...records] = parseCsv(readFileSync(csv, 'utf8'));
const columns = header.map((h) => h.trim());
const findings = records.map((r) => Object.fromEntries(columns.map((name, i) => [name, (r[i] ?? '').trim()])));
for (const name of ['issue', 'severity', 'confidence', 'filename', 'location', 'description']) {
  if (!columns.includes(name)) fail(`unexpected CSV columns: ${columns.join(', ')}`);
}
// A scan that saw nothing would pass vacuously: the Electron version check reads package.json
// and the preload check fires on the window's preload, so both must be there.
for (const expected of ['ELECTRON_VERSION_JSON_CHECK', 'PRELOAD_JS_CHECK']) {
  if (!findings.some((f) => f.issue === expected)) fail(`the scan did not see the app (no ${expected} entry)`);
}

const ORDER = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
findings.sort((a, b) => ORDER.indexOf(a.severity) - ORDER.indexOf(b.severity) || a.issue.localeCompare(b.issue));
const blocking = [];
console.log(
  `check:security: electronegativity ${electronVersion ? `(Electron ${electronVersion}) ` : ''}over ${[...SHIPPED, ...SOURCES].join(', ')}`,
);
for (const f of findings) {
  if (f.issue === 'ELECTRON_VERSION_JSON_CHECK') continue;
  const allowed = f.severity === 'HIGH' ? ALLOWLIST.find((a) => a.issue === f.issue && a.file.test(f.filename)) : null;
  if (f.severity === 'HIGH' && !allowed) blocking.push(f);
  const note = allowed ? `  [allowlisted: ${allowed.reason}]` : '';
  console.log(
    `  ${f.severity.padEnd(6)} ${f.confidence.padEnd(9)} ${f.issue}  ${f.filename}:${f.location}  ${f.description}${note}`,
  );
}
const counts = ORDER.map(
  (s) =>
    `${findings.filter((f) => f.severity === s && f.issue !== 'ELECTRON_VERSION_JSON_CHECK').length} ${s.toLowerCase()}`,
);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
rmSync(work, { recursive: true, force: true });
if (blocking.length > 0) {
  console.error(
    `check:security: FAILED: ${blocking.length} HIGH finding(s) not allowlisted (${counts.join(', ')}; ${seconds} s)`,
  );
  process.exit(1);
}
console.log(`check:security: ok: no HIGH finding (${counts.join(', ')}; ${seconds} s)`);
