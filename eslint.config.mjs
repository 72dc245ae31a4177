import tseslint from 'typescript-eslint';

const sandbox = { group: ['../sandbox/*', './sandbox/*'], message: 'The sandboxes are dev tooling: the runtime never imports them.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/artifacts/**', '**/*.mjs', '**/*.js', '**/*.cjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The layers of the house (docs: README, development): arrows point down only.
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['../engine/*', '../store/*', '../http/*', '../nodes/*', '../web/*'], message: 'src/core is pure: no I/O, no orchestration.' },
            sandbox,
            {
              group: ['../totalgest/*', '!../totalgest/schemas', '../framework360/*', '!../framework360/schemas'],
              message: 'src/core may use the wire schemas only.',
            },
            { group: ['../totalgest/schemas', '../framework360/schemas'], allowTypeImports: true, message: 'src/core may import types only from the wire schemas.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/nodes/**/*.ts', 'src/web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../store/*', '../http/*'], message: 'Node-RED glue reaches the store and HTTP only through src/engine.' }, sandbox] },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts', 'src/store/**/*.ts', 'src/http/**/*.ts', 'src/totalgest/**/*.ts', 'src/framework360/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [sandbox] }] },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-expressions': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
