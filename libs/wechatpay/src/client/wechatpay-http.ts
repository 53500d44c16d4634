import { isTracing, SpanKind, traced } from '@wxpay/observability';
import { TransportFailure, WechatPayConfigError, WechatPayTransportError } from '../errors/api-error';
import { type MerchantSigner } from '../signing/merchant-signer';
import { backoffDelay, mayRetry, type RetryMode } from './retry-policy';

export const WECHATPAY_API_BASE_URL = 'https://api.mch.weixin.qq.com';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface WechatPayRequest {
  readonly method: HttpMethod;
  /** Path with placeholders already substituted and percent-encoded (see `pathSegment`). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Serialized once; those exact bytes are signed and sent. */
  readonly body?: unknown;
  readonly retry: RetryMode;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly requestId: string | undefined;
  readonly attempts: number;
}

export interface WechatPayHttpOptions {
  readonly signer: MerchantSigner;
  readonly baseUrl?: string;
  /** WeChat rejects requests without one. */
  readonly userAgent?: string;
  /** Per attempt. */
  readonly attemptTimeoutMs?: number;
  /** For the whole call, retries included. */
  readonly deadlineMs?: number;
  readonly maxAttempts?: number;
  readonly backoffBaseMs?: number;
  /** `Wechatpay-Serial` to announce when the request does not set its own (SDKs send it on every call). */
  readonly wechatpaySerial?: () => string | undefined;
  readonly fetch?: typeof fetch;
}

/** Encodes one path placeholder value so the signed URL and the sent URL are the same bytes. */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Signing, deadlines and retries over fetch (undici). Each attempt is re-signed (fresh timestamp and nonce) and
 * sends the same body bytes. This replaces wechatpay-node-v3's transport: it hard-codes the host, has no timeouts,
 * signs a JSON.stringify separate from what superagent sends, and drops the last LF for empty POST bodies.
 */
export class WechatPayHttp {
  private readonly base: URL;
  private readonly fetchImpl: typeof fetch;
  private readonly userAgent: string;
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly backoffBaseMs: number;

  constructor(private readonly options: WechatPayHttpOptions) {
    try {
      this.base = new URL(options.baseUrl ?? WECHATPAY_API_BASE_URL);
    } catch {
      throw new WechatPayConfigError('the WeChat Pay base URL is not a valid URL');
    }
    this.fetchImpl = options.fetch ?? fetch;
    this.userAgent = options.userAgent ?? `wxpay-gateway/0.1 node/${process.version}`;
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 10_000;
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.backoffBaseMs = options.backoffBaseMs ?? 200;
  }

  /** One API call (with its retries) as a client span naming WeChat Pay as the peer. */
  send(req: WechatPayRequest): Promise<RawResponse> {
    if (!isTracing()) return this.sendWithRetries(req);
    return traced(
      `wechatpay ${req.method}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'peer.service': 'wechatpay', 'http.request.method': req.method, 'url.path': req.path },
      },
      async (span) => {
        const res = await this.sendWithRetries(req);
        span?.setAttributes({ 'http.response.status_code': res.status, 'wxpay.attempts': res.attempts });
        return res;
      },
    );
  }

  private async sendWithRetries(req: WechatPayRequest): Promise<RawResponse> {
    const url = this.url(req);
    const canonicalUrl = `${url.pathname}${url.search}`;
    const body = req.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(req.body), 'utf8');
    const deadline = Date.now() + this.deadlineMs;
    for (let attempt = 1; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new WechatPayTransportError(TransportFailure.TIMEOUT, 'call deadline exceeded', attempt - 1);
      }
      const last = attempt >= this.maxAttempts;
      let res: Response;
      let resBody: Buffer;
      try {
        const signal = req.signal
          ? AbortSignal.any([req.signal, AbortSignal.timeout(Math.min(this.attemptTimeoutMs, remaining))])
          : AbortSignal.timeout(Math.min(this.attemptTimeoutMs, remaining));
        res = await this.fetchImpl(url, {
          method: req.method,
          headers: this.headers(req, canonicalUrl, body),
          body: req.method === 'GET' ? undefined : body,
          signal,
          redirect: 'error',
        });
        resBody = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        const failure = classify(e, req.signal);
        if (failure === TransportFailure.ABORTED || last || !mayRetry(req.retry, { kind: 'transport' })) {
          throw new WechatPayTransportError(failure, describe(failure), attempt, { cause: e });
        }
        await this.pause(attempt, deadline, null);
        continue;
      }
      if (!last && mayRetry(req.retry, { kind: 'status', status: res.status })) {
        await this.pause(attempt, deadline, res.headers.get('retry-after'));
        continue;
      }
      return {
        status: res.status,
        headers: res.headers,
        body: resBody,
        requestId: res.headers.get('request-id') ?? undefined,
        attempts: attempt,
      };
    }
  }

  private url(req: WechatPayRequest): URL {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + req.path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.append(k, v);
    return url;
  }

  private headers(req: WechatPayRequest, canonicalUrl: string, body: Buffer): Record<string, string> {
    const signed = this.options.signer.signRequest(req.method, canonicalUrl, body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.userAgent,
      Authorization: signed.authorization,
    };
    if (body.length) headers['Content-Type'] = 'application/json';
    const serial = this.options.wechatpaySerial?.();
    if (serial) headers['Wechatpay-Serial'] = serial;
    return { ...headers, ...req.headers };
  }

  private async pause(attempt: number, deadline: number, retryAfter: string | null): Promise<void> {
    const delay = backoffDelay(attempt, { baseMs: this.backoffBaseMs, maxMs: 5_000 }, retryAfter);
    const wait = Math.max(0, Math.min(delay, deadline - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

function classify(e: unknown, callerSignal: AbortSignal | undefined): TransportFailure {
  if (callerSignal?.aborted) return TransportFailure.ABORTED;
  // DOMException (the signal's reason) is not an Error subclass in every realm: match on the name.
  const name = typeof e === 'object' && e !== null && 'name' in e ? String(e.name) : '';
  if (name === 'TimeoutError' || name === 'AbortError') return TransportFailure.TIMEOUT;
  return TransportFailure.NETWORK;
}

function describe(failure: TransportFailure): string {
  if (failure === TransportFailure.TIMEOUT) return 'no answer before the attempt deadline';
  if (failure === TransportFailure.ABORTED) return 'aborted by the caller';
  return 'network failure';
}
