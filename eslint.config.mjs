import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

export default [
  {
    ignores: [
      '**/node_modules/**',
      'libs/contracts/src/generated/**',
      '**/dist/**',
      '.cache/**',
      '.data/**',
      'coverage/**',
      '.nx/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          // Test-time only: libs/testing's Kafka fixtures are built on libs/messaging (the one place that talks to
          // the Kafka client library), and libs/messaging's own integration tests use testing's database and
          // topic fixtures. No production file of libs/messaging imports libs/testing.
          ignoredCircularDependencies: [['testing', 'messaging']],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // The Kafka client library stays behind libs/messaging (issue 24): everything else uses its own types.
    files: ['**/*.ts', '**/*.js'],
    ignores: ['libs/messaging/src/client/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@platformatic/kafka', message: 'use @wxpay/messaging (KafkaClient, EventPublisher, …)' },
            { name: 'kafkajs', message: 'the gateway left kafkajs: use @wxpay/messaging' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' },
  },
];
