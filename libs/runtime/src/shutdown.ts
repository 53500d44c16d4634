import { Module, type BeforeApplicationShutdown, type DynamicModule, type Type } from '@nestjs/common';
import { type HealthRegistry, type Logger } from '@wxpay/observability';
import { z } from 'zod';
import { ConfigError, env, parseEnvWithRules } from './config';
import { gatewayEnvOf } from './gateway-env';

/** How a service stops on SIGTERM/SIGINT (see GracefulShutdown for the order). */
export interface ShutdownSettings {
  /**
   * SHUTDOWN_DRAIN_MS: how long the service keeps serving with readiness off before anything stops, so load
   * balancers, Kubernetes endpoints and the gRPC clients' resolvers stop sending it work first.
   */
  drainMs: number;
  /** SHUTDOWN_GRPC_GRACE_MS: how long gRPC calls in flight may finish once the server stops accepting. */
  grpcGraceMs: number;
  /** SHUTDOWN_TIMEOUT_MS: the whole shutdown, from the signal; past it the process exits with 1 whatever hangs. */
  timeoutMs: number;
}

/**
 * The shutdown settings, shared by every service. The drain defaults to 5 s in production (the chart's readiness
 * probe runs every 5 s; the whole bound of 25 s stays under its 30 s termination grace, so the process exits on
 * its own terms rather than by SIGKILL) and to 0 in development, where nothing balances in front of a service
 * and a restart should be quick.
 */
export function shutdownSettingsFromEnv(source: NodeJS.ProcessEnv = process.env): ShutdownSettings {
  const production = gatewayEnvOf(source) === 'production';
  const schema = z.object({
    SHUTDOWN_DRAIN_MS: env.durationMs(production ? 5_000 : 0),
    SHUTDOWN_GRPC_GRACE_MS: env.durationMs(10_000),
    SHUTDOWN_TIMEOUT_MS: env.durationMs(25_000),
  });
  const c = parseEnvWithRules('shutdown', schema, source, () => []);
  // Checked on the parsed values (with their defaults): the bound must leave the drain and the gRPC grace room,
  // or every shutdown would end as a forced exit.
  if (c.SHUTDOWN_TIMEOUT_MS <= c.SHUTDOWN_DRAIN_MS + c.SHUTDOWN_GRPC_GRACE_MS) {
    throw new ConfigError('shutdown', [
      `SHUTDOWN_TIMEOUT_MS: must be more than SHUTDOWN_DRAIN_MS + SHUTDOWN_GRPC_GRACE_MS (${c.SHUTDOWN_DRAIN_MS} + ${c.SHUTDOWN_GRPC_GRACE_MS} ms)`,
    ]);
  }
  return {
    drainMs: c.SHUTDOWN_DRAIN_MS,
    grpcGraceMs: c.SHUTDOWN_GRPC_GRACE_MS,
    timeoutMs: c.SHUTDOWN_TIMEOUT_MS,
  };
}

/** What GracefulShutdown stops itself: the gRPC transport (its close is graceful and bounded by its grace). */
export interface StoppableServer {
  close(): Promise<void>;
}

/**
 * The first steps of a service's shutdown, in the root module bootstrapService builds around the service's own
 * (Nest runs each shutdown phase from the root module outwards, global modules last, so this hook runs before any
 * other beforeApplicationShutdown; no provider of the gateway uses onModuleDestroy, the one phase Nest runs
 * before it). The whole order, on SIGTERM/SIGINT:
 *
 * 1. readiness off (`/health/ready` answers 503 with `shuttingDown`), at once;
 * 2. the drain (SHUTDOWN_DRAIN_MS): HTTP and gRPC keep serving while the balancers move away;
 * 3. gRPC stops accepting (new connections refused, GOAWAY on open ones) and the calls in flight finish, cut
 *    after SHUTDOWN_GRPC_GRACE_MS;
 * 4. the services' beforeApplicationShutdown: background jobs stop claiming work and finish the item they hold,
 *    repayment's Kafka consumers finish their batch;
 * 5. Nest closes the HTTP server (requests in flight, e.g. webhooks, finish; health and metrics go with it);
 * 6. onApplicationShutdown, the services' modules first: risk's consumer and decision recorder, the counterparty
 *    connections; then the global modules: the outbox relay (after every writer of the outbox has stopped; it
 *    releases its advisory lock, so another instance's relay takes over), the Kafka admin clients, the database,
 *    the tracing flush;
 * 7. the process exits with 0 (Nest's `useProcessExit`, which also lets pino flush).
 *
 * From the signal on, SHUTDOWN_TIMEOUT_MS bounds it all: a step that hangs makes the process exit with 1.
 */
export class GracefulShutdown implements BeforeApplicationShutdown {
  private grpc?: StoppableServer;

  constructor(
    readonly settings: ShutdownSettings,
    private readonly health: HealthRegistry,
    private readonly logger: Logger,
  ) {}

  /**
   * The gRPC transport stops here, after the drain, and not in Nest's dispose: that closes the HTTP server first,
   * and readiness must stay readable while calls in flight finish.
   */
  stopsGrpc(server: StoppableServer): void {
    this.grpc = server;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.health.setShuttingDown();
    // Only a signal arms the bound: app.close() (tests, tools) returns to a caller who decides what happens next.
    if (signal) this.armBound(signal);
    this.logger.info({ signal, drainMs: this.settings.drainMs }, 'shutdown: readiness off, draining');
    if (this.settings.drainMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, this.settings.drainMs));
    }
    if (this.grpc) {
      this.logger.info({ graceMs: this.settings.grpcGraceMs }, 'shutdown: drained; gRPC stops accepting');
      await this.grpc.close();
    }
    this.logger.info('shutdown: background work, HTTP, consumers, relay and connections stop next');
  }

  private armBound(signal: string): void {
    // Not unref'd: a shutdown stuck on a promise that nothing will settle must still end in an exit with 1, not
    // in an empty event loop that exits with 0 as if all went well.
    setTimeout(() => {
      this.logger.fatal(
        { signal, timeoutMs: this.settings.timeoutMs },
        'shutdown: not finished within SHUTDOWN_TIMEOUT_MS; exiting',
      );
      process.exit(1);
    }, this.settings.timeoutMs);
  }
}

@Module({})
class ServiceRootModule {}

/** The service's module under a root that holds its GracefulShutdown (see there why at the root). */
export function withGracefulShutdown(
  module: Type<unknown> | DynamicModule,
  shutdown: GracefulShutdown,
): DynamicModule {
  return {
    module: ServiceRootModule,
    imports: [module],
    providers: [{ provide: GracefulShutdown, useValue: shutdown }],
  };
}
