// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'demo/**', 'training/**', '*.js', '*.mjs', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // The core is pure TypeScript shared by the extension, the CLI and plain-node unit tests.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/core must not import vscode: put editor code in src/vscode.' }] }],
    },
  },
  {
    // Shipped extension code logs through the LogOutputChannel, never the console.
    files: ['src/vscode/**/*.ts', 'src/extension.ts', 'src/core/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
