// Jest on Node 22 cannot require() ES modules (its sandbox has its own loader, and Jest 30 routes
// process.getBuiltinModule('module').createRequire through that loader too: libs/messaging/src/client/platformatic.ts
// gets Jest's require there). The ES-module-only Kafka client (@platformatic/kafka and its @platformatic helpers) is
// therefore compiled to CommonJS for the tests with the repository's SWC settings; `import.meta.url`, which
// CommonJS lacks, becomes the file's own URL. Outside Jest, Node loads the published ES modules unchanged.
const { createHash } = require('crypto');
const { readFileSync } = require('fs');
const { createTransformer } = require('@swc/jest');
const swcOptions = require('./swc-options');

const swc = createTransformer({
  ...swcOptions,
  jsc: { ...swcOptions.jsc, parser: { syntax: 'ecmascript' } },
  module: { type: 'commonjs' },
});

const IMPORT_META_URL = /\bimport\.meta\.url\b/g;
// Not pathToFileURL: a module may declare its own `require` (`const require = createRequire(import.meta.url)`),
// which a call to require here would reach before it is initialised. Jest's paths are absolute POSIX paths.
const OWN_URL = "('file://' + __filename)";

// A change of this file changes every output. (Its __filename is Node's; the one in OWN_URL is the module's.)
// eslint-disable-next-line no-undef
const OWN_VERSION = createHash('sha256').update(readFileSync(__filename)).digest('hex').slice(0, 16);

module.exports = {
  process(source, path, options) {
    return swc.process(source.replace(IMPORT_META_URL, OWN_URL), path, options);
  },
  getCacheKey(source, path, options) {
    return `${OWN_VERSION}:${swc.getCacheKey(source, path, options)}`;
  },
};
