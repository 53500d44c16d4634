import { status, type ServiceError } from '@grpc/grpc-js';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import {
  DomainError,
  Identities,
  RiskEngineService,
  type DeleteListEntryResponse,
  type EvaluateRequest,
  type EvaluateResponse,
  type GetRuleSetStatusRequest,
  type ListListEntriesResponse,
  type ListReviewsRequest,
  type ListReviewsResponse,
  type ListEntry,
  type PutListEntryRequest,
  type ReviewCase,
  type RuleSetStatus,
} from '@wxpay/contracts';
import { createMetrics, NestPinoLogger } from '@wxpay/observability';
import { isDatabaseUnavailable } from '@wxpay/persistence';
import { captureLogger, ensureDevPki, uniqueTestPan } from '@wxpay/testing';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TLSSocket } from 'tls';
import { type CallContext } from './call-context';
import { Callers } from './callers';
import { errorDetailOf, type ErrorStatusTable } from './error-status';
import { fieldOf, reasonOf } from './errors';
import { GrpcService } from './grpc-service.decorator';
import { HealthCheckService } from './health-check';
import { serveGrpc } from './serve-grpc';
import { type GrpcController } from './service-definition';
import { type GrpcTlsConfig } from './tls-config';
import { createServiceClient, type ServiceClient } from './typed-client';
import { rules, ValidRequest } from './index';

jest.setTimeout(60_000);

const PAN = uniqueTestPan();

/** A stand-in RiskEngine whose methods each fail (or answer) in one way the edge must handle. */
@GrpcService(RiskEngineService)
class EdgeProbeController implements GrpcController<typeof RiskEngineService> {
  @Callers(Identities.payment)
  async evaluate(@Payload() request: EvaluateRequest, @Ctx() call: CallContext): Promise<EvaluateResponse> {
    return {
      // Read twice: a trace id made for the call is made once.
      decision_id: `${call.peer?.service ?? 'plaintext'}:${call.traceId}:${call.traceId}`,
      decision: request.card_token ? 'APPROVE' : 'REVIEW',
      score: 1,
      reasons: [],
      rule_set_version: 'probe@1',
      evaluated_at: '2026-12-06T00:00:00Z',
    } as EvaluateResponse;
  }

  @Callers(Identities.console)
  async listReviews(@Payload() _request: ListReviewsRequest): Promise<ListReviewsResponse> {
    throw new DomainError('PROBE_REFUSED', 'the probe refuses this', { field: 'status' });
  }

  @Callers(Identities.console)
  async claimReview(): Promise<ReviewCase> {
    // What node-postgres throws when the server is shutting down.
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  }

  @Callers(Identities.console)
  async resolveReview(): Promise<ReviewCase> {
    throw new Error(`unexpected: card ${PAN} broke something`);
  }

  @Callers(Identities.console)
  async putListEntry(
    @ValidRequest<PutListEntryRequest>({
      value: rules.text({ min: 1, max: 8, pattern: /^[a-z]+$/, allowed: 'a-z' }),
      expires_at: rules.instant({ optional: true }),
    })
    request: PutListEntryRequest,
  ): Promise<ListEntry> {
    return { ...request, created_at: '', expires_at: request.expires_at } as ListEntry;
  }

  @Callers(Identities.console)
  async deleteListEntry(): Promise<DeleteListEntryResponse> {
    throw new DomainError('NOT_IN_TABLE', 'a code the service table does not map');
  }

  @Callers(Identities.console)
  async listListEntries(): Promise<ListListEntriesResponse> {
    return { entries: [] };
  }

  @Callers(Identities.console)
  async reloadRules(): Promise<RuleSetStatus> {
    return this.getRuleSetStatus({} as GetRuleSetStatusRequest);
  }

  @Callers(Identities.console)
  async getRuleSetStatus(_request: GetRuleSetStatusRequest): Promise<RuleSetStatus> {
    return { live_version: 'probe@1', live_sha256: '', shadow_version: '', loaded_at: '', last_error: '' };
  }
}

@Module({ controllers: [EdgeProbeController] })
class ProbeModule {}

const ERRORS: ErrorStatusTable<'PROBE_REFUSED'> = { PROBE_REFUSED: status.FAILED_PRECONDITION };

