// Maps the `@wxpay/*` aliases of tsconfig.base.json for Jest, so the aliases live in one file.
const { compilerOptions } = require('../../tsconfig.base.json');
const path = require('path');

function pathsToModuleNameMapper() {
  const mapper = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    mapper[`^${alias.replace('/', '\\/')}$`] = path.join(__dirname, '..', '..', target);
  }
  return mapper;
}

module.exports = { pathsToModuleNameMapper };

/**
 * Resolves the aliases for code that runs outside Jest's module system (globalSetup/teardown), where
 * moduleNameMapper does not apply.
 */
function registerAliasResolution() {
  const Module = require('module');
  const mapped = {};
  for (const [alias, [target]] of Object.entries(compilerOptions.paths)) {
    mapped[alias] = path.join(__dirname, '..', '..', target);
  }
  const original = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return original.call(this, mapped[request] ?? request, ...rest);
  };
}

module.exports.registerAliasResolution = registerAliasResolution;
