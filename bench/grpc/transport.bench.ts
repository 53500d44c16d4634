/**
 * The gateway's gRPC transport (GrpcTransport with the whole edge: caller guard, idempotency interceptor, error
 * filter, metrics) against Nest's built-in Transport.GRPC (bare: no guard, no interceptor, no filter), serving the
 * same trivial Evaluate over the same mutual TLS to the same typed client. Rounds alternate between the two so a
 * busy machine disturbs both alike. Client and server share this process: CPU per call counts both sides, and the
 * client side is the same for both, so the difference is the servers'.
 *
 * Figures go into libs/grpc/src/transport.ts's comment, which says why the gateway has its own transport.
 */
import { ServerCredentials } from '@grpc/grpc-js';
import { Controller, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, GrpcMethod, Payload, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import {
  Identities,
  PROTO_ROOT,
  protoPath,
  RiskEngineService,
  EvaluateRequest,
  type EvaluateResponse,
} from '@wxpay/contracts';
import {
  Callers,
  createServiceClient,
  GrpcService,
  GrpcTransport,
  PROTO_LOADER_OPTIONS,
  serveGrpc,
  type CallContext,
  type GrpcTlsConfig,
  type ServiceClient,
} from '@wxpay/grpc';
import { createLogger } from '@wxpay/observability';
import { ensureDevPki, readTlsMaterial } from '@wxpay/testing';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { machineLine, printTable, summarize } from '../support/stats';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CALLS_PER_ROUND = Number(process.env.BENCH_CALLS ?? 4000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

const answer = (request: EvaluateRequest, who: string): EvaluateResponse =>
  ({
    decision_id: who,
    decision: request.card_token ? 'APPROVE' : 'REVIEW',
    score: 1,
    reasons: [],
    rule_set_version: 'bench@1',
    evaluated_at: '2026-12-07T00:00:00Z',
  }) as EvaluateResponse;

const REQUEST = EvaluateRequest.fromPartial({ card_token: 'tok_bench', attempt_id: 'bench' });
const NOT_BENCHED = 'not part of the benchmark';

/** Only Evaluate is called; the rest exist because @GrpcService requires every RPC to name its callers. */
@GrpcService(RiskEngineService)
class EdgeController {
  @Callers(Identities.payment)
  evaluate(@Payload() request: EvaluateRequest, @Ctx() call: CallContext): EvaluateResponse {
    return answer(request, call.peer?.service ?? '');
  }

  @Callers(Identities.console)
  listReviews(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  claimReview(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  resolveReview(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  putListEntry(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  deleteListEntry(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  listListEntries(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  reloadRules(): never {
    throw new Error(NOT_BENCHED);
  }

  @Callers(Identities.console)
  getRuleSetStatus(): never {
    throw new Error(NOT_BENCHED);
  }
}

@Controller()
class BuiltInController {
  @GrpcMethod('RiskEngine', 'Evaluate')
  evaluate(request: EvaluateRequest): EvaluateResponse {
    return answer(request, 'built-in');
  }
}

@Module({ controllers: [EdgeController] })
class EdgeModule {}

@Module({ controllers: [BuiltInController] })
class BuiltInModule {}

interface Variant {
  name: string;
  app: INestApplication;
  port: number;
}

async function startEdge(tls: GrpcTlsConfig): Promise<Variant> {
  const app = await NestFactory.create(EdgeModule, { logger: false });
  const logger = createLogger({ service: 'bench-edge', level: 'warn' });
  const transport = serveGrpc(app, {
    address: '127.0.0.1:0',
    tls,
    services: [RiskEngineService],
    protos: [protoPath('gateway/risk/v1/risk.proto')],
    errors: {},
    isUnavailable: () => false,
    logger,
  });
  await app.init();
  await app.startAllMicroservices();
  return { name: 'GrpcTransport (whole edge)', app, port: transport.port! };
}

/** The transport alone: the same controller with no global guard, interceptor or filter. */
async function startBareTransport(tls: GrpcTlsConfig): Promise<Variant> {
  const app = await NestFactory.create(EdgeModule, { logger: false });
  const transport = new GrpcTransport({
    address: '127.0.0.1:0',
    tls,
    services: [RiskEngineService],
    logger: createLogger({ service: 'bench-bare', level: 'warn' }),
  });
  app.connectMicroservice<MicroserviceOptions>({ strategy: transport });
  await app.init();
  await app.startAllMicroservices();
  return { name: 'GrpcTransport (bare)', app, port: transport.port! };
}

async function startBuiltIn(tls: Extract<GrpcTlsConfig, { enabled: true }>, port: number): Promise<Variant> {
  const app = await NestFactory.create(BuiltInModule, { logger: false });
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.GRPC,
    options: {
      package: 'gateway.risk.v1',
      protoPath: protoPath('gateway/risk/v1/risk.proto'),
      url: `127.0.0.1:${port}`,
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_ROOT] },
      credentials: ServerCredentials.createSsl(
        tls.ca,
        [{ private_key: tls.key, cert_chain: tls.cert }],
        true,
      ),
    },
  });
  await app.init();
  await app.startAllMicroservices();
  return { name: 'Nest Transport.GRPC (bare)', app, port };
}

interface Round {
  calls: number;
  seconds: number;
  cpuMicros: number;
  latencies: number[];
}

async function round(client: ServiceClient<typeof RiskEngineService>): Promise<Round> {
  const latencies: number[] = [];
  let issued = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (issued < CALLS_PER_ROUND) {
        issued++;
        const t = performance.now();
        await client.evaluate(REQUEST);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { calls: latencies.length, seconds, cpuMicros: cpu.user + cpu.system, latencies };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-grpc-'));
  const pki = await ensureDevPki({ dir, services: ['risk', 'payment'] });
  const tlsOf = async (name: string) =>
    ({ enabled: true, ...(await readTlsMaterial(pki.ca, pki.services[name]!)) }) as const;
  const serverTls = await tlsOf('risk');
  const clientTls = await tlsOf('payment');

  const edge = await startEdge(serverTls);
  const builtIn = await startBuiltIn(serverTls, edge.port + 1);
  const bare = await startBareTransport(serverTls);
  const variants = [edge, bare, builtIn];
  const clients = variants.map((v) =>
    createServiceClient(RiskEngineService, {
      address: `127.0.0.1:${v.port}`,
      tls: clientTls,
      server: 'risk',
      deadlineMs: 10_000,
    }),
  );
  const totals = variants.map(() => ({ calls: 0, seconds: 0, cpuMicros: 0, latencies: [] as number[] }));
  try {
    for (const client of clients) await round(client); // warm-up, not counted
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, client] of clients.entries()) {
        const m = await round(client);
        const t = totals[i]!;
        t.calls += m.calls;
        t.seconds += m.seconds;
        t.cpuMicros += m.cpuMicros;
        t.latencies.push(...m.latencies);
      }
    }
  } finally {
    for (const c of clients) c.close();
    for (const v of variants) await v.app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(machineLine());
  printTable(
    `Evaluate over mutual TLS, ${CONCURRENCY} in flight, ${ROUNDS} alternating rounds of ${CALLS_PER_ROUND} calls`,
    variants.map((v, i) => {
      const t = totals[i]!;
      const s = summarize(t.latencies);
      return {
        server: v.name,
        calls: t.calls,
        'calls/s': Math.round(t.calls / t.seconds),
        'p50 ms': s.p50.toFixed(2),
        'p99 ms': s.p99.toFixed(2),
        'CPU µs/call (both sides)': Math.round(t.cpuMicros / t.calls),
      };
    }),
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
