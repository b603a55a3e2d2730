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
  // The dashboard's script runs in the browser, with Chart.js loaded beside it.
  { files: ['src/web/dashboard/**/*.js'], languageOptions: { sourceType: 'script', globals: { ...globals.browser, Chart: 'readonly' } } },
);
