import { generateKeyPairSync, randomUUID } from 'crypto';
import { mkdtemp, writeFile } from 'fs/promises';
import { Agent, request } from 'http';
import { tmpdir } from 'os';
import { join } from 'path';
import { performance } from 'perf_hooks';
import { ApiV3Key, encryptResource, signAsWechatPay } from '@wxpay/wechatpay';

/** Plays WeChat Pay for the ingestion benchmark: its keys, and notifications signed ahead of the timed run. */
export interface WechatPayKeys {
  env: Record<string, string>;
  sign(count: number): SignedNotification[];
}

export interface SignedNotification {
  headers: Record<string, string>;
  body: Buffer;
}

const MCHID = '1900000109';
const APPID = 'wx8888888888888888';
const PUBLIC_KEY_ID = 'PUB_KEY_ID_0119000001092026112500000000';

export async function wechatPayKeys(): Promise<WechatPayKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'payment-bench-keys-'));
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const apiV3Text = randomUUID().replace(/-/g, '');
  const pubFile = join(dir, 'wechatpay-public-key.pem');
  const merchantFile = join(dir, 'apiclient_key.pem');
  await writeFile(pubFile, platform.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(merchantFile, merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const apiV3Key = ApiV3Key.from(apiV3Text);
  return {
    env: {
      WECHATPAY_MCHID: MCHID,
      WECHATPAY_APPID: APPID,
      WECHATPAY_APIV3_KEY: apiV3Text,
      WECHATPAY_MERCHANT_KEY_FILE: merchantFile,
      WECHATPAY_MERCHANT_SERIAL: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01',
      WECHATPAY_PUBLIC_KEY_ID: PUBLIC_KEY_ID,
      WECHATPAY_PUBLIC_KEY_FILE: pubFile,
    },
    sign(count: number): SignedNotification[] {
      const out: SignedNotification[] = [];
      const now = Math.floor(Date.now() / 1000);
      for (let i = 0; i < count; i++) {
        const outTradeNo = randomUUID().replace(/-/g, '');
        const resource = JSON.stringify({
          appid: APPID,
          mchid: MCHID,
          out_trade_no: outTradeNo,
          transaction_id: `4200${String(i).padStart(24, '0')}`,
          trade_type: 'JSAPI',
          trade_state: 'SUCCESS',
          trade_state_desc: '支付成功',
          bank_type: 'OTHERS',
          success_time: '2026-11-25T21:49:35+08:00',
          payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
          amount: { total: 1000, payer_total: 1000, currency: 'CNY', payer_currency: 'CNY' },
        });
        const body = Buffer.from(
          JSON.stringify({
            id: randomUUID(),
            create_time: '2026-11-25T21:49:36+08:00',
            resource_type: 'encrypt-resource',
            event_type: 'TRANSACTION.SUCCESS',
            summary: '支付成功',
            resource: { original_type: 'transaction', ...encryptResource(resource, apiV3Key, 'transaction') },
          }),
        );
        out.push({
          headers: {
            ...signAsWechatPay(platform.privateKey, PUBLIC_KEY_ID, body, now),
            'Content-Type': 'application/json',
          },
          body,
        });
      }
      return out;
    },
  };
}

export interface LoadResult {
  sent: number;
  ok: number;
  seconds: number;
  latenciesMs: number[];
}

/** Posts every notification with `concurrency` requests in flight over keep-alive connections. */
export async function postAll(
  url: string,
  notifications: SignedNotification[],
  concurrency: number,
): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const latenciesMs: number[] = [];
  let ok = 0;
  let next = 0;
  const post = (n: SignedNotification) =>
    new Promise<number>((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: { ...n.headers, 'Content-Length': String(n.body.length) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(n.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < notifications.length; i = next++) {
        const t = performance.now();
        const status = await post(notifications[i]!);
        latenciesMs.push(performance.now() - t);
        if (status === 204) ok++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { sent: notifications.length, ok, seconds, latenciesMs };
}
