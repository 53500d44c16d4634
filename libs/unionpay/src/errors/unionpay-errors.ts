/**
 * Every deliberate failure of @wxpay/unionpay. Messages name fields, lengths and codes only: they never carry a
 * card number, a key, a MAC or any decrypted value, so they are safe to log and to return to callers.
 */
export type CodecErrorCode =
  | 'BAD_FRAME_LENGTH'
  | 'FRAME_TOO_LONG'
  | 'BAD_HEADER'
  | 'LENGTH_MISMATCH'
  | 'BAD_MTI'
  | 'TRUNCATED_BITMAP'
  | 'UNKNOWN_FIELD'
  | 'TRUNCATED_FIELD'
  | 'BAD_LENGTH_INDICATOR'
  | 'BAD_FIELD_LENGTH'
  | 'BAD_FIELD_CHARACTERS'
  | 'BAD_FIELD_TYPE'
  | 'TRAILING_BYTES'
  | 'MISSING_FIELD';

/** A frame or message that does not follow the profile (docs/unionpay-profile.md). */
export class UnionPayCodecError extends Error {
  override readonly name = 'UnionPayCodecError';

  constructor(
    readonly code: CodecErrorCode,
    message: string,
    /** ISO 8583 field number the problem is in, when it is in one. */
    readonly field?: number,
  ) {
    super(field === undefined ? message : `field ${field}: ${message}`);
  }
}

export type SecurityErrorCode =
  | 'MAC_MISSING'
  | 'MAC_MISMATCH'
  | 'NO_WORKING_KEYS'
  | 'UNKNOWN_KEY_GENERATION'
  | 'KCV_MISMATCH'
  | 'BAD_KEY_BLOCK'
  | 'BAD_SENSITIVE_DATA'
  | 'SIGN_ON_REJECTED'
  | 'BAD_SIGNATURE';

/** MAC, key-exchange, field-encryption and sign-on failures. */
export class UnionPaySecurityError extends Error {
  override readonly name = 'UnionPaySecurityError';

  constructor(
    readonly code: SecurityErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An argument to the typed API is unusable; nothing was written or sent. */
export class UnionPayRequestError extends Error {
  override readonly name = 'UnionPayRequestError';

  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(`${argument}: ${message}`);
  }
}

/**
 * The channel could not take the request (not connected, not signed on, no working keys, closing). Nothing
 * reached the switch, so nothing needs reversing: the caller may retry.
 */
export class ChannelUnavailableError extends Error {
  override readonly name = 'ChannelUnavailableError';
  readonly retryable = true;
}

/** Misconfiguration found at construction or start (bad key file, bad institution code). */
export class UnionPayConfigError extends Error {
  override readonly name = 'UnionPayConfigError';
}
