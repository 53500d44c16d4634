require('./paths').registerAliasResolution();
module.exports = require('../../libs/testing/src/jest/global-teardown').default;
