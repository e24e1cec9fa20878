import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/db/generated/**', 'models/**', 'data/**', 'out/**', 'coverage/**', '**/*.wasm'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Type-aware rules, for the TypeScript in src/ and test/ only (the JS config files and
    // scripts/ are left out: they are not in a project the type checker would read the same way).
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits loses its rejection (an unhandled rejection ends the process):
      // await it, give it a .catch, or mark deliberate fire-and-forget with `void` and say why.
      '@typescript-eslint/no-floating-promises': 'error',
      // No async callback where the caller ignores the promise it returns (event handlers, forEach).
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // Off: an `async` method with no `await` is how we implement a promise-returning interface
      // (Composer.compose, test doubles of Discord's API): dropping `async` would turn its throws
      // into synchronous ones that callers awaiting it do not expect.
      '@typescript-eslint/require-await': 'off',
      // Passing on what was thrown or an abort signal's reason (typed unknown/any) is allowed;
      // rejecting with a literal that is not an Error is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // The web pages' scripts run in the browser.
    files: ['src/web/client/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // vitest's asymmetric matchers (expect.stringContaining, expect.closeTo, …) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
