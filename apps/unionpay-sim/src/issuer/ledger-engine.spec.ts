import { LedgerEngine, type LedgerSnapshot } from './ledger-engine';
import { type Account, type LedgerOutcome, type LedgerRequest } from './ledger-model';

const NOW = new Date('2025-07-11T07:48:41Z');
let stan = 0;

function account(over: Partial<Account> = {}): Account {
  return {
    id: 1,
    maskedPan: '622202*********0128',
    expiry: '3012',
    status: 'active',
    currency: 'CNY',
    creditLimit: 10_000,
    balance: 0,
    held: 0,
    singleLimit: null,
    ...over,
  };
}

function req(kind: LedgerRequest['kind'], amount: number, over: Partial<LedgerRequest> = {}): LedgerRequest {
  const s = String(++stan).padStart(6, '0');
  const mti = {
    preauth: '0100',
    purchase: '0200',
    completion: '0200',
    credit: '0200',
    refund: '0220',
    reversal: '0420',
  }[kind];
  return {
    kind,
    acquirerId: '49990000',
    terminalId: 'PAY00001',
    merchantId: 'M1',
    mti,
    processingCode: '000000',
    stan: s,
    transmitted: '0711154841',
    rrn: `154841${s}`,
    amount,
    currency: 'CNY',
    panIndex: kind === 'preauth' || kind === 'purchase' || kind === 'credit' ? 'aa' : undefined,
    ...over,
  };
}

const ref = (r: LedgerRequest) => ({ mti: r.mti, stan: r.stan, transmitted: r.transmitted });

/** One engine per batch, like the store; the snapshot carries state from batch to batch. */
class Issuer {
  acct = account();
  rows: LedgerSnapshot['rows'] = [];
  next = 1;

  batch(...requests: LedgerRequest[]): LedgerOutcome[] {
    const engine = new LedgerEngine(
      {
        accounts: [this.acct],
        rows: this.rows,
        existingTraces: new Set(),
        panIndexToAccount: new Map([['aa', 1]]),
      },
      () => this.next++,
      NOW,
    );
    const out = requests.map((r) => engine.apply(r));
    this.rows = [...this.rows, ...engine.newRows];
    return out;
  }
}

