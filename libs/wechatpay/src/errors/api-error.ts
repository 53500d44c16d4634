/** Error body documented for every v3 API: `{code, message, detail?}`. */
export interface WechatPayErrorBody {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

/**
 * WeChat Pay answered with a non-2xx status. Carries WeChat's own code and message (they may echo user input:
 * escape before display) and the Request-ID WeChat support asks for.
 */
export class WechatPayApiError extends Error {
  override readonly name = 'WechatPayApiError';

  constructor(
    readonly httpStatus: number,
    readonly code: string,
    readonly wechatMessage: string,
    readonly requestId: string | undefined,
    readonly detail: unknown,
    /** Number of attempts made, retries included. */
    readonly attempts: number,
  ) {
    super(`WeChat Pay ${httpStatus} ${code}: ${wechatMessage}`);
  }

  /** 5xx and 429: WeChat asks to retry with identical parameters (same out_trade_no / out_refund_no). */
  get retryable(): boolean {
    return this.httpStatus >= 500 || this.httpStatus === 429;
  }
}

export enum TransportFailure {
  /** No answer before the deadline: the call may or may not have taken effect; query before re-submitting. */
  TIMEOUT = 'TIMEOUT',
  /** Connection refused/reset, DNS failure, TLS failure. */
  NETWORK = 'NETWORK',
  /** The caller's AbortSignal fired. */
  ABORTED = 'ABORTED',
  /** A 2xx answer whose body is not the JSON the API documents. */
  BAD_RESPONSE = 'BAD_RESPONSE',
}

export class WechatPayTransportError extends Error {
  override readonly name = 'WechatPayTransportError';

  constructor(
    readonly kind: TransportFailure,
    message: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(`${kind}: ${message}`, options);
  }
}

/** Misconfiguration found at construction time (bad PEM, bad serial, bad URL). Messages never include keys. */
export class WechatPayConfigError extends Error {
  override readonly name = 'WechatPayConfigError';
}
