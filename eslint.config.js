import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { moduliPlugin } from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'docs/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    // TypeScript checks undefined names itself (typescript-eslint's advice); no-undef only misfires on DOM globals.
    files: ['**/*.ts', '**/*.vue'],
    rules: { 'no-undef': 'off' },
  },
  {
    // The architecture (eslint/layers.js): each folder imports only from the layers allowed for it.
    files: ['src-main/**/*.ts', 'src-renderer/**/*.ts', 'src-renderer/**/*.vue'],
    plugins: { moduli: moduliPlugin },
    rules: { 'moduli/layers': 'error' },
  },
  {
    // SQL lives in src-main/store only: nothing else prepares, executes or opens transactions on a database.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^(prepare|exec|pragma|transaction)$/][callee.object.property.name='db']",
          message: 'SQL belongs in src-main/store: add a RunStore (or StudyStore) method instead',
        },
      ],
    },
  },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', __dirname: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  // Layout is Prettier's: formatting rules that would disagree with it are off (eslint-config-prettier).
  prettier,
  {
    // Lines stay readable: Prettier lays out code at 160 columns (`npm run format`; `npm run lint` checks it).
    // What it cannot break, a long comment, is this rule's (placed after `prettier`, which turns max-len off).
    // Messages and SQL in strings may run longer.
    files: ['**/*.ts', '**/*.vue', '**/*.mjs', '**/*.js'],
    rules: { 'max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }] },
  },
);
