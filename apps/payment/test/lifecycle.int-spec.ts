import { randomUUID } from 'crypto';
import { DomainError } from '@wxpay/contracts';
import { GrpcStatus } from '@wxpay/grpc';
import { PAYMENT_ERROR_STATUS, type PaymentErrorCode } from '../src/errors';
import { eventually } from '@wxpay/testing';
import { holdOf } from '../src/use-cases/lifecycle/steps/hold-of';
import { CoreHarness, TOKEN, transactionSuccess } from './support/core-harness';

jest.setTimeout(30_000);

/** The payment lifecycle on real PostgreSQL with in-memory counterparties (no simulators, no Kafka). */
describe('payment lifecycle (real PostgreSQL, stand-in counterparties)', () => {
  let h: CoreHarness;
  beforeAll(async () => {
    h = await CoreHarness.start('pay_lifecycle');
  });
  afterAll(() => h.stop());

  it('creates, waits for the payer, captures once on TRANSACTION.SUCCESS, with one event per transition', async () => {
    const created = await h.create();
    expect(created.status).toBe('AWAITING_PAYER');
    const action = created.payer_action as { prepay_id: string; jsapi: { package: string } };
    expect(action.jsapi.package).toBe(`prepay_id=${action.prepay_id}`);
    const id = String(created.payment_id);
    const outTradeNo = String(created.out_trade_no);
    h.wechat.pay(outTradeNo);

    expect(await h.notify(transactionSuccess(outTradeNo, 1000))).toBe('stored');
    expect((await h.payment(id)).status).toBe('CAPTURED');
    expect(h.channel.holds.get(id)?.completions).toBe(1);

    expect(await h.statusChanges(id)).toEqual([
      'RISK_APPROVED',
      'AUTHORIZING',
      'AUTHORIZED',
      'ORDERING',
      'AWAITING_PAYER',
      'PAYER_PAID',
      'CAPTURED',
    ]);
    expect(await h.events(id)).toEqual([
      'PaymentCreated',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
      'PaymentAuthorized',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
      'PaymentCaptured',
    ]);
    const ledger: { kind: string; n: string }[] = await h.ds.query(
      `SELECT t.kind, count(e.*) AS n FROM ledger_transaction t JOIN ledger_entry e ON e.transaction_id = t.id
        WHERE t.payment_id = $1 GROUP BY t.kind`,
      [id],
    );
    expect(ledger).toEqual([{ kind: 'CAPTURE', n: '4' }]);
  });

  it('fails a payment risk rejects, without touching the card', async () => {
    h.risk.decide = (r) => (r.amountMinor === 6666 ? 'REJECT' : 'APPROVE');
    const vaultCalls = h.vault.calls;
    const p = await h.create({ amount: CoreHarness.cny(6666) });
    expect(p.status).toBe('FAILED');
    expect(p.failure).toMatchObject({ code: 'RISK_REJECTED', reasons: ['VELOCITY_CARD_1H'] });
    expect(p.risk_decision).toBe('REJECT');
    expect(h.vault.calls).toBe(vaultCalls);
    // Not a PaymentFailed: that is an issuer's decline, which risk counts.
    expect(await h.events(String(p.payment_id))).toEqual(['PaymentCreated', 'PaymentStatusChanged']);
  });

  it('fails closed when risk does not answer (the default policy)', async () => {
    h.risk.decide = () => 'unavailable';
    const p = await h.create();
    h.risk.decide = () => 'APPROVE';
    expect(p).toMatchObject({
      status: 'FAILED',
      risk_decision: 'UNAVAILABLE',
      failure: { code: 'RISK_UNAVAILABLE' },
    });
  });

  it('continues for review when configured fail-open-review and risk does not answer', async () => {
    h.core.deps.settings.riskUnavailablePolicy = 'fail-open-review';
    h.risk.decide = () => 'unavailable';
    const p = await h.create();
    h.risk.decide = () => 'APPROVE';
    h.core.deps.settings.riskUnavailablePolicy = 'fail-closed';
    expect(p).toMatchObject({ status: 'AWAITING_PAYER', risk_decision: 'UNAVAILABLE' });
    expect(await h.statusChanges(String(p.payment_id))).toContain('RISK_REVIEW');
  });

  it('fails on an issuer decline and never creates a WeChat Pay order', async () => {
    h.channel.authBehaviour.push('decline');
    const orders = h.wechat.createCalls;
    const p = await h.create();
    expect(p).toMatchObject({ status: 'FAILED', failure: { code: 'ISSUER_DECLINED', reasons: ['51'] } });
    expect(h.wechat.createCalls).toBe(orders);
    const [failed] = (await h.ds.query(
      `SELECT envelope->'payload'->>'reasonCode' AS code FROM outbox_event WHERE message_key = $1 AND envelope->>'type' = 'PaymentFailed'`,
      [p.payment_id],
    )) as { code: string }[];
    expect(failed?.code).toBe('51');
  });

  it('reverses an authorisation whose answer was lost, exactly once, and never sends it again', async () => {
    h.channel.authBehaviour.push('lose-answer');
    h.channel.pendingReversals = 2; // the first reversal attempts are not acknowledged (store and forward)
    const authorizations = h.channel.authorizeCalls;
    const p = await h.create();
    const id = String(p.payment_id);
    expect(p).toMatchObject({ status: 'AUTH_UNKNOWN', failure: { code: 'CHANNEL_TIMEOUT' } });
    // The janitor keeps asking for the reversal until it is acknowledged.
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'FAILED';
    }, 'payment failed after the reversal');
    expect(h.channel.authorizeCalls).toBe(authorizations + 1);
    expect(h.channel.holds.get(id)).toMatchObject({ state: 'released', reversals: 1, completions: 0 });
    // Never authorised as far as anyone knew: no PaymentAuthorized, no PaymentReversed, no PaymentFailed.
    expect(await h.events(id)).toEqual([
      'PaymentCreated',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
      'PaymentStatusChanged',
    ]);
  });

  it('fails when the channel is down before anything was sent', async () => {
    h.channel.authBehaviour.push('unavailable');
    expect(await h.create()).toMatchObject({ status: 'FAILED', failure: { code: 'CHANNEL_UNAVAILABLE' } });
  });

  it('releases the hold when WeChat Pay refuses the order', async () => {
    h.wechat.createBehaviour.push('reject');
    const p = await h.create();
    const id = String(p.payment_id);
    expect(p.status).toBe('REVERSED');
    expect(p.failure).toMatchObject({ code: 'ORDER_REJECTED', reasons: ['PARAM_ERROR'] });
    expect(h.channel.holds.get(id)).toMatchObject({ state: 'released', reversals: 1 });
    expect(await h.events(id)).toContain('PaymentReversed');
  });

  it('asks WeChat Pay before re-sending an order whose answer was lost, and answers the retry', async () => {
    h.wechat.createBehaviour.push('lose-answer-created');
    h.wechat.queryUnavailable = true;
    const input = h.input();
    const first = await h.core.service.create(input).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DomainError);
    expect(PAYMENT_ERROR_STATUS[(first as DomainError<'OUTCOME_UNKNOWN'>).code]).toBe(GrpcStatus.UNAVAILABLE);
    expect((first as DomainError).code).toBe('OUTCOME_UNKNOWN');
    const [row] = (await h.ds.query(`SELECT resource_id FROM idempotency_record WHERE idempotency_key = $1`, [
      input.idempotency_key,
    ])) as { resource_id: string }[];
    expect((await h.payment(row!.resource_id)).status).toBe('ORDER_UNKNOWN');

    h.wechat.queryUnavailable = false;
    const p = await eventually(async () => {
      await h.core.janitor.tick();
      const now = await h.payment(row!.resource_id);
      return now.status === 'AWAITING_PAYER' && now;
    }, 'resolved by the janitor');
    expect(h.wechat.orders.get(p.outTradeNo)?.prepays).toBe(2); // the identical re-post, after the query
    const replay = await h.core.service.create(input);
    expect((replay.payment as { status: string }).status).toBe('AWAITING_PAYER');
  });

  it('cancels a payment waiting for its payer: closes the order, releases the hold', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    const cancelled = await h.core.service.cancel({
      idempotency_key: `cancel-${id}`,
      payment_id: id,
      reason: '',
    });
    expect(cancelled.status).toBe('CANCELLED');
    expect(h.wechat.orders.get(String(p.out_trade_no))?.state).toBe('CLOSED');
    expect(h.channel.holds.get(id)).toMatchObject({ state: 'released', reversals: 1 });
    expect((await h.events(id)).slice(-1)).toEqual(['PaymentReversed']);
  });

  it('refuses to cancel a payment the payer paid meanwhile, and captures it', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    h.wechat.pay(String(p.out_trade_no));
    const e = await h.core.service
      .cancel({ idempotency_key: `cancel-${id}`, payment_id: id, reason: '' })
      .catch((x: unknown) => x);
    expect(PAYMENT_ERROR_STATUS[(e as DomainError<PaymentErrorCode>).code as 'ALREADY_PAID']).toBe(
      GrpcStatus.FAILED_PRECONDITION,
    );
    expect(e).toMatchObject({ code: 'ALREADY_PAID' });
    expect((await h.payment(id)).status).toBe('CAPTURED');
    expect(h.channel.holds.get(id)?.completions).toBe(1);
  });

  it('closes and releases when the payer fails, found by the janitor polling the order', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    h.wechat.orders.get(String(p.out_trade_no))!.state = 'PAYERROR';
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'REVERSED';
    }, 'reversed after PAYERROR');
    expect((await h.payment(id)).reversalReason).toBe('PAYERROR');
    expect(h.channel.holds.get(id)?.state).toBe('released');
  });

  it('captures from an order query when the notification never comes', async () => {
    const p = await h.create();
    const id = String(p.payment_id);
    h.wechat.pay(String(p.out_trade_no));
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'CAPTURED';
    }, 'captured from the order query');
  });

  it('closes and releases an order the payer did not pay before it expired', async () => {
    h.core.deps.settings.orderTtlSeconds = 1;
    const p = await h.create();
    h.core.deps.settings.orderTtlSeconds = 900;
    const id = String(p.payment_id);
    await eventually(
      async () => {
        await h.core.janitor.tick();
        return (await h.payment(id)).status === 'REVERSED';
      },
      'reversed after expiry',
      10_000,
    );
    expect((await h.payment(id)).reversalReason).toBe('EXPIRED');
    expect(h.wechat.orders.get(String(p.out_trade_no))?.state).toBe('CLOSED');
  });

  it('lets the janitor finish a capture whose driver died holding the lease, completing the hold once', async () => {
    const created = await h.create();
    const id = String(created.payment_id);
    h.wechat.pay(String(created.out_trade_no));
    // The dead process: it recorded PAYER_PAID, sent the completion (the channel applied it), then died while
    // its lease still ran.
    const paid = await h.core.deps.writer.move(await h.payment(id), 'PAYER_PAID', {}, { actor: 'test' });
    await h.channel.complete(holdOf(paid));
    await h.ds.query(
      `UPDATE payment SET lease_owner = 'dead-process', lease_until = now() + interval '400 milliseconds' WHERE id = $1`,
      [id],
    );
    await h.core.janitor.tick();
    expect((await h.payment(id)).status).toBe('PAYER_PAID'); // the lease is respected while it runs
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'CAPTURED';
    }, 'captured by the janitor after the lease ran out');
    expect(h.channel.holds.get(id)?.completions).toBe(1);
    const captures: unknown[] = await h.ds.query(
      `SELECT 1 FROM ledger_transaction WHERE kind = 'CAPTURE' AND payment_id = $1`,
      [id],
    );
    expect(captures).toHaveLength(1);
  });

  it("keeps a slow but living driver's lease: the janitor does not take the payment from it", async () => {
    h.core.deps.settings.leaseMs = 300;
    const created = await h.create();
    const id = String(created.payment_id);
    h.wechat.pay(String(created.out_trade_no));
    h.channel.completeBehaviour.push('slow'); // one second on the wire, three lease periods
    const calls = h.channel.completeCalls;
    const notified = h.notify(transactionSuccess(String(created.out_trade_no), 1000));
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await h.core.janitor.tick();
    }
    await notified;
    h.core.deps.settings.leaseMs = 2000;
    expect((await h.payment(id)).status).toBe('CAPTURED');
    expect(h.channel.completeCalls).toBe(calls + 1); // only the driver's own call, no takeover
  });

  /** A CREATED payment written straight to the table (no driver has touched it). */
  const insertCreated = (id: string) =>
    h.core.payments.insert(h.ds, {
      id,
      outTradeNo: id.replace(/-/g, ''),
      cardToken: TOKEN,
      amountMinor: 1000,
      currency: 'CNY',
      merchantId: 'm-coffee',
      mcc: '5814',
      scene: 'ONLINE',
      tradeType: 'JSAPI',
      description: 'coffee',
      payerOpenid: 'oPayer000000000000000000001',
      payerIp: null,
      deviceId: null,
      traceId: 't',
      traceparent: null,
    });

  /** A payment whose driver died in AUTHORIZING, its lease run out: what a kill -9 during the hold leaves. */
  async function abandonedInAuthorizing(): Promise<string> {
    const id = randomUUID();
    await insertCreated(id);
    await h.ds.query(
      `UPDATE payment SET status = 'AUTHORIZING', lease_owner = NULL, lease_until = NULL WHERE id = $1`,
      [id],
    );
    return id;
  }

  it('sends the hold of a payment abandoned in AUTHORIZING before anything left, instead of failing it', async () => {
    const id = await abandonedInAuthorizing();
    const authorizations = h.channel.authorizeCalls;
    const p = await h.core.driver.advance(id, 'janitor');
    expect(p?.status).toBe('AWAITING_PAYER');
    expect(h.channel.authorizeCalls).toBe(authorizations + 1);
    expect(h.channel.holds.get(id)).toMatchObject({ state: 'held', reversals: 0 });
  });

  it('reverses, never re-sends, a payment abandoned in AUTHORIZING whose hold may have reached the channel', async () => {
    const id = await abandonedInAuthorizing();
    h.channel.sentAuthorizations.add(id);
    const authorizations = h.channel.authorizeCalls;
    await eventually(async () => {
      await h.core.janitor.tick();
      return (await h.payment(id)).status === 'FAILED';
    }, 'failed after the reversal');
    expect(h.channel.authorizeCalls).toBe(authorizations);
    expect(await h.statusChanges(id)).toEqual(['AUTH_UNKNOWN', 'FAILED']);
  });

  it('lets only one of two actors of the same process drive a payment: the other neither calls nor writes', async () => {
    const id = randomUUID();
    await insertCreated(id);
    h.risk.delayMs = 200;
    const calls = h.risk.calls.length;
    // The caller's request and a janitor round that listed the payment before the request took its lease.
    const [byRequest, byJanitor] = await Promise.all([
      h.core.driver.advance(id, 'request'),
      new Promise((r) => setTimeout(r, 50)).then(() => h.core.driver.advance(id, 'janitor')),
    ]);
    h.risk.delayMs = 0;
    expect(byRequest?.status).toBe('AWAITING_PAYER');
    expect(byJanitor?.status).not.toBe('AUTH_UNKNOWN');
    expect(h.risk.calls.length).toBe(calls + 1);
    expect(await h.statusChanges(id)).toEqual([
      'RISK_APPROVED',
      'AUTHORIZING',
      'AUTHORIZED',
      'ORDERING',
      'AWAITING_PAYER',
    ]);
  });

  it('creates a payment leased to its request: the janitor leaves it alone while the request drives it', async () => {
    h.risk.delayMs = 300;
    const calls = h.risk.calls.length;
    const creating = h.create();
    const row = await eventually(async () => {
      const rows: { id: string; lease_owner: string | null }[] = await h.ds.query(
        `SELECT id, lease_owner FROM payment WHERE status = 'CREATED' ORDER BY created_at DESC LIMIT 1`,
      );
      return rows[0];
    }, 'payment created');
    expect(row.lease_owner).not.toBeNull();
    for (let i = 0; i < 3; i++) await h.core.janitor.tick();
    h.risk.delayMs = 0;
    expect((await creating).status).toBe('AWAITING_PAYER');
    expect(h.risk.calls.length).toBe(calls + 1);
    expect(await h.statusChanges(row.id)).not.toContain('AUTH_UNKNOWN');
  });

  it('records no card data anywhere', async () => {
    const dump: { t: string }[] = await h.ds.query(
      `SELECT string_agg(x::text, ' ') AS t FROM (
         SELECT to_jsonb(p) AS x FROM payment p UNION ALL SELECT envelope FROM outbox_event
         UNION ALL SELECT to_jsonb(i) FROM idempotency_record i) s`,
    );
    expect(dump[0]!.t).not.toContain('6222021234567890128');
    expect(h.log.lines.join('\n')).not.toContain('6222021234567890128');
  });
});
