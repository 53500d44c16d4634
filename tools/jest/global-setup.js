// Jest runs globalSetup outside its module system (no moduleNameMapper); Jest's transform still compiles the
// TypeScript, so only the @wxpay/* aliases need resolving here.
require('./paths').registerAliasResolution();
module.exports = require('../../libs/testing/src/jest/global-setup').default;
