import {
  amountField,
  applyMac,
  cupsHeader,
  encodeFrame,
  encryptSensitiveData,
  financialRequest,
  TRANSACTION_TYPES,
  transmissionDateTime,
  type ApprovedResult,
  type DeclinedResult,
  type TransactionReference,
  type UnionPayClient,
} from '@wxpay/unionpay';
import { RawAcquirer } from './support/raw-acquirer';
import { ChannelHarness, cny, testPan } from './support/harness';

jest.setTimeout(30_000);

describe('UnionPay channel over TLS: declines and refusals', () => {
  let h: ChannelHarness;
  let client: UnionPayClient;

  beforeAll(async () => {
    h = await ChannelHarness.start('decline');
    client = await h.client();
  });
  afterEach(() => h.clearFaults());
  afterAll(() => h.stop());

  async function declined(p: Promise<unknown>): Promise<DeclinedResult> {
    const r = (await p) as DeclinedResult;
    expect(r.outcome).toBe('declined');
    return r;
  }

  it.each([
    ['14', 'invalid card number', {}, false],
    ['51', 'insufficient funds', { limit: 500 }, true],
    ['61', 'exceeds amount limit', { singleLimit: 500 }, true],
    ['54', 'expired card', { status: 'expired' }, true],
    ['54', 'expired card', { expiry: '2001' }, true],
    ['41', 'lost card', { status: 'lost' }, true],
    ['43', 'stolen card', { status: 'stolen' }, true],
  ])('answers %s (%s) from the account state, and changes nothing', async (code, meaning, account, seed) => {
    const pan = testPan();
    const acct = seed ? await h.seedAccount(pan, account) : undefined;
    const r = await declined(
      client.authorize({
        pan,
        expiry: (account as { expiry?: string }).expiry ?? '3012',
        amount: cny(1_000),
      }),
    );
    expect(r).toMatchObject({ responseCode: code, meaning, responseClass: 'declined', retryable: false });
    if (acct) expect(await h.account(acct.id)).toMatchObject({ held: cny(0), balance: cny(0) });
    expect(await h.requestRow(r.reference.requestId)).toMatchObject({
      state: 'declined',
      response_code: code,
      reversal_state: 'none',
    });
  });

  it.each([
    ['05', 'do not honour', 'decline', false],
    ['96', 'system malfunction', 'decline', true],
    ['91', 'issuer unavailable', 'issuer-unavailable', true],
  ] as const)('answers %s (%s) when the switch is told to', async (code, meaning, kind, retryable) => {
    const pan = testPan();
    const acct = await h.seedAccount(pan);
    await h.fault({
      kind,
      responseCode: kind === 'decline' ? code : undefined,
      mtis: ['0200'],
      remaining: 1,
    });
    const r = await declined(client.purchase({ pan, amount: cny(2_000) }));
    expect(r).toMatchObject({ responseCode: code, meaning, retryable });
    expect((await h.account(acct.id)).balance).toEqual(cny(0));
    expect((await client.purchase({ pan, amount: cny(2_000) })).outcome).toBe('approved');
  });

  it('answers 25 for a completion of an unknown pre-authorisation, 12 for a second completion, 13 for an over-refund', async () => {
    const pan = testPan();
    await h.seedAccount(pan);
    const auth = (await client.authorize({ pan, amount: cny(5_000) })) as ApprovedResult;
    const ghost: TransactionReference = {
      ...auth.reference,
      stan: '999998',
      requestId: '00000000-0000-4000-8000-000000000000',
    };
    expect(await declined(client.complete({ original: ghost, amount: cny(100) }))).toMatchObject({
      responseCode: '25',
    });
    expect((await client.complete({ original: auth.reference, amount: cny(5_000) })).outcome).toBe(
      'approved',
    );
    expect(await declined(client.complete({ original: auth.reference, amount: cny(5_000) }))).toMatchObject({
      responseCode: '12',
    });
    const purchase = (await client.purchase({ pan, amount: cny(1_000) })) as ApprovedResult;
    expect(await declined(client.refund({ original: purchase.reference, amount: cny(1_001) }))).toMatchObject(
      { responseCode: '13' },
    );
  });

  describe('raw messages', () => {
    let raw: RawAcquirer;
    beforeAll(async () => {
      raw = await RawAcquirer.connect({
        port: h.sim.tlsPort,
        tls: h.clientTls,
        switchId: h.bundle.switchId,
        acquirerId: h.bundle.acquirerId,
      });
      await raw.signOnAndGetKeys(
        h.bundle.keys.acquirerPrivateKey,
        h.bundle.keys.switchPublicKey,
        h.bundle.keys.zoneKey,
      );
    });
    afterAll(() => raw.close());

    function purchaseMessage(pan: string, minor: number) {
      const at = new Date();
      const stan = raw.nextStan();
      const f7 = transmissionDateTime(at);
      return financialRequest({
        type: TRANSACTION_TYPES.purchase,
        originator: {
          acquirerId: h.bundle.acquirerId,
          forwardingId: h.bundle.forwardingId,
          terminalId: 'RAW00001',
          merchantId: '898440000000009',
          merchantType: '5399',
        },
        trace: { stan, transmissionDateTime: f7, rrn: `${f7.slice(4)}${stan}`, at },
        amount: amountField(minor),
        currency: '156',
        keyGeneration: raw.keys!.generation,
        sensitiveData: encryptSensitiveData(raw.keys!.dataKey, { pan }),
      });
    }

    it('answers a bad MAC with A0 and does nothing else', async () => {
      const pan = testPan();
      const acct = await h.seedAccount(pan);
      const m = applyMac(purchaseMessage(pan, 3_000), raw.keys!.macKey);
      m.set(4, amountField(3_001)); // changed after MACing
      const answer = await raw.exchange(m);
      expect(answer.message.text(39)).toBe('A0');
      expect((await h.account(acct.id)).balance).toEqual(cny(0));
      expect(await h.journal(m.requireText(37))).toEqual([]);
    });

    it('answers a repeated transmission with 94 and applies it once', async () => {
      const pan = testPan();
      const acct = await h.seedAccount(pan);
      const m = applyMac(purchaseMessage(pan, 3_000), raw.keys!.macKey);
      expect((await raw.exchange(m)).message.text(39)).toBe('00');
      expect((await raw.exchange(m)).message.text(39)).toBe('94');
      expect((await h.account(acct.id)).balance).toEqual(cny(3_000));
    });

    it('rejects an undecodable body with a header reject code and the body echoed', async () => {
      const good = encodeFrame(
        cupsHeader(h.bundle.switchId, h.bundle.acquirerId),
        applyMac(purchaseMessage(testPan(), 100), raw.keys!.macKey),
      );
      const bad = Buffer.from(good);
      bad[4 + 46 + 4] |= 0x08; // announce field 5, which the profile does not define
      const answer = await raw.exchangeRaw(bad);
      expect(answer.rejectCode).toBe('10054');
      expect(answer.body.equals(bad.subarray(4 + 46))).toBe(true);
    });

    it('refuses financial messages before sign-on with C1', async () => {
      const other = await RawAcquirer.connect({
        port: h.sim.tlsPort,
        tls: h.clientTls,
        switchId: h.bundle.switchId,
        acquirerId: h.bundle.acquirerId,
      });
      try {
        const answer = await other.exchange(applyMac(purchaseMessage(testPan(), 100), raw.keys!.macKey));
        expect(answer.message.text(39)).toBe('C1');
      } finally {
        other.close();
      }
    });
  });
});
