#!/usr/bin/env node
// `npm start [-- --only app1,app2] [-- --infra-only] [-- --help]`: the whole cluster on this machine.
require('../ts-register');
require('./cluster')
  .launchCluster(process.argv.slice(2))
  .catch((e) => {
    console.error(`[launcher] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
