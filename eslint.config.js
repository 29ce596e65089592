// Lint rules, including the layering of docs/ARCHITECTURE.md: shared imports nothing
// of the others; core imports shared only; main, server and cli bind the core to a
// transport and import it only through src/core/index.ts; the renderer sees the
// contract and the shared model only; preload is a thin bridge; no import cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import importX from 'eslint-plugin-import-x';
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
              message: `layering (docs/ARCHITECTURE.md): this folder may not import from src/${folder}`,
            })),
            ...extra,
          ],
        },
      ],
    },
  };
}

const noNode = { group: NODE_BUILTINS, message: 'layering: no Node APIs here' };
/** Adapters reach the core through its one entry point. */
const coreIndexOnly = {
  regex: '^(?:\\.\\./)+core/(?!index$).+',
  message: 'layering (docs/ARCHITECTURE.md): adapters import the core only from src/core/index.ts',
};
/** The wire contract stays out of the log: logs are rendered from the model. */
const noApi = {
  regex: '^(?:\\.\\./)+api(?:/|$)',
  message:
    'layering (docs/ARCHITECTURE.md): src/shared/log renders the model, not the wire contract',
};
/** The renderer sees the contract (shared/api), the model and its rules (shared/model) and pure helpers (shared/util). */
const rendererShared = {
  regex: '^(?:\\.\\./)+shared/(?!api(?:/|$)|model(?:/|$)|util/)',
  message:
    'layering (docs/ARCHITECTURE.md): the renderer imports only shared/api, shared/model and shared/util',
};
const noElectron = {
  group: ['electron'],
  message: 'layering: only src/main and src/preload use Electron',
};

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
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
  layer(
    ['src/shared/log/**'],
    ['core', 'main', 'preload', 'renderer', 'server', 'cli'],
    [noNode, noElectron, noApi],
  ),
  layer(['src/core/**'], ['main', 'preload', 'renderer', 'server', 'cli'], [noElectron]),
  layer(
    ['src/server/**', 'src/cli/**'],
    ['main', 'preload', 'renderer'],
    [noElectron, coreIndexOnly],
  ),
  layer(['src/main/**'], ['preload', 'renderer', 'server', 'cli'], [coreIndexOnly]),
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
      rendererShared,
    ],
  ),
  {
    files: ['src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [
        importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: ['scripts/**', 'bin/**', 'tests/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
);
