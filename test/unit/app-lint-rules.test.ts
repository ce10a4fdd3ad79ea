// The lint rules that keep raw IPC in the shell's one registration helper and the preload,
// and Electron out of the layers that run without it (eslint.config.js).
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: join(import.meta.dirname, '../..') });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint rules for IPC and layering', () => {
  it('forbids raw ipcMain / ipcRenderer outside src/main/app and src/preload', async () => {
    const raw = "import { ipcMain } from 'electron';\nexport const x = ipcMain;\n";
    expect(await problems('src/main/index.ts', raw)).toEqual([expect.stringMatching(/no-restricted-imports.*ipcMain/)]);
    const viaNamespace = "import * as e from 'electron';\nexport const x = e.ipcRenderer;\n";
    expect(await problems('src/main/index.ts', viaNamespace)).toEqual([
      expect.stringMatching(/no-restricted-imports/),
      expect.stringMatching(/no-restricted-properties.*ipcRenderer/),
    ]);
    expect(await problems('src/main/app/ipc.ts', raw)).toEqual([]);
    expect(
      await problems(
        'src/preload/index.ts',
        "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
      ),
    ).toEqual([]);
  });

  it('keeps electron out of core, server, shared and renderer, and Node out of the renderer', async () => {
    const anyElectron = "import { app } from 'electron';\nexport const x = app;\n";
    for (const file of ['src/main/core/x.ts', 'src/main/server/x.ts', 'src/shared/x.ts', 'src/renderer/src/x.ts']) {
      expect(await problems(file, anyElectron), file).toEqual([
        expect.stringMatching(/no-restricted-imports.*electron/),
      ]);
    }
    expect(
      await problems(
        'src/renderer/src/x.ts',
        "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
      ),
    ).toEqual([expect.stringMatching(/no-restricted-imports.*no node: modules/)]);
  });
});
