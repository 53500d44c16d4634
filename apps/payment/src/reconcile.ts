/*
 * `node dist/apps/payment/src/reconcile.js [YYYY-MM-DD]`: one reconciliation run, then exit (the chart's CronJob,
 * the compose smoke). It asks the running payment service to reconcile the business day (default: yesterday,
 * Asia/Shanghai), the same RunReconciliation a caller can send, so the report is stored and counted by the
 * service like every other run. Address: PAYMENT_RECONCILE_ADDRESS (default 127.0.0.1:PAYMENT_GRPC_PORT); mutual
 * TLS as the `payment` identity (PKI_DIR or GRPC_TLS_*), which RunReconciliation admits for this job alone
 * besides the console; the server must prove to be payment. Prints the report as one JSON line. Exit codes: 0 all
 * matched, 3 breaks found (stored; for an operator), 1 the run could not be done, 2 bad arguments.
 */
import { PaymentsService } from '@wxpay/contracts';
import { createServiceClient, grpcTlsFromEnv } from '@wxpay/grpc';
import { SERVICE_NAME } from './config';

const BREAKS_FOUND = 3;

async function main(args: string[]): Promise<number> {
  const date = args[0] ?? '';
  if (args.length > 1 || (date && !/^\d{4}-\d{2}-\d{2}$/.test(date))) {
    process.stderr.write('usage: reconcile.js [YYYY-MM-DD] (default: yesterday, Asia/Shanghai)\n');
    return 2;
  }
  const address =
    process.env.PAYMENT_RECONCILE_ADDRESS ?? `127.0.0.1:${process.env.PAYMENT_GRPC_PORT ?? '50051'}`;
  // A whole day's bills are fetched and matched within the call: a generous deadline, but still one.
  const client = createServiceClient(PaymentsService, {
    address,
    tls: grpcTlsFromEnv(SERVICE_NAME),
    server: SERVICE_NAME,
    deadlineMs: 10 * 60_000,
  });
  try {
    const report = await client.runReconciliation({ business_date: date });
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.breaks.length ? BREAKS_FOUND : 0;
  } finally {
    client.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`reconciliation failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
