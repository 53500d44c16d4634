import { randomBytes } from 'node:crypto';
import { type ServerResponse } from 'node:http';
import { signAsWechatPay, SIGNTEST_PREFIX } from '@wxpay/wechatpay';
import { type FaultInjector } from '../faults/fault-injector';
import { type KeyMaterial } from '../keys/key-material';
import { header, type SimRequest } from './sim-request';

/**
 * Sends every /v3 answer the way WeChat Pay does: serialized once, signed over those bytes (204 included) with
 * the key the merchant's mode calls for, with a `Request-ID` whose suffix is 0 on success.
 */
export class WechatPayResponder {
  constructor(
    private readonly keys: KeyMaterial,
    private readonly faults: FaultInjector,
  ) {}

  send(req: SimRequest, res: ServerResponse, status: number, body?: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), 'utf8');
    const signer = this.keys.responseSigner(header(req, 'wechatpay-serial'));
    const signed = signAsWechatPay(signer.privateKey, signer.serial, bytes, Math.floor(Date.now() / 1000));
    const path = req.originalUrl.split('?')[0];
    const fault = this.faults.takeResponseSignatureFault(req.method ?? 'GET', path);
    let signature = signed['Wechatpay-Signature'];
    if (fault === 'signtest') signature = `${SIGNTEST_PREFIX}${signature}`;
    if (fault === 'bad-signature') signature = corrupt(signature);
    res.statusCode = status;
    res.setHeader('Request-ID', requestId(status));
    for (const [k, v] of Object.entries(signed)) res.setHeader(k, v);
    res.setHeader('Wechatpay-Signature', signature);
    if (bytes.length) res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', String(bytes.length));
    res.end(bytes);
  }
}

function requestId(status: number): string {
  const suffix = status < 400 ? '0' : String(268_435_456 + status); // error number after the last '-'
  return `${randomBytes(14).toString('hex').toUpperCase()}-${suffix}`;
}

/** Same length and alphabet, different bytes: fails verification without failing base64 decoding. */
export function corrupt(signatureBase64: string): string {
  const b = Buffer.from(signatureBase64, 'base64');
  b[b.length >> 1] ^= 0xff;
  return b.toString('base64');
}
