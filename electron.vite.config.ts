import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Rollup } from 'vite';
import { mantineStylesCheck } from './scripts/mantine-styles-check';
import { precompress } from './scripts/precompress';

/**
 * Rollup warnings that say nothing about our code and change nothing in the bundle, each
 * for one code and one package only; every other warning is printed as usual.
 * - INVALID_ANNOTATION in zod: two of zod's comments explain *why* code is wrapped in
 *   `@__PURE__` and so contain that word where Rollup expects no annotation. Rollup drops
 *   the comment and says so at length (two ~10-line warnings in every build of the renderer); the
 *   code and its tree-shaking are unaffected, and zod is not ours to change.
 */
const HARMLESS_WARNINGS: readonly { code: string; module: RegExp }[] = [
  { code: 'INVALID_ANNOTATION', module: /[\\/]node_modules[\\/]zod[\\/]/ },
];

/** Rollup's `onwarn`: drops the {@link HARMLESS_WARNINGS}, passes the rest to `warn`. */
export function onRollupWarning(warning: Rollup.RollupLog, warn: (warning: Rollup.RollupLog) => void): void {
  const harmless = HARMLESS_WARNINGS.some((h) => warning.code === h.code && h.module.test(warning.id ?? ''));
  if (!harmless) warn(warning);
}

// Three builds: main (Electron entry), preload (contextBridge), renderer (React).
// The renderer is also the headless dashboard, fetched over HTTP (issue 13): minified
// (electron-vite leaves it unminified), one chunk per page (app.tsx loads them lazily), a
// manifest (`.vite/manifest.json`: which chunks a page loads; the server never sends dot
// folders) and precompressed .br/.gz siblings that the control server sends.
// The headless entry and the reference backend are plain Node and are bundled by
// scripts/build-node.mjs, so nothing Electron-specific leaks into them.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src/main/index.ts') }, onwarn: onRollupWarning },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be CommonJS.
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
        onwarn: onRollupWarning,
      },
    },
  },
  renderer: {
    root: resolve(import.meta.dirname, 'src/renderer'),
    build: {
      outDir: resolve(import.meta.dirname, 'out/renderer'),
      minify: 'esbuild',
      cssMinify: 'esbuild',
      manifest: true,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/renderer/index.html') },
        onwarn: onRollupWarning,
      },
    },
    plugins: [react(), mantineStylesCheck(), precompress()],
  },
});
