// ESLint for the whole repository: typescript-eslint's recommended rules. The n8n community-node rules for nodes/ and
// credentials/ run through `n8n-node lint` (npm run lint:n8n).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.ci/reports/', '.bench/', 'bench/.data/', 'examples/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Finding NUL bytes and other control characters in exports is the point of several patterns.
      'no-control-regex': 'off',
    },
  },
  {
    // Tests read raw vendor JSON and load the built package the way n8n does (require of dist/).
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
