// One Jest run, two tiers: `unit` (*.spec.ts, in-memory stand-ins allowed, no infrastructure) and
// `integration` (*.int-spec.ts, real PostgreSQL and Kafka prepared once by libs/testing's global setup).
const fs = require('fs');
const path = require('path');
const { pathsToModuleNameMapper } = require('./tools/jest/paths');
const { ownTopicPrefix } = require('./tools/jest/test-topics');

// Before any worker or service starts: they inherit it (see tools/jest/test-topics.js).
Object.assign(process.env, ownTopicPrefix(process.env));

const shared = {
  rootDir: __dirname,
  roots: ['apps', 'libs', 'tools']
    .filter((d) => fs.existsSync(path.join(__dirname, d)))
    .map((d) => `<rootDir>/${d}`),
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', require('./tools/jest/swc-options')] },
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
