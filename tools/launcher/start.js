#!/usr/bin/env node
// `npm start [-- --only app1,app2] [-- --infra-only] [-- --help]`: the whole cluster on this machine;
// `npm start -- restart <app> [NAME=value ...]`: asks the running cluster to restart one app.
require('../ts-register');
require('./cluster')
  .launchCluster(process.argv.slice(2))
  .catch((e) => {
    console.error(`[launcher] ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
