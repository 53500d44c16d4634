import { readFile } from 'node:fs/promises';
import { beijingDate, type ApprovedResult, type UnionPayClient } from '@wxpay/unionpay';
import { parseSettlementFile, type SettlementSummary } from '../src/settlement/settlement-file';
import { ChannelHarness, cny, testPan, type AccountView } from './support/harness';

jest.setTimeout(30_000);

describe('daily settlement file', () => {
  let h: ChannelHarness;
  let client: UnionPayClient;

  beforeAll(async () => {
    h = await ChannelHarness.start('settle');
    client = await h.client();
  });
  afterAll(() => h.stop());

  it('lists what settled, and its totals match the card accounts', async () => {
    const a = testPan();
    const b = testPan();
    await h.seedAccount(a);
    await h.seedAccount(b);
    const purchase = (await client.purchase({ pan: a, amount: cny(12_345) })) as ApprovedResult;
    await client.refund({ original: purchase.reference, amount: cny(2_345) });
    const auth = (await client.authorize({ pan: b, amount: cny(50_000) })) as ApprovedResult;
    await client.complete({ original: auth.reference, amount: cny(48_000) });
    await client.authorize({ pan: b, amount: cny(7_000) }); // a hold: never settles
    await client.repaymentCredit({ pan: b, amount: cny(8_000) });
    const reversed = (await client.purchase({ pan: a, amount: cny(999) })) as ApprovedResult;
    expect(await client.reverse(reversed.reference)).toMatchObject({ outcome: 'acknowledged' });
    await h.fault({ kind: 'decline', responseCode: '05', mtis: ['0200'], remaining: 1 });
    expect((await client.purchase({ pan: a, amount: cny(111) })).outcome).toBe('declined');

    // Every account starts at a zero balance, so the settled net equals what the accounts owe now. Both
    // Beijing dates a run near midnight could span are read.
    const today = beijingDate(new Date());
    const yesterday = beijingDate(new Date(Date.now() - 86_400_000));
    let net = 0;
    const files: {
      entries: { code: string; amount: number; direction: string }[];
      summary: SettlementSummary;
    }[] = [];
    for (const date of [yesterday, today]) {
      const res = await h.admin<{ path: string; content: string; summary: SettlementSummary }>(
        'POST',
        `/admin/settlement/${date}`,
      );
      expect(res.status).toBe(201);
      expect(await readFile(res.body.path, 'utf8')).toBe(res.body.content);
      const parsed = parseSettlementFile(res.body.content);
      expect(parsed.summary).toEqual(res.body.summary);
      files.push(parsed);
      net += parsed.summary.net;
    }
    const accounts = (await h.admin<AccountView[]>('GET', '/admin/accounts')).body;
    expect(net).toBe(accounts.reduce((sum, acc) => sum + acc.balance.minor, 0));
    expect(net).toBe(12_345 - 2_345 + 48_000 - 8_000);

    const entries = files.flatMap((f) => f.entries);
    expect(entries.map((e) => [e.code, e.direction, e.amount]).sort()).toEqual(
      [
        ['PUR', 'D', 12_345],
        ['RFD', 'C', 2_345],
        ['PAC', 'D', 48_000],
        ['CRD', 'C', 8_000],
      ].sort(),
    );
    expect(files.map((f) => f.entries.length).reduce((x, y) => x + y)).toBe(4);
    expect(JSON.stringify(entries)).not.toContain(a);
  });

  it('refuses a malformed date', async () => {
    expect((await h.admin('POST', '/admin/settlement/2025-02-30')).status).toBe(400);
  });
});