describe('the gRPC service edge (GrpcTransport, guard, validation, error model) over real mutual TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grpc-edge-'));
  const { logger, lines } = captureLogger('info');
  let app: INestApplication;
  let address: string;
  const clients: ServiceClient<typeof RiskEngineService>[] = [];

  const tlsOf = (name: string): GrpcTlsConfig => ({
    enabled: true,
    ca: readFileSync(join(dir, 'ca.crt')),
    cert: readFileSync(join(dir, `${name}.crt`)),
    key: readFileSync(join(dir, `${name}.key`)),
  });
  const client = (identity: string, server = 'risk') => {
    const c = createServiceClient(RiskEngineService, {
      address,
      tls: tlsOf(identity),
      server,
      deadlineMs: 5000,
    });
    clients.push(c);
    return c;
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error('expected the call to fail');
      },
      (e: unknown) => e as ServiceError,
    );

  beforeAll(async () => {
    await ensureDevPki({ dir, services: ['risk', 'payment', 'console'], simulators: ['unionpay-sim'] });
    app = await NestFactory.create(ProbeModule, { logger: new NestPinoLogger(logger), abortOnError: false });
    const transport = serveGrpc(app, {
      address: '127.0.0.1:0',
      tls: tlsOf('risk'),
      services: [RiskEngineService],
      protos: [join(__dirname, '../../contracts/proto/gateway/risk/v1/risk.proto')],
      errors: ERRORS,
      isUnavailable: isDatabaseUnavailable,
      logger,
    });
    await app.init();
    await app.startAllMicroservices();
    address = `127.0.0.1:${transport.port}`;
  });

  afterAll(async () => {
    clients.forEach((c) => c.close());
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a typed call to a caller on the list, with its identity and the trace id it sent', async () => {
    const res = await client('payment').evaluate(
      { ...RiskEngineService.evaluate.requestDeserialize(Buffer.alloc(0)), card_token: 'tok' },
      { metadata: { 'x-trace-id': 'trace-1' } },
    );
    expect(res).toMatchObject({
      decision_id: 'payment:trace-1:trace-1',
      decision: 'APPROVE',
      rule_set_version: 'probe@1',
    });
  });

  it('gives a call that sent no usable trace id a new one, the same however often it is read', async () => {
    const request = RiskEngineService.evaluate.requestDeserialize(Buffer.alloc(0));
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
    const made = new RegExp(`^payment:(${uuid}):\\1$`);
    const none = await client('payment').evaluate(request);
    const insane = await client('payment').evaluate(request, { metadata: { 'x-trace-id': 'a b' } });
    expect(none.decision_id).toMatch(made);
    expect(insane.decision_id).toMatch(made);
    expect(none.decision_id).not.toEqual(insane.decision_id);
  });

  it('refuses a caller not on the list with PERMISSION_DENIED and logs the method and the caller', async () => {
    const err = await failure(
      client('console').evaluate(RiskEngineService.evaluate.requestDeserialize(Buffer.alloc(0))),
    );
    expect([err.code, reasonOf(err), errorDetailOf(err)]).toEqual([
      status.PERMISSION_DENIED,
      'CALLER_NOT_ALLOWED',
      { code: 'CALLER_NOT_ALLOWED', field: '', retryable: false },
    ]);
    expect(lines.join('\n')).toContain('"method":"/gateway.risk.v1.RiskEngine/Evaluate","caller":"console"');
  });

  it('refuses a simulator certificate as a caller: it does not chain to the services CA', async () => {
    const err = await failure(client('unionpay-sim').getRuleSetStatus({}));
    expect(err.code).toBe(status.UNAVAILABLE);
  });

  it("reads each connection's certificate once, and never mixes up the callers of two connections", async () => {
    const payment = client('payment');
    const operations = client('console');
    const request = { ...RiskEngineService.evaluate.requestDeserialize(Buffer.alloc(0)), card_token: 'tok' };
    await Promise.all([payment.evaluate(request), operations.getRuleSetStatus({})]);
    const certificateReads = jest.spyOn(TLSSocket.prototype, 'getPeerCertificate');
    try {
      // Each call is admitted only for its own caller (Evaluate: payment; GetRuleSetStatus: console).
      const calls = Array.from({ length: 20 }, (_, i) =>
        i % 2
          ? operations.getRuleSetStatus({}).then((r) => `console:${r.live_version}`)
          : payment.evaluate(request).then((r) => r.decision_id.split(':')[0]),
      );
      expect(await Promise.all(calls)).toEqual(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? 'console:probe@1' : 'payment')),
      );
      expect(certificateReads).not.toHaveBeenCalled();
    } finally {
      certificateReads.mockRestore();
    }
  });

  it('refuses a plaintext client', async () => {
    const plain = createServiceClient(RiskEngineService, {
      address,
      tls: { enabled: false },
      server: 'risk',
      deadlineMs: 3000,
    });
    clients.push(plain);
    expect((await failure(plain.getRuleSetStatus({}))).code).toBe(status.UNAVAILABLE);
  });

  it('refuses a server that is not the service the client meant', async () => {
    const err = await failure(client('console', 'payment').getRuleSetStatus({}));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toContain("the server is not spiffe://wxpay/payment: it is 'risk'");
  });

  it('connects before the first call when asked, and gives up in time on a server it cannot trust or reach', async () => {
    await expect(client('payment').connect(5000)).resolves.toBeUndefined();
    await expect(client('payment', 'payment').connect(300)).rejects.toThrow();
    const nowhere = createServiceClient(RiskEngineService, {
      address: '127.0.0.1:1',
      tls: tlsOf('payment'),
      server: 'risk',
      deadlineMs: 5000,
    });
    clients.push(nowhere);
    await expect(nowhere.connect(300)).rejects.toThrow();
  });

  it('answers a domain error with its status from the service table, its code, field and detail', async () => {
    const err = await failure(
      client('console').listReviews({ status: 'OPEN' as never, limit: 1, page_token: '' }),
    );
    expect([err.code, err.details, reasonOf(err), fieldOf(err)]).toEqual([
      status.FAILED_PRECONDITION,
      'the probe refuses this',
      'PROBE_REFUSED',
      'status',
    ]);
  });

  it('answers a database outage as a retryable UNAVAILABLE, blaming no one', async () => {
    const err = await failure(
      client('console').claimReview({ decision_id: '', reviewer: '', lease_seconds: 0 }),
    );
    expect([err.code, reasonOf(err), errorDetailOf(err)?.retryable]).toEqual([
      status.UNAVAILABLE,
      'UNAVAILABLE',
      true,
    ]);
    expect(err.details).toBe('the service is temporarily unavailable; retry the same call later');
  });

  it('answers an unexpected error as a bare INTERNAL and logs it with card numbers masked', async () => {
    const err = await failure(client('console').resolveReview({} as never));
    expect([err.code, err.details]).toEqual([status.INTERNAL, 'internal error']);
    const logged = lines.join('\n');
    expect(logged).toContain('unexpected error in gRPC handler');
    expect(logged).not.toContain(PAN);
  });

  it('answers a domain code missing from the service table as INTERNAL and says so in the log', async () => {
    const err = await failure(client('console').deleteListEntry({} as never));
    expect(err.code).toBe(status.INTERNAL);
    expect(lines.join('\n')).toContain('a domain error code with no status in the service table');
  });

  it('validates the request against its rules: the field named, the value never repeated', async () => {
    const base = RiskEngineService.putListEntry.requestDeserialize(Buffer.alloc(0));
    const tooLong = await failure(client('console').putListEntry({ ...base, value: PAN }));
    expect([tooLong.code, fieldOf(tooLong), tooLong.details]).toEqual([
      status.INVALID_ARGUMENT,
      'value',
      'value: must be at most 8 characters',
    ]);
    expect(JSON.stringify(tooLong)).not.toContain(PAN);
    const badInstant = await failure(
      client('console').putListEntry({ ...base, value: 'abc', expires_at: 'soon' }),
    );
    expect([fieldOf(badInstant), badInstant.details]).toEqual([
      'expires_at',
      'expires_at: must be an ISO-8601 UTC instant ending in Z',
    ]);
    expect(await client('console').putListEntry({ ...base, value: 'abc' })).toMatchObject({ value: 'abc' });
  });

  it('spreads calls over every address the name resolves to (round robin), not all on the first', async () => {
    const replicas = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const metrics = createMetrics({ service: `replica-${name}`, defaultMetrics: false });
        const replica = await NestFactory.create(ProbeModule, { logger: false });
        const transport = serveGrpc(replica, {
          address: '127.0.0.1:0',
          tls: tlsOf('risk'),
          services: [RiskEngineService],
          protos: [],
          errors: ERRORS,
          isUnavailable: isDatabaseUnavailable,
          logger,
          metrics,
        });
        await replica.init();
        await replica.startAllMicroservices();
        return { replica, port: transport.port!, metrics };
      }),
    );
    try {
      const c = createServiceClient(RiskEngineService, {
        address: `ipv4:${replicas.map((r) => `127.0.0.1:${r.port}`).join(',')}`,
        tls: tlsOf('console'),
        server: 'risk',
        deadlineMs: 5000,
      });
      clients.push(c);
      for (let i = 0; i < 10; i++) await c.getRuleSetStatus({});
      const served = await Promise.all(
        replicas.map(async (r) => {
          const m = await r.metrics.registry.getSingleMetric('grpc_server_seconds')!.get();
          const count = m.values.find(
            (v) => (v as { metricName?: string }).metricName === 'grpc_server_seconds_count',
          );
          return count?.value ?? 0;
        }),
      );
      // pick_first (grpc-js's default) would answer [10, 0]; round robin skips a replica only while it connects.
      expect(served[0]! + served[1]!).toBe(10);
      expect(Math.min(...served)).toBeGreaterThanOrEqual(3);
      // Each call is observed under its method's name and its status code.
      const observed = await replicas[0]!.metrics.registry.getSingleMetric('grpc_server_seconds')!.get();
      expect(
        observed.values
          .filter((v) => (v as { metricName?: string }).metricName === 'grpc_server_seconds_count')
          .map((v) => v.labels),
      ).toEqual([{ method: 'GetRuleSetStatus', code: '0' }]);
      // Its finest bucket tells a 0.1 ms answer from a 0.5 ms one.
      const bounds = observed.values
        .filter((v) => (v as { metricName?: string }).metricName === 'grpc_server_seconds_bucket')
        .map((v) => v.labels.le);
      expect(bounds.slice(0, 3)).toEqual([0.0001, 0.00025, 0.0005]);
    } finally {
      for (const r of replicas) await r.replica.close();
    }
  });

  it('serves grpc.health.v1 (SERVING) beside the service', async () => {
    const health = createServiceClient(HealthCheckService, {
      address,
      tls: tlsOf('console'),
      server: 'risk',
      deadlineMs: 5000,
    });
    try {
      expect(await health.check({ service: 'gateway.risk.v1.RiskEngine' })).toEqual({
        status: 'SERVING',
      });
    } finally {
      health.close();
    }
  });
});
