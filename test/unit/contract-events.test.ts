/**
 * Issue 10, item 8: the preload accepts exactly the contract's live events. Removing
 * 'backend:incident' from a hand-kept list in the preload failed no test, and the desktop
 * Incidents page would have stopped updating. This builds the preload as `npm run build`
 * does (the project's electron-vite config, in memory) and runs the bundle the way the
 * sandbox does: its `require` offers only 'electron' (the test's fake), so a bundle that
 * needs src/shared, zod or any Node module at run time fails here.
 */
import { runInNewContext } from 'node:vm';
import { resolveConfig } from 'electron-vite';
import { build, mergeConfig, type Rollup } from 'vite';
import { beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../src/shared/contract';
import * as electron from '../mocks/electron';

const ROOT = new URL('../..', import.meta.url).pathname;

/** The built preload's code (out/preload/index.cjs, without writing it). */
async function buildPreload(): Promise<string> {
  const resolved = await resolveConfig({ root: ROOT }, 'build', 'production');
  const preload = resolved.config?.preload;
  if (!preload) throw new Error('electron.vite.config.ts has no preload build');
  const result = await build(mergeConfig(preload, { logLevel: 'silent', build: { write: false } }));
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const chunks = outputs.flatMap((o) => o.output).filter((c): c is Rollup.OutputChunk => c.type === 'chunk');
  expect(chunks.map((c) => c.fileName)).toEqual(['index.cjs']);
  return chunks[0]!.code;
}

type Bridge = {
  invoke: (channel: string, args: unknown[]) => Promise<unknown>;
  on: (event: string, listener: (payload: unknown) => void) => () => void;
};

let code = '';
let bridge: Bridge;
const required: string[] = [];

beforeAll(async () => {
  code = await buildPreload();
  const module = { exports: {} };
  const require = (id: string): unknown => {
    required.push(id);
    if (id === 'electron') return electron;
    throw new Error(`the sandboxed preload cannot require ${id}`);
  };
  runInNewContext(code, { require, module, exports: module.exports, console });
  bridge = electron.exposed.api as Bridge;
}, 60_000);

describe('the built preload and the contract', () => {
  it('requires only electron at run time (src/shared is bundled in, zod is not)', () => {
    expect(required).toEqual(['electron']);
    expect(code).not.toMatch(/\bzod\b/);
  });

  it('accepts and delivers every event of the contract, and only those', () => {
    const names = Object.keys(events);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const seen: unknown[] = [];
      const off = bridge.on(name, (payload) => seen.push(payload));
      electron.ipcRenderer.emit(name, {}, { from: name });
      off();
      electron.ipcRenderer.emit(name, {}, { from: 'after off' });
      expect({ name, seen }).toEqual({ name, seen: [{ from: name }] });
    }
    for (const name of ['backend:exit', 'shell:exec', '__proto__', '']) {
      expect(() => bridge.on(name, () => undefined)).toThrow(/unknown event/);
    }
  });
});
