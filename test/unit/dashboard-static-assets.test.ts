// Issue 13: the dashboard's caching rule (hashed assets for good, the rest revalidated) and the
// build step that writes each text file's brotli and gzip siblings.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress';
import { cacheControlOf, IMMUTABLE, REVALIDATE } from '../../src/main/server/static-assets';
import { tempDir } from '../helpers/supervise';

describe('cacheControlOf', () => {
  it('caches what Vite named after its content for good, and its precompressed siblings', () => {
    for (const path of [
      'assets/index-DrNNTNeL.js',
      'assets/status-page-BKIBYNkI.css',
      'assets/useMutation-DFDasf-o.js',
      'assets/Textarea-BJIYE4x_.js',
      'assets/index-DrNNTNeL.js.br',
      'assets/index-DrNNTNeL.js.gz',
    ]) {
      expect(cacheControlOf(path), path).toBe(IMMUTABLE);
    }
  });

  it('revalidates everything else: index.html, the favicon, an asset without a hash, one outside assets/', () => {
    for (const path of [
      'index.html',
      'index.html.br',
      'favicon.svg',
      'favicon.svg.gz',
      'assets/index.js',
      'assets/index-short.js',
      'assets/index-DrNNTNeL',
      'sub/assets/index-DrNNTNeL.js',
      'index-DrNNTNeL.js',
      'assets/deep/index-DrNNTNeL.js',
    ]) {
      expect(cacheControlOf(path), path).toBe(REVALIDATE);
    }
  });
});

describe('precompressDir', () => {
  it('writes brotli and gzip siblings that decode to each text file, skipping dot folders and binaries', async () => {
    const dir = tempDir('bsup-precompress-');
    mkdirSync(join(dir, 'assets'));
    mkdirSync(join(dir, '.vite'));
    const js = `export const rows = [${Array.from({ length: 500 }, (_, i) => `'row ${i}'`).join(', ')}];\n`;
    writeFileSync(join(dir, 'assets', 'app-AbCdEf12.js'), js);
    writeFileSync(join(dir, 'index.html'), `<!doctype html><title>x</title>${'<p>dashboard</p>'.repeat(50)}`);
    writeFileSync(join(dir, '.vite', 'manifest.json'), JSON.stringify({ a: 'b'.repeat(2000) }));
    writeFileSync(join(dir, 'logo.png'), Buffer.alloc(4000, 7));

    expect(await precompressDir(dir)).toBe(4);
    for (const file of ['assets/app-AbCdEf12.js', 'index.html']) {
      const original = readFileSync(join(dir, file));
      expect(brotliDecompressSync(readFileSync(join(dir, `${file}.br`))).equals(original), file).toBe(true);
      expect(gunzipSync(readFileSync(join(dir, `${file}.gz`))).equals(original), file).toBe(true);
    }
    expect(existsSync(join(dir, '.vite', 'manifest.json.br'))).toBe(false);
    expect(existsSync(join(dir, 'logo.png.br'))).toBe(false);
    // A second run compresses the files, not their siblings.
    expect(await precompressDir(dir)).toBe(4);
    expect(existsSync(join(dir, 'index.html.br.br'))).toBe(false);
  });

  it('removes a sibling left by an earlier build when the new file does not compress', async () => {
    const dir = tempDir('bsup-precompress-');
    writeFileSync(join(dir, 'tiny.js'), 'x');
    // An earlier build's sibling, of other content: the server would send it in place of the file.
    writeFileSync(join(dir, 'tiny.js.br'), 'stale');
    writeFileSync(join(dir, 'tiny.js.gz'), 'stale');
    expect(await precompressDir(dir)).toBe(0);
    expect(existsSync(join(dir, 'tiny.js.br'))).toBe(false);
    expect(existsSync(join(dir, 'tiny.js.gz'))).toBe(false);
  });
});
