import { CardSecret } from '@wxpay/card';
import { type TokenVaultService } from '@wxpay/contracts';
import { GrpcStatus, isServiceError, type ServiceClient } from '@wxpay/grpc';
import { CounterpartyUnavailableError } from '../ports/port-errors';
import { CardUnavailableError, type VaultPort } from '../ports/vault.port';

/** Statuses that mean "the vault did not decide" (down, slow, overloaded) rather than "the vault refused". */
const UNDECIDED = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNKNOWN,
  GrpcStatus.CANCELLED,
]);

/**
 * TokenVault.Detokenize over the typed client (mutual TLS; the server must be `spiffe://wxpay/tokenization`,
 * which admits `payment` by its caller table). A refusal tells why the card cannot be used; anything else is
 * the vault being unavailable.
 */
export class VaultAdapter implements VaultPort {
  constructor(
    private readonly client: ServiceClient<typeof TokenVaultService>,
    private readonly deadlineMs: number,
  ) {}

  async detokenize(token: string, purpose: string): Promise<CardSecret> {
    try {
      const res = await this.client.detokenize({ token, purpose }, { deadlineMs: this.deadlineMs });
      return new CardSecret(res.pan, res.expiry_month, res.expiry_year);
    } catch (e) {
      const code = isServiceError(e) ? e.code : undefined;
      if (code === undefined || UNDECIDED.has(code)) {
        throw new CounterpartyUnavailableError('vault', 'Detokenize did not answer');
      }
      switch (code) {
        case GrpcStatus.NOT_FOUND:
          throw new CardUnavailableError('NOT_FOUND');
        case GrpcStatus.FAILED_PRECONDITION:
          throw new CardUnavailableError('NOT_ACTIVE');
        case GrpcStatus.PERMISSION_DENIED:
        case GrpcStatus.UNAUTHENTICATED:
          throw new CardUnavailableError('DENIED');
        default:
          throw new CardUnavailableError('INVALID');
      }
    }
  }
}
