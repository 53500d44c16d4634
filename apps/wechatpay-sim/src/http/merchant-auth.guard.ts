import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { verify } from 'node:crypto';
import { AUTH_SCHEME, parseAuthorization, requestSignMessage } from '@wxpay/wechatpay';
import { KeyMaterial } from '../keys/key-material';
import { wechatErrors } from './sim-api-error';
import { header, rawBody, type SimRequest } from './sim-request';

const MAX_SKEW_SECONDS = 300;

/**
 * Checks a merchant call as WeChat Pay's gateway does: Accept and User-Agent present, a well-formed
 * `WECHATPAY2-SHA256-RSA2048` Authorization, known mchid, the registered certificate serial, a timestamp within
 * 5 minutes, and the RSA signature over method, raw request-target, timestamp, nonce and raw body bytes.
 */
@Injectable()
export class MerchantAuthGuard implements CanActivate {
  constructor(private readonly keys: KeyMaterial) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<SimRequest>();
    if (!header(req, 'accept') || !header(req, 'user-agent')) {
      throw wechatErrors.invalidRequest('Http头缺少Accept或User-Agent');
    }
    const parsed = parseAuthorization(header(req, 'authorization'));
    if (!parsed.ok || parsed.scheme !== AUTH_SCHEME) {
      throw wechatErrors.signError('Http头Authorization值格式错误，请参考《微信支付API v3签名规则》', {
        detail: { issue: parsed.ok ? 'unknown schema' : parsed.reason },
        field: 'authorization',
        location: 'header',
      });
    }
    const p = parsed.params;
    const merchant = this.keys.merchant;
    if (p.mchid !== merchant.mchid) throw wechatErrors.mchNotExists();
    if (p.serial_no.toUpperCase() !== merchant.serial)
      throw wechatErrors.signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号');
    if (
      !/^\d{10}$/.test(p.timestamp) ||
      Math.abs(Date.now() / 1000 - Number(p.timestamp)) > MAX_SKEW_SECONDS
    ) {
      throw wechatErrors.signError('Http头Authorization中的timestamp与发起请求的时间不得超过5分钟');
    }
    const body = rawBody(req);
    const message = requestSignMessage(req.method ?? '', req.originalUrl, p.timestamp, p.nonce_str, body);
    let ok = false;
    try {
      ok = verify('sha256', message, merchant.publicKey, Buffer.from(p.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok) {
      const text = message.toString('utf8');
      throw wechatErrors.signError('签名错误，请检查后再试', {
        field: 'signature',
        location: 'authorization',
        detail: { issue: 'sign not match' },
        sign_information: {
          method: req.method,
          url: req.originalUrl,
          sign_message_length: message.length,
          truncated_sign_message: text.length > 120 ? `${text.slice(0, 120)}\n` : text,
        },
      });
    }
    return true;
  }
}
