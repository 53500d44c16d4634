import { runMigrationsCommand } from '@wxpay/persistence';
import { SERVICE } from './config';
import { SIM_MIGRATIONS } from './migrations/sim-schema.migration';

runMigrationsCommand(SERVICE, SIM_MIGRATIONS).catch((e: unknown) => {
  process.stderr.write(`${SERVICE} migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
