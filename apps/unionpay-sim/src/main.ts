import { ConfigError } from '@wxpay/runtime';
import { loadSimConfig } from './config';
import { startUnionPaySim } from './sim-app';

/** `node -r ./tools/ts-register.js apps/unionpay-sim/src/main.ts` (the launcher does this). */
async function main(): Promise<void> {
  const config = loadSimConfig();
  const sim = await startUnionPaySim(config);
  const bundle = sim.keys.devAcquirer?.bundlePath;
  process.stdout.write(
    `unionpay-sim: switch tls://${config.tlsHost}:${sim.tlsPort}, admin ${sim.httpUrl}` +
      (bundle ? `, acquirer bundle ${bundle}` : '') +
      '\n',
  );
}

main().catch((e: unknown) => {
  const message = e instanceof ConfigError || e instanceof Error ? e.message : String(e);
  process.stderr.write(`unionpay-sim failed to start: ${message}\n`);
  process.exit(1);
});
