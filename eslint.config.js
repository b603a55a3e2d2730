// Lint: eslint's and typescript-eslint's recommended rules (among them no-explicit-any) over
// every source file; `npm test` runs it first (pretest).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'test/artifacts/', 'bench/results/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  { files: ['**/*.ts', '**/*.mjs', 'eslint.config.js'], languageOptions: { globals: globals.node } },
  // An unused parameter an interface requires (Express's error handler takes four) is named _x;
  // a property left out of an object by destructuring is named _x too.
  { rules: { '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }] } },
  // Only src/config.ts reads the environment: a variable is declared there, once.
  {
    files: ['src/**/*.ts', 'jobs/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: { 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'declare the variable in src/config.ts and read it from Config' }] },
  },
  // The dashboard's script runs in the browser, with Chart.js loaded beside it.
  { files: ['src/web/dashboard/**/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser, Chart: 'readonly' } } },
);
