import { type Client } from '@grpc/grpc-js';
import { GrpcStatus, unaryCall } from '@wxpay/grpc';
import { CounterpartyUnavailableError } from '../ports/port-errors';
import { CardSecret, CardUnavailableError, type VaultPort } from '../ports/vault.port';
import { grpcCodeOf, isTransient } from './grpc-status';

interface DetokenizeResponse {
  pan: string;
  expiry_month: string;
  expiry_year: string;
}

/** TokenVault.Detokenize over mutual-TLS gRPC (the vault allows it by our client certificate). */
export class VaultGrpcAdapter implements VaultPort {
  constructor(
    private readonly client: Client,
    private readonly deadlineMs: number,
  ) {}

  async detokenize(token: string, purpose: string): Promise<CardSecret> {
    try {
      const res = await unaryCall<DetokenizeResponse>(
        this.client,
        'Detokenize',
        { token, purpose },
        { deadlineMs: this.deadlineMs },
      );
      return new CardSecret(res.pan, res.expiry_month, res.expiry_year);
    } catch (e) {
      if (isTransient(e)) throw new CounterpartyUnavailableError('vault', 'Detokenize did not answer');
      switch (grpcCodeOf(e)) {
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
