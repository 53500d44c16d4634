// Runs TypeScript sources directly (launcher, benchmarks, CLIs) with the same SWC settings as Jest,
// resolving the @wxpay/* aliases from tsconfig.base.json.
const path = require('path');
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || path.join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
