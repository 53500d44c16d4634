import { startTracing } from '@wxpay/observability';

/**
 * `node -r ./tools/ts-register.js apps/payment/src/main.ts` (the launcher runs it after migrate.ts).
 * Tracing starts before the service's modules are loaded: the PostgreSQL driver is instrumented as it is first
 * required, so nothing but @wxpay/observability may be imported above.
 */
async function main(): Promise<void> {
  startTracing('payment');
  const { serve } = await import('./serve');
  await serve();
}

main().catch((e: unknown) => {
  // A configuration error lists its problems (no stack). It is matched by name: importing @wxpay/runtime here
  // would load the PostgreSQL driver before tracing starts.
  const configError = e instanceof Error && e.name === 'ConfigError';
  process.stderr.write(`${configError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
