/**
 * Every way an inbound WeChat Pay message (notification, API response, certificate download) or a decryption can
 * be refused. One class with a code keeps callers' `switch`es exhaustive and metrics labels bounded.
 */
export enum VerificationFailure {
  /** A required `Wechatpay-*` header is absent or empty (a 2xx response without them is treated as forged). */
  MISSING_HEADER = 'MISSING_HEADER',
  /** A header is present but malformed (non-numeric timestamp, repeated value, unknown signature type). */
  MALFORMED_HEADER = 'MALFORMED_HEADER',
  STALE_TIMESTAMP = 'STALE_TIMESTAMP',
  FUTURE_TIMESTAMP = 'FUTURE_TIMESTAMP',
  /** `Wechatpay-Signature` starts with `WECHATPAY/SIGNTEST/`: WeChat checks that we really verify. */
  SIGNTEST_PROBE = 'SIGNTEST_PROBE',
  UNKNOWN_SERIAL = 'UNKNOWN_SERIAL',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  BODY_TOO_LARGE = 'BODY_TOO_LARGE',
  NOT_JSON = 'NOT_JSON',
  /** The JSON is not a notification envelope (or a certificate list) as documented. */
  BAD_ENVELOPE = 'BAD_ENVELOPE',
  UNSUPPORTED_ALGORITHM = 'UNSUPPORTED_ALGORITHM',
  /** AES-GCM authentication failed: tampered ciphertext, wrong tag, wrong associated data or wrong APIv3 key. */
  DECRYPT_FAILED = 'DECRYPT_FAILED',
  WRONG_KEY_LENGTH = 'WRONG_KEY_LENGTH',
  /** The decrypted resource does not have the documented shape for its event type. */
  BAD_RESOURCE = 'BAD_RESOURCE',
  /** The decrypted resource names another merchant or app than ours (forged or misrouted). */
  MERCHANT_MISMATCH = 'MERCHANT_MISMATCH',
  /** A downloaded platform certificate is unreadable, expired or does not match its announced serial. */
  BAD_CERTIFICATE = 'BAD_CERTIFICATE',
}

/**
 * Never carries key material, plaintext or ciphertext: only the failure code, a fixed human sentence and
 * (where useful) public identifiers such as the serial that was not found.
 */
export class WechatPayVerificationError extends Error {
  override readonly name = 'WechatPayVerificationError';

  constructor(
    readonly code: VerificationFailure,
    message: string,
    /** Public, non-secret context (e.g. `{ serial }`) for logs and metrics. */
    readonly context: Readonly<Record<string, string | number>> = {},
  ) {
    super(`${code}: ${message}`);
  }
}

export function isVerificationError(e: unknown, code?: VerificationFailure): e is WechatPayVerificationError {
  return e instanceof WechatPayVerificationError && (code === undefined || e.code === code);
}
