import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const noElectron = {
  paths: [{ name: 'electron', message: 'Only src/main/app/, src/main/index.ts and src/preload/ may import electron.' }],
};
const nodeBuiltins = { group: ['node:*'], message: 'This layer runs outside Node: no node: modules.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='exit']",
          message: 'No bare process.exit: set process.exitCode and let the loop end.',
        },
      ],
    },
  },
  // Layering (architecture.md): Electron only in the shell; shared and renderer never touch Node.
  {
    files: [
      'src/main/core/**',
      'src/main/client/**',
      'src/main/server/**',
      'src/main/headless.ts',
      'src/reference-backend/**',
    ],
    rules: { 'no-restricted-imports': ['error', noElectron] },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { ...noElectron, patterns: [nodeBuiltins, { group: ['react', 'react-dom'], message: 'shared has no DOM.' }] },
      ],
    },
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'no-restricted-imports': ['error', { ...noElectron, patterns: [nodeBuiltins] }],
    },
  },
  // Raw IPC only in the preload and the one registration helper of the shell: no
  // `x.ipcMain` / `x.ipcRenderer` anywhere else, whatever the import is called…
  {
    files: ['src/**'],
    ignores: ['src/preload/**', 'src/main/app/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'ipcMain', message: 'Register IPC through src/main/app/ipc.ts (handle) only.' },
        { property: 'ipcRenderer', message: 'Only src/preload/ talks to ipcRenderer.' },
      ],
    },
  },
  // …and no import of them where electron may be imported otherwise (src/main/index.ts). The
  // layers listed in `ignores` forbid electron altogether above; a second
  // no-restricted-imports here would replace their rule (flat config keeps the last one).
  {
    files: ['src/**'],
    ignores: [
      'src/preload/**',
      'src/main/app/**',
      'src/main/core/**',
      'src/main/client/**',
      'src/main/server/**',
      'src/main/headless.ts',
      'src/reference-backend/**',
      'src/shared/**',
      'src/renderer/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message: 'Register IPC through src/main/app/ipc.ts (handle) only.',
            },
          ],
        },
      ],
    },
  },
  // Test scripts and fixtures may exit: they are short-lived processes.
  {
    files: ['test/fixtures/**', 'scripts/**', 'bench/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
