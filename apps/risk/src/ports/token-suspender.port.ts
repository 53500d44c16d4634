/** The injection token of the TokenSuspender (the vault's typed client; tests put a recorder there). */
export const TOKEN_SUSPENDER = Symbol('TOKEN_SUSPENDER');

export interface SuspendRequest {
  token: string;
  reason: string;
  /** The same key for every retry of one suspension: the vault answers a repeat with the first result. */
  idempotencyKey: string;
}

/** How the engine asks the vault to suspend a card token (TokenVault.SuspendToken). */
export interface TokenSuspender {
  suspend(request: SuspendRequest): Promise<void>;
  /** Ends the client's channel (at shutdown, once the suspension worker has stopped). */
  close?(): void;
}

/** A refusal that retrying cannot change (unknown or deleted token, a request the vault calls invalid). */
export class PermanentSuspensionError extends Error {
  override readonly name = 'PermanentSuspensionError';
}
