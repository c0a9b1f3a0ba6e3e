import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', '.data/**', '.wrangler/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Tests read parsed JSON and check it with assertions; typing every body adds nothing.
    files: ['**/*.test.ts', '**/*.cases.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['shared/src/**/*.ts'],
    rules: {
      // shared/ is pure: no IO, no globals of one runtime.
      'no-restricted-globals': ['error', 'fetch', 'process', 'Buffer', 'require'],
    },
  },
)
