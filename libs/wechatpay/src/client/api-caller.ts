import { type z } from 'zod';
import { TransportFailure, WechatPayApiError, WechatPayTransportError } from '../errors/api-error';
import { errorBodySchema } from '../models/error-body';
import { type WechatPaySignatureVerifier } from '../verification/signature-verifier';
import { type RawResponse, type WechatPayHttp, type WechatPayRequest } from './wechatpay-http';

/**
 * Turns raw answers into typed results: 2xx answers are verified (a 2xx without valid WeChat signature headers is
 * treated as forged, 204 included) and parsed; other statuses become WechatPayApiError. Error bodies are not
 * verified, like the official SDKs: they carry nothing we act on except the code.
 */
export class ApiCaller {
  constructor(
    private readonly http: WechatPayHttp,
    private readonly verifier: WechatPaySignatureVerifier,
  ) {}

  async json<S extends z.ZodType>(req: WechatPayRequest, schema: S): Promise<z.output<S>> {
    const res = await this.verified(req);
    let json: unknown;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      throw badResponse(res, 'answer is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 5);
      throw badResponse(res, `answer lacks documented fields: ${fields.join(', ')}`);
    }
    return parsed.data;
  }

  /** For calls documented to answer 204 (close, pre-deduction notice); a verified 200 is accepted too. */
  async noContent(req: WechatPayRequest): Promise<void> {
    await this.verified(req);
  }

  /** Sends without verifying; the certificate download verifies with the certificates it has just decrypted. */
  async unverified(req: WechatPayRequest): Promise<RawResponse> {
    const res = await this.http.send(req);
    if (res.status < 200 || res.status > 299) throw apiError(res);
    return res;
  }

  private async verified(req: WechatPayRequest): Promise<RawResponse> {
    const res = await this.unverified(req);
    await this.verifier.verifyAllowingRefresh(res.headers, res.body);
    return res;
  }
}

function apiError(res: RawResponse): WechatPayApiError {
  let code = `HTTP_${res.status}`;
  let message = 'WeChat Pay answered without an error body';
  let detail: unknown;
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(res.body.toString('utf8')));
    if (parsed.success) ({ code, message, detail } = parsed.data);
  } catch {
    // keep the generic code: a proxy or load balancer answered, not WeChat's API
  }
  return new WechatPayApiError(res.status, code, message, res.requestId, detail, res.attempts);
}

function badResponse(res: RawResponse, message: string): WechatPayTransportError {
  return new WechatPayTransportError(TransportFailure.BAD_RESPONSE, message, res.attempts);
}
