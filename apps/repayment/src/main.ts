import { startTracing } from '@wxpay/observability';

/**
 * `node -r ./tools/ts-register.js apps/repayment/src/main.ts` (the launcher runs it after migrate.ts).
 * Tracing starts before the service's modules are loaded: the PostgreSQL driver is instrumented as it is first
 * required, so nothing but @wxpay/observability may be imported above.
 */
async function main(): Promise<void> {
  startTracing('repayment');
  const { serve } = await import('./serve');
  await serve();
}

main().catch((e: unknown) => {
  process.stderr.write(`repayment: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
