import { inspect } from 'node:util';
import {
  ApiV3Key,
  VerificationFailure,
  WechatPayNotificationParser,
  WechatPayVerificationError,
  type VerifiedNotification,
} from '../src';
import {
  API_V3_KEY_TEXT,
  APPID,
  MCHID,
  apiV3Key,
  flipByte,
  keyStoreFor,
  notificationBody,
  signedHeaders,
  transactionResource,
  wechatPayKeys,
  type WechatPayKeys,
} from './fixtures';

const keys: WechatPayKeys = wechatPayKeys();
const certSigner = { privateKey: keys.cert.privateKey, serial: keys.cert.serial };
const pkSigner = { privateKey: keys.pk.privateKey, serial: keys.pk.id };
const NOW_MS = Date.now();
const NOW = Math.floor(NOW_MS / 1000);

function parser(
  mode: 'certificate' | 'public-key' | 'both' = 'both',
  extra: { onUnknownSerial?: jest.Mock } = {},
) {
  return new WechatPayNotificationParser({
    apiV3Key,
    keyStore: keyStoreFor(keys, mode),
    clock: () => NOW_MS,
    expectedMchid: MCHID,
    expectedAppid: APPID,
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<WechatPayVerificationError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WechatPayVerificationError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('WechatPayNotificationParser: accepts genuine notifications', () => {
  it.each([
    ['platform certificate', 'certificate', certSigner],
    ['WeChat Pay public key', 'public-key', pkSigner],
    ['certificate during a migration', 'both', certSigner],
    ['public key during a migration', 'both', pkSigner],
  ] as const)('signed with the %s', async (_label, mode, signer) => {
    const body = notificationBody();
    const n = await parser(mode).parse(signedHeaders(body, signer, NOW), body);
    expect(n.kind).toBe('transaction');
    if (n.kind !== 'transaction') return;
    expect(n.transaction).toMatchObject({
      out_trade_no: 'ORDER-0001',
      trade_state: 'SUCCESS',
      amount: { total: 1999 },
    });
    expect(n.meta).toMatchObject({ eventType: 'TRANSACTION.SUCCESS', serial: signer.serial, timestamp: NOW });
    expect(n.meta.keyKind).toBe(signer === pkSigner ? 'public-key' : 'platform-certificate');
  });

  it('matches hex certificate serials case-insensitively (lower-case serials have been observed)', async () => {
    const body = notificationBody();
    const headers = signedHeaders(body, { ...certSigner, serial: keys.cert.serial.toLowerCase() }, NOW);
    await expect(parser('certificate').parse(headers, body)).resolves.toMatchObject({ kind: 'transaction' });
  });

  it('accepts a fetch Headers object and mixed-case record keys', async () => {
    const body = notificationBody();
    const lower = signedHeaders(body, certSigner, NOW);
    const upper = Object.fromEntries(Object.entries(lower).map(([k, v]) => [k.toUpperCase(), v]));
    await expect(parser().parse(new Headers(lower), body)).resolves.toMatchObject({ kind: 'transaction' });
    await expect(parser().parse(upper, body)).resolves.toMatchObject({ kind: 'transaction' });
  });

  it('types refund and papay contract resources', async () => {
    const refund = notificationBody({
      eventType: 'REFUND.SUCCESS',
      associatedData: 'refund',
      originalType: 'refund',
      resource: {
        mchid: MCHID,
        transaction_id: '42000001',
        out_trade_no: 'ORDER-0001',
        refund_id: '50300001',
        out_refund_no: 'R-1',
        refund_status: 'SUCCESS',
        success_time: '2025-01-02T10:00:00+08:00',
        user_received_account: '招商银行信用卡0403',
        amount: { total: 1999, refund: 500, payer_total: 1999, payer_refund: 500 },
      },
    });
    const contract = notificationBody({
      eventType: 'ENTRUST.SIGN',
      associatedData: 'entrust',
      originalType: 'entrust',
      resource: {
        mchid: MCHID,
        appid: APPID,
        contract_id: 'C-1',
        plan_id: 12535,
        out_contract_code: 'OC-1',
        contract_state: 'SIGNED',
        openid: 'o-1',
      },
    });
    const r = await parser().parse(signedHeaders(refund, pkSigner, NOW), refund);
    const c = await parser().parse(signedHeaders(contract, pkSigner, NOW), contract);
    expect(r).toMatchObject({
      kind: 'refund',
      refund: { refund_status: 'SUCCESS', amount: { refund: 500 } },
    });
    expect(c).toMatchObject({ kind: 'contract', contract: { contract_state: 'SIGNED', plan_id: '12535' } });
  });

  it('passes unknown event types through as unrecognized, still verified and decrypted', async () => {
    const body = notificationBody({ eventType: 'SECURITY_ECHO.SUCCESS', resource: { echo: 'x' } });
    const n: VerifiedNotification = await parser().parse(signedHeaders(body, pkSigner, NOW), body);
    expect(n).toMatchObject({
      kind: 'unrecognized',
      eventType: 'SECURITY_ECHO.SUCCESS',
      resource: { echo: 'x' },
    });
  });

  it('accepts a timestamp exactly 300 s old or ahead', async () => {
    const body = notificationBody();
    await expect(parser().parse(signedHeaders(body, pkSigner, NOW - 300), body)).resolves.toBeDefined();
    await expect(parser().parse(signedHeaders(body, pkSigner, NOW + 300), body)).resolves.toBeDefined();
  });

  it('takes the JSON a framework already parsed from the bytes, and still checks the signature over the bytes', async () => {
    const body = notificationBody();
    const headers = signedHeaders(body, pkSigner, NOW);
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    await expect(parser().parse(headers, body, parsed)).resolves.toEqual(await parser().parse(headers, body));
    // The parsed form is what is read: a framework's JSON that is no envelope is refused as such…
    expect((await rejection(parser().parse(headers, body, { id: 'x' }))).code).toBe(
      VerificationFailure.BAD_ENVELOPE,
    );
    // …and bytes that do not carry their signature are refused whatever came parsed with them.
    const tampered = Buffer.from(body.toString('utf8').replace('"id":"', '"id":"x'));
    expect((await rejection(parser().parse(headers, tampered, parsed))).code).toBe(
      VerificationFailure.BAD_SIGNATURE,
    );
  });
});

describe('WechatPayNotificationParser: rejects forgeries with the right code and no side effect', () => {
  const genuine = notificationBody();

  function resigned(body: Buffer): [Record<string, string>, Buffer] {
    // Defence in depth: even with a valid signature (say, a compromised signing path) the GCM tag must hold.
    return [signedHeaders(body, pkSigner, NOW), body];
  }

  const cases: Array<[string, () => [Record<string, string>, Buffer], VerificationFailure]> = [
    [
      'tampered body',
      () => {
        const h = signedHeaders(genuine, pkSigner, NOW);
        return [h, Buffer.from(genuine.toString().replace('支付成功', '支付失败'))];
      },
      VerificationFailure.BAD_SIGNATURE,
    ],
    [
      'tampered ciphertext',
      () =>
        resigned(
          notificationBody({ tamperResource: (r) => ({ ...r, ciphertext: flipByte(r.ciphertext, 3) }) }),
        ),
      VerificationFailure.DECRYPT_FAILED,
    ],
    [
      'wrong tag',
      () =>
        resigned(
          notificationBody({
            tamperResource: (r) => {
              const b = Buffer.from(r.ciphertext, 'base64');
              return { ...r, ciphertext: flipByte(r.ciphertext, b.length - 1) };
            },
          }),
        ),
      VerificationFailure.DECRYPT_FAILED,
    ],
    [
      'wrong associated data',
      () => resigned(notificationBody({ tamperResource: (r) => ({ ...r, associated_data: 'refund' }) })),
      VerificationFailure.DECRYPT_FAILED,
    ],
    [
      'wrong APIv3 key',
      () => resigned(notificationBody({ key: ApiV3Key.from('another-apiv3-key-0123456789abcd') })),
      VerificationFailure.DECRYPT_FAILED,
    ],
    [
      'stale timestamp',
      () => [signedHeaders(genuine, pkSigner, NOW - 301), genuine],
      VerificationFailure.STALE_TIMESTAMP,
    ],
    [
      'future timestamp',
      () => [signedHeaders(genuine, pkSigner, NOW + 301), genuine],
      VerificationFailure.FUTURE_TIMESTAMP,
    ],
    [
      'millisecond timestamp',
      () => [signedHeaders(genuine, pkSigner, NOW_MS), genuine],
      VerificationFailure.FUTURE_TIMESTAMP,
    ],
    [
      'unknown serial',
      () => [
        signedHeaders(genuine, { ...pkSigner, serial: 'PUB_KEY_ID_0000000000000000000000000099' }, NOW),
        genuine,
      ],
      VerificationFailure.UNKNOWN_SERIAL,
    ],
    [
      'SIGNTEST probe',
      () => {
        const h = signedHeaders(genuine, pkSigner, NOW);
        return [{ ...h, 'wechatpay-signature': `WECHATPAY/SIGNTEST/${h['wechatpay-signature']}` }, genuine];
      },
      VerificationFailure.SIGNTEST_PROBE,
    ],
    [
      'signature not base64',
      () => [{ ...signedHeaders(genuine, pkSigner, NOW), 'wechatpay-signature': '%%%' }, genuine],
      VerificationFailure.BAD_SIGNATURE,
    ],
    [
      'signed by the other key under this serial',
      () => [signedHeaders(genuine, { privateKey: keys.cert.privateKey, serial: keys.pk.id }, NOW), genuine],
      VerificationFailure.BAD_SIGNATURE,
    ],
    [
      'SM2 signature type',
      () => [
        { ...signedHeaders(genuine, pkSigner, NOW), 'wechatpay-signature-type': 'WECHATPAY2-SM2-WITH-SM3' },
        genuine,
      ],
      VerificationFailure.UNSUPPORTED_ALGORITHM,
    ],
    ['non-JSON body', () => resigned(Buffer.from('<xml>not json</xml>')), VerificationFailure.NOT_JSON],
    ['JSON that is no envelope', () => resigned(Buffer.from('{"id":"x"}')), VerificationFailure.BAD_ENVELOPE],
    [
      'resource of the wrong shape',
      () => resigned(notificationBody({ resource: transactionResource({ trade_state: 'PAID_MAYBE' }) })),
      VerificationFailure.BAD_RESOURCE,
    ],
    [
      'resource for another merchant',
      () => resigned(notificationBody({ resource: transactionResource({ mchid: '1230000109' }) })),
      VerificationFailure.MERCHANT_MISMATCH,
    ],
    [
      'unsupported resource algorithm',
      () => resigned(notificationBody({ tamperResource: (r) => ({ ...r, algorithm: 'AEAD_SM4_GCM' }) })),
      VerificationFailure.UNSUPPORTED_ALGORITHM,
    ],
    [
      'oversized body',
      () => {
        const big = Buffer.alloc(64 * 1024 + 1, 0x20);
        return [signedHeaders(big, pkSigner, NOW), big];
      },
      VerificationFailure.BODY_TOO_LARGE,
    ],
  ];

  it.each(cases)('%s', async (_label, build, code) => {
    const onUnknownSerial = jest.fn().mockResolvedValue(false);
    const p = parser('both', { onUnknownSerial });
    const [headers, body] = build();
    const bodyCopy = Buffer.from(body);
    const err = await rejection(p.parse(headers, body));
    expect(err.code).toBe(code);
    expect(body.equals(bodyCopy)).toBe(true); // the caller's buffer is never modified
    // A public-key id cannot be downloaded: no refresh is triggered for it, nor for anything else here.
    expect(onUnknownSerial).not.toHaveBeenCalled();
  });

  it.each(['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Signature', 'Wechatpay-Serial'])(
    'missing %s',
    async (name) => {
      const headers = signedHeaders(genuine, pkSigner, NOW);
      delete headers[name.toLowerCase()];
      const err = await rejection(parser().parse(headers, genuine));
      expect(err.code).toBe(VerificationFailure.MISSING_HEADER);
      expect(err.context.header).toBe(name);
    },
  );

  it('rejects a header sent twice', async () => {
    const headers: Record<string, string | string[]> = signedHeaders(genuine, pkSigner, NOW);
    headers['wechatpay-serial'] = [keys.pk.id, keys.cert.serial];
    expect((await rejection(parser().parse(headers, genuine))).code).toBe(
      VerificationFailure.MALFORMED_HEADER,
    );
  });

  it('checks the timestamp before touching the key store (a stale replay with an unknown serial is STALE)', async () => {
    const headers = signedHeaders(genuine, { ...certSigner, serial: 'ABCDEF' }, NOW - 3600);
    expect((await rejection(parser().parse(headers, genuine))).code).toBe(
      VerificationFailure.STALE_TIMESTAMP,
    );
  });

  it('asks for one certificate refresh on an unknown certificate serial, then retries once', async () => {
    const store = keyStoreFor(keys, 'public-key');
    const onUnknownSerial = jest.fn(async () => {
      store.addPlatformCertificate(keys.cert.pem);
      return true;
    });
    const p = new WechatPayNotificationParser({
      apiV3Key,
      keyStore: store,
      clock: () => NOW_MS,
      onUnknownSerial,
    });
    await expect(p.parse(signedHeaders(genuine, certSigner, NOW), genuine)).resolves.toMatchObject({
      kind: 'transaction',
    });
    expect(onUnknownSerial).toHaveBeenCalledWith(keys.cert.serial);
  });

  it('never carries the APIv3 key in errors', async () => {
    const errors: unknown[] = [];
    const body = notificationBody({ key: ApiV3Key.from('another-apiv3-key-0123456789abcd') });
    errors.push(await rejection(parser().parse(signedHeaders(body, pkSigner, NOW), body)));
    try {
      ApiV3Key.from(`${API_V3_KEY_TEXT}\n`);
    } catch (e) {
      errors.push(e);
    }
    expect(errors).toHaveLength(2);
    expect((errors[1] as WechatPayVerificationError).code).toBe(VerificationFailure.WRONG_KEY_LENGTH);
    for (const e of errors) {
      const dump = `${String(e)} ${JSON.stringify(e)} ${inspect(e, { depth: 10, showHidden: true })}`;
      expect(dump).not.toContain(API_V3_KEY_TEXT);
      expect(dump).not.toContain('another-apiv3-key');
    }
    expect(`${apiV3Key} ${JSON.stringify({ apiV3Key })} ${inspect(apiV3Key)}`).not.toContain(API_V3_KEY_TEXT);
  });
});
