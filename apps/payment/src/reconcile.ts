/*
 * `node dist/apps/payment/src/reconcile.js [YYYY-MM-DD]`: one reconciliation run, then exit (the chart's CronJob,
 * the compose smoke). It asks the running payment service to reconcile the business day (default: yesterday,
 * Asia/Shanghai), the same RunReconciliation a caller can send, so the report is stored and counted by the
 * service like every other run. Address: PAYMENT_RECONCILE_ADDRESS (default 127.0.0.1:PAYMENT_GRPC_PORT); mutual
 * TLS as the `payment` identity (PKI_DIR or GRPC_TLS_*). Prints the report as one JSON line. Exit codes: 0 all
 * matched, 3 breaks found (stored; for an operator), 1 the run could not be done, 2 bad arguments.
 */
import { protoPath } from '@wxpay/contracts';
import { createGrpcClient, grpcTlsFromEnv, loadProtos, unaryCall } from '@wxpay/grpc';
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
  const client = createGrpcClient(
    loadProtos([protoPath('gateway/payment/v1/payment.proto')]),
    'gateway.payment.v1.Payments',
    address,
    grpcTlsFromEnv(SERVICE_NAME),
  );
  try {
    const report = await unaryCall<{ breaks: unknown[] }>(
      client,
      'RunReconciliation',
      { business_date: date },
      { deadlineMs: 10 * 60_000 },
    );
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
