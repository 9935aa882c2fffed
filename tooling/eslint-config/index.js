// Shared flat config: typed rules for every package (see ../../docs/ for conventions).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export function config(tsconfigRootDir) {
  return tseslint.config(
    { ignores: ['dist/**', 'node_modules/**', '**/*.js', '**/*.cjs'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
      languageOptions: {
        parserOptions: {
          projectService: { allowDefaultProject: ['vitest.config.ts'] },
          tsconfigRootDir,
        },
      },
      linterOptions: { reportUnusedDisableDirectives: 'error' },
      rules: {
        '@typescript-eslint/consistent-type-imports': 'error',
        '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        'no-constant-condition': ['error', { checkLoops: false }],
        'no-bitwise': 'off',
      },
    },
  );
}
