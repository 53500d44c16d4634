import { createServer, connect, type Server as NetServer, type Socket } from 'net';
import {
  Server,
  ServerCredentials,
  status,
  type ServiceError,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Decision, EvaluateResponse, RiskEngineService, RuleSetStatus, Scene } from '@wxpay/contracts';
import { createServiceClient } from './typed-client';

/**
 * The gateway's clients against a real grpc-js server on loopback (plaintext: what is under test is the channel's
 * behaviour, which TLS does not change): UNAVAILABLE retried for the methods the contract declares safe to repeat
 * and for no other, and a server that stops answering without closing its connection detected by keepalive.
 */

const unavailable = (): ServiceError =>
  Object.assign(new Error('replica stopping'), {
    code: status.UNAVAILABLE,
    details: 'replica stopping',
  }) as ServiceError;

/** A RiskEngine whose every method fails UNAVAILABLE on its first attempt and answers the next. */
function flakyRiskEngine(attempts: Map<string, number>): UntypedServiceImplementation {
  const method =
    (name: string, answer: unknown) =>
    (_call: unknown, callback: (e: ServiceError | null, r?: unknown) => void) => {
      const n = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, n);
      if (n === 1) callback(unavailable());
      else callback(null, answer);
    };
  return {
    evaluate: method('Evaluate', EvaluateResponse.fromPartial({ decision: Decision.APPROVE })),
    reloadRules: method('ReloadRules', RuleSetStatus.fromPartial({})),
  };
}

/** A server that answers only after `release()`: a call sent to it stays in flight. */
function stallingRiskEngine(): { impl: UntypedServiceImplementation; release: () => void } {
  const waiting: (() => void)[] = [];
  const stall = (_call: unknown, callback: (e: ServiceError | null, r?: unknown) => void) =>
    waiting.push(() => callback(null, RuleSetStatus.fromPartial({})));
  return {
    impl: { reloadRules: stall, getRuleSetStatus: stall },
    release: () => waiting.splice(0).forEach((answer) => answer()),
  };
}

async function serve(impl: UntypedServiceImplementation): Promise<{ server: Server; port: number }> {
  const server = new Server();
  server.addService(RiskEngineService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { server, port };
}

/**
 * A TCP relay that can go silent: after `blackhole()` it forwards nothing either way and closes nothing, as a
 * replica on a node that died (or behind a cut network) looks to its callers.
 */
async function relayTo(port: number): Promise<{ port: number; blackhole: () => void; close: () => void }> {
  let silent = false;
  const sockets: Socket[] = [];
  const relay: NetServer = createServer((inbound) => {
    const outbound = connect(port, '127.0.0.1');
    sockets.push(inbound, outbound);
    inbound.on('data', (d) => silent || outbound.write(d));
    outbound.on('data', (d) => silent || inbound.write(d));
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as { port: number }).port,
    blackhole: () => {
      silent = true;
    },
    close: () => {
      sockets.forEach((s) => s.destroy());
      relay.close();
    },
  };
}

describe('gRPC clients: retries where safe, keepalive', () => {
  it('retries UNAVAILABLE for a method the contract declares IDEMPOTENT, and never for one it does not', async () => {
    const attempts = new Map<string, number>();
    const { server, port } = await serve(flakyRiskEngine(attempts));
    const client = createServiceClient(RiskEngineService, {
      address: `127.0.0.1:${port}`,
      tls: { enabled: false },
      server: 'risk',
      deadlineMs: 10_000,
    });
    try {
      // Evaluate: idempotent by attempt_id. The first attempt's UNAVAILABLE is absorbed by the second.
      const decision = await client.evaluate({
        attempt_id: 'attempt-1',
        card_token: 'tok_test',
        amount_minor: '100',
        currency: 'CNY',
        merchant_id: 'm-1',
        mcc: '5812',
        scene: Scene.ONLINE,
        payer_id: 'o-1',
        device_id: 'd-1',
        ip: '',
        geo: undefined,
        occurred_at: '2026-12-08T00:00:00Z',
      });
      expect(decision.decision).toBe(Decision.APPROVE);
      expect(attempts.get('Evaluate')).toBe(2);
      // ReloadRules declares no idempotency: the caller gets the UNAVAILABLE, the server saw one attempt.
      await expect(client.reloadRules({})).rejects.toMatchObject({ code: status.UNAVAILABLE });
      expect(attempts.get('ReloadRules')).toBe(1);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('fails a call in flight UNAVAILABLE when the server stops answering, long before its deadline', async () => {
    const stalling = stallingRiskEngine();
    const { server, port } = await serve(stalling.impl);
    const relay = await relayTo(port);
    const client = createServiceClient(RiskEngineService, {
      address: `127.0.0.1:${relay.port}`,
      tls: { enabled: false },
      server: 'risk',
      deadlineMs: 120_000,
      keepaliveMs: 200,
      keepaliveTimeoutMs: 300,
    });
    try {
      await client.connect(5_000);
      // ReloadRules is not retried: the failure reaches the caller as it happened.
      const call = client.reloadRules({});
      // The call has reached the server (it is held there) before the network goes silent.
      await new Promise((resolve) => setTimeout(resolve, 100));
      relay.blackhole();
      // Without keepalive this call would wait for its 120 s deadline: DEADLINE_EXCEEDED.
      await expect(call).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      stalling.release();
      client.close();
      relay.close();
      server.forceShutdown();
    }
  }, 30_000);
});
