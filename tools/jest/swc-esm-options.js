// SWC settings for the ES-module-only packages Jest must load as CommonJS (see jest.config.js).
module.exports = {
  sourceMaps: false,
  jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } },
  module: { type: 'commonjs', importInterop: 'node' },
};
