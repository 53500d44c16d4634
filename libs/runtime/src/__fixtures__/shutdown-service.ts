/**
 * A service as small as bootstrapService allows, run as a child process by shutdown.int-spec.ts: a gRPC method
 * that holds every call until the test releases it (over HTTP), and providers that log when the later steps of
 * the shutdown reach them, with what they found stopped. SHUTDOWN_PROBE_HANG=1 makes one step of the shutdown
 * never finish. It prints `{"probe":"listening",...}` with its ports once it serves.
 */
import 'reflect-metadata';
import {
  Controller,
  Inject,
  Injectable,
  Module,
  Post,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { Identities, type RuleSetStatus } from '@wxpay/contracts';
import { Callers, GrpcService, type GrpcController } from '@wxpay/grpc';
import { type HealthRegistry, type Logger } from '@wxpay/observability';
import { bootstrapService, grpcPortOf } from '../bootstrap';
import { createRuntimeParts, RuntimeModule } from '../runtime.module';
import { HEALTH, LOGGER } from '../tokens';
import { ShutdownProbeService } from './shutdown-probe-service';

/** The calls held so far, released together. */
const held: (() => void)[] = [];
let released = false;

@GrpcService(ShutdownProbeService)
class HoldController implements GrpcController<typeof ShutdownProbeService> {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  @Callers(Identities.payment)
  async hold(@Payload() _request: unknown): Promise<RuleSetStatus> {
    this.logger.info('probe: call held');
    if (!released) await new Promise<void>((resolve) => held.push(resolve));
    return { live_version: 'held@1', live_sha256: '', shadow_version: '', loaded_at: '', last_error: '' };
  }
}

@Controller('probe')
class ReleaseController {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  @Post('release')
  release(): { released: number } {
    released = true;
    const n = held.splice(0).map((resolve) => resolve()).length;
    this.logger.info({ released: n }, 'probe: calls released');
    return { released: n };
  }
}

/** Stands for a service's background jobs (they stop in beforeApplicationShutdown). */
@Injectable()
class Jobs implements BeforeApplicationShutdown {
  constructor(
    @Inject(HEALTH) private readonly health: HealthRegistry,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  beforeApplicationShutdown(): void {
    this.logger.info({ readinessOff: this.health.isShuttingDown() }, 'probe: background work stops');
  }
}

/** Stands for the consumers, relay and connections (they stop in onApplicationShutdown). */
@Injectable()
class LastSteps implements OnApplicationShutdown {
  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  onApplicationShutdown(): Promise<void> | void {
    this.logger.info('probe: consumers, relay and connections stop');
    // A step that never finishes, as a hung broker or database connection would.
    if (process.env.SHUTDOWN_PROBE_HANG === '1') return new Promise<void>(() => undefined);
  }
}

@Module({ controllers: [HoldController, ReleaseController], providers: [Jobs, LastSteps] })
class ProbeModule {}

async function main(): Promise<void> {
  const parts = createRuntimeParts('shutdown-probe', { level: 'info' });
  @Module({ imports: [RuntimeModule.forRoot(parts), ProbeModule] })
  class ProbeAppModule {}
  const app = await bootstrapService({
    parts,
    module: ProbeAppModule,
    httpPort: 0,
    httpHost: '127.0.0.1',
    grpc: () => ({
      address: '127.0.0.1:0',
      // Plaintext: what is under test is the order of the stop, not TLS (GATEWAY_ENV=development, as in the tests).
      tls: { enabled: false },
      services: [ShutdownProbeService],
      protos: [],
      errors: {},
    }),
  });
  const http = (app.getHttpServer() as { address(): { port: number } }).address().port;
  process.stdout.write(`${JSON.stringify({ probe: 'listening', http, grpc: grpcPortOf(app) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(2);
});
