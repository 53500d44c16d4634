import { type Server } from 'http';
import { Inject, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { protoPath } from '@wxpay/contracts';
import { GrpcServer, loadProtos } from '@wxpay/grpc';
import { LATENCY_BUCKETS_SECONDS, type Logger, type Metrics } from '@wxpay/observability';
import { LOGGER, METRICS } from '@wxpay/runtime';
import { PAYMENTS_SERVICE, paymentsHandlers } from './api/payments.controller';
import { answerUnreadBody } from './api/webhook-error.filter';
import { serveWebhooksFirst } from './webhooks/webhook-fast-path';
import { type BuiltPorts } from './composition/build-ports';
import { type PaymentCore } from './payment-core.module';
import { PAYMENT_CORE, PAYMENT_OPTIONS, type PaymentAppOptions } from './composition/tokens';

/**
 * Starts what runs beside the HTTP server: the webhooks served ahead of Nest's router, the Payments gRPC server
 * (mutual TLS, health, reflection), the webhook inbox worker, the janitor and the daily reconciliation; stops
 * them in reverse before the database closes.
 */
export class PaymentRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: GrpcServer;
  /** The bound gRPC port (useful when configured as 0). */
  grpcPort = 0;

  constructor(
    @Inject(PAYMENT_CORE) private readonly built: { core: PaymentCore; ports: BuiltPorts },
    @Inject(PAYMENT_OPTIONS) private readonly options: PaymentAppOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Inject(HttpAdapterHost) private readonly http: HttpAdapterHost,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { core } = this.built;
    const server = this.http.httpAdapter?.getHttpServer() as Server | undefined;
    if (server) {
      serveWebhooksFirst(server, core.intake, (res, endpoint, status) =>
        answerUnreadBody(res, endpoint, status, core.metrics, this.logger),
      );
    }
    const calls = this.metrics.histogram({
      name: 'payment_grpc_call_seconds',
      help: 'Payments gRPC calls by method and status',
      labelNames: ['method', 'code'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
    });
    this.server = new GrpcServer({
      packageDefinition: loadProtos([protoPath('gateway/payment/v1/payment.proto')]),
      logger: this.logger,
      tls: this.options.tls,
      onCallFinished: (method, code, seconds) => calls.observe({ method, code: String(code) }, seconds),
    }).addService(
      PAYMENTS_SERVICE,
      paymentsHandlers({
        service: core.service,
        reconciliation: core.reconciliation,
        ledger: core.ledger,
        payments: core.payments,
        refunds: core.refunds,
        ds: core.deps.ds,
      }),
    );
    const { PAYMENT_GRPC_HOST, PAYMENT_GRPC_PORT } = this.options.config;
    this.grpcPort = await this.server.listen(`${PAYMENT_GRPC_HOST}:${PAYMENT_GRPC_PORT}`);
    if (this.options.background !== false) {
      await core.worker.start();
      core.janitor.start();
      core.scheduler.start();
    }
    this.logger.info({ grpc: `${PAYMENT_GRPC_HOST}:${this.grpcPort}` }, 'Payments gRPC listening');
  }

  async beforeApplicationShutdown(): Promise<void> {
    const { core, ports } = this.built;
    await this.server?.stop(5_000);
    core.scheduler.stop();
    await core.janitor.stop();
    await core.worker.stop();
    await ports.close();
  }
}
