import { loadSimConfig, describeConfig, SimConfigError } from './config/sim-config';
import { createSimLogger } from './logging/logger';
import { startSim } from './sim-app';

/** Entry point: `node -r ./tools/ts-register.js apps/wechatpay-sim/src/main.ts` (the launcher does this). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadSimConfig();
  } catch (e) {
    if (e instanceof SimConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logger = createSimLogger({ level: config.logLevel });
  logger.info({ config: describeConfig(config) }, 'starting wechatpay-sim');
  const sim = await startSim(config, logger);
  const bundle = sim.keys.merchantBundle();
  logger.info(
    {
      url: sim.url,
      keyMode: sim.keys.keyMode,
      merchantBundle: sim.keys.paths.bundle,
      publicKeyId: bundle.publicKeyId,
      publicKeyFile: bundle.publicKeyFile,
      platformCertsDir: bundle.platformCertsDir,
      merchantPrivateKeyFile: bundle.merchantPrivateKeyFile,
      merchantSerial: bundle.merchantSerial,
      apiV3KeyFile: config.apiV3Key ? undefined : bundle.apiV3KeyFile,
    },
    `wechatpay-sim listening on ${sim.url} (merchant material: GET ${sim.url}/sim/admin/merchant)`,
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    sim.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`wechatpay-sim failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
