/*
 * Notifications verified + decrypted per second: libs/wechatpay's WechatPayNotificationParser (signature,
 * ±300 s window, SIGNTEST probe, key by serial, AES-GCM with the tag checked, envelope and resource schemas)
 * against wechatpay-node-v3 2.2.1's verifySign + decipher_gcm (signature only, no window, tag never checked)
 * on the same signed notifications, in one run. Rounds alternate so both see the same machine load.
 */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Pay from 'wechatpay-node-v3';
import {
  ApiV3Key,
  WechatPayKeyStore,
  WechatPayNotificationParser,
  createSelfSignedCertificate,
  encryptResource,
  signAsWechatPay,
} from '@wxpay/wechatpay';

const NOTIFICATIONS = 1000;
const ROUNDS = 4;
const ROUND_MS = 2500;
const KEY_TEXT = 'bench-apiv3-key-0123456789abcdef'; // 32 bytes, generated for the bench only

interface Signed {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly bodyText: string;
}

function fixtures() {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = createSelfSignedCertificate({ commonName: 'bench platform', ...pair });
  const key = ApiV3Key.from(KEY_TEXT);
  const now = Math.floor(Date.now() / 1000);
  const notes: Signed[] = [];
  for (let i = 0; i < NOTIFICATIONS; i++) {
    const resource = {
      appid: 'wx8888888888888888',
      mchid: '1900000109',
      out_trade_no: `BENCH${i.toString().padStart(8, '0')}`,
      transaction_id: `4200000000${String(i).padStart(18, '0')}`,
      trade_type: 'JSAPI',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'CMB_CREDIT',
      attach: '',
      success_time: '2025-01-01T10:00:00+08:00',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      amount: { total: 100 + i, payer_total: 100 + i, currency: 'CNY', payer_currency: 'CNY' },
    };
    const bodyText = JSON.stringify({
      id: `EV-${i}`,
      create_time: '2025-01-01T10:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        ...encryptResource(JSON.stringify(resource), key, 'transaction'),
      },
    });
    const body = Buffer.from(bodyText);
    const h = signAsWechatPay(pair.privateKey, cert.serial, body, now);
    notes.push({
      headers: Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v])),
      body,
      bodyText,
    });
  }
  return { notes, cert, key, pair };
}

interface Result {
  readonly name: string;
  readonly checks: string;
  ops: number;
  ms: number;
}

async function round(
  result: Result,
  notes: readonly Signed[],
  one: (n: Signed) => Promise<void> | void,
): Promise<void> {
  const start = performance.now();
  let i = 0;
  while (performance.now() - start < ROUND_MS) {
    for (let j = 0; j < 50; j++) await one(notes[i++ % notes.length]);
    result.ops += 50;
  }
  result.ms += performance.now() - start;
}

async function main(): Promise<void> {
  const { notes, cert, key } = fixtures();

  const store = new WechatPayKeyStore();
  store.addPlatformCertificate(cert.pem);
  const parser = new WechatPayNotificationParser({
    apiV3Key: key,
    keyStore: store,
    expectedMchid: '1900000109',
  });

  const pay = new Pay({
    appid: 'wx8888888888888888',
    mchid: '1900000109',
    serial_no: 'AB'.repeat(20),
    publicKey: Buffer.from('unused'),
    privateKey: Buffer.from('unused'),
  });
  // verifySign reads a static serial → PEM map (and would call WeChat for unknown serials): pre-fill it.
  const pemOfCertKey = new X509Certificate(cert.pem).publicKey.export({
    type: 'spki',
    format: 'pem',
  }) as string;
  (Pay as unknown as { certificates: Record<string, string> }).certificates[cert.serial] = pemOfCertKey;

  const ours: Result = {
    name: 'libs/wechatpay parse()',
    checks: 'sig + window + probe + GCM tag + schema',
    ops: 0,
    ms: 0,
  };
  const oursSync: Result = { name: 'libs/wechatpay parseSync()', checks: 'same, no await', ops: 0, ms: 0 };
  const theirs: Result = {
    name: 'wechatpay-node-v3 verifySign + decipher_gcm',
    checks: 'sig only',
    ops: 0,
    ms: 0,
  };

  const runOurs = async (n: Signed) => {
    const r = await parser.parse(n.headers, n.body);
    if (r.kind !== 'transaction') throw new Error('unexpected kind');
  };
  const runOursSync = (n: Signed) => {
    if (parser.parseSync(n.headers, n.body).kind !== 'transaction') throw new Error('unexpected kind');
  };
  const runTheirs = async (n: Signed) => {
    const ok = await pay.verifySign({
      timestamp: n.headers['wechatpay-timestamp'],
      nonce: n.headers['wechatpay-nonce'],
      body: n.bodyText,
      serial: n.headers['wechatpay-serial'],
      signature: n.headers['wechatpay-signature'],
    });
    if (!ok) throw new Error('package rejected a genuine notification');
    const r = (
      JSON.parse(n.bodyText) as { resource: { ciphertext: string; associated_data: string; nonce: string } }
    ).resource;
    const plain = pay.decipher_gcm<{ trade_state: string }>(
      r.ciphertext,
      r.associated_data,
      r.nonce,
      KEY_TEXT,
    );
    if (plain.trade_state !== 'SUCCESS') throw new Error('bad plaintext');
  };

  // Warm-up (JIT, KeyObject caches), then alternating rounds.
  for (const n of notes.slice(0, 200)) {
    await runOurs(n);
    runOursSync(n);
    await runTheirs(n);
  }
  for (let r = 0; r < ROUNDS; r++) {
    await round(theirs, notes, runTheirs);
    await round(ours, notes, runOurs);
    await round(oursSync, notes, runOursSync);
  }

  const rate = (x: Result) => (x.ops * 1000) / x.ms;
  const rows = [ours, oursSync, theirs].map((x) => ({
    implementation: x.name,
    'checks done': x.checks,
    'notifications/s': Math.round(rate(x)).toLocaleString('en-US'),
    'µs/notification': (1e6 / rate(x)).toFixed(1),
  }));
  console.log(
    `\n${NOTIFICATIONS} distinct signed TRANSACTION.SUCCESS notifications (RSA-2048), ${ROUNDS}×${ROUND_MS} ms per implementation\n`,
  );
  console.table(rows);
  console.log(`ratio libs/wechatpay parse() / wechatpay-node-v3: ${(rate(ours) / rate(theirs)).toFixed(2)}×`);
  console.log(
    `ratio libs/wechatpay parseSync() / wechatpay-node-v3: ${(rate(oursSync) / rate(theirs)).toFixed(2)}×`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
