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