describe('issuer rules', () => {
  it('holds, completes and releases a pre-authorisation', () => {
    const i = new Issuer();
    const pre = req('preauth', 4_000);
    expect(i.batch(pre)[0]).toMatchObject({ responseCode: '00', authCode: expect.stringMatching(/^\d{6}$/) });
    expect(i.acct).toMatchObject({ held: 4_000, balance: 0 });
    expect(i.batch(req('completion', 3_500, { original: ref(pre) }))[0]).toMatchObject({
      responseCode: '00',
      settlementDate: '2025-07-11',
    });
    expect(i.acct).toMatchObject({ held: 0, balance: 3_500 });
  });

  it('declines by status, limits and funds without touching the account', () => {
    const i = new Issuer();
    i.acct.singleLimit = 2_000;
    expect(i.batch(req('purchase', 2_001))[0].responseCode).toBe('61');
    i.acct.singleLimit = null;
    expect(i.batch(req('purchase', 10_001))[0].responseCode).toBe('51');
    expect(i.batch(req('purchase', 1, { panIndex: 'bb' }))[0].responseCode).toBe('14');
    expect(i.batch(req('purchase', 1, { expiry: '2912' }))[0].responseCode).toBe('54');
    expect(i.batch(req('purchase', 1, { currency: 'USD' }))[0].responseCode).toBe('13');
    for (const [status, code] of [
      ['lost', '41'],
      ['stolen', '43'],
      ['expired', '54'],
    ] as const) {
      i.acct.status = status;
      expect(i.batch(req('purchase', 1))[0].responseCode).toBe(code);
    }
    expect(i.acct).toMatchObject({ balance: 0, held: 0 });
  });

  it('accepts a repayment credit whatever the card status', () => {
    const i = new Issuer();
    i.acct.status = 'lost';
    expect(i.batch(req('credit', 700))[0].responseCode).toBe('00');
    expect(i.acct.balance).toBe(-700);
  });

  it('answers 94 to a repeated trace, in the same batch or a later one', () => {
    const i = new Issuer();
    const p = req('purchase', 100);
    expect(i.batch(p, p).map((o) => o.responseCode)).toEqual(['00', '94']);
    expect(i.batch(p)[0].responseCode).toBe('94');
    expect(i.acct.balance).toBe(100);
  });

  it('undoes each kind exactly once, and answers a repeated reversal like the first', () => {
    const i = new Issuer();
    const p = req('purchase', 1_000);
    const c = req('credit', 300);
    i.batch(p, c);
    expect(i.acct.balance).toBe(700);
    const rp = req('reversal', 1_000, { original: ref(p) });
    expect(i.batch(rp, req('reversal', 300, { original: ref(c) })).map((o) => o.responseCode)).toEqual([
      '00',
      '00',
    ]);
    expect(i.acct.balance).toBe(0);
    expect(
      i.batch(req('reversal', 1_000, { original: ref(p), stan: rp.stan, transmitted: '0711154999' }))[0]
        .responseCode,
    ).toBe('00');
    expect(i.acct.balance).toBe(0);
    expect(i.rows.filter((r) => r.kind === 'reversal')).toHaveLength(2);
  });

  it('gives the hold back when a completion is reversed, so the acquirer can complete again', () => {
    const i = new Issuer();
    const pre = req('preauth', 2_000);
    const comp = req('completion', 2_000, { original: ref(pre) });
    i.batch(pre, comp);
    expect(i.acct).toMatchObject({ held: 0, balance: 2_000 });
    expect(i.batch(req('reversal', 2_000, { original: ref(comp) }))[0].responseCode).toBe('00');
    expect(i.acct).toMatchObject({ held: 2_000, balance: 0 });
    expect(i.batch(req('completion', 1_500, { original: ref(pre) }))[0].responseCode).toBe('00');
    expect(i.acct).toMatchObject({ held: 0, balance: 1_500 });
  });

  it('limits refunds to what is left of the original, and reversing a refund restores it', () => {
    const i = new Issuer();
    const p = req('purchase', 1_000);
    i.batch(p);
    const r1 = req('refund', 600, { original: ref(p) });
    expect(i.batch(r1)[0].responseCode).toBe('00');
    expect(i.batch(req('refund', 401, { original: ref(p) }))[0].responseCode).toBe('13');
    expect(i.batch(req('reversal', 600, { original: ref(r1) }))[0].responseCode).toBe('00');
    expect(i.batch(req('refund', 1_000, { original: ref(p) }))[0].responseCode).toBe('00');
    expect(i.acct.balance).toBe(0);
  });

  it('answers 25 to a reversal of an unknown original and then refuses that original if it arrives late', () => {
    const i = new Issuer();
    const p = req('purchase', 500);
    expect(i.batch(req('reversal', 500, { original: ref(p) }))[0].responseCode).toBe('25');
    expect(i.batch(p)[0].responseCode).toBe('12');
    expect(i.acct.balance).toBe(0);
  });

  it('answers 12 to a reversal of a declined original and 64 to an amount that differs', () => {
    const i = new Issuer();
    const big = req('purchase', 99_999);
    const ok = req('purchase', 100);
    i.batch(big, ok);
    expect(i.batch(req('reversal', 99_999, { original: ref(big) }))[0].responseCode).toBe('12');
    expect(i.batch(req('reversal', 101, { original: ref(ok) }))[0].responseCode).toBe('64');
    expect(i.acct.balance).toBe(100);
  });

  it('journals a forced answer and applies nothing; a forced answer to a reversal is not even journaled', () => {
    const i = new Issuer();
    const p = req('purchase', 100, { forcedResponse: '91' });
    expect(i.batch(p)[0].responseCode).toBe('91');
    expect(i.acct.balance).toBe(0);
    const ok = req('purchase', 100);
    i.batch(ok);
    expect(i.batch(req('reversal', 100, { original: ref(ok), forcedResponse: '96' }))[0].responseCode).toBe(
      '96',
    );
    expect(i.acct.balance).toBe(100);
    expect(i.rows.filter((r) => r.kind === 'reversal')).toHaveLength(0);
  });
});
