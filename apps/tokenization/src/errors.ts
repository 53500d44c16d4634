/**
 * The vault's typed failures, independent of the transport (the gRPC layer maps them to status codes). Messages
 * are shown to callers and logged: they name fields and states, never a card number, CVN2 or key material.
 */
export type VaultErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'failed-precondition'
  | 'permission-denied'
  | 'already-exists'
  | 'unavailable'
  | 'data-loss';

export const Reasons = {
  tokenSuspended: 'TOKEN_SUSPENDED',
  tokenDeleted: 'TOKEN_DELETED',
  idempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  notOnAllowList: 'DETOKENIZE_NOT_ALLOWED',
  plaintextDetokenize: 'PLAINTEXT_DETOKENIZE_REFUSED',
} as const;

export class VaultError extends Error {
  override readonly name = 'VaultError';
  constructor(
    readonly kind: VaultErrorKind,
    message: string,
    readonly field?: string,
    readonly reason?: string,
  ) {
    super(message);
  }

  static invalid(field: string, message: string): VaultError {
    return new VaultError('invalid-argument', `${field}: ${message}`, field);
  }

  static tokenNotFound(): VaultError {
    return new VaultError('not-found', 'token: no such token', 'token');
  }
}
