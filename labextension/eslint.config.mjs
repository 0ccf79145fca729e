// ESLint for the lab extension: typescript-eslint's type-aware recommended rules over
// src/ and test/ (typed with tsconfig.test.json, which covers both); formatting is
// prettier's job (npm run format:check).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['lib/', 'node_modules/', 'coverage/']),
  js.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.test.json',
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      curly: 'error',
      eqeqeq: ['error', 'smart'],
      'no-console': 'error',
      // Lumino's signal.connect(this.method, this) passes `this` along with the method.
      '@typescript-eslint/unbound-method': 'off',
      // JupyterLab's idiom for command ids.
      '@typescript-eslint/no-namespace': 'off',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }
      ],
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'interface', format: ['PascalCase'], prefix: ['I'] }
      ]
    }
  },
  {
    files: ['*.mts'],
    extends: [tseslint.configs.recommended]
  }
);
