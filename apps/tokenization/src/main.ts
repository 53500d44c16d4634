import { startTracing } from '@wxpay/observability';

/**
 * `node -r ./tools/ts-register.js apps/tokenization/src/main.ts` (the launcher runs it after migrate.ts).
 * Tracing starts before the service's modules are loaded: the PostgreSQL driver is instrumented as it is first
 * required, so nothing but @wxpay/observability may be imported above.
 */
async function main(): Promise<void> {
  startTracing('tokenization');
  const { serve } = await import('./serve');
  await serve();
}

main().catch((e: unknown) => {
  // Configuration and key-material errors list every problem; none of them carries a secret value.
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`tokenization failed to start: ${message}\n`);
  process.exit(1);
});
