import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'dist/**',
      'media/vendor/**',
      'test-results/**',
      'examples/**',
      '.cache/**',
      'src/linalg/wasm/kernelsBinary.generated.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // The analysis runs in workers, the CLI and plain tests: no VS Code API there.
    files: ['src/formats/**', 'src/layers/**', 'src/rmt/**', 'src/linalg/**', 'src/engine/**', 'src/cli.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: ['vscode'] }] },
  },
  {
    files: ['src/rmt/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['vscode', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises'] },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
