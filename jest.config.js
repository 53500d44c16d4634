// One Jest run, two tiers: `unit` (*.spec.ts, in-memory stand-ins allowed, no infrastructure) and
// `integration` (*.int-spec.ts, real PostgreSQL and Kafka prepared once by libs/testing's global setup).
const fs = require('fs');
const path = require('path');
const { pathsToModuleNameMapper } = require('./tools/jest/paths');
const { ownTopicPrefix } = require('./tools/jest/test-topics');

// Before any worker or service starts: they inherit it (see tools/jest/test-topics.js).
Object.assign(process.env, ownTopicPrefix(process.env));
// The suites start services with development switches (dev keys, plaintext gRPC in unit tests, the controllable
// clock); production is every service's default, and the tests of that refusal pass their own environment.
process.env.GATEWAY_ENV ??= 'development';

const shared = {
  rootDir: __dirname,
  roots: ['apps', 'libs', 'tools']
    .filter((d) => fs.existsSync(path.join(__dirname, d)))
    .map((d) => `<rootDir>/${d}`),
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', require('./tools/jest/swc-options')],
    // The ES-module-only Kafka client, compiled to CommonJS for Jest (see tools/jest/esm-transform.js).
    '/node_modules/@platformatic/.+\\.js$': '<rootDir>/tools/jest/esm-transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!@platformatic/)'],
  moduleNameMapper: pathsToModuleNameMapper(),
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['**/*.int-spec.ts'],
      globalSetup: '<rootDir>/tools/jest/global-setup.js',
      globalTeardown: '<rootDir>/tools/jest/global-teardown.js',
      slowTestThreshold: 30,
    },
  ],
};
