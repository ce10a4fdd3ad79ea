/**
 * The renderer build's last step (a Vite plugin of electron.vite.config.ts): beside each text
 * file of the built dashboard, its brotli (`.br`, quality 11) and gzip (`.gz`, level 9)
 * copies, which the control server sends to a browser that accepts them (issue 13). Done once
 * here at the slowest, smallest settings rather than per request.
 */
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'vite';
import { PRECOMPRESSED_SUFFIXES, type PrecompressedSuffix } from '../src/main/server/static-assets';

/** The files worth compressing: text. Images and fonts are compressed already. */
const TEXT_FILE = /\.(html|js|mjs|css|svg|json|txt|map)$/;

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** How each sibling the server looks for is made. */
const ENCODERS: Record<PrecompressedSuffix, (data: Buffer) => Promise<Buffer>> = {
  '.br': (data) =>
    brotliAsync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  '.gz': (data) => gzipAsync(data, { level: constants.Z_BEST_COMPRESSION }),
};

/** Every file under `dir` (dot folders such as Vite's `.vite/` skipped: the server never sends them). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : [path];
    });
}

/**
 * Writes the `.br` and `.gz` siblings of every text file under `dir`. A sibling that would not
 * be smaller than its file is not written, and any left from an earlier build is removed (the
 * server would send it in place of the new file).
 * @returns how many siblings were written.
 */
export async function precompressDir(dir: string): Promise<number> {
  const files = filesUnder(dir).filter(
    (path) => TEXT_FILE.test(path) && !PRECOMPRESSED_SUFFIXES.some((suffix) => path.endsWith(suffix)),
  );
  const written = await Promise.all(
    files.flatMap((path) => {
      const data = readFileSync(path);
      return PRECOMPRESSED_SUFFIXES.map(async (suffix) => {
        const packed = await ENCODERS[suffix](data);
        if (packed.length < data.length) {
          writeFileSync(path + suffix, packed);
          return 1;
        }
        rmSync(path + suffix, { force: true });
        return 0;
      });
    }),
  );
  return written.reduce<number>((sum, n) => sum + n, 0);
}

/** The Vite plugin: {@link precompressDir} on the output folder once the bundle is written. */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'backend-supervisor:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    async writeBundle() {
      await precompressDir(outDir);
    },
  };
}
