import { VerificationFailure, WechatPayVerificationError } from '../errors/verification-error';

const KEY_BYTES = 32;
const REDACTED = 'ApiV3Key(<redacted>)';

/**
 * The merchant's 32-byte APIv3 key, used raw as the AES-256-GCM key (it is not hex or base64). Held in a private
 * field and redacted from `toString`, `JSON.stringify` and `util.inspect`, so it cannot leak through an error
 * context or a log line by accident.
 */
export class ApiV3Key {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** @throws WechatPayVerificationError(WRONG_KEY_LENGTH) — the message gives the length, never the key. */
  static from(secret: string | Buffer): ApiV3Key {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    if (bytes.length !== KEY_BYTES) {
      // The most common cause of "decryption failed" reports is a key with a stray newline or 34 characters.
      throw new WechatPayVerificationError(
        VerificationFailure.WRONG_KEY_LENGTH,
        `the APIv3 key must be exactly ${KEY_BYTES} bytes, got ${bytes.length}`,
      );
    }
    return new ApiV3Key(bytes);
  }

  /** For the AES primitives only. */
  bytes(): Buffer {
    return this.#bytes;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
