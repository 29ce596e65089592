// Lint rules, including the layering of DESIGN.md: shared imports nothing of the
// others; core imports shared only; main, server and cli bind core to a transport;
// the renderer sees the contract only; preload is a thin bridge.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'os', 'child_process', 'net', 'http', 'crypto'];

/** Forbids imports from the given source folders (relative paths matched by pattern). */
function layer(files, forbiddenFolders, extra = []) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbiddenFolders.map((folder) => ({
              // Relative imports only: a package path like highlight.js/lib/core is not our src/core.
              regex: `^\\.{1,2}/(?:.*/)?${folder}(?:/|$)`,
              message: `layering (DESIGN.md): this folder may not import from src/${folder}`,
            })),
            ...extra,
          ],
        },
      ],
    },
  };
}

const noNode = { group: NODE_BUILTINS, message: 'layering: no Node APIs here' };
const noElectron = {
  group: ['electron'],
  message: 'layering: only src/main and src/preload use Electron',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      '.test-output/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  layer(
    ['src/shared/**'],
    ['core', 'main', 'preload', 'renderer', 'server', 'cli'],
    [noNode, noElectron],
  ),
  layer(['src/core/**'], ['main', 'preload', 'renderer', 'server', 'cli'], [noElectron]),
  layer(['src/server/**', 'src/cli/**'], ['main', 'preload', 'renderer'], [noElectron]),
  layer(['src/main/**'], ['preload', 'renderer', 'server', 'cli']),
  layer(['src/preload/**'], ['core', 'main', 'renderer', 'server', 'cli'], [noNode]),
  layer(
    ['src/renderer/**'],
    ['core', 'main', 'server', 'cli'],
    [
      noNode,
      noElectron,
      {
        group: ['**/preload/index*'],
        message: 'layering: the renderer may use the preload types only',
      },
    ],
  ),
  {
    files: ['scripts/**', 'bin/**', 'tests/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
