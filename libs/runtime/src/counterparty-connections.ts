import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  createServiceClient,
  type ServiceClient,
  type ServiceClientOptions,
  type ServiceDefinition,
} from '@wxpay/grpc';
import { type Logger } from '@wxpay/observability';

/** How long a gRPC channel may take to connect while the service starts (it reports ready afterwards). */
const CONNECT_BEFORE_READY_MS = 2_000;

/**
 * The connections to counterparties a service opened (gRPC channels, the UnionPay link, HTTP agents), closed in
 * reverse order once its background work has stopped: a job still running must not lose its channel first.
 */
@Injectable()
export class CounterpartyConnections implements OnApplicationShutdown {
  private readonly closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /**
   * A typed client of another gateway service, closed with the others, and connected (TLS handshake included)
   * before the service reports ready: a first call with a short deadline (risk's 150 ms) must not pay for the
   * handshake (issue #16 item 3). A counterparty that is not up yet is connected on first use.
   */
  async grpcClient<S extends ServiceDefinition>(
    definition: S,
    options: ServiceClientOptions,
    logger: Logger,
  ): Promise<ServiceClient<S>> {
    const client = createServiceClient(definition, options);
    this.add(() => client.close());
    await client
      .connect(CONNECT_BEFORE_READY_MS)
      .catch((e: unknown) =>
        logger.warn(
          { server: options.server, error: e instanceof Error ? e.message : String(e) },
          'not connected at start; the first call will connect',
        ),
      );
    return client;
  }

  async close(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) await c();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
