import { createMetrics } from '@wxpay/observability';
import { type ApprovedResult, type UnionPayClient } from '@wxpay/unionpay';
import { ChannelHarness, cny, testPan } from './support/harness';

jest.setTimeout(30_000);

describe('UnionPay channel over TLS: approvals', () => {
  let h: ChannelHarness;
  let client: UnionPayClient;
  const metrics = createMetrics({ service: 'payment', defaultMetrics: false });

  beforeAll(async () => {
    h = await ChannelHarness.start('approve');
    client = await h.client({ metrics });
  });
  afterAll(() => h.stop());

  it('approves a pre-authorisation, holds it, and completes it into the balance', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan, { limit: 100_000 });
    const auth = await client.authorize({ pan, expiry: '3012', amount: cny(30_000), cardRef: 'tok_123' });
    expect(auth).toMatchObject({ outcome: 'approved', responseCode: '00', meaning: 'approved' });
    const approved = auth as ApprovedResult;
    expect(approved.authCode).toMatch(/^\d{6}$/);
    expect(approved.rrn).toMatch(/^\d{12}$/);
    expect(await h.account(acct.id)).toMatchObject({
      held: cny(30_000),
      balance: cny(0),
      available: cny(70_000),
    });

    const completion = await client.complete({ original: approved.reference, amount: cny(25_000) });
    expect(completion.outcome).toBe('approved');
    expect(await h.account(acct.id)).toMatchObject({
      held: cny(0),
      balance: cny(25_000),
      available: cny(75_000),
    });

    const row = await h.requestRow(approved.reference.requestId);
    expect(row).toMatchObject({
      state: 'approved',
      response_code: '00',
      reversal_state: 'none',
      card_ref: 'tok_123',
    });
  });

  it('approves purchase, refund and repayment credit, each moving the balance once', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan, { limit: 100_000 });
    const purchase = (await client.purchase({ pan, amount: cny(10_000) })) as ApprovedResult;
    expect(purchase.outcome).toBe('approved');
    const refund = await client.refund({ original: purchase.reference, amount: cny(4_000) });
    expect(refund.outcome).toBe('approved');
    const credit = await client.repaymentCredit({ pan, amount: cny(6_000) });
    expect(credit.outcome).toBe('approved');
    expect(await h.account(acct.id)).toMatchObject({
      balance: cny(0),
      held: cny(0),
      available: cny(100_000),
    });
    const journal = await h.journal(purchase.rrn);
    expect(journal.map((j) => [j.kind, j.state, j.responseCode])).toEqual([['purchase', 'approved', '00']]);
  });

  it('pipelines many requests over its connections, each answered once', async () => {
    const pan = testPan();
    const acct = await h.seedAccount(pan, { limit: 10_000_000 });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => client.purchase({ pan, amount: cny(100) })),
    );
    expect(results.every((r) => r.outcome === 'approved')).toBe(true);
    expect(new Set(results.map((r) => r.stan)).size).toBe(200);
    expect((await h.account(acct.id)).balance).toEqual(cny(20_000));
    expect(client.stats()).toEqual({ lateAnswers: 0, duplicateAnswers: 0, unknownAnswers: 0 });
    const exposed = await metrics.registry.metrics();
    expect(exposed).toMatch(
      /unionpay_channel_requests_total\{[^}]*kind="purchase",outcome="approved",response_code="00"[^}]*\} 20\d/,
    );
    const sim = await (await fetch(`${h.sim.httpUrl}/metrics`)).text();
    expect(sim).toMatch(/unionpay_sim_messages_total\{[^}]*mti="0210",response_code="00"/);
  });

  it('keeps card numbers out of logs, the request log and errors', async () => {
    const pan = testPan();
    await h.seedAccount(pan);
    const r = await client.authorize({ pan, expiry: '3012', amount: cny(1_000) });
    expect(r.outcome).toBe('approved');
    const rows: Record<string, unknown>[] = await h.clientDb.dataSource.query(
      `SELECT * FROM unionpay_request`,
    );
    const everything = JSON.stringify(rows) + h.clientLog.lines.join('\n') + h.simLog.lines.join('\n');
    expect(everything).not.toContain(pan);
    expect(everything).not.toContain(pan.slice(6, 15));
    expect(rows.find((row) => row.id === r.reference.requestId)).toMatchObject({
      card_ref: `${pan.slice(0, 6)}*********${pan.slice(-4)}`,
    });
    await expect(
      client.purchase({ pan: `${pan.slice(0, -1)}${(Number(pan.slice(-1)) + 1) % 10}`, amount: cny(1) }),
    ).rejects.toThrow('pan: fails the Luhn check');
    await expect(client.purchase({ pan, amount: cny(1), cardRef: pan })).rejects.toThrow(
      'cardRef: must not be a card number',
    );
  });
});
