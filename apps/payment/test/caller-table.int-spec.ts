import { status, type ServiceError } from '@grpc/grpc-js';
import { PaymentsService, type CreatePaymentRequest } from '@wxpay/contracts';
import { callerTableMismatches, uniqueTestPan } from '@wxpay/testing';
import { CLIENT_NAMES, E2eCluster } from './support/e2e-cluster';

jest.setTimeout(180_000);

/** Who may call what (the README's caller table for Payments). */
const CALLERS: Record<keyof typeof PaymentsService, readonly string[]> = {
  createPayment: ['channel'],
  getPayment: ['channel', 'console'],
  listPayments: ['channel', 'console'],
  refundPayment: ['channel', 'console'],
  cancelPayment: ['channel', 'console'],
  runReconciliation: ['console', 'payment'],
  checkLedger: ['console'],
  retryCapture: ['console'],
  resolveReconciliationBreak: ['console'],
  listReconciliationBreaks: ['console'],
};

type Method = keyof typeof PaymentsService;

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error('the call succeeded but was expected to fail');
}

describe('Payments callers (mutual TLS, service identities)', () => {
  const c = new E2eCluster();

  beforeAll(async () => {
    await c.start('pay_callers');
    await c.startPayment();
  });
  afterAll(() => c.stop());

  it('refuses every caller not on a method’s list with PERMISSION_DENIED and admits every one on it', async () => {
    const call = (identity: string, method: string) => {
      const m = method as Method;
      const fn = c.payments(identity)[m] as (r: unknown) => Promise<unknown>;
      return fn(PaymentsService[m].requestDeserialize(Buffer.alloc(0)));
    };
    const mismatches = await callerTableMismatches({ table: CALLERS, identities: CLIENT_NAMES, call });
    expect(mismatches).toEqual([]);
    // Each refusal is logged with the method and the caller.
    const refusals = c.log.lines
      .map((l) => JSON.parse(l) as { msg?: string; method?: string; caller?: string })
      .filter((l) => l.msg === 'gRPC call refused: caller not allowed');
    expect(refusals).toContainEqual(
      expect.objectContaining({ method: '/gateway.payment.v1.Payments/CreatePayment', caller: 'risk' }),
    );
  });

  it('refuses a simulator certificate as a caller: the TLS handshake fails, no payment is created', async () => {
    const card = await c.seedCard();
    const [{ n: before }] = (await c.db.dataSource.query(`SELECT count(*)::int AS n FROM payment`)) as {
      n: number;
    }[];
    const simulator = c.payments('unionpay-sim');
    const request = c.requestOf('createPayment', c.createRequest(card, 1000)) as CreatePaymentRequest;
    const err = await failure(simulator.createPayment(request));
    expect(err.code).toBe(status.UNAVAILABLE);
    const [{ n: after }] = (await c.db.dataSource.query(`SELECT count(*)::int AS n FROM payment`)) as {
      n: number;
    }[];
    expect(after).toBe(before);
  });

  it('refuses a card number in a text field over mutual TLS, creating nothing and echoing nothing', async () => {
    const card = await c.seedCard();
    const pan = uniqueTestPan('622202', 16);
    const count = async () =>
      ((await c.db.dataSource.query(`SELECT count(*)::int AS n FROM payment`)) as { n: number }[])[0]!.n;
    const before = await count();
    const request = c.requestOf(
      'createPayment',
      c.createRequest(card, 1000, { description: `coffee for ${pan.match(/.{4}/g)!.join(' ')}` }),
    ) as CreatePaymentRequest;
    const err = await failure(c.payments('channel').createPayment(request));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.metadata.get('x-field')).toEqual(['description']);
    expect(err.details.replace(/\D/g, '')).not.toContain(pan.slice(6, 12));
    expect(await count()).toBe(before);
  });

  it('refuses to talk to a server that is not the service the client meant', async () => {
    const confused = c.payments('channel', 'risk');
    const err = await failure(
      confused.getPayment({ payment_id: '00000000-0000-4000-8000-000000000000', out_trade_no: '' }),
    );
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toContain('spiffe://wxpay/risk');
  });
});
