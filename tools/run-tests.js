#!/usr/bin/env node
// `npm test`: both Jest tiers in one run (the integration tier's global setup brings up PostgreSQL and Kafka),
// then one plain closing line with the counts, which CI reads whatever the runner.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const resultsFile = path.join(root, '.cache', 'jest-results.json');
fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
fs.rmSync(resultsFile, { force: true });

const jestBin = require.resolve('jest/bin/jest');
const args = [jestBin, '--json', `--outputFile=${resultsFile}`, ...process.argv.slice(2)];
if (process.env.CI) args.push('--ci', '--runInBand=false', '--maxWorkers=2');
const run = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: process.env });

let summary = 'tests: 0 passed, 0 failed';
if (fs.existsSync(resultsFile)) {
  const r = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  const failedSuites = r.numFailedTestSuites + (r.numRuntimeErrorTestSuites ?? 0);
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests + failedSuites} failed, ${r.numPendingTests} skipped`;
  if (failedSuites) console.error(`${failedSuites} test suite(s) failed to run or had failures`);
}
console.log(summary);
process.exit(run.status ?? 1);
