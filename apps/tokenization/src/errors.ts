import { DomainError, type CommonErrorCode } from '@wxpay/contracts';
import { GrpcStatus, type ErrorStatusTable } from '@wxpay/grpc';

/**
 * The vault's error codes (the TokenVault contract; each answered with the status below). Messages are shown to
 * callers and logged: they name fields and states, never a card number, CVN2 or key material.
 */
export const VaultErrors = {
  tokenNotFound: 'TOKEN_NOT_FOUND',
  tokenSuspended: 'TOKEN_SUSPENDED',
  tokenDeleted: 'TOKEN_DELETED',
  /** Detokenize on a plaintext (development) server without TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE. */
  plaintextDetokenize: 'PLAINTEXT_DETOKENIZE_REFUSED',
  /** The record is wrapped under a KEK this instance has not loaded (a rolling key change): retry elsewhere. */
  keyUnavailable: 'KEY_UNAVAILABLE',
  /** A concurrent tokenization of the same card failed after claiming it: retry. */
  tokenizeRetry: 'TOKENIZE_RETRY',
  /** The sealed record failed its integrity check: nothing is released. */
  integrityFailure: 'INTEGRITY_FAILURE',
} as const;

export type VaultErrorCode = (typeof VaultErrors)[keyof typeof VaultErrors] | CommonErrorCode;

export const VAULT_ERROR_STATUS: ErrorStatusTable<VaultErrorCode> = {
  TOKEN_NOT_FOUND: GrpcStatus.NOT_FOUND,
  TOKEN_SUSPENDED: GrpcStatus.FAILED_PRECONDITION,
  TOKEN_DELETED: GrpcStatus.FAILED_PRECONDITION,
  PLAINTEXT_DETOKENIZE_REFUSED: GrpcStatus.PERMISSION_DENIED,
  KEY_UNAVAILABLE: GrpcStatus.UNAVAILABLE,
  TOKENIZE_RETRY: GrpcStatus.UNAVAILABLE,
  INTEGRITY_FAILURE: GrpcStatus.DATA_LOSS,
};

export const vaultError = (code: VaultErrorCode, message: string, field?: string) =>
  new DomainError<VaultErrorCode>(code, message, { field });

export const tokenNotFound = () => vaultError(VaultErrors.tokenNotFound, 'token: no such token', 'token');

/** What the audit log records as a refused call's result. */
export function auditResultOf(e: DomainError): string {
  return AUDIT_RESULT[e.code as VaultErrorCode] ?? e.code.toLowerCase().replace(/_/g, '-');
}

const AUDIT_RESULT: Partial<Record<VaultErrorCode, string>> = {
  INVALID_ARGUMENT: 'invalid',
  CALLER_NOT_ALLOWED: 'denied',
  PLAINTEXT_DETOKENIZE_REFUSED: 'denied',
  TOKEN_NOT_FOUND: 'not-found',
  TOKEN_SUSPENDED: 'suspended',
  TOKEN_DELETED: 'deleted',
};
