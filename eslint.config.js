import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const electronOnly = { name: 'electron', message: 'Only the Electron entry files (main/electron-main.ts, main/electron/) may import electron.' };
const labOnly = { group: ['**/lab/**', '**/lab/*', '../lab', './lab'], message: 'Product code never imports the practice lab: ask the Environment (main/environment/) instead; only main/practice/ and tests reach main/lab/.' };

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', '.tools/**', 'test-results/**', 'playwright-report/**', 'bench/results/**', 'bench/tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Services never import electron: only the Electron entry files may. Product code never imports
    // the practice lab: real or practice is chosen once (main/app/create-app.ts) and the lab is
    // reached through main/practice/ (the practice Environment) only.
    files: ['main/**/*.ts'],
    ignores: ['main/electron-main.ts', 'main/electron/**', 'main/lab/**', 'main/practice/**', 'main/lab-main.ts', 'main/**/*.test.ts', 'main/**/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [labOnly] }],
    },
  },
  {
    files: ['main/lab/**/*.ts', 'main/practice/**/*.ts', 'main/lab-main.ts', 'main/**/*.test.ts', 'main/**/testing/**/*.ts'],
    ignores: ['main/electron-main.ts', 'main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnly] }],
    },
  },
  {
    files: ['main/electron-main.ts', 'main/electron/**/*.ts', 'preload/**/*.ts', 'renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [labOnly] }],
    },
  },
  {
    files: ['scripts/**/*.mjs', '.ci/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly' } },
  },
  {
    // Playwright fixtures take `{}` for "no dependencies" and call `use`, which is not a React hook.
    files: ['tests/e2e/**/*.ts'],
    rules: { 'no-empty-pattern': 'off', 'react-hooks/rules-of-hooks': 'off' },
  },
);
