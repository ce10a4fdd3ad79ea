/**
 * What the dashboard's files are sent with (issue 13): their precompressed siblings and their
 * caching. The build (scripts/precompress.ts) writes `x.br` and `x.gz` beside each text file;
 * the control server (dashboard-files.ts) sends one of them to a browser that accepts it.
 */

/**
 * The suffixes of a file's precompressed siblings, the ones @fastify/static's `preCompressed`
 * looks for: brotli, then gzip.
 */
export const PRECOMPRESSED_SUFFIXES = ['.br', '.gz'] as const;

/** One of {@link PRECOMPRESSED_SUFFIXES}. */
export type PrecompressedSuffix = (typeof PRECOMPRESSED_SUFFIXES)[number];

/**
 * A file Vite named after its content (`assets/<name>-<8-character hash>.<ext>`, the default
 * `[name]-[hash]` of entries, chunks and assets): a new content gets a new name, so the file
 * never changes and may be cached for good.
 */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8}\.[A-Za-z0-9]+$/;

/** Cache-Control of a hashed asset: a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cache-Control of every other file (index.html, the favicon): kept, but revalidated (ETag) before each use. */
export const REVALIDATE = 'no-cache';

/**
 * The Cache-Control of the dashboard file at `relativePath` (`/`-separated, relative to the
 * dashboard folder; a precompressed sibling counts as its file): {@link IMMUTABLE} for a
 * hashed asset, else {@link REVALIDATE}, so a rebuild's index.html is seen at the next load.
 */
export function cacheControlOf(relativePath: string): string {
  const suffix = PRECOMPRESSED_SUFFIXES.find((s) => relativePath.endsWith(s));
  const file = suffix ? relativePath.slice(0, -suffix.length) : relativePath;
  return HASHED_ASSET.test(file) ? IMMUTABLE : REVALIDATE;
}
