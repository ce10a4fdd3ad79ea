// Issue 13: the dashboard imports the styles of the Mantine components it uses one by one
// (src/renderer/src/mantine-styles.ts); the build fails when a component in the bundle has none.
import { describe, expect, it } from 'vitest';
import { build, type Plugin } from 'vite';
import { componentsWithoutStyles, mantineStylesCheck } from '../../scripts/mantine-styles-check';

const ROOT = new URL('../..', import.meta.url).pathname;
const CORE = `${ROOT}node_modules/@mantine/core`;

/** Builds `entry` (a module's text) in memory with the check; resolves, or rejects with the build's error. */
async function buildWithCheck(entry: string): Promise<void> {
  const virtual: Plugin = {
    name: 'test-entry',
    resolveId: (id) => (id === 'virtual:entry' ? '\0virtual:entry' : null),
    load: (id) => (id === '\0virtual:entry' ? entry : null),
  };
  await build({
    root: ROOT,
    configFile: false,
    logLevel: 'silent',
    plugins: [virtual, mantineStylesCheck()],
    build: { write: false, minify: false, rollupOptions: { input: 'virtual:entry' } },
  });
}

describe('componentsWithoutStyles', () => {
  it('names the components whose class maps are bundled without their CSS', () => {
    expect(
      componentsWithoutStyles([
        `${CORE}/esm/components/Button/Button.module.mjs`,
        `${CORE}/esm/components/UnstyledButton/UnstyledButton.module.mjs`,
        `${CORE}/esm/utils/InlineInput/InlineInput.module.mjs`,
        `${CORE}/styles/UnstyledButton.css`,
        `${CORE}/styles/InlineInput.css?direct`,
      ]),
    ).toEqual(['Button']);
  });

  it('none when every one has its CSS, or when all of styles.css is imported', () => {
    const button = `${CORE}/esm/components/Button/Button.module.mjs`;
    expect(componentsWithoutStyles([button, `${CORE}/styles/Button.css`])).toEqual([]);
    expect(componentsWithoutStyles([button, `${CORE}/styles.css`])).toEqual([]);
  });
});

describe('the build check', () => {
  const entry = (styles: string[]): string =>
    `${styles.map((s) => `import '@mantine/core/${s}';`).join('\n')}\nimport { Button } from '@mantine/core';\n// Used, so not shaken out (an app build keeps no exports).\nconsole.log(Button);\n`;

  it(
    'fails a build that uses a component without its styles, naming the file to import',
    { timeout: 60_000 },
    async () => {
      await expect(buildWithCheck(entry(['styles/baseline.css', 'styles/UnstyledButton.css']))).rejects.toThrow(
        /components used without their styles: .*Button.*'@mantine\/core\/styles\/Button\.css'/,
      );
    },
  );

  it('passes it with the component’s styles, or with all of them', { timeout: 60_000 }, async () => {
    const needed = ['UnstyledButton', 'Loader', 'Button'].map((c) => `styles/${c}.css`);
    await expect(buildWithCheck(entry(needed))).resolves.toBeUndefined();
    await expect(buildWithCheck(entry(['styles.css']))).resolves.toBeUndefined();
  });
});
