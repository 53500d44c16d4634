/**
 * Every failure this library reports on purpose is a GmCryptoError with a stable `code`.
 * Messages describe what was wrong with the *shape* of the input (lengths, encodings, options); they never
 * include key bytes, plaintext, MAC/tag values or decrypted data, so they are safe to log.
 */
export type GmCryptoErrorCode =
  | 'BAD_KEY_LENGTH'
  | 'BAD_IV_LENGTH'
  | 'BAD_INPUT_LENGTH'
  | 'BAD_PADDING'
  | 'BAD_OPTION'
  | 'TAG_MISMATCH'
  | 'INVALID_POINT'
  | 'INVALID_PRIVATE_KEY'
  | 'BAD_KEY_ENCODING'
  | 'BAD_SIGNATURE_ENCODING'
  | 'DECRYPT_FAILED';

export class GmCryptoError extends Error {
  override readonly name = 'GmCryptoError';

  constructor(
    readonly code: GmCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
