import { type Server } from 'http';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PAYMENT_OPTIONS, type PaymentRunOptions } from '../payment-options';

/**
 * A request whose body does not arrive in full within PAYMENT_HTTP_REQUEST_TIMEOUT_MS is cut: Node's HTTP server
 * answers 408 and closes the connection (a slow sender cannot hold a webhook's buffers and a connection open).
 * Node checks pending requests every `connectionsCheckingInterval` (30 s by default), so that is tightened to
 * keep the bound close to what is configured. Set before the server listens (bootstrapService listens last).
 */
@Injectable()
export class HttpRequestLimits implements OnApplicationBootstrap {
  constructor(
    @Inject(PAYMENT_OPTIONS) private readonly options: PaymentRunOptions,
    private readonly http: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.http.httpAdapter?.getHttpServer() as Server | undefined;
    const timeoutMs = this.options.config.PAYMENT_HTTP_REQUEST_TIMEOUT_MS;
    if (!server || timeoutMs <= 0) return;
    server.requestTimeout = timeoutMs;
    // The headers are part of the request: their own bound may not be longer.
    server.headersTimeout = Math.min(server.headersTimeout, timeoutMs);
    (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(
      100,
      Math.min(1_000, Math.floor(timeoutMs / 10)),
    );
  }
}
