import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The built dashboard (`npm run build`, electron-vite's renderer build). */
export const RENDERER_DIR = join(import.meta.dirname, '..', '..', 'out', 'renderer');

/** The Status page's module, as Vite's manifest names it (relative to src/renderer). */
export const STATUS_PAGE_MODULE = 'src/pages/status-page.tsx';

/** Bytes of a set of files as served: raw, and as their `.gz` and `.br` siblings (raw when a file has none). */
export interface ServedBytes {
  raw: number;
  gzip: number;
  brotli: number;
}

/** One chunk of Vite's `.vite/manifest.json` (the fields used here). */
interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isDynamicEntry?: boolean;
  css?: string[];
  imports?: string[];
  dynamicImports?: string[];
}

/** The `src`/`href` of each script and link element of an HTML text that points into `assets/`. */
function referencedAssets(html: string): string[] {
  const refs: string[] = [];
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const ref = /\b(?:src|href)="\.?\/?(assets\/[^"]+)"/.exec(tag)?.[1];
    if (ref) refs.push(ref);
  }
  return refs;
}

/** `key`'s file, its CSS and those of every chunk it imports statically, transitively (what a browser loads for it). */
function chunkClosure(manifest: Record<string, ManifestChunk>, key: string, into: Set<string>): void {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`the manifest has no ${key}`);
  if (into.has(chunk.file)) return;
  into.add(chunk.file);
  for (const css of chunk.css ?? []) into.add(css);
  for (const imported of chunk.imports ?? []) chunkClosure(manifest, imported, into);
}

/**
 * The manifest key of the chunk a lazily imported `module` is: the module itself, or, when
 * Rollup put other modules in its chunk too (shared with what it loads), `_<name>-<hash>.js`.
 * @throws when there is none.
 */
function chunkKeyOf(manifest: Record<string, ManifestChunk>, module: string): string {
  const name = module.replace(/^.*\//, '').replace(/\.[^.]+$/, '');
  const key = Object.keys(manifest).find(
    (k) => k === module || manifest[k]?.src === module || (manifest[k]?.isDynamicEntry && manifest[k]?.name === name),
  );
  if (!key) throw new Error(`the manifest has no chunk for ${module}`);
  return key;
}

/**
 * The files the first page (the Status page at `/`) loads, relative to `dir`: index.html, what
 * it references (entry script, module preloads, style sheets) and, from Vite's manifest, the
 * Status page's chunk with its CSS and the chunks it imports, and the chunks it loads itself
 * once shown (its charts) with theirs. A build without a manifest (one chunk) gives index.html
 * and its references only.
 * @throws when `dir` holds no index.html, or its manifest has no Status page chunk.
 */
export function firstPageFiles(dir = RENDERER_DIR): string[] {
  const files = new Set(['index.html', ...referencedAssets(readFileSync(join(dir, 'index.html'), 'utf8'))]);
  const manifestFile = join(dir, '.vite', 'manifest.json');
  if (existsSync(manifestFile)) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, ManifestChunk>;
    chunkClosure(manifest, 'index.html', files);
    const status = chunkKeyOf(manifest, STATUS_PAGE_MODULE);
    chunkClosure(manifest, status, files);
    for (const loaded of manifest[status]?.dynamicImports ?? []) chunkClosure(manifest, loaded, files);
  }
  return [...files];
}

/** Every file the server may send from `dir`, relative to it: no dotfiles, no `.gz`/`.br` siblings. */
export function servedFiles(dir = RENDERER_DIR): string[] {
  const walk = (folder: string): string[] =>
    readdirSync(folder)
      .filter((name) => !name.startsWith('.'))
      .flatMap((name) => {
        const path = join(folder, name);
        return statSync(path).isDirectory() ? walk(path) : [path];
      });
  return walk(dir)
    .filter((path) => !/\.(gz|br)$/.test(path))
    .map((path) => relative(dir, path).split(sep).join('/'));
}

/** The sizes of `files` (relative to `dir`) summed, each as served raw, gzip and brotli, bytes. */
export function servedBytes(files: readonly string[], dir = RENDERER_DIR): ServedBytes {
  const size = (path: string): number | null => (existsSync(path) ? statSync(path).size : null);
  const total: ServedBytes = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of files) {
    const raw = size(join(dir, file)) ?? 0;
    total.raw += raw;
    total.gzip += size(join(dir, `${file}.gz`)) ?? raw;
    total.brotli += size(join(dir, `${file}.br`)) ?? raw;
  }
  return total;
}
