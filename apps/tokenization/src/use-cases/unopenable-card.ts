import { type Logger } from '@wxpay/observability';
import { IntegrityError } from '../crypto/vault-crypto';
import { VaultErrors, vaultError } from '../errors';
import { UnknownKekVersionError } from '../keys/key-errors';

/**
 * What a caller is told when a stored card cannot be opened: its KEK is not loaded here (a rolling change of
 * keys: retry on another instance), or its bytes failed the integrity check (nothing is released; the token,
 * never the data, goes to the log). Anything else is rethrown as it is.
 */
export function unopenableCard(
  e: unknown,
  row: { token: string; kek_version: number | null },
  logger: Logger,
): never {
  if (e instanceof UnknownKekVersionError) {
    throw vaultError(VaultErrors.keyUnavailable, 'token: its key is not loaded here; retry');
  }
  if (!(e instanceof IntegrityError)) throw e;
  logger.error({ token: row.token, kekVersion: row.kek_version }, 'card record failed its integrity check');
  throw vaultError(
    VaultErrors.integrityFailure,
    'token: the card record failed its integrity check',
    'token',
  );
}
