/**
 * Issue 10, item 11: the build prints no warning that says nothing about our code. Rollup's
 * long INVALID_ANNOTATION warnings about comments in zod are dropped by the build's
 * `onwarn` (electron.vite.config.ts), which passes every other warning on. A real Rollup
 * build (through Vite) of a module that imports zod as the renderer does.
 */
import { describe, expect, it } from 'vitest';
import { build, type Plugin, type Rollup } from 'vite';
import config, { onRollupWarning } from '../../electron.vite.config';

const ROOT = new URL('../..', import.meta.url).pathname;

/** An entry that uses zod the way the renderer does (schemas from src/shared). */
const ENTRY = `import { z } from 'zod';
const schema = z.object({ email: z.email(), at: z.iso.datetime(), n: z.number().int() });
console.log(schema.parse({ email: 'a@b.c', at: new Date().toISOString(), n: 1 }));`;

/** Builds ENTRY in memory with `onwarn` and returns the warnings that reached Rollup's default handler. */
async function warningsOfBuild(onwarn: Rollup.WarningHandlerWithDefault): Promise<Rollup.RollupLog[]> {
  const printed: Rollup.RollupLog[] = [];
  const entry: Plugin = {
    name: 'test-entry',
    resolveId: (id) => (id === 'virtual:entry' ? '\0virtual:entry' : null),
    load: (id) => (id === '\0virtual:entry' ? ENTRY : null),
  };
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    plugins: [entry],
    build: {
      write: false,
      minify: false,
      rollupOptions: {
        input: 'virtual:entry',
        onwarn: (w, _warn) => onwarn(w, (x) => printed.push(x as Rollup.RollupLog)),
      },
    },
  });
  return printed;
}

const isZodComment = (w: Rollup.RollupLog): boolean =>
  w.code === 'INVALID_ANNOTATION' && /[\\/]node_modules[\\/]zod[\\/]/.test(w.id ?? '');

describe('build warnings', () => {
  it('drops the zod comment warnings Rollup prints without the filter', { timeout: 60_000 }, async () => {
    const unfiltered = await warningsOfBuild((w, warn) => warn(w));
    // The noise is real with this zod: otherwise the filter below is dead and can go.
    expect(unfiltered.filter(isZodComment).length).toBeGreaterThan(0);
    const filtered = await warningsOfBuild(onRollupWarning as Rollup.WarningHandlerWithDefault);
    expect(filtered.filter(isZodComment)).toEqual([]);
  });

  it('passes on every other warning: another code from zod, the same code from another package', () => {
    const passed: Rollup.RollupLog[] = [];
    const warn = (w: Rollup.RollupLog): number => passed.push(w);
    const zodFile = `${ROOT}node_modules/zod/v4/core/util.js`;
    onRollupWarning({ code: 'INVALID_ANNOTATION', id: zodFile, message: 'zod comment' }, warn);
    onRollupWarning({ code: 'CIRCULAR_DEPENDENCY', id: zodFile, message: 'zod cycle' }, warn);
    onRollupWarning({ code: 'INVALID_ANNOTATION', id: `${ROOT}node_modules/zodiac/x.js`, message: 'other' }, warn);
    onRollupWarning({ code: 'INVALID_ANNOTATION', id: `${ROOT}src/renderer/src/main.tsx`, message: 'ours' }, warn);
    onRollupWarning({ code: 'EVAL', message: 'no id' }, warn);
    expect(passed.map((w) => w.message)).toEqual(['zod cycle', 'other', 'ours', 'no id']);
  });

  it('applies the filter to all three builds', () => {
    expect(onRollupWarning).toBeTypeOf('function');
    const builds = config as unknown as Record<
      'main' | 'preload' | 'renderer',
      { build: { rollupOptions: { onwarn?: unknown } } }
    >;
    for (const name of ['main', 'preload', 'renderer'] as const) {
      expect({ name, onwarn: builds[name].build.rollupOptions.onwarn }).toEqual({ name, onwarn: onRollupWarning });
    }
  });
});
