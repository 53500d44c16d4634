import { Injectable, type OnApplicationShutdown } from '@nestjs/common';

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

  async close(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) await c();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
