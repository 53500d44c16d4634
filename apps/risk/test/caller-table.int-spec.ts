import { status } from '@grpc/grpc-js';
import { Decision, RiskEngineService, Scene } from '@wxpay/contracts';
import { createServiceClient, type ServiceClient } from '@wxpay/grpc';
import { callerTableMismatches, eventually } from '@wxpay/testing';
import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CLIENT_NAMES, RiskHarness, SIMULATOR, tlsOf, tok } from './support/risk-harness';

jest.setTimeout(120_000);

/** Who may call what (the README's caller table for RiskEngine). */
const CALLERS: Record<keyof typeof RiskEngineService, readonly string[]> = {
  evaluate: ['payment'],
  listReviews: ['console'],
  claimReview: ['console'],
  resolveReview: ['console'],
  putListEntry: ['console'],
  deleteListEntry: ['console'],
  listListEntries: ['console'],
  reloadRules: ['console'],
  getRuleSetStatus: ['console'],
};

type Method = keyof typeof RiskEngineService;
type RiskClient = ServiceClient<typeof RiskEngineService>;

describe('RiskEngine callers (mutual TLS, service identities)', () => {
  const h = new RiskHarness({ consume: false });
  const clients: RiskClient[] = [];

  beforeAll(() => h.start());
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await h.stop();
  });

  /** A typed RiskEngine client with the given TLS identity, expecting the server to be the given service. */
  const client = (tls: ReturnType<typeof tlsOf>, server = 'risk'): RiskClient => {
    const c = createServiceClient(RiskEngineService, {
      address: h.address,
      tls,
      server,
      deadlineMs: 10_000,
      channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
    });
    clients.push(c);
    return c;
  };

  const call = (c: RiskClient, method: Method) => {
    const empty = RiskEngineService[method].requestDeserialize(Buffer.alloc(0));
    return (c[method] as (r: unknown) => Promise<unknown>)(empty);
  };

  const failure = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (e) {
      return e as { code: number; details: string };
    }
    throw new Error('the call succeeded but was expected to fail');
  };

  it('refuses every caller not on a method’s list with PERMISSION_DENIED and admits every one on it', async () => {
    const byIdentity = new Map(CLIENT_NAMES.map((name) => [name as string, client(tlsOf(h.pkiDir, name))]));
    const mismatches = await callerTableMismatches({
      table: CALLERS,
      identities: CLIENT_NAMES,
      call: (identity, method) => call(byIdentity.get(identity)!, method as Method),
    });
    expect(mismatches).toEqual([]);
    // Each refusal is logged with the method and the caller.
    const refusals = h.log.lines
      .map((l) => JSON.parse(l) as { msg?: string; method?: string; caller?: string })
      .filter((l) => l.msg === 'gRPC call refused: caller not allowed');
    expect(refusals).toContainEqual(
      expect.objectContaining({ method: '/gateway.risk.v1.RiskEngine/PutListEntry', caller: 'payment' }),
    );
    expect(refusals).toContainEqual(
      expect.objectContaining({ method: '/gateway.risk.v1.RiskEngine/Evaluate', caller: 'console' }),
    );
  });

  it('answers a caller on the list: payment evaluates, the console administers', async () => {
    const payment = client(tlsOf(h.pkiDir, 'payment'));
    const reply = await payment.evaluate({
      attempt_id: `pay-${randomUUID()}`,
      card_token: tok('callers'),
      amount_minor: '3200',
      currency: 'CNY',
      merchant_id: 'mch-coffee',
      mcc: '5814',
      scene: Scene.ONLINE,
      payer_id: 'openid-a',
      device_id: 'dev-a',
      ip: '10.1.2.3',
      geo: undefined,
      occurred_at: new Date().toISOString(),
    });
    expect(reply.decision).toBe(Decision.APPROVE);
    const operations = client(tlsOf(h.pkiDir, 'console'));
    expect((await operations.getRuleSetStatus({})).live_version).toBe('wechatpay-credit@1.0.0');
  });

  it('refuses a simulator certificate as a caller: the TLS handshake fails, nothing is evaluated', async () => {
    // (decisions of the tests before are stored asynchronously: wait for them)
    const stored = async () => {
      await eventually(async () => h.runtime.decisionBacklog === 0, 'buffer drained');
      return h.count('risk_decision');
    };
    const before = await stored();
    // A simulator trusts the cluster's root to reach the service; its own certificate is the counterparty CA's.
    const simulator = client({
      enabled: true,
      ca: readFileSync(join(h.pkiDir, 'ca.crt')),
      cert: readFileSync(join(h.pkiDir, `${SIMULATOR}.crt`)),
      key: readFileSync(join(h.pkiDir, `${SIMULATOR}.key`)),
    });
    const err = await failure(call(simulator, 'evaluate'));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(await stored()).toBe(before);
  });

  it('refuses to talk to a server that is not the service the client meant', async () => {
    const confused = client(tlsOf(h.pkiDir, 'payment'), 'tokenization');
    const err = await failure(call(confused, 'evaluate'));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toContain('spiffe://wxpay/tokenization');
  });
});
